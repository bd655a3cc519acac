"""Delivery reports: Kannel calls /sms/delivery with the message's id, its %d status and the SMSC's %A answer."""

from sqlalchemy import update
from sqlmodel import Session, col

from acquis.db import utcnow
from acquis.errors import NotFound
from acquis.i18n import N_
from acquis.sms.gateway import ANSWER_CHARS
from acquis.sms.models import SmsMessage, SmsStatus

DELIVERED = 1  # Kannel's %d: delivered to the phone
UNDELIVERED = (2, 16)  # not delivered, or refused by the operator's SMSC
# The other values (4 buffered by the SMSC, 8 accepted by it) change nothing but the answer shown.


class UnknownSms(NotFound):
    """A report for a message this server never queued."""

    code = "unknown-sms"
    default_message = N_("SMS inconnu.")


def record(session: Session, *, message_id: int, status: int, answer: str) -> SmsMessage:
    """Note what the report says; a report may come before the sender recorded "sent" (the status moves on
    from "queued" too), and a delivered message stays delivered."""
    message = session.get(SmsMessage, message_id)
    if message is None:
        raise UnknownSms()
    values: dict[str, object] = {"gateway_answer": f"DLR {status} {' '.join(answer.split())}".strip()[:ANSWER_CHARS]}
    if status == DELIVERED:
        values |= {"status": SmsStatus.DELIVERED, "delivered_at": utcnow()}
    elif status in UNDELIVERED:
        values["status"] = SmsStatus.FAILED
    session.execute(update(SmsMessage).where(col(SmsMessage.id) == message_id,
                                             col(SmsMessage.status) != SmsStatus.DELIVERED).values(**values))
    session.flush()
    session.refresh(message)
    return message
