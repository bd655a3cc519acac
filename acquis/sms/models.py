"""The `sms_message` table: the transactional outbox of text messages, one row per message; `sms_stop`: the
phones that answered STOP."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from acquis.db import Row, UTCDateTime, str_enum, utcnow
from acquis.i18n import N_


class SmsStatus(StrEnum):
    QUEUED = "queued"  # waiting for its next attempt (or for the gateway to be configured)
    SENT = "sent"  # the gateway accepted it
    DELIVERED = "delivered"  # the operator's delivery report came back
    FAILED = "failed"  # refused by the operator, or given up after too many attempts
    SKIPPED = "skipped"  # not sent: a non-essential message to a phone that answered STOP


STATUS_LABELS = {SmsStatus.QUEUED: N_("en attente"), SmsStatus.SENT: N_("envoyé"),
                 SmsStatus.DELIVERED: N_("remis"), SmsStatus.FAILED: N_("échec"),
                 SmsStatus.SKIPPED: N_("non envoyé (STOP)")}


class SmsMessage(Row, table=True):
    """One text message to one phone, written in the transaction of the event that causes it."""

    __tablename__ = "sms_message"

    phone: str = Field(max_length=20)  # E.164: "+22376123456"
    text: str = Field(sa_column=Column(Text, nullable=False))
    purpose: str = Field(max_length=40)  # a fixed word: "login-code", "registration", ...
    urgent: bool = False  # codes: sent even in quiet hours
    event_key: str | None = Field(default=None, max_length=200, unique=True)  # one message per event
    status: SmsStatus = Field(default=SmsStatus.QUEUED, sa_type=str_enum(SmsStatus))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    gateway_answer: str | None = Field(default=None, max_length=300)  # the gateway's last answer, or the error
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SmsStop(SQLModel, table=True):
    """A phone that answered STOP: it gets only essential messages (codes, convocations) until it answers START."""

    __tablename__ = "sms_stop"

    phone: str = Field(primary_key=True, max_length=20)  # E.164: "+22376123456"
    stopped_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
