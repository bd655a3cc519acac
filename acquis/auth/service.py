"""Accounts and credentials: password checks that leak nothing, sessions, API tokens."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, select

from acquis import audit
from acquis.auth.models import ApiToken, LoginThrottle, Role, User, UserCreate, UserSession
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from acquis.i18n import N_

HASHER = PasswordHash((Argon2Hasher(),))
# Checked against when the login is unknown, so both failures cost one argon2 verification.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

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
    """Too many failed logins for this name; the caller must wait."""

    code = "login-throttled"
    default_message = N_("Trop d'essais pour cet identifiant : patientez avant de réessayer.")


class LoginTaken(Conflict):
    """Another account already uses this login."""

    code = "login-taken"
    default_message = N_("Cet identifiant est déjà utilisé.")


class UnknownUser(NotFound):
    """No account has this login."""

    code = "unknown-user"
    default_message = N_("Aucun compte ne porte cet identifiant.")


def normalize_login(login: str) -> str:
    return login.strip().lower()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, data: UserCreate, *, by: User | None) -> User:
    """A new account with an argon2 password hash; the login is case-insensitive."""
    login = normalize_login(data.login)
    if session.exec(select(User).where(User.login == login)).first():
        raise LoginTaken()
    user = User(login=login, name=data.name.strip(), role=data.role, password_hash=HASHER.hash(data.password))
    session.add(user)
    session.flush()
    audit.record(session, actor=by, action="user.created", entity_type="user", entity_id=user.id,
                 detail={"login": login, "role": user.role.value})
    return user


def get_by_login(session: Session, login: str) -> User:
    user = session.exec(select(User).where(User.login == normalize_login(login))).first()
    if user is None:
        raise UnknownUser()
    return user


def authenticate(session: Session, *, login: str, password: str, settings: Settings) -> User:
    """The account for these credentials, or LoginFailed / LoginThrottled.

    An unknown login and a wrong password give the same error after the same work.
    """
    login = normalize_login(login)
    throttle = session.get(LoginThrottle, login) or LoginThrottle(login=login)
    now = utcnow()
    if _still_waiting(throttle, settings, now):
        raise LoginThrottled()
    user = session.exec(select(User).where(User.login == login)).first()
    valid = HASHER.verify(password, user.password_hash if user else _DUMMY_HASH)
    if not (valid and user is not None and user.active):
        throttle.failures += 1
        throttle.last_failure_at = now
        session.add(throttle)
        session.flush()
        raise LoginFailed()
    if throttle.failures:  # a stored row: a success clears the count
        session.delete(throttle)
        session.flush()
    return user


def _still_waiting(throttle: LoginThrottle, settings: Settings, now: datetime) -> bool:
    # After the free failures, each further failure doubles the wait, up to the cap.
    extra = throttle.failures - settings.login_free_failures
    if extra < 0 or throttle.last_failure_at is None:
        return False
    wait = min(2**extra, settings.login_max_delay_seconds)
    return now < throttle.last_failure_at + timedelta(seconds=wait)


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
    rows = session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()  # type: ignore[union-attr]
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


def users_with_roles(session: Session, roles: Iterable[Role]) -> list[User]:
    return list(session.exec(select(User).where(User.role.in_(list(roles))).order_by(User.login)))  # type: ignore[attr-defined]


def all_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.role, User.login)))
