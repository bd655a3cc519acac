"""Counters of recent attempts in the database (every worker and instance agrees), under keyed hashes:
the table never holds a login, a phone number or a client address."""

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal
from sqlmodel import Session, col

from acquis.auth.models import Throttle
from acquis.config import Settings
from acquis.db import UTCDateTime, insert_into

UNKNOWN_CLIENT = "unknown"  # no peer address (a Unix socket): all such callers share one counter


def key(settings: Settings, scope: str, *parts: str) -> str:
    """`scope:` and a keyed hash of the parts (a login, a client address)."""
    message = "\x1f".join((scope, *parts)).encode()
    return f"{scope}:" + hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:64]


def recent(session: Session, key: str, *, window: timedelta, now: datetime) -> Throttle | None:
    """The counter under `key` if its window is still open."""
    row = session.get(Throttle, key)
    return row if row is not None and row.first_at > now - window else None


def bump(session: Session, key: str, *, window: timedelta, now: datetime) -> None:
    """Count one attempt, atomically (concurrent workers never lose one); an expired window starts over."""
    insert = insert_into(session, Throttle).values(key=key, count=1, first_at=now, last_at=now)
    expired = col(Throttle.first_at) <= now - window
    at = literal(now, UTCDateTime())
    session.execute(insert.on_conflict_do_update(index_elements=["key"], set_={
        "count": case((expired, 1), else_=col(Throttle.count) + 1),
        "first_at": case((expired, at), else_=col(Throttle.first_at)),
        "last_at": at,
    }))
    session.expire_all()  # the ORM's copies of throttle rows are stale now


def clear(session: Session, key: str) -> None:
    session.execute(delete(Throttle).where(col(Throttle.key) == key))
