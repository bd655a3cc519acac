"""The hash-chained audit log: every state change appends one event linked to the previous one."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, update
from sqlmodel import Field, Session, SQLModel, col, select

from acquis.db import Row, UTCDateTime, utcnow

GENESIS = "0" * 64
SYSTEM = "system"
HEAD_ID = 1


class AuditEvent(Row, table=True):
    __tablename__ = "audit_event"

    seq: int = Field(unique=True)
    at: datetime = Field(sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=80, index=True)
    entity_type: str = Field(max_length=60)
    entity_id: str = Field(max_length=120)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    digest: str = Field(max_length=64)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(unique=True, max_length=64)


class AuditHead(SQLModel, table=True):
    """One row: the last sequence number and hash, also the lock appenders queue on."""

    __tablename__ = "audit_head"

    id: int = Field(default=HEAD_ID, primary_key=True)
    seq: int = 0
    hash: str = Field(default=GENESIS, max_length=64)


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


def record(
    session: Session,
    *,
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: object,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; `actor` is a user (anything with id and role) or None for the system."""
    # Bumping the head first takes its row lock (PostgreSQL) or the write lock (SQLite), so
    # concurrent appenders queue here and each one then reads the hash its predecessor wrote.
    session.execute(update(AuditHead).where(col(AuditHead.id) == HEAD_ID).values(seq=AuditHead.seq + 1))
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)).one()
    event = AuditEvent(
        seq=head.seq,
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor=actor_name(actor),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        detail=detail or {},
        prev_hash=head.hash,
        digest="",
        hash="",
    )
    event.digest = digest_of(event.detail)
    event.hash = hash_of(event)
    session.add(event)
    session.execute(update(AuditHead).where(col(AuditHead.id) == HEAD_ID).values(hash=event.hash))
    session.flush()
    return event


def actor_name(actor: Any) -> str:
    """Who acted, as the chain keeps it for good: role and user id ("registrar#3"), never the login,
    which for a candidate is a phone number; None is the system."""
    user_id, role = getattr(actor, "id", None), getattr(actor, "role", None)
    if user_id is None:
        return SYSTEM
    return f"{getattr(role, 'value', role) or 'user'}#{user_id}"


def lock(session: Session) -> None:
    """Queue behind every transaction appending to the chain, without appending: once this returns,
    what those transactions committed is visible (PostgreSQL: the head's row lock; SQLite: the write
    lock each transaction takes at its start)."""
    session.execute(select(AuditHead.seq).where(col(AuditHead.id) == HEAD_ID).with_for_update())


def digest_of(detail: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical(detail)).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """The event's hash covers every column but its own id and hash, and the previous hash."""
    fields = [
        event.seq,
        _timestamp(event.at),
        event.actor_id,
        event.actor,
        event.action,
        event.entity_type,
        event.entity_id,
        event.digest,
        event.prev_hash,
    ]
    return hashlib.sha256(_canonical(fields)).hexdigest()


def verify(session: Session, *, batch: int = 5000) -> BrokenLink | None:
    """Walk the chain in order; the first event that does not fit, or None when all is intact."""
    expected_seq, prev = 1, GENESIS
    while True:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.seq >= expected_seq).order_by(col(AuditEvent.seq)).limit(batch)
        ).all()
        for event in rows:
            problem = _check(event, expected_seq, prev)
            if problem:
                return BrokenLink(event.seq, problem)
            expected_seq, prev = event.seq + 1, event.hash
        if len(rows) < batch:
            break
    head = session.get(AuditHead, HEAD_ID)
    if head is None or head.seq != expected_seq - 1 or head.hash != prev:
        return BrokenLink(expected_seq, "events are missing at the end of the chain")
    return None


def _check(event: AuditEvent, expected_seq: int, prev: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing (found {event.seq} next)"
    if event.prev_hash != prev:
        return "its previous hash does not match the event before it"
    if event.digest != digest_of(event.detail):
        return "its detail was changed"
    if event.hash != hash_of(event):
        return "its content was changed"
    return None


def _timestamp(at: datetime) -> str:
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()
