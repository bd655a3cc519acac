"""Dossiers: opened for a published framework version, moved through the status table, listed per user."""

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.db import utcnow
from acquis.errors import AcquisError, Conflict, Forbidden, Invalid
from acquis.i18n import N_
from validation.dossiers import access, consents, status
from validation.dossiers.models import (
    Candidate,
    ConsentPurpose,
    Dossier,
    DossierUnit,
    StatusChange,
    display_name,
    passport_name,
)
from validation.dossiers.status import DossierStatus
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkStatus, FrameworkUnit

# Moves with their own checks and forms (admissibility decision, portfolio submission, lapsing).
DEDICATED = frozenset({DossierStatus.ADMISSIBLE, DossierStatus.INCOMPLETE, DossierStatus.NOT_ADMISSIBLE,
                       DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.LAPSED,
                       # the assessment's moves have their own pages (assessors/)
                       DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.ASSESSED, DossierStatus.MODERATION,
                       DossierStatus.JURY, DossierStatus.DECIDED, DossierStatus.APPEAL, DossierStatus.GAP_PLAN,
                       DossierStatus.PARTIALLY_CERTIFIED, DossierStatus.CERTIFIED})


class FrameworkNotPublished(Invalid):
    """Dossiers target published framework versions only."""

    code = "framework-not-published"
    default_message = N_("Choisissez un référentiel publié.")


class UnitNotInFramework(Invalid):
    """A chosen unit is not part of the dossier's framework version."""

    code = "unit-not-in-framework"
    default_message = N_("Ce bloc de compétences n'appartient pas au référentiel choisi.")


class DossierAlreadyOpen(Conflict):
    """The candidate already has an open dossier for this framework."""

    code = "dossier-already-open"
    default_message = N_("Le candidat a déjà un dossier en cours pour ce référentiel.")


class AllUnitsHeld(Conflict):
    """Every unit chosen is already validated for the candidate: a dossier would have nothing to prove."""

    code = "all-units-held"
    default_message = N_("Le candidat a déjà validé tous ces blocs de compétences : il n'y a rien à évaluer.")


class ReasonRequired(Invalid):
    """This move must say why."""

    code = "reason-required"
    default_message = N_("Indiquez le motif de ce changement.")


class RegistrarOnly(Forbidden):
    """Only the certifying body may do this."""

    code = "registrar-only"
    default_message = N_("Seul l'organisme certificateur peut faire cela.")


class DedicatedAction(Conflict):
    """This move has its own form (admissibility decision, portfolio submission)."""

    code = "dedicated-action"
    default_message = N_("Ce changement d'état se fait par son propre formulaire.")


def published_frameworks(session: Session) -> list[Framework]:
    return list(session.exec(select(Framework).where(Framework.status == FrameworkStatus.PUBLISHED)
                             .order_by(col(Framework.code), col(Framework.version).desc())))


def framework_units(session: Session, framework_id: int) -> list[FrameworkUnit]:
    return list(session.exec(select(FrameworkUnit).where(FrameworkUnit.framework_id == framework_id)
                             .order_by(col(FrameworkUnit.position))))


def create(session: Session, candidate_id: int, *, framework_id: int, unit_ids: list[int] | None,
           by: User, held: Collection[int] = ()) -> Dossier:
    """A draft dossier for one published framework version and the chosen units (all by default), less the
    units the candidate already holds (`held`, validation/dossiers/held.py): it targets only the others."""
    candidate = access.get_candidate(session, candidate_id, user=by)
    framework = session.get(Framework, framework_id)
    if refusal := refusal_to_open(session, candidate_id, framework):
        raise refusal
    assert framework is not None
    units = {unit.id: unit for unit in framework_units(session, framework_id)}
    chosen = list(units) if not unit_ids else list(dict.fromkeys(unit_ids))
    if any(unit_id not in units for unit_id in chosen):
        raise UnitNotInFramework()
    chosen = [unit_id for unit_id in chosen if unit_id not in held]
    if not chosen:
        raise AllUnitsHeld()
    dossier = Dossier(candidate_id=candidate_id, framework_id=framework_id, status=DossierStatus.DRAFT,
                      counsellor_id=_counsellor_for(session, candidate, by), created_by_id=by.id)
    session.add(dossier)
    session.flush()
    session.add_all(DossierUnit(dossier_id=dossier.id, unit_id=unit_id) for unit_id in chosen)
    session.add(StatusChange(dossier_id=dossier.id, from_status=None, to_status=DossierStatus.DRAFT,
                             actor_id=by.id, actor_kind=status.actor_kind(by.role)))
    audit.record(session, actor=by, action="dossier.created", entity_type="dossier", entity_id=dossier.id,
                 detail={"framework_id": framework_id, "units": len(chosen), "held": len(units.keys() & set(held))})
    session.flush()
    return dossier


def refusal_to_open(session: Session, candidate_id: int, framework: Framework | None) -> AcquisError | None:
    """Why `create` refuses this candidate a dossier on this framework whatever units are chosen (None: it opens
    one); the "open a dossier" forms offer only the frameworks without one (`openable_frameworks`)."""
    if missing := consents.missing(session, candidate_id, ConsentPurpose.PROCESSING):
        return missing
    if framework is None or framework.status != FrameworkStatus.PUBLISHED:
        return FrameworkNotPublished()
    if _open_dossier_for(session, candidate_id, framework.code):
        return DossierAlreadyOpen()
    return None


def openable_frameworks(session: Session, candidate_id: int) -> list[Framework]:
    return [f for f in published_frameworks(session) if refusal_to_open(session, candidate_id, f) is None]


def _open_dossier_for(session: Session, candidate_id: int, framework_code: str) -> Dossier | None:
    return session.exec(select(Dossier).join(Framework, col(Framework.id) == Dossier.framework_id).where(
        Dossier.candidate_id == candidate_id, Framework.code == framework_code,
        col(Dossier.status).not_in([s.value for s in status.FINAL]))).first()


def _counsellor_for(session: Session, candidate: Candidate, by: User) -> int | None:
    if by.role == Role.COUNSELLOR:
        return by.id
    registrar = session.get(User, candidate.registered_by_id) if candidate.registered_by_id else None
    return registrar.id if registrar and registrar.role == Role.COUNSELLOR else None


def transition(session: Session, dossier: Dossier, target: DossierStatus, *, by: User | None,
               reason: str | None = None, detail: dict[str, Any] | None = None,
               now: datetime | None = None) -> StatusChange:
    """Make one move of the table: checked, kept in the history, appended to the audit chain."""
    role = by.role if by else None
    status.check(dossier.status, target, role)
    reason = (reason or "").strip() or None
    if target in status.REASON_REQUIRED and not reason:
        raise ReasonRequired()
    now = now or utcnow()
    change = StatusChange(dossier_id=dossier.id, from_status=dossier.status, to_status=target,
                          actor_id=by.id if by else None, actor_kind=status.actor_kind(role), at=now,
                          reason=reason, detail=detail or {})
    previous = dossier.status
    dossier.status, dossier.status_changed_at = target, now
    if by is not None:  # a person acted: the idle clock starts again
        dossier.last_activity_at, dossier.lapse_warned_at = now, None
    session.add_all([change, dossier])
    # The reason may name people or places: it stays in the history, out of the audit chain.
    audit.record(session, actor=by, action=f"dossier.{target.value}", entity_type="dossier", entity_id=dossier.id,
                 detail={"from": previous.value, "to": target.value, "by": change.actor_kind})
    session.flush()
    return change


def move(session: Session, dossier_id: int, target: DossierStatus, *, by: User, reason: str | None = None) -> Dossier:
    """A plain move (submit, start a review, start the portfolio, flag, withdraw)."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if refusal := refusal_to_move(session, dossier, target, user=by):
        raise refusal
    transition(session, dossier, target, by=by, reason=reason)
    return dossier


def refusal_to_move(session: Session, dossier: Dossier, target: DossierStatus, *, user: User) -> AcquisError | None:
    """Why `move` refuses this user this move, whatever reason is given (None: it makes it)."""
    if target in DEDICATED:
        return DedicatedAction()
    if found := status.refusal(dossier.status, target, user.role):
        return found
    if target == DossierStatus.SUBMITTED:
        return consents.missing(session, dossier.candidate_id, ConsentPurpose.PROCESSING)
    return None


def open_moves(session: Session, dossier: Dossier, *, user: User) -> list[DossierStatus]:
    """The plain moves `move` makes for this user now: the only ones the move buttons offer."""
    return [target for target in status.moves_for(dossier.status, user.role)
            if refusal_to_move(session, dossier, target, user=user) is None]


def reopen(session: Session, dossier_id: int, *, by: User) -> Dossier:
    """A lapsed dossier goes back to the state it lapsed from."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if refusal := refusal_to_reopen(session, dossier, user=by):
        raise refusal
    transition(session, dossier, _lapsed_from(session, dossier), by=by, reason=None)
    return dossier


def refusal_to_reopen(session: Session, dossier: Dossier, *, user: User) -> AcquisError | None:
    """Why `reopen` refuses this user this dossier (None: it reopens it); the "reopen" buttons are shown only
    when there is none."""
    # else it would make whatever move leads back to where it once lapsed from
    if dossier.status != DossierStatus.LAPSED:
        return status.TransitionNotAllowed()
    if found := status.refusal(dossier.status, _lapsed_from(session, dossier), user.role):
        return found
    return consents.missing(session, dossier.candidate_id, ConsentPurpose.PROCESSING)


def _lapsed_from(session: Session, dossier: Dossier) -> DossierStatus:
    last = session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier.id,
                                                   StatusChange.to_status == DossierStatus.LAPSED)
                        .order_by(col(StatusChange.id).desc())).first()
    return last.from_status if last and last.from_status else DossierStatus.DRAFT


def assign_counsellor(session: Session, dossier_id: int, *, counsellor_id: int | None, by: User) -> Dossier:
    """The registrar chooses who handles a dossier (self-registered candidates come without one)."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    if by.role not in access.SEE_ALL:
        raise RegistrarOnly()
    if counsellor_id is not None:
        counsellor = session.get(User, counsellor_id)
        if counsellor is None or counsellor.role != Role.COUNSELLOR or not counsellor.active:
            raise Invalid()
    dossier.counsellor_id = counsellor_id
    session.add(dossier)
    audit.record(session, actor=by, action="dossier.counsellor_assigned", entity_type="dossier",
                 entity_id=dossier.id, detail={"counsellor_id": counsellor_id})
    session.flush()
    return dossier


def touch(session: Session, dossier: Dossier, *, now: datetime | None = None) -> None:
    """Someone worked on the dossier: the idle clock (and any lapse warning) starts again."""
    dossier.last_activity_at, dossier.lapse_warned_at = now or utcnow(), None
    session.add(dossier)


def visible(session: Session, *, user: User, status_filter: DossierStatus | None = None,
            candidate_id: int | None = None) -> list[Dossier]:
    query = select(Dossier).where(access.dossier_filter(user))
    if status_filter is not None:
        query = query.where(Dossier.status == status_filter)
    if candidate_id is not None:
        query = query.where(Dossier.candidate_id == candidate_id)
    return list(session.exec(query.order_by(col(Dossier.id))))


def history(session: Session, dossier_id: int) -> list[StatusChange]:
    return list(session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier_id)
                             .order_by(col(StatusChange.at), col(StatusChange.id))))


def units(session: Session, dossier_id: int) -> list[FrameworkUnit]:
    """The units the dossier asks to have validated, in the framework's order."""
    return list(session.exec(select(FrameworkUnit).join(DossierUnit, col(DossierUnit.unit_id) == FrameworkUnit.id)
                             .where(DossierUnit.dossier_id == dossier_id).order_by(col(FrameworkUnit.position))))


def framework_of(session: Session, dossier: Dossier) -> Framework:
    framework = session.get(Framework, dossier.framework_id)
    assert framework is not None
    return framework


def candidate_of(session: Session, dossier: Dossier) -> Candidate:
    candidate = session.get(Candidate, dossier.candidate_id)
    assert candidate is not None
    return candidate


# List pages read only the columns they show, as plain rows, in one query per list: making a whole
# Candidate or Framework object (all its columns, JSON decoded) costs more than the query itself.


class FrameworkLabel(NamedTuple):
    code: str
    version: int


def names_of(session: Session, dossiers: Iterable[Dossier], *, passport: bool = False) -> dict[int, str]:
    """Each dossier's candidate's name (as they go by it, or as on the passport), by dossier id."""
    wanted = list(dossiers)
    ids = {dossier.candidate_id for dossier in wanted}
    query = select(Candidate.id, Candidate.family_name, Candidate.given_names, Candidate.usual_name)
    found = {key: passport_name(family, given) if passport else display_name(family, given, usual)
             for key, family, given, usual in session.exec(query.where(col(Candidate.id).in_(ids)))} if ids else {}
    return {dossier.id: found[dossier.candidate_id] for dossier in wanted}


def frameworks_of(session: Session, dossiers: Iterable[Dossier]) -> dict[int, FrameworkLabel]:
    """Each dossier's framework version as lists show it, by dossier id."""
    wanted = list(dossiers)
    ids = {dossier.framework_id for dossier in wanted}
    query = select(Framework.id, Framework.code, Framework.version)
    found = {key: FrameworkLabel(code, version)
             for key, code, version in session.exec(query.where(col(Framework.id).in_(ids)))} if ids else {}
    return {dossier.id: found[dossier.framework_id] for dossier in wanted}


def criteria_by_unit(session: Session, unit_ids: list[int]) -> dict[int, list[FrameworkCriterion]]:
    """The criteria of these units, in the framework's order."""
    found: dict[int, list[FrameworkCriterion]] = {unit_id: [] for unit_id in unit_ids}
    if unit_ids:
        for criterion in session.exec(select(FrameworkCriterion).where(col(FrameworkCriterion.unit_id).in_(unit_ids))
                                      .order_by(col(FrameworkCriterion.position), col(FrameworkCriterion.id))):
            found[criterion.unit_id].append(criterion)
    return found


def criteria(session: Session, criterion_ids: list[int]) -> dict[int, FrameworkCriterion]:
    if not criterion_ids:
        return {}
    rows = session.exec(select(FrameworkCriterion).where(col(FrameworkCriterion.id).in_(criterion_ids)))
    return {row.id: row for row in rows}
