"""Logging in with a code sent by SMS to the phone a candidate registered with (candidates only: staff log in
with their password). The answer is the same whether anyone registered the phone: the SMS goes only to a
registered candidate's phone, and every phone and client is throttled alike."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from acquis import i18n, phones
from acquis.auth import codes, throttle
from acquis.auth import service as auth_service
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.errors import TooManyRequests
from acquis.i18n import N_
from acquis.sms import outbox
from validation.dossiers.models import Candidate

HOUR = timedelta(hours=1)
PHONE_GAP = timedelta(minutes=1)  # between two codes to one phone
CODES_PER_PHONE_HOUR = 5
CODES_PER_CLIENT_HOUR = 20  # a client asking codes for many phones (each SMS costs the agency)
SMS_TEXT = N_("Acquis : votre code est %(code)s. Il est valable 10 minutes. Ne le donnez à personne.")


class CodesThrottled(TooManyRequests):
    """Codes asked too often for this phone, or from this client."""

    code = "login-codes-throttled"
    default_message = N_("Trop de codes demandés : attendez une minute entre deux codes ; 5 codes par heure au "
                         "plus.")


class CodeLoginThrottled(TooManyRequests):
    """Too many wrong codes or passwords from this client: it waits, as for passwords."""

    code = "code-login-throttled"
    default_message = N_("Trop d'essais depuis cette connexion : patientez avant de réessayer.")


def send_code(session: Session, typed_phone: str, *, client: str | None, settings: Settings,
              now: datetime) -> str:
    """Queue a login code by SMS to the candidate registered with this phone (however written), and nothing
    for a phone nobody registered; returns the phone in E.164 form. PhoneInvalid, CodesThrottled."""
    number = phones.normalise(typed_phone, country_code=settings.phone_country_code)
    _count_request(session, number, client=client, settings=settings, now=now)
    account = _account(session, number)
    if account is not None:
        candidate, user = account
        code = codes.issue(session, user, settings=settings, now=now)
        text = i18n.gettext_in(candidate.preferred_language.value, SMS_TEXT) % {"code": code}
        outbox.enqueue(session, to=candidate.phone, text=text, purpose="login-code", urgent=True)
    return number


def log_in(session: Session, typed_phone: str, code: str, *, client: str | None, settings: Settings,
           now: datetime) -> User:
    """The candidate account the code opens (the code used up); CodeRefused (a try counted against the code
    and the client), CodeLoginThrottled, PhoneInvalid."""
    number = phones.normalise(typed_phone, country_code=settings.phone_country_code)
    if auth_service.client_must_wait(session, client, settings=settings):
        raise CodeLoginThrottled()
    account = _account(session, number)
    try:
        return codes.redeem(session, account[1].id if account else None, code, settings=settings, now=now)
    except codes.CodeRefused:
        auth_service.count_client_failure(session, client, settings=settings)
        raise


def _account(session: Session, number: str) -> tuple[Candidate, User] | None:
    """The candidate with this phone and their active candidate account (never a staff account)."""
    query = (select(Candidate, User).join(User, col(Candidate.user_id) == User.id)
             .where(Candidate.phone == number, User.role == Role.CANDIDATE, col(User.active).is_(True)))
    found = session.exec(query).first()
    return (found[0], found[1]) if found is not None else None


def _count_request(session: Session, number: str, *, client: str | None, settings: Settings,
                   now: datetime) -> None:
    # Counted for every phone, registered or not, so that the throttle tells nothing either; a refused
    # request is not counted.
    by_phone = throttle.key(settings, "code-phone", number)
    by_client = throttle.key(settings, "code-client", client or throttle.UNKNOWN_CLIENT)
    phone_row = throttle.recent(session, by_phone, window=HOUR, now=now)
    client_row = throttle.recent(session, by_client, window=HOUR, now=now)
    if phone_row is not None and (phone_row.count >= CODES_PER_PHONE_HOUR or now < phone_row.last_at + PHONE_GAP):
        raise CodesThrottled()
    if client_row is not None and client_row.count >= CODES_PER_CLIENT_HOUR:
        raise CodesThrottled()
    throttle.bump(session, by_phone, window=HOUR, now=now)
    throttle.bump(session, by_client, window=HOUR, now=now)
