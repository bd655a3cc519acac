"""Assignment: the registrar gives a dossier an assessor, a moderator, a jury; each one declares any
conflict of interest before the dossier opens to them. The dossier's counsellor is always refused."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.db import utcnow
from acquis.errors import Conflict, Forbidden, Invalid, NotFound
from acquis.i18n import N_
from assessors import registry, service
from assessors.models import Assignment, Declaration, DossierAssessment
from validation.dossiers import access
from validation.dossiers import service as dossiers
from validation.dossiers.access import CounsellorCannotJudge
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus

# When each role may be given, and the states in which an assignment counts as open workload.
ASSIGNABLE = {
    AccessPurpose.ASSESS: frozenset({DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW,
                         DossierStatus.ASSESSMENT_SCHEDULED}),
    AccessPurpose.MODERATE: frozenset({DossierStatus.ASSESSED, DossierStatus.MODERATION}),
    AccessPurpose.JURY: frozenset({DossierStatus.ASSESSED, DossierStatus.MODERATION, DossierStatus.JURY}),
}
OPEN_WORK = frozenset({DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW, DossierStatus.FLAGGED,
                       DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.ASSESSED,
                       DossierStatus.MODERATION, DossierStatus.JURY, DossierStatus.APPEAL})
# Jury members are accredited assessors or the certifying body's own staff (registrars).
JURY_ROLES = frozenset({Role.ASSESSOR, Role.REGISTRAR})


class AssignmentNotFound(NotFound):
    """No such assignment, or not the caller's."""

    code = "not-found"


class NotAssignable(Conflict):
    """The person cannot take this role on this dossier."""

    code = "not-assignable"
    default_message = N_("Cette personne ne peut pas recevoir ce rôle sur ce dossier.")


class AlreadyDeclared(Conflict):
    code = "already-declared"
    default_message = N_("La déclaration est déjà signée.")


class ConflictDetailsRequired(Invalid):
    code = "conflict-details-required"
    default_message = N_("Décrivez le conflit d'intérêts (lien avec le candidat, employeur commun...).")


class RegistrarOnly(Forbidden):
    code = "registrar-only"
    default_message = N_("Seul l'organisme certificateur peut faire cela.")


@dataclass(frozen=True)
class Suggestion:
    user: User
    workload: int
    accredited: bool
    languages: list[str]
    region: str


def workload(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Open assignments (assessment, moderation, jury) per person."""
    if not user_ids:
        return {}
    rows = session.exec(select(Assignment.user_id, func.count()).join(Dossier, col(Dossier.id) == Assignment.dossier_id)
                        .where(col(Assignment.user_id).in_(user_ids), col(Assignment.ended_at).is_(None),
                               col(Dossier.status).in_([s.value for s in OPEN_WORK]))
                        .group_by(col(Assignment.user_id)))
    counts = dict.fromkeys(user_ids, 0)
    counts.update({user_id: count for user_id, count in rows})
    return counts


def _excluded(session: Session, dossier: Dossier, purpose: AccessPurpose) -> set[int]:
    """Who may not take `purpose` here: the counsellor, anyone who declared a conflict on the dossier,
    whoever already holds another role in this round (moderator and jury member may be the same person),
    and for an assessment after an upheld appeal, the former assessors."""
    rows = list(session.exec(select(Assignment).where(Assignment.dossier_id == dossier.id)))
    current = service.round_of(session, dossier.id)
    excluded = {a.user_id for a in rows if a.declaration == Declaration.CONFLICT}
    excluded |= {a.user_id for a in rows if a.round == current and a.ended_at is None and a.purpose != purpose
                 and not {a.purpose, purpose} <= {AccessPurpose.MODERATE, AccessPurpose.JURY}}
    if purpose == AccessPurpose.ASSESS:
        excluded |= {a.user_id for a in rows if a.purpose == AccessPurpose.ASSESS and a.round < current}
    else:  # whoever assessed this round does not moderate or judge their own work
        excluded |= {a.user_id for a in rows if a.purpose == AccessPurpose.ASSESS and a.round == current}
    if dossier.counsellor_id is not None:
        excluded.add(dossier.counsellor_id)
    return excluded


def suggestions(session: Session, dossier: Dossier, purpose: AccessPurpose, *, today: date) -> list[Suggestion]:
    """Who may take the role: accredited for the framework today (jury: also registrars), not the
    counsellor, no declared conflict; lowest open workload first."""
    code = service.framework(session, dossier).code
    excluded = _excluded(session, dossier, purpose) | {a.user_id for a in service.active(session, dossier.id,
                                                                                          purpose=purpose)}
    roles = JURY_ROLES if purpose == AccessPurpose.JURY else {Role.ASSESSOR}
    people = [u for u in session.exec(select(User).where(col(User.role).in_([r.value for r in roles]),
                                                         col(User.active).is_(True)))
              if u.id not in excluded]
    loads = workload(session, [u.id for u in people])
    found = []
    for user in people:
        accredited = registry.is_accredited(session, user.id, code, on=today)
        if user.role == Role.ASSESSOR and not accredited:
            continue
        profile = registry.profile(session, user.id)
        found.append(Suggestion(user, loads[user.id], accredited, profile.languages, profile.region))
    return sorted(found, key=lambda s: (s.workload, s.user.name))


def assign(session: Session, dossier_id: int, *, user_id: int, purpose: AccessPurpose, by: User,
           today: date, president: bool = False) -> Assignment:
    """Give one person a role on a dossier: assessors and jury members are added (a panel may have
    several), a moderator replaces the current one. Nothing opens to them before they declare no
    conflict of interest."""
    if by.role not in access.SEE_ALL:
        raise RegistrarOnly()
    dossier = service.load_dossier(session, dossier_id)
    if dossier.counsellor_id == user_id:
        raise CounsellorCannotJudge()
    if dossier.status not in ASSIGNABLE.get(purpose, frozenset()):
        raise service.WrongStep()
    person = session.get(User, user_id)
    if person is None or not person.active:
        raise NotAssignable()
    if user_id in _excluded(session, dossier, purpose):
        raise NotAssignable()
    if purpose == AccessPurpose.JURY:
        if person.role not in JURY_ROLES:
            raise NotAssignable()
    elif person.role != Role.ASSESSOR:
        raise NotAssignable()
    elif not registry.is_accredited(session, user_id, service.framework(session, dossier).code, on=today):
        raise registry.NotAccredited()
    if any(a.user_id == user_id for a in service.active(session, dossier_id, purpose=purpose)):
        raise NotAssignable()
    replaced = service.active(session, dossier_id, purpose=purpose) if purpose == AccessPurpose.MODERATE else []
    for old in replaced:
        end(session, old, by=by)
    if purpose == AccessPurpose.JURY and president:
        for other in service.active(session, dossier_id, purpose=AccessPurpose.JURY):
            other.president = False
            session.add(other)
    row = Assignment(dossier_id=dossier_id, user_id=user_id, purpose=purpose,
                     president=president and purpose == AccessPurpose.JURY,
                     round=service.state(session, dossier_id).round, assigned_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessment.assigned", entity_type="dossier", entity_id=dossier_id,
                 detail={"assignment": row.id, "user_id": user_id, "purpose": purpose.value,
                         "president": row.president, "replaced": [a.id for a in replaced]})
    if dossier.status == DossierStatus.PORTFOLIO_SUBMITTED:
        dossiers.transition(session, dossier, DossierStatus.DESK_REVIEW, by=by)
    if purpose == AccessPurpose.MODERATE and dossier.status == DossierStatus.ASSESSED:
        dossiers.transition(session, dossier, DossierStatus.MODERATION, by=by)
    return row


def unassign(session: Session, assignment_id: int, *, by: User) -> Assignment:
    """The registrar takes someone off a dossier (what they saved stays, with their name)."""
    if by.role not in access.SEE_ALL:
        raise RegistrarOnly()
    row = session.get(Assignment, assignment_id)
    if row is None or row.ended_at is not None:
        raise AssignmentNotFound()
    end(session, row, by=by)
    audit.record(session, actor=by, action="assessment.unassigned", entity_type="dossier", entity_id=row.dossier_id,
                 detail={"assignment": row.id, "user_id": row.user_id, "purpose": row.purpose.value})
    return row


def end(session: Session, assignment: Assignment, *, by: User) -> None:
    """Close an assignment and whatever it opened."""
    assignment.ended_at = utcnow()
    session.add(assignment)
    access.revoke(session, assignment.dossier_id, user_id=assignment.user_id, purpose=assignment.purpose, by=by)
    session.flush()


def get_mine(session: Session, assignment_id: int, *, user: User) -> Assignment:
    row = session.get(Assignment, assignment_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise AssignmentNotFound()
    return row


def declare(session: Session, assignment_id: int, *, conflict: bool, details: str, by: User) -> Assignment:
    """The assigned person signs: no conflict (the dossier opens to them), or a conflict with details
    (the assignment ends and the registrar chooses someone else)."""
    row = get_mine(session, assignment_id, user=by)
    if row.declaration != Declaration.PENDING:
        raise AlreadyDeclared()
    details = details.strip()
    if conflict and not details:
        raise ConflictDetailsRequired()
    row.declaration = Declaration.CONFLICT if conflict else Declaration.NO_CONFLICT
    row.conflict_details, row.declared_at = (details or None), utcnow()
    if conflict:
        row.ended_at = row.declared_at
    session.add(row)
    session.flush()
    if not conflict:
        access.grant(session, row.dossier_id, user_id=by.id, purpose=row.purpose, by=by)
    # The details may name people: they stay on the assignment, out of the audit chain.
    audit.record(session, actor=by, action="assessment.declared", entity_type="dossier", entity_id=row.dossier_id,
                 detail={"assignment": row.id, "purpose": row.purpose.value, "conflict": conflict})
    return row


def mine(session: Session, user: User, *, offset: int = 0,
         limit: int | None = None) -> list[tuple[Assignment, Dossier]]:
    """The caller's open assignments of each dossier's current round, pending declarations first."""
    # The round in the same query (a dossier without its assessment row is in round 1): one query for
    # the whole work list, where asking each dossier's round took one more per assignment.
    current = func.coalesce(DossierAssessment.round, 1)
    rows = session.exec(select(Assignment, Dossier).join(Dossier, col(Dossier.id) == Assignment.dossier_id)
                        .outerjoin(DossierAssessment, col(DossierAssessment.dossier_id) == Assignment.dossier_id)
                        .where(Assignment.user_id == user.id, col(Assignment.ended_at).is_(None),
                               Assignment.round == current)
                        .order_by(col(Assignment.declared_at).is_not(None), col(Assignment.id))
                        .offset(offset).limit(limit))
    return list(rows)


def conflicts(session: Session, dossier_id: int) -> list[Assignment]:
    """Declared conflicts on the dossier, for the registrar to see why someone stepped down."""
    return list(session.exec(select(Assignment).where(Assignment.dossier_id == dossier_id,
                                                      Assignment.declaration == Declaration.CONFLICT)
                             .order_by(col(Assignment.id))))


def registrar_queue(session: Session, *, limit: int | None = None) -> list[Dossier]:
    """Dossiers waiting for the registrar, longest waiting first: a portfolio to assign, a moderator or a
    jury to name, an appeal."""
    waiting = [DossierStatus.PORTFOLIO_SUBMITTED, DossierStatus.DESK_REVIEW, DossierStatus.ASSESSED,
               DossierStatus.MODERATION, DossierStatus.JURY, DossierStatus.APPEAL, DossierStatus.DECIDED]
    return list(session.exec(select(Dossier).where(col(Dossier.status).in_([s.value for s in waiting]))
                             .order_by(col(Dossier.status_changed_at)).limit(limit)))

