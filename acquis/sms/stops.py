"""STOP and START: a phone that answered STOP gets only essential messages (codes, convocations) until START.

The outbox asks `stopped` before it queues a non-essential message (outbox.enqueue(..., essential=False))."""

from sqlalchemy import delete
from sqlmodel import Session, col

from acquis.db import insert_into, utcnow
from acquis.sms.models import SmsStop


def stop(session: Session, phone: str) -> None:
    """Stop the non-essential messages to `phone` (E.164); again is harmless."""
    session.execute(insert_into(session, SmsStop).values(phone=phone, stopped_at=utcnow()).on_conflict_do_nothing())


def start(session: Session, phone: str) -> None:
    """Send the non-essential messages to `phone` again."""
    session.execute(delete(SmsStop).where(col(SmsStop.phone) == phone))


def stopped(session: Session, phone: str) -> bool:
    return session.get(SmsStop, phone) is not None
