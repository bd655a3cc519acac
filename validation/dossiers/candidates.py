"""Registering candidates (in the office or by themselves), their phone login and one-time password."""

import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from acquis import audit, phones
from acquis.auth import passwords
from acquis.auth import service as auth_service
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid
from acquis.i18n import N_
from validation.dossiers import access, countries, identity, messages, search
from validation.dossiers.inputs import CandidateCreate
from validation.dossiers.models import Candidate

ONE_TIME_DIGITS = 10


class PhoneTaken(Conflict):
    """Another candidate already logs in with this phone number."""

    code = "phone-taken"
    default_message = N_("Ce numéro de téléphone est déjà celui d'un candidat inscrit.")


class IdNumberTaken(Conflict):
    """A candidate with this ID document number is already registered."""

    code = "id-number-taken"
    default_message = N_("Une personne est déjà inscrite avec ce numéro de pièce : adressez-vous à l'organisme "
                         "certificateur.")


class CountryUnknown(Invalid):
    """Not an ISO 3166 country code."""

    code = "country-unknown"
    default_message = N_("Pays inconnu.")


@dataclass(frozen=True)
class Registration:
    candidate: Candidate
    one_time_password: str | None  # printed on the slip; None when the candidate chose a password


def one_time_password() -> str:
    """Digits only: easy to read from a slip and to type on any phone keypad."""
    return "".join(str(secrets.randbelow(10)) for _ in range(ONE_TIME_DIGITS))


def register(session: Session, data: CandidateCreate, *, by: User | None, settings: Settings,
             password_hash: str | None = None, account: User | None = None,
             with_account: bool = True) -> Registration:
    """A candidate and their account (login = phone number).

    Registered by staff (`by`), the account gets a one-time password to print; self-registered
    (`by` None, see registrations.py), the hash of the candidate's own password. An existing candidate
    `account` (the demo's) is linked instead of creating one; `with_account=False` keeps an office record
    only, whose account comes with its first slip (new_one_time_password).
    """
    number = identity.normalise(data.id_number)
    login = phones.normalise(data.phone, country_code=settings.phone_country_code)
    if not countries.is_country(data.nationality):
        raise CountryUnknown()
    if phone_holder(session, login) is not None:
        raise PhoneTaken()
    digest = identity.keyed_hash(settings, number)
    if id_number_holder(session, digest) is not None:
        raise IdNumberTaken()
    secret = None if password_hash else one_time_password()
    fields = data.model_dump(exclude={"id_number", "identity_seen", "phone"})
    fields["search_name"] = search.name_key(data.family_name, data.given_names, data.usual_name)
    candidate = Candidate(**fields, phone=login, id_number_encrypted=identity.encrypt(settings, number),
                          id_number_last4=identity.last4(number), id_number_hash=digest,
                          registered_by_id=by.id if by else None, self_registered=by is None)
    if by is not None and data.identity_seen:
        candidate.identity_seen_at, candidate.identity_seen_by_id = utcnow(), by.id
    if account is not None:
        candidate.user_id = account.id
    elif with_account:
        hashed = password_hash or passwords.hash_password(secret or "", settings=settings)
        _open_account(session, candidate, hashed, by=by, temporary=secret is not None)
    session.add(candidate)
    session.flush()
    audit.record(session, actor=by, action="candidate.registered", entity_type="candidate",
                 entity_id=candidate.id, detail={"self_registered": by is None})
    given = account is None and with_account
    if account is not None or with_account:  # an office record without an account is told with its first slip
        messages.registered(session, candidate, code=secret if given else None)
    return Registration(candidate, secret if given else None)


def phone_holder(session: Session, login: str) -> int | None:
    """The candidate whose login is this phone number (0 for an account without a candidate), or None."""
    candidate = session.exec(select(Candidate.id).where(Candidate.phone == login)).first()
    if candidate is not None:
        return candidate
    return 0 if session.exec(select(User.id).where(User.login == login)).first() is not None else None


def login_for_phone(session: Session, number: str) -> str | None:
    """The login of the candidate account this phone number (E.164) opens, when it is not the number itself
    (the demo's candidates log in as `candidate`): the login page accepts the phone for it."""
    return session.exec(select(User.login).join(Candidate, col(Candidate.user_id) == User.id)
                        .where(Candidate.phone == number, User.role == Role.CANDIDATE)).first()


def id_number_holder(session: Session, digest: str) -> int | None:
    """The candidate registered with this ID number (by its keyed hash), or None."""
    return session.exec(select(Candidate.id).where(Candidate.id_number_hash == digest)).first()


def _open_account(session: Session, candidate: Candidate, password_hash: str, *, by: User | None,
                  temporary: bool) -> User:
    """The candidate's login account: their phone number, and a password (temporary when from a slip)."""
    user = User(login=candidate.phone, name=candidate.display_name, role=Role.CANDIDATE,
                password_hash=password_hash, password_once=temporary)
    session.add(user)
    session.flush()
    candidate.user_id, candidate.password_temporary = user.id, temporary
    # The login is a phone number: personal data stays out of the audit chain.
    audit.record(session, actor=by, action="user.created", entity_type="user", entity_id=user.id,
                 detail={"role": Role.CANDIDATE.value})
    return user


def new_one_time_password(session: Session, candidate_id: int, *, by: User) -> tuple[Candidate, str]:
    """A fresh one-time password for a new slip (lost slip, forgotten password): it opens one session, the old
    one none any more, and whoever was logged in with the old one (a stolen slip) is logged out."""
    candidate = access.get_candidate(session, candidate_id, user=by)
    secret = one_time_password()
    user = session.get(User, candidate.user_id) if candidate.user_id else None
    if user is None:
        _open_account(session, candidate, passwords.HASHER.hash(secret), by=by, temporary=True)
        messages.registered(session, candidate, code=secret)  # the account of an office record opens now
    else:
        user.password_hash, user.password_once = passwords.HASHER.hash(secret), True
        candidate.password_temporary = True
        session.add(user)
        auth_service.end_sessions(session, user, by=by, reason="slip")
    session.add(candidate)
    audit.record(session, actor=by, action="candidate.password_reset", entity_type="candidate",
                 entity_id=candidate.id)
    session.flush()
    return candidate, secret


def change_password(session: Session, user: User, *, current: str, new: str, settings: Settings,
                    keep_session: str | None) -> None:
    """The candidate replaces the slip's one-time password (or any password) with their own; their other
    sessions end, the one making the change stays open."""
    auth_service.change_own_password(session, user, current=current, new=new, settings=settings,
                                     keep_session=keep_session)
    candidate = session.exec(select(Candidate).where(Candidate.user_id == user.id)).first()
    if candidate is not None:
        candidate.password_temporary = False
        session.add(candidate)
    session.flush()


def tell_when_checked(session: Session, user: User, *, on: bool) -> Candidate:
    """The holder's choice: an SMS on each day their certificate is checked valid (verifiers are not told)."""
    candidate = access.candidate_of(session, user)
    candidate.sms_when_checked = on
    session.add(candidate)
    audit.record(session, actor=user, action="candidate.check_alerts", entity_type="candidate",
                 entity_id=candidate.id, detail={"on": on})
    session.flush()
    return candidate


def mark_identity_seen(session: Session, candidate_id: int, *, by: User) -> Candidate:
    """Staff saw the ID document itself (in the office, or its scan) and it matches the record."""
    candidate = access.get_candidate(session, candidate_id, user=by)
    candidate.identity_seen_at, candidate.identity_seen_by_id = utcnow(), by.id
    session.add(candidate)
    audit.record(session, actor=by, action="candidate.identity_seen", entity_type="candidate",
                 entity_id=candidate.id)
    session.flush()
    return candidate


def visible(session: Session, *, user: User, id_number: str | None = None, settings: Settings,
            limit: int = 200) -> list[Candidate]:
    """The candidates this user may see, newest first; with `id_number`, only its exact match."""
    query = select(Candidate).where(access.candidate_filter(user))
    if id_number:
        try:
            digest = identity.keyed_hash(settings, identity.normalise(id_number))
        except identity.IdNumberInvalid:
            return []
        query = query.where(Candidate.id_number_hash == digest)
    return list(session.exec(query.order_by(col(Candidate.id).desc()).limit(limit)))
