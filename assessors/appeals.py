"""Appeals: within the window after the decision, the candidate appeals with grounds; an appeals officer
who sat on no jury of the dossier upholds it (a different assessor assesses again) or rejects it."""

from datetime import date, timedelta

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, Forbidden, Invalid, NotFound
from acquis.i18n import N_, gettext
from assessors import assignment, jury, service
from assessors.models import Appeal, AppealOutcome, JuryDecision
from assessors.rules import Outcome
from validation.dossiers import access
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus

S = DossierStatus
APPEALABLE = frozenset({S.DECIDED, S.GAP_PLAN})
# The candidate appeals, or their counsellor for them (the status machine's moves to APPEAL say the same).
APPELLANTS = frozenset({Role.CANDIDATE, Role.COUNSELLOR})


class AppealNotFound(NotFound):
    code = "not-found"


class AppellantsOnly(Forbidden):
    """Those who judged the dossier, and the registry that examines appeals, never lodge one."""

    code = "appellants-only"
    default_message = N_("Seul le candidat, ou son conseiller pour lui, peut faire un recours.")


class AppealWindowClosed(Conflict):
    code = "appeal-window-closed"
    default_message = N_("Le délai de recours est dépassé.")


class AlreadyAppealed(Conflict):
    code = "already-appealed"
    default_message = N_("Un recours a déjà été déposé contre cette décision.")


class GroundsRequired(Invalid):
    code = "grounds-required"
    default_message = N_("Expliquez pourquoi vous contestez la décision.")


class OfficerSatOnJury(Forbidden):
    code = "officer-sat-on-jury"
    default_message = N_("Un membre du jury ne peut pas examiner le recours contre sa propre décision.")


class AppealWindowOpen(Conflict):
    code = "appeal-window-open"
    default_message = N_("Le délai de recours n'est pas encore écoulé.")


def window_ends(decision: JuryDecision, *, settings: Settings) -> date:
    return decision.decided_on + timedelta(days=settings.appeal_window_days)


def of_decision(session: Session, decision_id: int) -> Appeal | None:
    return session.exec(select(Appeal).where(Appeal.decision_id == decision_id)).first()


def of_dossier(session: Session, dossier_id: int) -> list[Appeal]:
    return list(session.exec(select(Appeal).where(Appeal.dossier_id == dossier_id).order_by(col(Appeal.id))))


def can_appeal(session: Session, dossier: Dossier, *, settings: Settings, today: date) -> bool:
    decision = jury.latest(session, dossier.id)  # type: ignore[arg-type]
    return (decision is not None and dossier.status in APPEALABLE and decision.outcome != Outcome.FULL
            and today <= window_ends(decision, settings=settings) and of_decision(session, decision.id) is None)  # type: ignore[arg-type]


def lodge(session: Session, dossier_id: int, *, grounds: str, by: User, settings: Settings, today: date) -> Appeal:
    """The candidate (or their counsellor for them) contests the decision in force, with grounds."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if by.role not in APPELLANTS:  # who may comes before when: the refusal says why, whatever the state
        raise AppellantsOnly()
    decision = jury.latest(session, dossier_id)
    if decision is None or dossier.status not in APPEALABLE:
        raise service.WrongStep()
    if of_decision(session, decision.id) is not None:  # type: ignore[arg-type]
        raise AlreadyAppealed()
    if today > window_ends(decision, settings=settings):
        raise AppealWindowClosed()
    if not grounds.strip():
        raise GroundsRequired()
    row = Appeal(dossier_id=dossier_id, decision_id=decision.id, grounds=grounds.strip(), lodged_by_id=by.id)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    # The grounds are the candidate's own words: kept with the appeal, out of the audit chain.
    audit.record(session, actor=by, action="appeal.lodged", entity_type="dossier", entity_id=dossier_id,
                 detail={"appeal": row.id, "decision": decision.id})
    dossiers.transition(session, dossier, S.APPEAL, by=by, detail={"appeal": row.id})
    return row


def decide(session: Session, appeal_id: int, *, outcome: AppealOutcome, reason: str, by: User) -> Appeal:
    """Upheld: the decision is set aside, a new round starts and a different assessor must be assigned
    (validated units stay validated). Rejected: the decision stands."""
    if by.role not in access.SEE_ALL:
        raise assignment.RegistrarOnly()
    row = session.get(Appeal, appeal_id)
    if row is None or row.outcome is not None:
        raise AppealNotFound()
    decision = session.get(JuryDecision, row.decision_id)
    assert decision is not None
    if by.id in {member["user_id"] for member in decision.members}:
        raise OfficerSatOnJury()
    if not reason.strip():
        raise GroundsRequired(gettext("Motivez la réponse au recours."))
    dossier = service.get_dossier(session, row.dossier_id)
    row.officer_id, row.outcome, row.reason, row.decided_at = by.id, outcome, reason.strip(), utcnow()
    session.add(row)
    if outcome == AppealOutcome.UPHELD:
        decision.superseded_at = row.decided_at
        session.add(decision)
        for old in service.active(session, dossier.id):  # type: ignore[arg-type]
            assignment.end(session, old, by=by)
        state = service.state(session, dossier.id)  # type: ignore[arg-type]
        state.round, state.finished_at, state.moderation_reasons = state.round + 1, None, []
        session.add(state)
        target = S.DESK_REVIEW
    else:
        target = S.DECIDED
    session.flush()
    audit.record(session, actor=by, action="appeal.decided", entity_type="dossier", entity_id=dossier.id,
                 detail={"appeal": row.id, "outcome": outcome.value})
    dossiers.transition(session, dossier, target, by=by, reason=row.reason, detail={"appeal": row.id})
    return row


def close_window(session: Session, dossier_id: int, *, by: User, settings: Settings, today: date) -> Dossier:
    """After the window (or a rejected appeal), a partial or no validation goes on to its gap plan."""
    if by.role not in access.SEE_ALL:
        raise assignment.RegistrarOnly()
    dossier = service.get_dossier(session, dossier_id)
    decision = jury.latest(session, dossier_id)
    if dossier.status != S.DECIDED or decision is None or decision.outcome == Outcome.FULL:
        raise service.WrongStep()
    appeal = of_decision(session, decision.id)  # type: ignore[arg-type]
    if appeal is None and today <= window_ends(decision, settings=settings):
        raise AppealWindowOpen()
    dossiers.transition(session, dossier, S.GAP_PLAN, by=by, detail={"decision": decision.id})
    return dossier


def officers(session: Session, decision: JuryDecision) -> list[User]:
    """Who may examine the appeal: the certifying body's staff who did not sit on the jury."""
    sat = {member["user_id"] for member in decision.members}
    staff = session.exec(select(User).where(col(User.role).in_([Role.REGISTRAR.value, Role.ADMIN.value]),
                                            col(User.active).is_(True)))
    return [user for user in staff if user.id not in sat]

