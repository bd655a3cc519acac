"""Who may see which candidate and dossier: anything else is "not found", exactly like nothing."""

from typing import Any

from sqlalchemy import exists, false, or_
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.db import utcnow
from acquis.errors import Forbidden, NotFound
from acquis.i18n import N_
from validation.dossiers.models import AccessPurpose, Candidate, Dossier, DossierAccess
from validation.dossiers.status import DossierStatus

# Administrators act as the registrar (the kernel's RegistrarDep admits both).
SEE_ALL = frozenset({Role.REGISTRAR, Role.ADMIN})
# From the jury's decision on, those who judged the dossier no longer need its evidence.
DECIDED = frozenset({DossierStatus.DECIDED, DossierStatus.APPEAL, DossierStatus.GAP_PLAN, DossierStatus.CERTIFIED,
                     DossierStatus.PARTIALLY_CERTIFIED, DossierStatus.CLOSED})


class DossierNotFound(NotFound):
    """No such dossier, or one the caller may not see: the same answer for both."""

    code = "not-found"


class CounsellorCannotJudge(Forbidden):
    """The counsellor of a dossier never assesses, moderates or sits on the jury of that dossier."""

    code = "counsellor-cannot-judge"
    default_message = N_("Le conseiller qui a suivi ce dossier ne peut ni l'évaluer, ni le modérer, ni siéger au jury.")


class CandidateNotFound(NotFound):
    """No such candidate, or one the caller may not see."""

    code = "not-found"


def dossier_filter(user: User) -> Any:
    """A WHERE clause on Dossier: candidates their own, counsellors those they handle, registrars all.

    Assessors see only the dossiers an active grant (DossierAccess) opens to them.
    """
    if user.role in SEE_ALL:
        return col(Dossier.id).is_not(None)
    if user.role == Role.COUNSELLOR:
        return Dossier.counsellor_id == user.id
    if user.role == Role.ASSESSOR:
        return col(Dossier.id).in_(select(DossierAccess.dossier_id).where(
            DossierAccess.user_id == user.id, col(DossierAccess.revoked_at).is_(None)))
    if user.role == Role.CANDIDATE:
        return col(Dossier.candidate_id).in_(select(Candidate.id).where(Candidate.user_id == user.id))
    return false()


def candidate_filter(user: User) -> Any:
    """A WHERE clause on Candidate: counsellors see those they registered or whose dossier they handle."""
    if user.role in SEE_ALL:
        return col(Candidate.id).is_not(None)
    if user.role == Role.COUNSELLOR:
        handles = exists().where(col(Dossier.candidate_id) == col(Candidate.id), col(Dossier.counsellor_id) == user.id)
        return or_(col(Candidate.registered_by_id) == user.id, handles)
    if user.role == Role.CANDIDATE:
        return Candidate.user_id == user.id
    return false()


def get_dossier(session: Session, dossier_id: int, *, user: User) -> Dossier:
    """The dossier, if this user may see it; "not found" otherwise, exactly as for one that does not exist."""
    dossier = session.exec(select(Dossier).where(Dossier.id == dossier_id, dossier_filter(user))).first()
    if dossier is None:
        raise DossierNotFound()
    return dossier


def get_candidate(session: Session, candidate_id: int, *, user: User) -> Candidate:
    candidate = session.exec(select(Candidate).where(Candidate.id == candidate_id, candidate_filter(user))).first()
    if candidate is None:
        raise CandidateNotFound()
    return candidate


def candidate_of(session: Session, user: User) -> Candidate:
    """The candidate record behind a candidate's account."""
    candidate = session.exec(select(Candidate).where(Candidate.user_id == user.id)).first()
    if candidate is None:
        raise CandidateNotFound()
    return candidate


def may_see_evidence(user: User, dossier: Dossier) -> bool:
    """Whether the evidence of a dossier the user may see is open to them: an assessor's, moderator's or
    jury member's access ends when the dossier is decided (the jury's PV stays theirs, in assessors/)."""
    return user.role != Role.ASSESSOR or dossier.status not in DECIDED


def is_staff_for(user: User) -> bool:
    """Staff who build or judge dossiers (not assessors, who only see assigned ones later)."""
    return user.role in SEE_ALL or user.role == Role.COUNSELLOR


def grant(session: Session, dossier_id: int, *, user_id: int, purpose: AccessPurpose, by: User) -> DossierAccess:
    """Open the dossier to one person for one purpose (called once their no-conflict declaration is signed).

    The counsellor of the dossier is refused here too, whatever the caller checked before.
    """
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise DossierNotFound()
    if dossier.counsellor_id is not None and dossier.counsellor_id == user_id:
        raise CounsellorCannotJudge()
    existing = session.exec(select(DossierAccess).where(
        DossierAccess.dossier_id == dossier_id, DossierAccess.user_id == user_id, DossierAccess.purpose == purpose,
        col(DossierAccess.revoked_at).is_(None))).first()
    if existing is not None:
        return existing
    row = DossierAccess(dossier_id=dossier_id, user_id=user_id, purpose=purpose, granted_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="dossier.access_granted", entity_type="dossier", entity_id=dossier_id,
                 detail={"user_id": user_id, "purpose": purpose.value})
    return row


def revoke(session: Session, dossier_id: int, *, user_id: int, purpose: AccessPurpose, by: User) -> int:
    """Close the grants of one person for one purpose; returns how many were open."""
    rows = list(session.exec(select(DossierAccess).where(
        DossierAccess.dossier_id == dossier_id, DossierAccess.user_id == user_id, DossierAccess.purpose == purpose,
        col(DossierAccess.revoked_at).is_(None))))
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
    if rows:
        audit.record(session, actor=by, action="dossier.access_revoked", entity_type="dossier", entity_id=dossier_id,
                     detail={"user_id": user_id, "purpose": purpose.value})
    session.flush()
    return len(rows)

