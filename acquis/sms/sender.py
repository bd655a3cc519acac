"""The sender: the outbox's due messages, each claimed, sent through the gateway, and its outcome recorded.

Each message is claimed by a conditional UPDATE committed before it is sent (its attempt counted and its
next attempt pushed back), so two senders, in two workers or on two machines, never send the same one.
The gateway's answer is committed right after. A crash between the two leaves the message queued, already
accepted by the gateway: it goes a second time at its next attempt (README, "SMS through Kannel")."""

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from acquis.config import Settings
from acquis.db import rowcount, utcnow
from acquis.sms import gateway
from acquis.sms.models import SmsMessage, SmsStatus

log = logging.getLogger("acquis.sms")

BAMAKO = ZoneInfo("Africa/Bamako")
BATCH = 200  # messages per run at most; the rest go at the next run
MAX_ATTEMPTS = 24  # with the back-off below, about a day of trying before a message is given up
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """The wait after the n-th attempt: 30 s, 1 min, 2 min... doubling up to an hour."""
    doublings = min(max(attempts - 1, 0), 16)
    return min(FIRST_RETRY * (1 << doublings), LONGEST_RETRY)


def quiet(settings: Settings, now: datetime) -> bool:
    """Whether `now` is within the quiet hours ("21-7": from 21:00 to 7:00 in Bamako), when only urgent
    messages go."""
    if settings.sms_quiet_hours == "off":
        return False
    start, end = (int(hour) for hour in settings.sms_quiet_hours.split("-"))
    hour = now.astimezone(BAMAKO).hour
    return start <= hour < end if start <= end else (hour >= start or hour < end)


def send_pending(engine: Engine, settings: Settings, *, now: datetime | None = None, limit: int = BATCH,
                 urgent_only: bool = False) -> dict[str, int]:
    """Send what is due now (`urgent_only`: the codes alone); counts for the job's run record. Without a gateway,
    nothing is sent."""
    now = now or utcnow()
    if not settings.sms_url:
        with Session(engine) as session:
            return {"waiting": pending(session)}
    counts: Counter[str] = Counter(sent=0)
    for message_id in _due(engine, settings, now, limit, urgent_only=urgent_only):
        outcome = _send_one(engine, settings, message_id, now)
        if outcome is None:
            continue  # another sender took it
        counts[outcome] += 1
        if outcome == "unreachable":
            break  # the gateway is away: the others keep their turn for the next run
    return dict(counts)


def pending(session: Session) -> int:
    return session.exec(select(func.count()).select_from(SmsMessage)
                        .where(SmsMessage.status == SmsStatus.QUEUED)).one()


def _due(engine: Engine, settings: Settings, now: datetime, limit: int, *, urgent_only: bool) -> list[int]:
    query = select(SmsMessage.id).where(SmsMessage.status == SmsStatus.QUEUED, SmsMessage.next_attempt_at <= now)
    if urgent_only or quiet(settings, now):
        query = query.where(col(SmsMessage.urgent).is_(True))
    with Session(engine) as session:
        found = session.exec(query.order_by(col(SmsMessage.urgent).desc(), col(SmsMessage.id)).limit(limit)).all()
    return [message_id for message_id in found if message_id is not None]


def _send_one(engine: Engine, settings: Settings, message_id: int, now: datetime) -> str | None:
    message = claim(engine, message_id, now)
    if message is None:
        return None
    answer = gateway.send(settings, to=message.phone, text=message.text, message_id=message_id)
    with Session(engine) as session:
        session.execute(update(SmsMessage).where(col(SmsMessage.id) == message_id)
                        .values(sent_at=utcnow() if answer.accepted else None))
        if answer.accepted:
            outcome, status = "sent", SmsStatus.SENT
        elif message.attempts >= MAX_ATTEMPTS:
            outcome, status = "failed", SmsStatus.FAILED
        else:
            outcome, status = ("unreachable" if answer.status is None else "refused"), SmsStatus.QUEUED
        # A delivery report may have come already: it has the last word (status and answer).
        session.execute(update(SmsMessage).where(col(SmsMessage.id) == message_id,
                                                 col(SmsMessage.status) == SmsStatus.QUEUED)
                        .values(status=status, gateway_answer=answer.summary()))
        session.commit()
    if not answer.accepted:
        log.warning("sms %s not sent (attempt %s): %s", message_id, message.attempts, answer.summary())
    return outcome


def claim(engine: Engine, message_id: int, now: datetime) -> SmsMessage | None:
    """Count the attempt and push the next one back, in a transaction of its own; None if another sender
    claimed the message first (its attempt count changed) or it is no longer due."""
    with Session(engine, expire_on_commit=False) as session:
        message = session.get(SmsMessage, message_id)
        if message is None:
            return None
        attempts = message.attempts + 1
        claimed = session.execute(update(SmsMessage).where(
            col(SmsMessage.id) == message_id, col(SmsMessage.status) == SmsStatus.QUEUED,
            col(SmsMessage.attempts) == message.attempts, col(SmsMessage.next_attempt_at) <= now,
        ).values(attempts=attempts, next_attempt_at=now + backoff(attempts)))
        session.commit()
        if rowcount(claimed) != 1:
            return None
        message.attempts = attempts
        return message


class UrgentSender:
    """A thread per server process that sends urgent messages (login codes) as soon as the transaction that
    queued them commits, instead of at the next run of the `sms` job (up to two minutes later)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self._wake, self._stopping = threading.Event(), False
        self._thread = threading.Thread(target=self._loop, name="acquis-sms-urgent", daemon=True)

    def start(self) -> None:
        _URGENT_SENDERS[self.engine] = self
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        _URGENT_SENDERS.pop(self.engine, None)
        self._stopping = True
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            self._wake.wait()
            if self._stopping:
                return
            self._wake.clear()
            try:
                send_pending(self.engine, self.settings, urgent_only=True)
            except Exception:  # noqa: BLE001 - the database may be away: the job tries again within the minute
                log.exception("urgent messages could not be sent")


_URGENT_SENDERS: dict[Engine, UrgentSender] = {}


def wake_urgent_sender(engine: Engine) -> None:
    """Called once a transaction that queued an urgent message committed; nothing without an urgent sender
    (commands, tests, ACQUIS_JOBS=off, no gateway)."""
    urgent_sender = _URGENT_SENDERS.get(engine)
    if urgent_sender is not None:
        urgent_sender.wake()
