"""Codes sent by SMS that open one session of a candidate's account: six digits, ten minutes, one use, five tries.

Only a keyed hash of a code is stored (six digits hashed without a key would be found from the hash in a
moment); a new code voids the account's earlier ones."""

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import LoginCode, Role, User
from acquis.auth.service import spend_one_time_password
from acquis.config import Settings
from acquis.errors import Unauthorized
from acquis.i18n import N_

DIGITS = 6
LIFETIME = timedelta(minutes=10)
TRIES = 5  # wrong codes typed before the code is void and a new one must be asked for


class CodeRefused(Unauthorized):
    """Wrong, expired, used or void code, or none sent to this phone: deliberately one message for all."""

    code = "login-code-refused"
    default_message = N_("Code incorrect, expiré ou déjà utilisé. Après 5 essais faux, demandez un nouveau code.")


def issue(session: Session, user: User, *, settings: Settings, now: datetime) -> str:
    """A new code for a candidate's account (staff log in with their password only); returns the code, to send."""
    assert user.id is not None and user.role == Role.CANDIDATE
    session.execute(delete(LoginCode).where(col(LoginCode.user_id) == user.id))
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    session.add(LoginCode(user_id=user.id, code_hash=_digest(settings, user.id, code), created_at=now,
                          expires_at=now + LIFETIME))
    audit.record(session, actor=None, action="login_code.sent", entity_type="user", entity_id=user.id)
    session.flush()
    return code


def redeem(session: Session, user_id: int | None, typed: str, *, settings: Settings, now: datetime) -> User:
    """The account the code opens, its code used up; else CodeRefused, a wrong code counting one more try.

    The code's row is locked: two tries at once are counted one after the other, and a code opens one session.
    """
    query = select(LoginCode).where(LoginCode.user_id == user_id).with_for_update()
    row = session.exec(query).first() if user_id is not None else None
    if row is None or row.used_at is not None or row.expires_at <= now or row.failures >= TRIES:
        raise CodeRefused()
    code = re.sub(r"\s", "", typed)
    # Compare in constant time: a timing difference would tell how much of a guess was right.
    if not hmac.compare_digest(row.code_hash, _digest(settings, row.user_id, code)):
        row.failures += 1
        session.add(row)
        session.flush()
        raise CodeRefused()
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.role != Role.CANDIDATE:
        raise CodeRefused()
    row.used_at = now
    session.add(row)
    audit.record(session, actor=user, action="login_code.used", entity_type="user", entity_id=user.id)
    spend_one_time_password(session, user)
    session.flush()
    return user


def _digest(settings: Settings, user_id: int, code: str) -> str:
    message = f"login-code\x1f{user_id}\x1f{code}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()
