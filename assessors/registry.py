"""The assessor registry: who may assess which framework (accreditation with dates), languages, region."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid, NotFound
from acquis.i18n import N_
from assessors.inputs import AccreditationCreate, ProfileUpdate
from assessors.models import Accreditation, AssessorProfile
from validation.frameworks.models import Framework


class AssessorNotFound(NotFound):
    """No such assessor account."""

    code = "not-found"


class UnknownFramework(Invalid):
    """Accreditations name a framework the registry holds."""

    code = "unknown-framework"
    default_message = N_("Ce référentiel n'existe pas.")


class NotAccredited(Conflict):
    """Only an assessor accredited for the framework, today, may be assigned."""

    code = "not-accredited"
    default_message = N_("Cet évaluateur n'a pas d'accréditation valable aujourd'hui pour ce référentiel.")


@dataclass(frozen=True)
class Assessor:
    user: User
    profile: AssessorProfile
    accreditations: list[Accreditation]


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.role != Role.ASSESSOR:
        raise AssessorNotFound()
    return user


def profile(session: Session, user_id: int) -> AssessorProfile:
    return session.get(AssessorProfile, user_id) or AssessorProfile(user_id=user_id)


def accreditations(session: Session, user_id: int) -> list[Accreditation]:
    return list(session.exec(select(Accreditation).where(Accreditation.user_id == user_id)
                             .order_by(col(Accreditation.framework_code), col(Accreditation.valid_from))))


def assessor(session: Session, user_id: int) -> Assessor:
    return Assessor(get_user(session, user_id), profile(session, user_id), accreditations(session, user_id))


def assessors(session: Session) -> list[Assessor]:
    """Every assessor account (active or not), with profile and accreditations, by name."""
    users = session.exec(select(User).where(User.role == Role.ASSESSOR).order_by(col(User.name)))
    return [Assessor(user, profile(session, user.id), accreditations(session, user.id))
            for user in users]


def is_accredited(session: Session, user_id: int, framework_code: str, *, on: date) -> bool:
    return any(a.framework_code == framework_code and a.valid_on(on) for a in accreditations(session, user_id))


def framework_codes(session: Session) -> list[str]:
    return sorted(set(session.exec(select(Framework.code))))


def update_profile(session: Session, user_id: int, data: ProfileUpdate, *, by: User) -> AssessorProfile:
    get_user(session, user_id)
    row = profile(session, user_id)
    row.languages, row.region, row.updated_at = list(dict.fromkeys(data.languages)), data.region, utcnow()
    session.add(row)
    audit.record(session, actor=by, action="assessor.profile_updated", entity_type="user", entity_id=user_id,
                 detail={"languages": row.languages})
    session.flush()
    return row


def accredit(session: Session, user_id: int, data: AccreditationCreate, *, by: User) -> Accreditation:
    """Accredit an assessor for every version of one framework, between two dates (inclusive)."""
    get_user(session, user_id)
    if data.framework_code not in framework_codes(session):
        raise UnknownFramework()
    row = Accreditation(user_id=user_id, framework_code=data.framework_code, valid_from=data.valid_from,
                        valid_until=data.valid_until, created_by_id=by.id)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="assessor.accredited", entity_type="user", entity_id=user_id,
                 detail={"accreditation": row.id, "framework": data.framework_code,
                         "from": data.valid_from.isoformat(), "until": data.valid_until.isoformat()})
    return row


def withdraw(session: Session, accreditation_id: int, *, by: User) -> Accreditation:
    """End an accreditation now (it stays in the history); current assignments are not undone."""
    row = session.get(Accreditation, accreditation_id)
    if row is None:
        raise AssessorNotFound()
    if row.withdrawn_at is None:
        row.withdrawn_at = utcnow()
        session.add(row)
        audit.record(session, actor=by, action="assessor.accreditation_withdrawn", entity_type="user",
                     entity_id=row.user_id, detail={"accreditation": row.id, "framework": row.framework_code})
        session.flush()
    return row
