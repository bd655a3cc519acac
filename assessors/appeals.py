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
from assessors import assignment, jury, messages, service
from assessors.models import Appeal, AppealOutcome, AppealWaiver, JuryDecision
from assessors.rules import Outcome
from validation.dossiers import access
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier, StatusChange
from validation.dossiers.status import DossierStatus

# A partial certificate issued inside the window keeps the right to appeal the units not validated.
APPEALABLE = frozenset({DossierStatus.DECIDED, DossierStatus.GAP_PLAN, DossierStatus.PARTIALLY_CERTIFIED})
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


class AppealWaived(Conflict):
    code = "appeal-waived"
    default_message = N_("Le candidat a renoncé par écrit au délai de recours.")


class StatementRequired(Invalid):
    code = "statement-required"
    default_message = N_("Recopiez la renonciation écrite du candidat.")


class AppealWindowOpen(Conflict):
    code = "appeal-window-open"
    default_message = N_("Le délai de recours n'est pas encore écoulé.")


def window_ends(decision: JuryDecision, *, settings: Settings) -> date:
    return decision.decided_on + timedelta(days=settings.appeal_window_days)


def of_decision(session: Session, decision_id: int) -> Appeal | None:
    return session.exec(select(Appeal).where(Appeal.decision_id == decision_id)).first()


def of_dossier(session: Session, dossier_id: int) -> list[Appeal]:
    return list(session.exec(select(Appeal).where(Appeal.dossier_id == dossier_id).order_by(col(Appeal.id))))


def waiver_of(session: Session, decision_id: int) -> AppealWaiver | None:
    return session.exec(select(AppealWaiver).where(AppealWaiver.decision_id == decision_id)).first()


def window_open(session: Session, decision: JuryDecision, *, settings: Settings, today: date) -> bool:
    """Whether this decision may still be appealed: not full, in its window, not appealed, not waived."""
    return (decision.outcome != Outcome.FULL and decision.superseded_at is None
            and today <= window_ends(decision, settings=settings) and of_decision(session, decision.id) is None
            and waiver_of(session, decision.id) is None)


def can_appeal(session: Session, dossier: Dossier, *, settings: Settings, today: date) -> bool:
    decision = jury.latest(session, dossier.id)
    return (decision is not None and dossier.status in APPEALABLE
            and window_open(session, decision, settings=settings, today=today))


def lodge(session: Session, dossier_id: int, *, grounds: str, by: User, settings: Settings, today: date) -> Appeal:
    """The candidate (or their counsellor for them) contests the decision in force, with grounds."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if by.role not in APPELLANTS:  # who may comes before when: the refusal says why, whatever the state
        raise AppellantsOnly()
    decision = jury.latest(session, dossier_id)
    if decision is None or dossier.status not in APPEALABLE:
        raise service.WrongStep()
    if of_decision(session, decision.id) is not None:
        raise AlreadyAppealed()
    if waiver_of(session, decision.id) is not None:
        raise AppealWaived()
    if today > window_ends(decision, settings=settings):
        raise AppealWindowClosed()
    if not grounds.strip():
        raise GroundsRequired()
    row = Appeal(dossier_id=dossier_id, decision_id=decision.id, grounds=grounds.strip(), lodged_by_id=by.id)
    session.add(row)
    session.flush()
    # The grounds are the candidate's own words: kept with the appeal, out of the audit chain.
    audit.record(session, actor=by, action="appeal.lodged", entity_type="dossier", entity_id=dossier_id,
                 detail={"appeal": row.id, "decision": decision.id})
    dossiers.transition(session, dossier, DossierStatus.APPEAL, by=by, detail={"appeal": row.id})
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
    dossier = service.load_dossier(session, row.dossier_id)
    row.officer_id, row.outcome, row.reason, row.decided_at = by.id, outcome, reason.strip(), utcnow()
    session.add(row)
    if outcome == AppealOutcome.UPHELD:
        decision.superseded_at = row.decided_at
        session.add(decision)
        for old in service.active(session, dossier.id):
            assignment.end(session, old, by=by)
        state = service.state(session, dossier.id)
        state.round, state.finished_at, state.moderation_reasons = state.round + 1, None, []
        session.add(state)
        target = DossierStatus.DESK_REVIEW
    else:  # the decision stands; a partial certificate issued before the appeal stands with it, final now
        partial = _appealed_from(session, dossier.id) == DossierStatus.PARTIALLY_CERTIFIED
        target = DossierStatus.CERTIFIED if partial else DossierStatus.DECIDED
    session.flush()
    audit.record(session, actor=by, action="appeal.decided", entity_type="dossier", entity_id=dossier.id,
                 detail={"appeal": row.id, "outcome": outcome.value})
    dossiers.transition(session, dossier, target, by=by, reason=row.reason, detail={"appeal": row.id})
    messages.appeal(session, dossiers.candidate_of(session, dossier), appeal_id=row.id, outcome=outcome,
                    reason=row.reason)
    return row


def _appealed_from(session: Session, dossier_id: int) -> DossierStatus | None:
    """The state the dossier was in when its last appeal was lodged."""
    change = session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier_id,
                                                     StatusChange.to_status == DossierStatus.APPEAL)
                          .order_by(col(StatusChange.id).desc())).first()
    return change.from_status if change else None


def waive(session: Session, dossier_id: int, *, statement: str, by: User, today: date) -> AppealWaiver:
    """The candidate's written waiver of the window (typed by them, or copied from paper by their counsellor
    or the registry): no appeal afterwards, and a partial certificate already issued becomes final."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if by.role not in APPELLANTS and by.role not in access.SEE_ALL:
        raise AppellantsOnly()
    decision = jury.latest(session, dossier_id)
    if decision is None or dossier.status not in APPEALABLE or decision.outcome == Outcome.FULL:
        raise service.WrongStep()
    if of_decision(session, decision.id) is not None:
        raise AlreadyAppealed()
    if waiver_of(session, decision.id) is not None:
        raise AppealWaived()
    if not statement.strip():
        raise StatementRequired()
    row = AppealWaiver(dossier_id=dossier_id, decision_id=decision.id, statement=statement.strip(),
                       recorded_by_id=by.id)
    session.add(row)
    session.flush()
    # The statement is the candidate's own words: kept with the waiver, out of the audit chain.
    audit.record(session, actor=by, action="appeal.waived", entity_type="dossier", entity_id=dossier_id,
                 detail={"waiver": row.id, "decision": decision.id, "on": today.isoformat()})
    if dossier.status == DossierStatus.PARTIALLY_CERTIFIED:
        dossiers.transition(session, dossier, DossierStatus.CERTIFIED, by=by, detail={"waiver": row.id})
    return row


def finalise_partial(session: Session, *, settings: Settings, today: date) -> list[Dossier]:
    """Partial certificates whose appeal window has closed become final (the daily job)."""
    done = []
    for dossier in session.exec(select(Dossier).where(Dossier.status == DossierStatus.PARTIALLY_CERTIFIED)
                                .order_by(col(Dossier.id))).all():
        decision = jury.latest(session, dossier.id)
        if decision is not None and today <= window_ends(decision, settings=settings):
            continue
        dossiers.transition(session, dossier, DossierStatus.CERTIFIED, by=None, detail={"window_ended": True})
        done.append(dossier)
    return done


def close_window(session: Session, dossier_id: int, *, by: User, settings: Settings, today: date) -> Dossier:
    """After the window (or a rejected appeal), a partial or no validation goes on to its gap plan."""
    if by.role not in access.SEE_ALL:
        raise assignment.RegistrarOnly()
    dossier = service.load_dossier(session, dossier_id)
    decision = jury.latest(session, dossier_id)
    if dossier.status != DossierStatus.DECIDED or decision is None or decision.outcome == Outcome.FULL:
        raise service.WrongStep()
    appeal = of_decision(session, decision.id)
    if appeal is None and today <= window_ends(decision, settings=settings):
        raise AppealWindowOpen()
    dossiers.transition(session, dossier, DossierStatus.GAP_PLAN, by=by, detail={"decision": decision.id})
    return dossier


def officers(session: Session, decision: JuryDecision) -> list[User]:
    """Who may examine the appeal: the certifying body's staff who did not sit on the jury."""
    sat = {member["user_id"] for member in decision.members}
    staff = session.exec(select(User).where(col(User.role).in_([Role.REGISTRAR.value, Role.ADMIN.value]),
                                            col(User.active).is_(True)))
    return [user for user in staff if user.id not in sat]

