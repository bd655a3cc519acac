"""Framework files: the demo imports, and every format round-trips (test_format_refusals.py: bad files are
refused whole)."""

import codecs
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.frameworks import BRICKLAYING, DATA, DEMO, DEMO_CODES, only
from validation.frameworks.diff import compare
from validation.frameworks.exporters import write_case, write_csv, write_yaml
from validation.frameworks.importers import (
    read,
    read_case,
    read_csv,
    read_yaml,
)
from validation.frameworks.inputs import FrameworkFile, FrameworkIn

MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ISCO_7112 = "http://data.europa.eu/esco/isco/C7112"


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
