"""Accounts, roles, browser sessions, API tokens and throttles."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from acquis.db import Row, UTCDateTime, str_enum, utcnow
from acquis.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    REGISTRAR = "registrar"
    COUNSELLOR = "counsellor"
    ASSESSOR = "assessor"
    CANDIDATE = "candidate"


ROLE_LABELS = {
    Role.ADMIN.value: N_("administration"),
    Role.REGISTRAR.value: N_("organisme certificateur (registraire)"),
    Role.COUNSELLOR.value: N_("conseiller ou conseillère"),
    Role.ASSESSOR.value: N_("évaluateur ou évaluatrice"),
    Role.CANDIDATE.value: N_("candidat ou candidate"),
}

STAFF = frozenset({Role.ADMIN, Role.REGISTRAR, Role.COUNSELLOR, Role.ASSESSOR})


class User(Row, table=True):
    __tablename__ = "app_user"

    login: str = Field(unique=True, index=True, max_length=120)
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=str_enum(Role))
    password_hash: str  # empty: no password (a slip's one-time password once used); no password matches it
    # The password opens one session only (a printed slip's): the login that uses it empties it.
    password_once: bool = False
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF


class UserSession(Row, table=True):
    """A browser session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "user_session"

    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class ApiToken(Row, table=True):
    """A bearer token for the JSON API, stored hashed, revocable."""

    __tablename__ = "api_token"

    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Throttle(SQLModel, table=True):
    """A counter of recent attempts under a keyed hash (failed logins of one login from one client, of one
    client, or one client's anonymous registrations): in the database, so every worker and instance agrees."""

    __tablename__ = "throttle"

    key: str = Field(primary_key=True, max_length=80)
    count: int = 0
    first_at: datetime = Field(sa_type=UTCDateTime)  # the window's start: older counts are forgotten
    last_at: datetime = Field(sa_type=UTCDateTime)


class LoginCode(Row, table=True):
    """A code sent by SMS that opens one session: only its keyed hash is kept, for a few minutes and a few tries."""

    __tablename__ = "login_code"

    user_id: int = Field(foreign_key="app_user.id", index=True)
    code_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    failures: int = 0  # wrong codes typed for it; at the limit it is void
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserCreate(SQLModel):
    login: str = Field(min_length=2, max_length=120)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=8, max_length=200)
