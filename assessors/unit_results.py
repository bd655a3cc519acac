"""Unit results: the rule (assessors.rules) applied to a unit's current criterion judgements and stored with its
trace, units carried from an earlier decision, and the results of a dossier's round as they stand."""

from datetime import date

from sqlmodel import Session, col, select

from acquis.db import utcnow
from assessors import rules, service
from assessors.models import AssessmentSession, CriterionJudgement, UnitResult
from validation.dossiers.models import Dossier, Evidence, Verification
from validation.frameworks.models import FrameworkCriterion, FrameworkUnit

DEFAULT_CURRENCY_YEARS = 5


def criteria_of(session: Session, unit_id: int) -> list[FrameworkCriterion]:
    return list(session.exec(select(FrameworkCriterion).where(FrameworkCriterion.unit_id == unit_id)
                             .order_by(col(FrameworkCriterion.position), col(FrameworkCriterion.id))))


def judgements(session: Session, dossier_id: int, *, unit_id: int | None = None) -> dict[int, CriterionJudgement]:
    query = select(CriterionJudgement).where(CriterionJudgement.dossier_id == dossier_id,
                                             CriterionJudgement.round == service.round_of(session, dossier_id))
    if unit_id is not None:
        query = query.where(CriterionJudgement.unit_id == unit_id)
    return {j.criterion_id: j for j in session.exec(query)}


def results(session: Session, dossier_id: int) -> dict[int, UnitResult]:
    current = service.round_of(session, dossier_id)
    return {r.unit_id: r for r in session.exec(select(UnitResult).where(UnitResult.dossier_id == dossier_id,
                                                                        UnitResult.round == current))}


def currency_years(session: Session, dossier: Dossier, unit: FrameworkUnit) -> int:
    """The unit's currency; else the framework's default for critical criteria, else its default."""
    if unit.currency_years:
        return unit.currency_years
    defaults = (service.framework(session, dossier).default_rules or {}).get("currency_years") or {}
    return int(defaults.get("critical") or defaults.get("default") or DEFAULT_CURRENCY_YEARS)


def sources_of(session: Session, judgement: CriterionJudgement) -> tuple[rules.Source, ...]:
    """The rule's view of the evidence cited: kind and date; suspect items and sessions held without an
    identity check do not count (the trace shows them as unusable)."""
    found = []
    for item_id in judgement.evidence_ids:
        item = session.get(Evidence, item_id)
        if item is not None:
            on = item.date_to or item.date_from or item.uploaded_at.date()
            found.append(rules.Source(f"evidence:{item.id}", item.kind.value, on,
                                      usable=item.verification != Verification.SUSPECT))
    for session_id in judgement.session_ids:
        sitting = session.get(AssessmentSession, session_id)
        if sitting is not None:
            found.append(rules.Source(f"session:{sitting.id}", sitting.method.value, sitting.held_on,
                                      usable=sitting.identity_checked))
    return tuple(found)


def compute(session: Session, dossier: Dossier, unit: FrameworkUnit, *, as_of: date) -> UnitResult:
    """Apply the rule to the unit's current judgements; store the result with its trace."""
    saved = judgements(session, dossier.id, unit_id=unit.id)
    inputs = [rules.Judgement(c.code, c.critical, saved[c.id].verdict if c.id in saved else None,
                              sources_of(session, saved[c.id]) if c.id in saved else ())
              for c in criteria_of(session, unit.id)]
    outcome = rules.judge_unit(unit.code, inputs, as_of=as_of,
                               currency_years=currency_years(session, dossier, unit))
    row = results(session, dossier.id).get(unit.id) or UnitResult(
        dossier_id=dossier.id, round=service.round_of(session, dossier.id), unit_id=unit.id)
    row.competent, row.trace, row.computed_at, row.carried = outcome.competent, dict(outcome.trace), utcnow(), False
    session.add(row)
    session.flush()
    return row


def carry(session: Session, dossier: Dossier) -> None:
    """Units validated by an earlier decision: recorded as competent, carried, with where they come from."""
    held = service.carried(session, dossier)
    existing = results(session, dossier.id)
    for unit in service.units(session, dossier):
        if unit.code in held:
            row = existing.get(unit.id) or UnitResult(
                dossier_id=dossier.id, round=service.round_of(session, dossier.id), unit_id=unit.id)
            before = held[unit.code]
            row.competent, row.carried = True, True
            row.trace = {"rule": "carried", "unit": unit.code, "decision": before.decision_id,
                         "validated_on": before.validated_on.isoformat(), "result": "competent"}
            session.add(row)
    session.flush()
