"""Moderation: a second accredited assessor checks every dossier with a critical unit, every borderline
result and a random sample; they agree (the dossier goes to the jury) or send a query back."""

import hashlib
import hmac
from datetime import date

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Invalid
from acquis.i18n import N_
from assessors import rules, scoring, service, unit_results
from assessors.models import Declaration, Moderation, ModerationOutcome, UnitResult
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus

MODERATE = (AccessPurpose.MODERATE,)


class QueryNeedsComment(Invalid):
    code = "query-needs-comment"
    default_message = N_("Dites à l'évaluateur ce qui doit être revu.")


def sampled(settings: Settings, dossier_id: int, round_: int) -> bool:
    """Whether the random sample takes this dossier: a keyed hash, so the draw is fixed (the same answer
    on every instance and every rerun) and nobody can predict it without the secret key."""
    digest = hmac.new(settings.secret_key.encode(), f"moderation-sample:{dossier_id}:{round_}".encode(),
                      hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < settings.moderation_sample_rate


def reasons(session: Session, dossier: Dossier, found: dict[int, UnitResult], *, settings: Settings) -> list[str]:
    units = []
    for unit in service.to_assess(session, dossier):
        criteria = unit_results.criteria_of(session, unit.id)
        result = found.get(unit.id)
        units.append(rules.UnitForModeration(unit.code, any(c.critical for c in criteria),
                                             bool(result and result.competent),
                                             len(result.trace.get("failing", [])) if result else len(criteria)))
    return rules.moderation_reasons(units, borderline_unmet=settings.moderation_borderline_unmet,
                                    sampled=sampled(settings, dossier.id, service.round_of(session, dossier.id)))


def finish_assessment(session: Session, dossier_id: int, *, by: User, today: date, settings: Settings) -> Dossier:
    """End the scoring, then route: to moderation when a reason calls for it, else straight to the jury."""
    found = scoring.finish(session, dossier_id, by=by, today=today)
    dossier = service.load_dossier(session, dossier_id)
    why = reasons(session, dossier, found, settings=settings)
    state = service.state(session, dossier_id)
    state.moderation_reasons = why
    session.add(state)
    if not why:
        dossiers.transition(session, dossier, DossierStatus.JURY, by=by, detail={"moderation": []})
        return dossier
    session.add(Moderation(dossier_id=dossier_id, round=state.round, reasons=why))
    session.flush()
    moderator = next((a for a in service.active(session, dossier_id, purpose=AccessPurpose.MODERATE)), None)
    if moderator is not None:  # named earlier (a query came back): they take it up again at once
        dossiers.transition(session, dossier, DossierStatus.MODERATION, by=by, detail={"moderation": why})
    return dossier


def pending(session: Session, dossier_id: int) -> Moderation | None:
    return session.exec(select(Moderation).where(Moderation.dossier_id == dossier_id,
                                                 col(Moderation.decided_at).is_(None))
                        .order_by(col(Moderation.id).desc())).first()


def history(session: Session, dossier_id: int) -> list[Moderation]:
    """Every moderation of the dossier, queries included: disagreements stay visible."""
    return list(session.exec(select(Moderation).where(Moderation.dossier_id == dossier_id)
                             .order_by(col(Moderation.id))))


def decide(session: Session, dossier_id: int, *, outcome: ModerationOutcome, comment: str, unit_ids: list[int],
           by: User) -> Moderation:
    """The moderator agrees (the dossier goes to the jury) or queries (back to the assessor, with why)."""
    dossier, assignment = service.require(session, dossier_id, user=by, purposes=MODERATE,
                                          statuses=frozenset({DossierStatus.MODERATION}))
    assert assignment.declaration == Declaration.NO_CONFLICT
    row = pending(session, dossier_id)
    if row is None:
        raise service.WrongStep()
    comment = comment.strip()
    if outcome == ModerationOutcome.QUERY and not comment:
        raise QueryNeedsComment()
    known = {unit.id for unit in service.to_assess(session, dossier)}
    row.moderator_id, row.outcome, row.comment, row.decided_at = by.id, outcome, comment, utcnow()
    row.unit_ids = sorted(set(unit_ids) & known)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.moderated", entity_type="dossier", entity_id=dossier_id,
                 detail={"moderation": row.id, "outcome": outcome.value, "units": row.unit_ids})
    if outcome == ModerationOutcome.AGREE:
        dossiers.transition(session, dossier, DossierStatus.JURY, by=by, detail={"moderation": row.id})
    else:
        # The query text goes to the assessor with the move; the candidate's portal does not show it.
        dossiers.transition(session, dossier, DossierStatus.ASSESSMENT_SCHEDULED, by=by, detail={"moderation": row.id})
    return row

