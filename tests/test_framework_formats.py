"""Framework files: the demo imports, every format round-trips, bad files are refused whole."""

import codecs
import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acquis.errors import Invalid
from validation.frameworks.diff import compare
from validation.frameworks.exporters import write, write_case, write_csv, write_yaml
from validation.frameworks.importers import (
    Format,
    FrameworkFileInvalid,
    read,
    read_case,
    read_csv,
    read_yaml,
)
from validation.frameworks.inputs import FrameworkFile, FrameworkIn

DEMO = Path(__file__).parents[1] / "validation" / "data" / "demo-frameworks.yaml"
DATA = Path(__file__).parent / "data" / "frameworks"
BRICKLAYING = DATA / "case-bricklaying-l2.json"
DEMO_CODES = ["DEMO-MAC-01", "DEMO-ELB-01", "DEMO-EDM-01", "DEMO-PL-01"]
MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ISCO_7112 = "http://data.europa.eu/esco/isco/C7112"


@pytest.fixture(scope="module")
def demo() -> FrameworkFile:
    return read(DEMO)


def only(file: FrameworkFile, code: str) -> FrameworkFile:
    """The file reduced to one framework, its file-level settings kept."""
    return file.model_copy(update={"frameworks": [f for f in file.frameworks if f.code == code]})


def criteria_codes(framework: FrameworkIn) -> list[str]:
    return [node.code for _, kind, node, _ in framework.nodes() if kind == "criterion"]


# --- the demo file ---------------------------------------------------------------------------


def test_demo_file_gives_four_frameworks_with_their_units_and_criteria_in_order(
    demo: FrameworkFile,
) -> None:
    assert [f.code for f in demo.frameworks] == DEMO_CODES
    mason, electrician, housekeeper, driver = demo.frameworks
    assert [u.code for u in mason.units] == ["MAC-U1", "MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    assert [len(criteria_codes(f)) for f in demo.frameworks] == [17, 13, 11, 0]
    assert criteria_codes(mason)[:4] == ["MAC-U1-E1-C1", "MAC-U1-E1-C2", "MAC-U1-E2-C1", "MAC-U1-E2-C2"]
    first = mason.units[0].elements[0].criteria[0]
    assert (first.critical, first.fr[:12]) == (True, "Porte casque")
    assert mason.units[4].mandatory is False and mason.title.fr.startswith("Maçon")
    assert (mason.isco08, mason.level_indicative and mason.level_indicative.eqf_like) == ("7112", 3)
    assert electrician.units[0].currency_years == 2
    assert housekeeper.qualification_rule and housekeeper.qualification_rule.mandatory_units == [
        "EDM-U1",
        "EDM-U2",
        "EDM-U3",
    ]
    assert driver.prerequisites[0].type == "licence" and driver.units[3].code == "PL-U4"
    assert demo.evidence_types and "oral_narrative" in demo.evidence_types


# --- YAML ------------------------------------------------------------------------------------


def test_yaml_export_of_the_demo_imports_back_to_the_same_frameworks(demo: FrameworkFile) -> None:
    exported = write_yaml(demo)
    again = read_yaml(exported, source="export.yaml")
    assert again == demo
    assert write_yaml(again) == exported


@pytest.mark.parametrize("code", DEMO_CODES)
def test_yaml_export_imported_and_exported_again_gives_the_same_bytes(
    demo: FrameworkFile, code: str
) -> None:
    first = write_yaml(only(demo, code))
    assert write_yaml(read_yaml(first, source="export.yaml")) == first


def test_yaml_export_keeps_the_demo_file_shape(demo: FrameworkFile) -> None:
    exported = yaml.safe_load(write_yaml(demo))
    original = yaml.safe_load(DEMO.read_bytes())
    assert list(exported) == list(original)
    for mine, theirs in zip(exported["frameworks"], original["frameworks"], strict=True):
        assert list(mine) == [key for key in theirs if theirs[key] is not None]
        assert [list(u) for u in mine["units"]] == [list(u) for u in theirs["units"]]
    assert write_yaml(demo).startswith(b"# ILLUSTRATIVE DEMO DATA")


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", DEMO_CODES)
def test_csv_export_imported_and_exported_again_gives_the_same_bytes(
    demo: FrameworkFile, code: str
) -> None:
    first = write_csv(only(demo, code))
    again = read_csv(first, source="export.csv")
    assert write_csv(again) == first
    changes = compare(only(demo, code).frameworks[0], again.frameworks[0])
    assert (changes.added, changes.removed, changes.changed) == ((), (), ())


def test_csv_export_is_one_row_per_node_under_the_agreed_columns(demo: FrameworkFile) -> None:
    text = write_csv(only(demo, "DEMO-MAC-01")).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:4] == ["framework_code", "parent_code", "code", "node_type"]
    assert len(rows) == 1 + 5 + 8 + 17  # framework, units, elements, criteria
    c1 = next(row for row in rows if row["code"] == "MAC-U1-E1-C1")
    assert (c1["parent_code"], c1["node_type"], c1["critical"]) == ("MAC-U1-E1", "criterion", "true")
    assert c1["statement_fr"].startswith("Porte casque")


def test_csv_saved_by_french_excel_reads_with_semicolons_bom_and_vrai_faux() -> None:
    welder = read(DATA / "soudeur-excel-fr.csv").frameworks[0]
    assert [u.code for u in welder.units] == ["SOU-U1", "SOU-U2", "SOU-U3"]
    assert welder.units[0].criteria[1].fr == "Éloigne les produits inflammables; vérifie l'extincteur"
    assert [c.critical for c in welder.units[0].criteria] == [True, True]
    assert welder.units[2].mandatory is False and welder.units[0].currency_years == 2
    # A criterion row listed before its element's row still lands under it, in row order.
    assert criteria_codes(welder)[2:4] == ["SOU-U2-E1-C1", "SOU-U2-E1-C2"]
    assert welder.units[1].required_evidence == ["practical_task", "photo_of_work"]


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_reads_the_same_with_or_without_bom_and_with_either_delimiter(
    demo: FrameworkFile, bom: bool, delimiter: str
) -> None:
    rows = csv.reader(io.StringIO(write_csv(demo).decode("utf-8-sig")))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    data = (codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode()
    assert write_csv(read_csv(data, source="sheet.csv")) == write_csv(demo)


def test_csv_export_defuses_formulas_and_reads_them_back_as_text(demo: FrameworkFile) -> None:
    data = only(demo, "DEMO-PL-01").model_dump()
    data["frameworks"][0]["units"][0]["title"]["fr"] = '=HYPERLINK("http://evil.example")'
    data["frameworks"][0]["units"][1]["title"]["fr"] = "-5 °C: démarrage à froid"
    file = FrameworkFile.model_validate(data)
    exported = write_csv(file)
    cells = [row["title_fr"] for row in csv.DictReader(io.StringIO(exported.decode("utf-8-sig")))]
    assert cells[1:3] == ['\'=HYPERLINK("http://evil.example")', "'-5 °C: démarrage à froid"]
    again = read_csv(exported, source="sheet.csv").frameworks[0]
    assert [u.title.fr for u in again.units[:2]] == [
        '=HYPERLINK("http://evil.example")',
        "-5 °C: démarrage à froid",
    ]


# --- CASE ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", DEMO_CODES)
def test_case_export_imported_and_exported_again_gives_the_same_package(
    demo: FrameworkFile, code: str
) -> None:
    first = write_case(only(demo, code), changed_at=MONDAY)
    assert write_case(only(demo, code), changed_at=MONDAY) == first  # identifiers are stable
    again = read_case(first, source="export.json")
    assert write_case(again, changed_at=datetime(2030, 1, 1, tzinfo=UTC)) == first
    assert compare(only(demo, code).frameworks[0], again.frameworks[0]).empty


def test_case_export_says_the_isco_group_and_keeps_what_case_has_no_field_for(
    demo: FrameworkFile,
) -> None:
    package = json.loads(write_case(only(demo, "DEMO-MAC-01"), changed_at=MONDAY))
    exact = [a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert [a["destinationNodeURI"]["uri"] for a in exact] == [ISCO_7112]
    item = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "MAC-U1-E1-C1")
    assert item["extensions"]["acquis"]["critical"] is True
    assert package["CFDocument"]["caseVersion"] == "1.1"


@pytest.fixture(scope="module")
def bricklaying() -> FrameworkIn:
    return read(BRICKLAYING).frameworks[0]


def test_case_package_top_level_items_become_units_in_sequence_order(
    bricklaying: FrameworkIn,
) -> None:
    assert [u.code for u in bricklaying.units] == ["BRK.1", "BRK.2", "BRK.3", "BRK.4"]
    assert bricklaying.units[0].title.fr == "Prepare and maintain a safe bricklaying work area"
    assert bricklaying.title.fr == "Bricklaying — Level 2 (illustrative)"
    assert bricklaying.version == 3


def test_case_package_criteria_come_back_under_their_units(bricklaying: FrameworkIn) -> None:
    brk1, brk2, brk3, brk4 = bricklaying.units
    assert [e.code for e in brk1.elements] == ["BRK.1.1", "BRK.1.2"]
    assert [c.code for c in brk1.elements[0].criteria] == ["BRK.1.1.1", "BRK.1.1.2"]
    assert [c.code for c in brk2.criteria] == ["BRK.2.1", "BRK.2.2", "BRK.2.3"]
    assert [len(e.criteria) for e in brk3.elements] == [1, 2]
    assert [c.code for c in brk4.criteria] == ["BRK.4.1", "BRK.4.2"]
    assert brk2.criteria[0].fr == "Batches sand, cement and lime to the specified ratio"


def test_case_package_keeps_its_isco_alignment(bricklaying: FrameworkIn) -> None:
    assert bricklaying.isco08 == "7112"
    assert [(a.relation, a.uri) for a in bricklaying.alignments] == [("exactMatchOf", ISCO_7112)]
    assert [a.uri for a in bricklaying.units[0].alignments] == ["http://data.europa.eu/esco/isco/C71"]
    package = json.loads(write_case(FrameworkFile(frameworks=[bricklaying])))
    exact = [a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert [a["destinationNodeURI"]["uri"] for a in exact] == [ISCO_7112]


def test_case_export_gives_back_the_package_identifiers_and_item_types(
    bricklaying: FrameworkIn,
) -> None:
    original = json.loads(BRICKLAYING.read_bytes())
    exported = json.loads(write_case(FrameworkFile(frameworks=[bricklaying])))
    keys = ("identifier", "uri", "humanCodingScheme", "CFItemType", "lastChangeDateTime")
    mine = {tuple(item.get(k) for k in keys) for item in exported["CFItems"]}
    assert mine == {tuple(item.get(k) for k in keys) for item in original["CFItems"]}
    assert exported["CFDocument"]["identifier"] == original["CFDocument"]["identifier"]
    again = read_case(json.dumps(exported).encode(), source="again.json")
    assert json.loads(write_case(again))["CFItems"] == exported["CFItems"]


def test_case_item_aligned_with_isco_gives_the_framework_its_isco_code() -> None:
    package = json.loads(BRICKLAYING.read_bytes())
    unit = next(i for i in package["CFItems"] if i["humanCodingScheme"] == "BRK.2")
    for association in package["CFAssociations"]:
        if association["associationType"] == "exactMatchOf":
            association["originNodeURI"] = {"identifier": unit["identifier"], "uri": unit["uri"]}
    framework = read_case(json.dumps(package).encode(), source="moved.json").frameworks[0]
    assert framework.isco08 == "7112" and framework.alignments == []
    assert [a.uri for a in framework.units[1].alignments] == [ISCO_7112]


def test_hand_made_case_package_without_codes_numbers_or_links_still_imports_in_order() -> None:
    doc, first, second, third = (f"{n}0000000-0000-4000-8000-000000000000" for n in "d123")
    package = {
        "CFDocument": {"identifier": doc, "title": "Smart level test", "creator": "OpenSALT"},
        "CFItems": [{"identifier": i, "fullStatement": f"Item {n}"} for n, i in [(1, first), (2, second)]]
        + [{"identifier": third, "fullStatement": "Item 1.1"}],
        # No association identifiers, no sequence numbers, and item 2 has no isChildOf at all.
        "CFAssociations": [
            {"associationType": "isChildOf", "originNodeURI": {"identifier": third}}
            | {"destinationNodeURI": {"identifier": first}},
            {"associationType": "isChildOf", "originNodeURI": {"identifier": first}}
            | {"destinationNodeURI": {"identifier": doc}},
        ],
    }
    framework = read_case(json.dumps(package).encode(), source="opensalt.json").frameworks[0]
    assert framework.code == "SMART-LEVEL-TEST"
    assert [(u.code, u.title.fr) for u in framework.units] == [("U1", "Item 1"), ("U2", "Item 2")]
    assert [(c.code, c.fr) for c in framework.units[0].criteria] == [("U1.1", "Item 1.1")]
    exported = json.loads(write_case(FrameworkFile(frameworks=[framework]), changed_at=MONDAY))
    assert [i["identifier"] for i in exported["CFItems"]] == [first, third, second]


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


# --- any framework round-trips -----------------------------------------------------------------

plain_text = (
    st.text(st.characters(categories=("L", "N", "P", "S"), include_characters=" "), max_size=24)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def criteria(draw: st.DrawFn, prefix: str, least: int) -> list[dict[str, Any]]:
    return [
        {
            "code": f"{prefix}-C{n}",
            "critical": draw(st.booleans()),
            "fr": draw(plain_text),
            "en": draw(st.none() | plain_text),
        }
        for n in range(draw(st.integers(least, 3)))
    ]


@st.composite
def units(draw: st.DrawFn, n: int) -> dict[str, Any]:
    unit: dict[str, Any] = {"code": f"U{n}", "mandatory": draw(st.booleans())}
    unit["title"] = {"fr": draw(plain_text), "en": draw(st.none() | plain_text)}
    if draw(st.booleans()):
        unit["elements"] = [
            {"code": f"U{n}-E{e}", "title": {"fr": draw(plain_text)}}
            | {"criteria": draw(criteria(f"U{n}-E{e}", 1))}
            for e in range(draw(st.integers(1, 2)))
        ]
    else:
        unit["criteria"] = draw(criteria(f"U{n}", 0))
    return unit


@st.composite
def frameworks(draw: st.DrawFn) -> FrameworkFile:
    framework = {
        "code": "F",
        "title": {"fr": draw(plain_text), "en": draw(plain_text)},
        "units": [draw(units(n)) for n in range(draw(st.integers(1, 3)))],
    }
    return FrameworkFile.model_validate({"frameworks": [framework]})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frameworks())
def test_any_framework_comes_back_the_same_from_every_format(file: FrameworkFile) -> None:
    assert read_yaml(write_yaml(file), source="x.yaml") == file
    assert read_csv(write_csv(file), source="x.csv") == file
    package = write_case(file, changed_at=MONDAY)
    assert write_yaml(read_case(package, source="x.json")) == write_yaml(file)
