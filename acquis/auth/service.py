"""Accounts and credentials: password checks that leak nothing and lock no one out, sessions that end when
credentials change, API tokens."""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from acquis import audit, phones
from acquis.auth import passwords, throttle
from acquis.auth.models import ApiToken, Role, User, UserCreate, UserSession
from acquis.auth.passwords import HASHER
from acquis.config import Settings
from acquis.db import rowcount, utcnow
from acquis.errors import Conflict, Invalid, NotFound, TooManyRequests, Unauthorized
from acquis.i18n import N_

# Failed logins older than this are forgotten (a success forgets those of its login and client at once).
LOGIN_WINDOW = timedelta(days=1)
MIN_PASSWORD = 8
MAX_PASSWORD = 200

DEMO_ACCOUNTS = (
    ("admin", Role.ADMIN, "Aminata Traoré (admin)"),
    ("registrar", Role.REGISTRAR, "Moussa Keïta (registrar)"),
    ("counsellor", Role.COUNSELLOR, "Fatoumata Diarra (counsellor)"),
    ("assessor", Role.ASSESSOR, "Bakary Coulibaly (assessor)"),
    ("assessor2", Role.ASSESSOR, "Oumou Sangaré (assessor)"),
    # Accredited but on no demo dossier: what an assessor sees of dossiers they were not given.
    ("assessor3", Role.ASSESSOR, "Issa Diakité (assessor)"),
    ("candidate", Role.CANDIDATE, "Seydou Konaté"),
    # A second candidate with a dossier of her own: what one candidate sees of another's.
    ("candidate2", Role.CANDIDATE, "Awa Traoré"),
)


class LoginFailed(Unauthorized):
    """Wrong login or password; deliberately the same message for both."""

    code = "login-failed"
    default_message = N_("Identifiant ou mot de passe incorrect.")


class LoginThrottled(TooManyRequests):
    """Too many failed logins for this name from this client, or from this client; the caller must wait."""

    code = "login-throttled"
    default_message = N_("Trop d'essais pour cet identifiant : patientez avant de réessayer.")


class PasswordRefused(Invalid):
    """The new password is too short or too long, or the current one is wrong."""

    code = "password-refused"
    default_message = N_("Mot de passe refusé : 8 caractères au moins, et l'ancien mot de passe exact.")


class LoginTaken(Conflict):
    """Another account already uses this login."""

    code = "login-taken"
    default_message = N_("Cet identifiant est déjà utilisé.")


class UnknownUser(NotFound):
    """No account has this login."""

    code = "unknown-user"
    default_message = N_("Aucun compte ne porte cet identifiant.")


# The login of the account a phone number opens when it is not the number itself (the demo's candidates log in
# as `candidate`); the composition root passes the candidates' own lookup.
PhoneLogins = Callable[[Session, str], str | None]


def normalise_login(login: str) -> str:
    return login.strip().lower()


def account_login(login: str, *, settings: Settings) -> str:
    """The login as accounts store it: a phone number, however written, in its E.164 form (PhoneInvalid when it
    cannot be one); any other login in lower case."""
    if phones.looks_like_phone(login):
        return phones.normalise(login, country_code=settings.phone_country_code)
    return normalise_login(login)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, data: UserCreate, *, by: User | None) -> User:
    """A new account with an argon2 password hash; the login is case-insensitive."""
    login = normalise_login(data.login)
    if session.exec(select(User).where(User.login == login)).first():
        raise LoginTaken()
    user = User(login=login, name=data.name.strip(), role=data.role, password_hash=HASHER.hash(data.password))
    session.add(user)
    session.flush()
    audit.record(session, actor=by, action="user.created", entity_type="user", entity_id=user.id,
                 detail={"login": login, "role": user.role.value})
    return user


def get_by_login(session: Session, login: str) -> User:
    user = session.exec(select(User).where(User.login == normalise_login(login))).first()
    if user is None:
        raise UnknownUser()
    return user


@dataclass(frozen=True)
class LoginAttempt:
    """What checking a password found, before anything is written."""

    login: str
    client: str
    user_id: int | None  # the account, when the password is right and the account active
    password_hash: str | None = None  # the hash the password matched: the login concludes only if it is unchanged


def check_password(session: Session, *, login: str, password: str, client: str | None,
                   settings: Settings, phone_logins: PhoneLogins | None = None) -> LoginAttempt:
    """Reads only. LoginThrottled while this login from this client, or this client, must wait; else one
    argon2 verification, the same for an unknown login (and the same answer later). A phone number is
    accepted as people write it (`76 12 34 56`, `0022376123456`)."""
    typed, client = normalise_login(login), client or throttle.UNKNOWN_CLIENT
    login = account_login(login, settings=settings)
    now = utcnow()
    pair, whole = _login_keys(settings, login, client)
    if _waiting(session, pair, settings.login_free_failures, settings, now) or \
            _waiting(session, whole, settings.login_client_free_failures, settings, now):
        raise LoginThrottled()
    user = _account(session, login, phone_logins)
    if user is None and typed != login:  # an account whose login only looks like a phone number (`12345678`)
        user = session.exec(select(User).where(User.login == typed)).first()
    valid = passwords.verify(password, user.password_hash if user else None, settings=settings)
    if not valid or user is None or not user.active:
        return LoginAttempt(login, client, None)
    return LoginAttempt(login, client, user.id, user.password_hash)


def _account(session: Session, login: str, phone_logins: PhoneLogins | None) -> User | None:
    user = session.exec(select(User).where(User.login == login)).first()
    if user is None and phone_logins is not None and login.startswith("+"):
        alias = phone_logins(session, login)
        user = session.exec(select(User).where(User.login == alias)).first() if alias else None
    return user


def conclude_login(session: Session, attempt: LoginAttempt, *, settings: Settings) -> User:
    """The account, clearing the failures of its login from this client; or LoginFailed, counting one more
    failure for the login from this client and for the client (never for the login alone: an attacker
    elsewhere must not lock its owner out)."""
    pair, whole = _login_keys(settings, attempt.login, attempt.client)
    # Locked, and still with the password checked: two logins racing with a slip's one-time password are put
    # in order, and the second finds it spent (also a password changed or an account deactivated since).
    user = session.get(User, attempt.user_id, with_for_update=True) if attempt.user_id is not None else None
    if user is None or not user.active or user.password_hash != attempt.password_hash:
        now = utcnow()
        throttle.bump(session, pair, window=LOGIN_WINDOW, now=now)
        throttle.bump(session, whole, window=LOGIN_WINDOW, now=now)
        raise LoginFailed()
    throttle.clear(session, pair)
    spend_one_time_password(session, user)
    return user


def spend_one_time_password(session: Session, user: User) -> None:
    """A printed slip's one-time password opens one session: the first login of the account (with it, or with
    a code sent to the phone) empties it, and the person then chooses a password without retyping it."""
    if not user.password_once:
        return
    user.password_hash, user.password_once = "", False
    session.add(user)
    audit.record(session, actor=user, action="user.one_time_password_used", entity_type="user", entity_id=user.id)
    session.flush()


def client_must_wait(session: Session, client: str | None, *, settings: Settings) -> bool:
    """Whether this client failed too many logins, whatever the login (password or code), and must wait."""
    key = throttle.key(settings, "client", client or throttle.UNKNOWN_CLIENT)
    return _waiting(session, key, settings.login_client_free_failures, settings, utcnow())


def count_client_failure(session: Session, client: str | None, *, settings: Settings) -> None:
    """One more failed login for this client (a wrong code counts like a wrong password)."""
    key = throttle.key(settings, "client", client or throttle.UNKNOWN_CLIENT)
    throttle.bump(session, key, window=LOGIN_WINDOW, now=utcnow())


def _login_keys(settings: Settings, login: str, client: str) -> tuple[str, str]:
    return throttle.key(settings, "login", login, client), throttle.key(settings, "client", client)


def _waiting(session: Session, key: str, free: int, settings: Settings, now: datetime) -> bool:
    # After the free failures, each further failure doubles the wait, up to the cap.
    row = throttle.recent(session, key, window=LOGIN_WINDOW, now=now)
    extra = row.count - free if row is not None else -1
    if row is None or extra < 0:
        return False
    wait = min(2 ** min(extra, 30), settings.login_max_delay_seconds)
    return now < row.last_at + timedelta(seconds=wait)


def open_session(session: Session, user: User, *, settings: Settings) -> str:
    """A new browser session; returns the cookie token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(UserSession(token_hash=token_digest(token), user_id=user.id,
                            expires_at=utcnow() + timedelta(hours=settings.session_hours)))
    audit.record(session, actor=user, action="session.opened", entity_type="user", entity_id=user.id)
    session.flush()
    return token


def close_session(session: Session, token: str) -> None:
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).first()
    if row is None:
        return
    user = session.get(User, row.user_id)
    session.delete(row)
    audit.record(session, actor=user, action="session.closed", entity_type="user", entity_id=row.user_id)
    session.flush()


def end_sessions(session: Session, user: User, *, by: User | None, reason: str, keep: str | None = None) -> int:
    """End every browser session of the account but `keep` (the cookie token of the one making the change);
    every worker reads sessions from the database, so they end everywhere at the next request."""
    query = delete(UserSession).where(col(UserSession.user_id) == user.id)
    if keep:
        query = query.where(col(UserSession.token_hash) != token_digest(keep))
    ended = rowcount(session.execute(query))
    audit.record(session, actor=by, action="user.sessions_ended", entity_type="user", entity_id=user.id,
                 detail={"reason": reason, "sessions": ended})
    session.flush()
    return int(ended)


def set_password(session: Session, user: User, new: str, *, by: User | None, settings: Settings,
                 keep_session: str | None = None) -> None:
    """A new password; every other session of the account ends."""
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        raise PasswordRefused()
    user.password_hash = passwords.hash_password(new, settings=settings)
    session.add(user)
    audit.record(session, actor=by, action="user.password_changed", entity_type="user", entity_id=user.id)
    end_sessions(session, user, by=by, reason="password", keep=keep_session)


def change_own_password(session: Session, user: User, *, current: str, new: str, settings: Settings,
                        keep_session: str | None) -> None:
    """The user replaces their password, proving the current one; their other sessions end, this one stays.
    An account without a password (its slip's one-time password spent by this session's login) proves nothing
    more: the session itself was opened with the slip or a code sent to the phone."""
    if user.password_hash and not passwords.verify(current, user.password_hash, settings=settings):
        raise PasswordRefused()
    set_password(session, user, new, by=user, settings=settings, keep_session=keep_session)


def change_role(session: Session, user: User, role: Role, *, by: User | None) -> User:
    """Give the account another role (revoking the one it had); its sessions end."""
    if user.role == role:
        return user
    previous, user.role = user.role, role
    session.add(user)
    audit.record(session, actor=by, action="user.role_changed", entity_type="user", entity_id=user.id,
                 detail={"from": previous.value, "to": role.value})
    end_sessions(session, user, by=by, reason="role")
    return user


def deactivate(session: Session, user: User, *, by: User | None) -> User:
    """The account can no longer log in: its sessions end and its API tokens are revoked."""
    user.active = False
    session.add(user)
    audit.record(session, actor=by, action="user.deactivated", entity_type="user", entity_id=user.id)
    end_sessions(session, user, by=by, reason="deactivated")
    revoke_api_tokens(session, user, by=by)
    return user


def user_for_session(session: Session, token: str) -> User | None:
    row = session.exec(select(UserSession).where(UserSession.token_hash == token_digest(token))).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None


def issue_api_token(session: Session, user: User, *, days: int, by: User | None) -> str:
    """A bearer token for the JSON API; shown once, stored only as its hash."""
    token = "acq_" + secrets.token_urlsafe(32)
    assert user.id is not None
    row = ApiToken(token_hash=token_digest(token), user_id=user.id,
                   expires_at=utcnow() + timedelta(days=days))
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="api_token.issued", entity_type="api_token", entity_id=row.id,
                 detail={"user": user.login, "days": days})
    return token


def revoke_api_tokens(session: Session, user: User, *, by: User | None) -> int:
    """Revoke every live token of a user; returns how many."""
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))).all()
    for row in rows:
        row.revoked_at = utcnow()
        session.add(row)
        audit.record(session, actor=by, action="api_token.revoked", entity_type="api_token", entity_id=row.id)
    session.flush()
    return len(rows)


def user_for_api_token(session: Session, token: str) -> User | None:
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None


def ensure_demo_users(session: Session, *, password: str) -> list[User]:
    """One account per role (and a second assessor), created once; reruns change nothing."""
    users = []
    for login, role, name in DEMO_ACCOUNTS:
        existing = session.exec(select(User).where(User.login == login)).first()
        users.append(existing or create_user(
            session, UserCreate(login=login, name=name, role=role, password=password), by=None))
    return users


def users_by_login(session: Session, logins: Iterable[str]) -> dict[str, User]:
    """The accounts of these logins that exist, by login."""
    return {user.login: user for user in session.exec(select(User).where(col(User.login).in_(list(logins))))}


def users_with_roles(session: Session, roles: Iterable[Role]) -> list[User]:
    return list(session.exec(select(User).where(col(User.role).in_(list(roles))).order_by(col(User.login))))


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.login)))
