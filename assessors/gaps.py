"""The gap plan after a partial or no validation: the missing units only, and for each what to do next,
read from the unit's rule trace (the validated units are kept for good)."""

from typing import Any

from validation.dossiers.portfolio import AT_ASSESSMENT
from validation.frameworks.models import FrameworkUnit

# The trace's reasons, grouped by what the candidate can do about them.
PRACTISE = frozenset({"not_yet_met", "not_observed"})
SHOW = frozenset({"no_direct_evidence", "direct_evidence_not_current"})
EVIDENCE = frozenset({"no_evidence", "not_judged"})


def item_for(unit: FrameworkUnit, trace: dict[str, Any] | None, *, refused_by_jury: bool) -> dict[str, Any]:
    """One missing unit: the criteria that stopped it, grouped into actions."""
    lines = (trace or {}).get("criteria", [])
    def codes(reasons: frozenset[str]) -> list[str]:
        return [line["code"] for line in lines if line["outcome"] in reasons]
    actions: list[dict[str, Any]] = []
    if practise := codes(PRACTISE):
        actions.append({"action": "practise", "criteria": practise})
    if show := codes(SHOW):
        actions.append({"action": "show", "criteria": show})
    if missing := codes(EVIDENCE):
        actions.append({"action": "evidence", "criteria": missing})
    kinds = [kind for kind in unit.required_evidence or [] if kind not in AT_ASSESSMENT]
    if kinds:
        actions.append({"action": "bring", "kinds": kinds})
    if refused_by_jury:
        actions.append({"action": "jury"})
    actions.append({"action": "training"})
    return {"unit_id": unit.id, "code": unit.code, "title_fr": unit.title_fr, "title_en": unit.title_en,
            "actions": actions}


def build(missing: list[tuple[FrameworkUnit, dict[str, Any] | None, bool]]) -> list[dict[str, Any]]:
    """The plan's items, in the framework's order: (unit, its trace, whether the jury refused it)."""
    return [item_for(unit, trace, refused_by_jury=refused) for unit, trace, refused in missing]
