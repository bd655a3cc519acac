"""The journey of a dossier driven through the services, step by step, as its people take it: admitted and its
portfolio opened, an assessor assigned, the units planned and assessed in one sitting, scored, moderated if
chosen, a jury named and its decision. The demo (`assessors/seed.py`) and the tests build their dossiers with
these steps, so that both take the one path the pages take. Each step flushes, never commits."""

from collections.abc import Callable
from datetime import date

from sqlmodel import Session

from acquis.auth.models import User
from acquis.config import Settings
from assessors import assignment, desk, jury, moderation, scoring, service, unit_results
from assessors.inputs import JudgementInput, PlanInput, SessionInput
from assessors.models import AssessmentSession, Assignment, JuryDecision, Method, ModerationOutcome
from validation.dossiers import admissibility
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import FrameworkCriterion, FrameworkUnit

Judge = Callable[[FrameworkCriterion], JudgementInput]


def admitted(session: Session, dossier_id: int, *, counsellor: User, registrar: User) -> None:
    """A draft dossier submitted, reviewed, declared admissible and its portfolio opened to evidence."""
    dossiers.move(session, dossier_id, DossierStatus.SUBMITTED, by=counsellor)
    dossiers.move(session, dossier_id, DossierStatus.INTAKE_REVIEW, by=registrar)
    admissibility.decide(session, dossier_id, decision="admissible", by=registrar)
    dossiers.move(session, dossier_id, DossierStatus.PORTFOLIO_IN_PROGRESS, by=counsellor)


def assigned(session: Session, dossier_id: int, user: User, purpose: AccessPurpose, *, by: User, today: date,
             president: bool = False) -> Assignment:
    """`user` assigned to the dossier for `purpose`, their declaration signed: no conflict."""
    row = assignment.assign(session, dossier_id, user_id=user.id, purpose=purpose, by=by, today=today,
                            president=president)
    assignment.declare(session, row.id, conflict=False, details="", by=user)
    return row


def scheduled(session: Session, dossier: Dossier, *, assessor: User, registrar: User, today: date, place: str,
              time: str | None = None) -> AssessmentSession:
    """The assessor assigned, every unit to prove planned as a practical task today, the assessment scheduled and
    its one sitting held (identity checked) for all of them: the sitting."""
    assigned(session, dossier.id, assessor, AccessPurpose.ASSESS, by=registrar, today=today)
    for unit in service.to_assess(session, dossier):
        desk.save_plan(session, dossier.id, unit.id, PlanInput(
            method=Method.PRACTICAL_TASK, scheduled_on=today, scheduled_time=time, place=place), by=assessor)
    desk.schedule(session, dossier.id, by=assessor)
    return desk.record_session(session, dossier.id, SessionInput(
        method=Method.PRACTICAL_TASK, held_on=today, place=place, identity_checked=True,
        unit_ids=[unit.id for unit in service.to_assess(session, dossier)]), by=assessor)


def scored(session: Session, dossier: Dossier, judge: Judge, *, by: User, today: date,
           units: list[FrameworkUnit] | None = None) -> None:
    """Every criterion of `units` (all those to prove when None) judged as `judge` says."""
    for unit in service.to_assess(session, dossier) if units is None else units:
        for criterion in unit_results.criteria_of(session, unit.id):
            scoring.save(session, dossier.id, criterion.id, judge(criterion), by=by, today=today)


def finished(session: Session, dossier: Dossier, *, assessor: User, settings: Settings, today: date) -> None:
    """The assessor finishes the assessment: the dossier goes to moderation when it is chosen, else to its jury."""
    moderation.finish_assessment(session, dossier.id, by=assessor, today=today, settings=settings)


def moderated(session: Session, dossier: Dossier, *, moderator: User, registrar: User, today: date,
              agree: bool = True) -> bool:
    """When the dossier was chosen for moderation, its moderator assigned and, if `agree`, agreeing with the
    assessor (the dossier then goes to its jury); whether it was chosen."""
    if dossier.status not in (DossierStatus.ASSESSED, DossierStatus.MODERATION):
        return False
    assigned(session, dossier.id, moderator, AccessPurpose.MODERATE, by=registrar, today=today)
    if agree:
        moderation.decide(session, dossier.id, outcome=ModerationOutcome.AGREE, comment="", unit_ids=[],
                          by=moderator)
    return True


def jury_named(session: Session, dossier_id: int, *, member: User, president: User, today: date) -> None:
    """A jury of two: `member`, and `president` (the registrar, who names them)."""
    assigned(session, dossier_id, member, AccessPurpose.JURY, by=president, today=today)
    assigned(session, dossier_id, president, AccessPurpose.JURY, by=president, today=today, president=True)


def decided(session: Session, dossier_id: int, *, member: User, president: User, reasons: str, feedback: str,
            today: date) -> JuryDecision:
    """Both jury members vote each unit as its result says (units carried from an earlier decision are not voted
    on again), and the president records the decision."""
    found = unit_results.results(session, dossier_id)
    choices = {unit_id: result.competent for unit_id, result in found.items() if not result.carried}
    for voter in (member, president):
        jury.vote(session, dossier_id, choices=choices, by=voter)
    return jury.decide(session, dossier_id, reasons=reasons, feedback=feedback, by=president, today=today)
