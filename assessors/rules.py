"""The decision rules, pure: a unit's result from its criterion judgements and their evidence (with the
trace kept for appeals), the overall outcome of a qualification, the jury's tally, the need to moderate.

No database and no clock here: everything the rules look at is passed in, so that the same inputs always
give the same result, and the rules can be tested on generated cases.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from typing_extensions import TypedDict

from validation.dossiers import models as dossier_models

RULE_ID = "acquis-unit-rule-1"
# Direct evidence (validation/dossiers/models.py), as the plain strings a trace records.
DIRECT_KINDS = frozenset(kind.value for kind in dossier_models.DIRECT_KINDS)
# Shown to assessors, never counted.
SELF_ASSESSMENT = "self_assessment"


class Verdict(StrEnum):
    MET = "met"
    NOT_YET_MET = "not_yet_met"
    NOT_OBSERVED = "not_observed"


class Outcome(StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


class Why(StrEnum):
    """Why a criterion counts or not: the words of the trace (labels.py says them to people)."""

    OK = "ok"
    NOT_JUDGED = "not_judged"
    NOT_YET_MET = "not_yet_met"
    NOT_OBSERVED = "not_observed"
    NO_EVIDENCE = "no_evidence"
    NO_DIRECT_EVIDENCE = "no_direct_evidence"
    DIRECT_NOT_CURRENT = "direct_evidence_not_current"
    NO_CRITERIA = "no_criteria"
    SELF_ASSESSMENT = "self_assessment_not_counted"
    UNUSABLE = "unusable_evidence"


@dataclass(frozen=True)
class Source:
    """One piece of evidence cited for a criterion: a portfolio item or an assessment session."""

    ref: str  # "evidence:12", "session:3"
    kind: str  # an evidence kind, or the session's method
    on: date | None  # when the work it shows was done (or observed)
    usable: bool = True  # False for suspect items, or items outside the frozen portfolio


@dataclass(frozen=True)
class Judgement:
    """What the assessor found for one criterion, and the evidence they cite."""

    code: str
    critical: bool
    verdict: Verdict | None
    sources: tuple[Source, ...] = ()


class CountedSource(TypedDict):
    ref: str
    kind: str
    on: str | None  # ISO 8601 day


class IgnoredSource(TypedDict):
    ref: str
    kind: str
    why: str  # a Why value


class CriterionLine(TypedDict):
    """One criterion in a unit's trace: the evidence that counted, the evidence that did not and why, the outcome."""

    code: str
    critical: bool
    verdict: str | None  # a Verdict value, None when not judged
    counted: list[CountedSource]
    ignored: list[IgnoredSource]
    direct_current: list[str]  # refs of the direct evidence within the currency
    outcome: str  # a Why value: "ok" when the criterion counts as met


class RuleTrace(TypedDict):
    """Why a unit is competent or not, kept with its result for appeals (its keys are those already stored)."""

    rule: str  # RULE_ID
    unit: str
    as_of: str  # ISO 8601 day
    currency_years: int
    direct_kinds: list[str]
    criteria: list[CriterionLine]
    failing: list[str]
    result: str  # "competent" | "not_yet_competent"
    why: str  # the first failing criterion's Why, or no_criteria


@dataclass(frozen=True)
class UnitRuling:
    """What the rules find for one unit: competent or not, the criteria that stop it, and the trace that says why."""

    competent: bool
    failing: tuple[str, ...]  # codes of the criteria that stop the unit
    trace: RuleTrace = field(compare=False)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def is_current(source: Source, *, as_of: date, currency_years: int) -> bool:
    """Dated, not in the future, and no older than the currency: an undated item proves no currency."""
    return source.on is not None and years_before(as_of, currency_years) <= source.on <= as_of


def judge_criterion(judgement: Judgement, *, as_of: date, currency_years: int) -> CriterionLine:
    """One line of the trace: which evidence counted, which did not and why, and the criterion's outcome."""
    counted = [s for s in judgement.sources if s.usable and s.kind != SELF_ASSESSMENT]
    ignored = [IgnoredSource(ref=s.ref, kind=s.kind, why=(Why.SELF_ASSESSMENT if s.kind == SELF_ASSESSMENT
                                                          else Why.UNUSABLE).value)
               for s in judgement.sources if s not in counted]
    direct = [s for s in counted if s.kind in DIRECT_KINDS]
    current = [s for s in direct if is_current(s, as_of=as_of, currency_years=currency_years)]
    if judgement.verdict is None:
        why = Why.NOT_JUDGED
    elif judgement.verdict != Verdict.MET:
        why = Why(judgement.verdict.value)
    elif not counted:
        why = Why.NO_EVIDENCE
    elif judgement.critical and not direct:
        why = Why.NO_DIRECT_EVIDENCE
    elif judgement.critical and not current:
        why = Why.DIRECT_NOT_CURRENT
    else:
        why = Why.OK
    return CriterionLine(
        code=judgement.code, critical=judgement.critical,
        verdict=judgement.verdict.value if judgement.verdict else None,
        counted=[CountedSource(ref=s.ref, kind=s.kind, on=s.on.isoformat() if s.on else None) for s in counted],
        ignored=ignored, direct_current=[s.ref for s in current], outcome=why.value,
    )


def judge_unit(unit_code: str, judgements: Sequence[Judgement], *, as_of: date, currency_years: int) -> UnitRuling:
    """Competent only if every criterion is met with counted evidence, and every critical criterion has
    direct evidence (observation or practical task) dated within the currency. No averaging."""
    lines = [judge_criterion(j, as_of=as_of, currency_years=currency_years) for j in judgements]
    failing = tuple(line["code"] for line in lines if line["outcome"] != Why.OK)
    competent = bool(lines) and not failing
    first = next((line["outcome"] for line in lines if line["outcome"] != Why.OK), Why.OK.value)
    trace = RuleTrace(
        rule=RULE_ID, unit=unit_code, as_of=as_of.isoformat(), currency_years=currency_years,
        direct_kinds=sorted(DIRECT_KINDS), criteria=lines, failing=list(failing),
        result="competent" if competent else "not_yet_competent",
        why=first if lines else Why.NO_CRITERIA.value,
    )
    return UnitRuling(competent, failing, trace)


@dataclass(frozen=True)
class UnitInQualification:
    code: str
    mandatory: bool


def overall(validated: set[str], *, units: Sequence[UnitInQualification], rule: Mapping[str, Any] | None) -> Outcome:
    """Full when the qualification is met (its mandatory units, and enough optional ones), partial when
    some unit is validated, none otherwise. Without a rule, every mandatory unit is required."""
    known = {unit.code for unit in units}
    held = validated & known
    if not held:
        return Outcome.NONE
    mandatory = set(rule.get("mandatory_units") or []) if rule else {u.code for u in units if u.mandatory}
    optional_required = int(rule.get("optional_required") or 0) if rule else 0
    optional_held = len(held - mandatory)
    if mandatory <= held and optional_held >= optional_required:
        return Outcome.FULL
    return Outcome.PARTIAL


@dataclass(frozen=True)
class Tally:
    validated: bool
    votes_for: int
    votes_against: int
    casting: bool  # the president's vote broke a tie


def tally(votes: Mapping[int, bool], *, president: int) -> Tally:
    """The majority of the members' votes; on a tie, the president's vote decides."""
    votes_for = sum(1 for vote in votes.values() if vote)
    votes_against = len(votes) - votes_for
    if votes_for != votes_against:
        return Tally(votes_for > votes_against, votes_for, votes_against, False)
    return Tally(bool(votes.get(president, False)), votes_for, votes_against, True)


@dataclass(frozen=True)
class UnitForModeration:
    code: str
    has_critical: bool
    competent: bool
    unmet: int  # criteria that stop the unit


def moderation_reasons(units: Sequence[UnitForModeration], *, borderline_unmet: int, sampled: bool) -> list[str]:
    """Why a dossier goes to a moderator: a unit with a critical criterion, a borderline result (a unit
    stopped by at most `borderline_unmet` criteria; 0 turns this off), or the random sample."""
    reasons = [f"critical:{u.code}" for u in units if u.has_critical]
    reasons += [f"borderline:{u.code}" for u in units if not u.competent and 0 < u.unmet <= borderline_unmet]
    if sampled:
        reasons.append("sample")
    return reasons
