"""Self-registration at /register: the same answer whoever is registered already (no registry oracle), each
conflict kept for a counsellor to reconcile, and a rate per client address."""

from datetime import timedelta
from typing import Any

from sqlalchemy import false, or_, true
from sqlmodel import Session, col, select

from acquis import audit, phones
from acquis.auth import passwords, throttle
from acquis.auth.models import Role, User
from acquis.auth.service import MIN_PASSWORD, PasswordRefused
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import NotFound, TooManyRequests
from acquis.i18n import N_
from validation.dossiers import access, candidates, consents, countries, identity
from validation.dossiers.inputs import CandidateCreate
from validation.dossiers.models import Candidate, ConsentPurpose, RegistrationConflict

REGISTER_WINDOW = timedelta(hours=1)


class TooManyRegistrations(TooManyRequests):
    """This client sent more self-registrations than the hourly rate allows."""

    code = "too-many-registrations"
    default_message = N_("Trop d’inscriptions depuis cette connexion : réessayez dans une heure, ou adressez-vous "
                         "à un conseiller.")


class ConflictNotFound(NotFound):
    """No pending registration conflict with this id that this user may see."""

    code = "registration-conflict-not-found"


def self_register(session: Session, data: CandidateCreate, *, password: str, purposes: list[ConsentPurpose],
                  client: str | None, settings: Settings) -> None:
    """Register a candidate who came alone, telling nothing about who is registered already.

    A free phone and ID number: the candidate and their account, with the consents they ticked, exactly as
    before. A phone or ID number already registered: no account (it would be someone else's), but a
    conflict for a counsellor to reconcile with the person and their ID document. Both cost the same work
    (one argon2 hash) and the caller answers both the same way; input errors come first, from the input alone.
    """
    _count(session, client=client, settings=settings)
    number = identity.normalise(data.id_number)
    login = phones.normalise(data.phone, country_code=settings.phone_country_code)
    if not countries.is_country(data.nationality):
        raise candidates.CountryUnknown()
    if not MIN_PASSWORD <= len(password) <= 200:
        raise PasswordRefused()
    password_hash = passwords.hash_password(password, settings=settings)
    phone_holder = candidates.phone_holder(session, login)
    id_holder = candidates.id_number_holder(session, identity.keyed_hash(settings, number))
    if phone_holder is None and id_holder is None:
        registration = candidates.register(session, data, by=None, settings=settings, password_hash=password_hash)
        consents.record_at_registration(session, registration.candidate, purposes=purposes,
                                        language=data.preferred_language)
        return
    conflict = RegistrationConflict(
        phone_candidate_id=phone_holder or None, id_number_candidate_id=id_holder, family_name=data.family_name,
        given_names=data.given_names, birth_date=data.birth_date, phone=login,
        id_document_type=data.id_document_type, id_number_last4=identity.last4(number),
        preferred_language=data.preferred_language)
    session.add(conflict)
    session.flush()
    audit.record(session, actor=None, action="registration.conflict", entity_type="registration_conflict",
                 entity_id=conflict.id, detail={"phone": phone_holder is not None, "id_number": id_holder is not None})


def _count(session: Session, *, client: str | None, settings: Settings) -> None:
    # Per client address, in the database: every worker agrees, and a refused attempt is not counted.
    key = throttle.key(settings, "register", client or throttle.UNKNOWN_CLIENT)
    now = utcnow()
    row = throttle.recent(session, key, window=REGISTER_WINDOW, now=now)
    if row is not None and row.count >= settings.register_per_client_per_hour:
        raise TooManyRegistrations()
    throttle.bump(session, key, window=REGISTER_WINDOW, now=now)


def _visible(user: User) -> Any:
    """Admins and registrars see every conflict; a counsellor those about a candidate they may see."""
    if user.role in access.SEE_ALL:
        return true()
    if user.role != Role.COUNSELLOR:
        return false()
    seen = select(Candidate.id).where(access.candidate_filter(user))
    return or_(col(RegistrationConflict.phone_candidate_id).in_(seen),
               col(RegistrationConflict.id_number_candidate_id).in_(seen))


def pending(session: Session, *, user: User) -> list[RegistrationConflict]:
    """The conflicts still to reconcile that this user may see, oldest first."""
    query = select(RegistrationConflict).where(col(RegistrationConflict.resolved_at).is_(None), _visible(user))
    return list(session.exec(query.order_by(col(RegistrationConflict.id)).limit(500)))


def resolve(session: Session, conflict_id: int, *, by: User, note: str) -> RegistrationConflict:
    """The counsellor met the person (or could not reach them) and says what was done."""
    conflict = session.exec(select(RegistrationConflict).where(
        RegistrationConflict.id == conflict_id, col(RegistrationConflict.resolved_at).is_(None),
        _visible(by))).first()
    if conflict is None:
        raise ConflictNotFound()
    conflict.resolved_at, conflict.resolved_by_id, conflict.resolution = utcnow(), by.id, note.strip()[:500] or None
    session.add(conflict)
    audit.record(session, actor=by, action="registration.conflict_resolved", entity_type="registration_conflict",
                 entity_id=conflict.id)
    session.flush()
    return conflict
