"""Comparing two versions of a framework names what a reviewer must look at, in reading order."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from validation.frameworks.diff import Change, compare
from validation.frameworks.exporters import write_case
from validation.frameworks.importers import read, read_case
from validation.frameworks.inputs import FrameworkFile, FrameworkIn

DEMO = Path(__file__).parents[2] / "validation" / "data" / "demo-frameworks.yaml"


@pytest.fixture(scope="module")
def mason() -> FrameworkIn:
    return next(f for f in read(DEMO).frameworks if f.code == "DEMO-MAC-01")


def edited(framework: FrameworkIn, edit: Callable[[dict[str, Any]], None]) -> FrameworkIn:
    """A next version of `framework`, changed by `edit` on its YAML-shaped data."""
    data = framework.model_dump()
    edit(data)
    return FrameworkIn.model_validate(data)


def criterion(code: str, fr: str, *, critical: bool = False) -> dict[str, Any]:
    return {"code": code, "critical": critical, "fr": fr}


def test_diff_names_an_added_criterion_a_removed_unit_and_a_changed_critical_flag(
    mason: FrameworkIn,
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["units"][2]["elements"][0]["criteria"].append(criterion("MAC-U3-E1-C2", "Vérifie l'équerrage"))
        data["units"][1]["elements"][0]["criteria"][0]["critical"] = True
        del data["units"][4]

    changes = compare(mason, edited(mason, edit))
    assert changes.added == (
        Change(kind="criterion", code="MAC-U3-E1-C2", label="Vérifie l'équerrage", parent="MAC-U3-E1"),
    )
    assert [(c.kind, c.code) for c in changes.removed] == [
        ("unit", "MAC-U5"),
        ("element", "MAC-U5-E1"),
        ("criterion", "MAC-U5-E1-C1"),
        ("criterion", "MAC-U5-E1-C2"),
    ]
    assert [(c.code, c.fields) for c in changes.changed] == [("MAC-U2-E1-C1", ("critical",))]
    assert changes.framework_fields == () and not changes.empty


def test_the_same_version_shows_no_difference(mason: FrameworkIn) -> None:
    assert compare(mason, mason).empty


def test_case_identifiers_kept_by_an_import_are_not_differences(mason: FrameworkIn) -> None:
    package = write_case(FrameworkFile(frameworks=[mason]), changed_at=datetime(2026, 1, 1, tzinfo=UTC))
    reimported = read_case(package, source="mason.json").frameworks[0]
    assert reimported.units[0].case is not None
    assert compare(mason, reimported).empty


def test_diff_names_changed_texts_requirements_and_moves(mason: FrameworkIn) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["units"][0]["title"]["en"] = "Organise the site and work safely"
        data["units"][3]["required_evidence"] = ["practical_task"]
        data["units"][3]["mandatory"] = False
        data["units"][0]["elements"][1]["criteria"][1]["fr"] = "Stocke le ciment au sec"
        moved = data["units"][2]["elements"][1]["criteria"].pop()  # MAC-U3-E2-C3 goes under E1
        data["units"][2]["elements"][0]["criteria"].append(moved)

    changes = compare(mason, edited(mason, edit))
    assert [(c.code, c.fields) for c in changes.changed] == [
        ("MAC-U1", ("title",)),
        ("MAC-U1-E2-C2", ("text",)),
        ("MAC-U3-E2-C3", ("parent",)),
        ("MAC-U4", ("mandatory", "required_evidence")),
    ]
    assert changes.changed[1].label == "Stocke le ciment au sec"
    assert changes.added == changes.removed == ()


def test_added_nodes_come_in_reading_order(mason: FrameworkIn) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["units"][0]["elements"][0]["criteria"].append(criterion("NEW-1", "Premier ajout"))
        data["units"][3]["elements"][1]["criteria"].append(criterion("NEW-3", "Troisième ajout"))
        data["units"][1]["elements"][0]["criteria"].insert(0, criterion("NEW-2", "Deuxième ajout"))

    assert [c.code for c in compare(mason, edited(mason, edit)).added] == ["NEW-1", "NEW-2", "NEW-3"]


def test_a_node_that_changes_kind_is_removed_and_added(mason: FrameworkIn) -> None:
    def edit(data: dict[str, Any]) -> None:
        element = data["units"][4]["elements"].pop()  # MAC-U5-E1 becomes a criterion
        data["units"][4]["criteria"] = [criterion(element["code"], "Enduit conforme")]
        del data["units"][4]["elements"]

    changes = compare(mason, edited(mason, edit))
    assert ("criterion", "MAC-U5-E1") in [(c.kind, c.code) for c in changes.added]
    assert ("element", "MAC-U5-E1") in [(c.kind, c.code) for c in changes.removed]
    assert changes.changed == ()


def test_framework_level_changes_are_listed(mason: FrameworkIn) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["isco08"] = "7113"
        data["min_experience_months"] = 24
        data["title"]["bm"] = None  # an empty translation and a missing one read the same

    changes = compare(mason, edited(mason, edit))
    assert changes.framework_fields == ("isco08", "min_experience_months")
    assert (changes.added, changes.removed, changes.changed) == ((), (), ())
