"""Framework files refused whole, with one line naming the file, the place and the rule."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from acquis.errors import Invalid
from tests.support.frameworks import BRICKLAYING, only
from validation.frameworks.diff import compare
from validation.frameworks.exporters import write, write_case
from validation.frameworks.importers import (
    Format,
    FrameworkFileInvalid,
    read,
)
from validation.frameworks.inputs import FrameworkFile

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


# --- refusals --------------------------------------------------------------------------------

MINI_YAML = """\
frameworks:
  - code: F1
    title: {fr: Soudeur, en: Welder}
    units:
      - code: U1
        mandatory: true
        title: {fr: Souder, en: Weld}
        criteria:
          - {code: C1, critical: true, fr: Porte le masque, en: Wears the mask}
          - {code: C2, fr: Cordon régulier, en: Even bead}
"""
MINI_CSV = """\
framework_code,parent_code,code,node_type,title_fr,title_en,statement_fr,statement_en,\
mandatory,critical,required_evidence,currency_years,isco08,esco_uri
F1,,F1,framework,Soudeur,Welder,,,,,,,7212,
F1,F1,U1,unit,Souder,Weld,,,true,,practical_task,2,,
F1,U1,E1,element,Préparer,Prepare,,,,,,,,
F1,E1,C1,criterion,,,Porte le masque,Wears the mask,,true,,,,
F1,E1,C2,criterion,,,Cordon régulier,Even bead,,false,,,,
"""


def mini_yaml(old: str, new: str) -> bytes:
    assert old in MINI_YAML
    return MINI_YAML.replace(old, new).encode()


def mini_csv(old: str, new: str) -> bytes:
    assert old in MINI_CSV
    return MINI_CSV.replace(old, new).encode()


def bricklaying_with(change: Callable[[dict[str, Any], dict[str, dict[str, Any]]], None]) -> bytes:
    package = json.loads(BRICKLAYING.read_bytes())
    items = {item["humanCodingScheme"]: item for item in package["CFItems"]}
    change(package, items)
    return json.dumps(package, indent=2).encode()


def reparent(code: str, parent: str) -> Callable[[dict[str, Any], dict[str, Any]], None]:
    def change(package: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
        for association in package["CFAssociations"]:
            origin = association["originNodeURI"]["identifier"]
            if association["associationType"] == "isChildOf" and origin == items[code]["identifier"]:
                target = items.get(parent, {"identifier": parent, "uri": "urn:x"})
                association["destinationNodeURI"] = {"identifier": target["identifier"], "uri": "urn:x"}

    return change


def second_parent(package: dict[str, Any], items: dict[str, dict[str, Any]]) -> None:
    """Place criterion BRK.2.1 under unit BRK.4 as well as under BRK.2."""
    placing = next(
        a
        for a in package["CFAssociations"]
        if a["associationType"] == "isChildOf"
        and a["originNodeURI"]["identifier"] == items["BRK.2.1"]["identifier"]
    )
    unit = {"identifier": items["BRK.4"]["identifier"]}
    package["CFAssociations"].append(placing | {"destinationNodeURI": unit})


def bad(name: str, source: str, data: bytes, where: str, rule: str) -> Any:
    return pytest.param(source, data, where, rule, id=name)


BAD_FILES = [
    bad("yaml syntax", "f.yaml", mini_yaml("en: Weld}", "en: Weld"), "line 8", "YAML syntax"),
    bad(
        "json syntax",
        "f.json",
        BRICKLAYING.read_bytes().replace(b'"creator":', b'"creator"', 1),
        "line 7",
        "JSON syntax",
    ),
    bad("empty yaml", "f.yaml", b"", "line 1", "the file is empty"),
    bad("empty csv", "f.csv", b"\xef\xbb\xbf \r\n", "line 1", "the file is empty"),
    bad("comments only", "f.yaml", b"# nothing yet\n", "line 1", "the file is empty"),
    bad("binary", "f.json", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\x00", "line 3", "binary content"),
    bad("not utf-8", "f.csv", MINI_CSV.encode("latin-1"), "line 4", "not UTF-8"),
    bad("duplicate code yaml", "f.yaml", mini_yaml("code: C2", "code: C1"), "line 10", "duplicate code C1"),
    bad("duplicate code csv", "f.csv", mini_csv("E1,C2,", "E1,C1,"), "line 6", "duplicate code C1 (first on line 5)"),
    bad(
        "duplicate code case",
        "f.json",
        bricklaying_with(lambda p, i: i["BRK.4.2"].update(humanCodingScheme="BRK.4.1")),
        "item BRK.4.1",
        "duplicate code BRK.4.1",
    ),
    bad("unknown parent csv", "f.csv", mini_csv("F1,E1,C2", "F1,E9,C2"), "line 6", "parent E9 does not exist"),
    bad(
        "unknown parent case",
        "f.json",
        bricklaying_with(reparent("BRK.2.1", "99999999-0000-4000-8000-000000000000")),
        "item BRK.2.1",
        "parent 99999999-0000-4000-8000-000000000000 does not exist",
    ),
    bad("cycle csv", "f.csv", mini_csv("F1,U1,E1", "F1,C1,E1"), "line 4", "cycle: E1 → C1 → E1"),
    bad("cycle case", "f.json", bricklaying_with(reparent("BRK.1", "BRK.1.1.1")), "item BRK.", "cycle:"),
    bad("two parents case", "f.json", bricklaying_with(second_parent), "item BRK.2.1", "two parents"),
    bad("too deep case", "f.json", bricklaying_with(reparent("BRK.4", "BRK.3.1.1")), "item BRK.3.1.1", "too deep"),
    bad(
        "missing French title yaml",
        "f.yaml",
        mini_yaml("{fr: Soudeur, en: Welder}", "{en: Welder}"),
        "line 3",
        "missing French title",
    ),
    bad(
        "empty French title csv",
        "f.csv",
        mini_csv("element,Préparer,", "element,,"),
        "line 4",
        "missing French title",
    ),
    bad(
        "missing French title case",
        "f.json",
        bricklaying_with(lambda p, i: p["CFDocument"].pop("title")),
        f"item {json.loads(BRICKLAYING.read_bytes())['CFDocument']['identifier']}",
        "missing French title",
    ),
    bad("missing criterion text", "f.yaml", mini_yaml("fr: Cordon régulier, ", ""), "line 10", "missing French text"),
    bad("unknown node type", "f.csv", mini_csv(",element,", ",elemnt,"), "line 4", "unknown node_type 'elemnt'"),
    bad(
        "bad boolean",
        "f.csv",
        mini_csv(",true,,practical_task", ",peut-être,,practical_task"),
        "line 3",
        "mandatory must be true or false, not 'peut-être'",
    ),
    bad(
        "bad integer",
        "f.csv",
        mini_csv("practical_task,2,", "practical_task,deux,"),
        "line 3",
        "currency_years must be a whole number, not 'deux'",
    ),
    bad("unknown column", "f.csv", mini_csv("isco08,esco_uri", "isco08,esco"), "line 1", "unknown column 'esco'"),
    bad(
        "duplicate key",
        "f.yaml",
        mini_yaml("    units:", "    code: F2\n    units:"),
        "line 4",
        "duplicate key 'code'",
    ),
    bad("yaml alias", "f.yaml", mini_yaml("- {code: C2", "- &c {code: C2") + b"          - *c\n", "line 11", "aliases"),
    bad("unknown key", "f.yaml", mini_yaml("mandatory: true", "mandatroy: true"), "line 6", "unknown key 'mandatroy'"),
    bad("control character", "f.yaml", mini_yaml("fr: Souder,", "fr: Sou\x07der,"), "line 7", "not allowed"),
    bad("json but not case", "f.json", b'{"CFItems": []}', "line 1", "not a CASE package"),
    bad("unknown extension", "f.xlsx", b"PK\x03\x04", "line 1", "unknown file type"),
]


@pytest.mark.parametrize(("source", "data", "where", "rule"), BAD_FILES)
def test_bad_file_is_refused_with_one_line_naming_file_place_and_rule(
    source: str, data: bytes, where: str, rule: str
) -> None:
    with pytest.raises(FrameworkFileInvalid) as refused:
        read(data, source=source)
    message = str(refused.value)
    assert message.startswith(f"{source}: {where}")
    assert rule in message
    assert "\n" not in message and len(message) <= 300
    assert isinstance(refused.value, Invalid) and refused.value.status_code == 422


def test_file_name_with_a_newline_still_gives_one_line() -> None:
    with pytest.raises(FrameworkFileInvalid) as refused:
        read(b"", source="evil\nname.yaml")
    assert str(refused.value) == "evil name.yaml: line 1: the file is empty"


def test_read_picks_the_format_from_the_file_name(tmp_path: Path, demo: FrameworkFile) -> None:
    one = only(demo, "DEMO-EDM-01")
    formats: list[tuple[str, Format]] = [("a.yml", "yaml"), ("b.CSV", "csv"), ("c.json", "case")]
    for name, fmt in formats:
        (tmp_path / name).write_bytes(write(one, format=fmt, changed_at=MONDAY))
        changes = compare(one.frameworks[0], read(tmp_path / name).frameworks[0])
        assert (changes.added, changes.removed, changes.changed) == ((), (), ())
    with pytest.raises(FrameworkFileInvalid, match=r"^missing\.yaml: line 1: cannot read"):
        read(tmp_path / "missing.yaml")


def test_case_export_refuses_a_file_of_several_frameworks(demo: FrameworkFile) -> None:
    with pytest.raises(ValueError, match="exactly one framework"):
        write_case(demo)
