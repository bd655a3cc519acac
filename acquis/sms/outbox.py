"""The outbox: a domain queues a message in its own transaction; the sender (acquis/sms/sender.py) sends it later.

    outbox.enqueue(session, to=candidate.phone, text=_("..."), purpose="registration",
                   event_key=f"registration:{candidate.id}")

The row goes with the caller's transaction (flush, never commit): a message exists if and only if its
event committed. `event_key` makes a second enqueue for the same event return the first message.
A message with `essential=False` (news of a step, not a code or a convocation) to a phone that answered STOP
is recorded as "skipped" and never sent: staff see on the SMS page that it was not sent, and why."""

import re

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from acquis.db import insert_into
from acquis.errors import Invalid
from acquis.i18n import N_
from acquis.sms import stops
from acquis.sms.models import SmsMessage, SmsStatus
from acquis.sms.sender import wake_urgent_sender

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,39}")


class BadSmsNumber(Invalid):
    """The number is not in E.164 form (+ and the country code, digits only)."""

    code = "bad-sms-number"
    default_message = N_("Numéro de téléphone invalide pour un SMS.")


class EmptySms(Invalid):
    """A message needs text."""

    code = "empty-sms"
    default_message = N_("Un SMS ne peut pas être vide.")


def enqueue(session: Session, *, to: str, text: str, purpose: str, urgent: bool = False,
            event_key: str | None = None, essential: bool = True) -> SmsMessage:
    """Queue a message in the session's transaction; for an `event_key` already queued, that message.
    A non-`essential` message to a stopped phone is recorded as skipped, not queued."""
    if not E164.fullmatch(to):
        raise BadSmsNumber()
    if not text.strip():
        raise EmptySms()
    if not PURPOSE.fullmatch(purpose):
        raise ValueError(f"purpose must be a fixed word like 'login-code', not {purpose!r}")
    if urgent and not event.contains(session, "after_commit", _committed):
        event.listen(session, "after_commit", _committed)  # a code goes as soon as it exists
    status = SmsStatus.SKIPPED if not essential and stops.stopped(session, to) else SmsStatus.QUEUED
    if event_key is None:
        message = SmsMessage(phone=to, text=text, purpose=purpose, urgent=urgent, status=status)
        session.add(message)
        session.flush()
        return message
    # INSERT ... ON CONFLICT DO NOTHING: two transactions queueing the same event never both insert, and
    # neither fails (a plain INSERT would abort the caller's PostgreSQL transaction on the duplicate).
    session.execute(insert_into(session, SmsMessage).values(phone=to, text=text, purpose=purpose, urgent=urgent,
                                              event_key=event_key, status=status).on_conflict_do_nothing())
    return session.exec(select(SmsMessage).where(SmsMessage.event_key == event_key)).one()


def _committed(session: Session) -> None:
    bind = session.get_bind()
    if isinstance(bind, Engine):  # a session on a caller's connection has committed nothing yet
        wake_urgent_sender(bind)
