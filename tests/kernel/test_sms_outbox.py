"""The SMS outbox without a gateway: queueing with the caller's transaction, claims, back-off, quiet hours,
the callbacks' token, and what staff see on the SMS page. (tests/kernel/test_sms_gateway.py: with a real Kannel.)"""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from acquis import cli
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.main import scheduled_jobs
from acquis.sms import outbox, sender
from acquis.sms.jobs import SEND
from acquis.sms.models import SmsMessage, SmsStatus
from acquis.sms.text import encoding, segments, units
from tests.support.postgres import free_port
from tests.support.web import UserFactory, log_in

PHONE = "+22376123456"
TOKEN = "callback-token"


# --- length -----------------------------------------------------------------------------------------


def test_gsm7_counts_septets_with_the_extension_table_counting_two() -> None:
    assert encoding("Bonjour Awa, votre dossier est prêt") == "ucs2"  # ê is not GSM 03.38
    assert encoding("Réunion à Kati le 12/03 à 8h : apportez 2 photos. Prix 0 €") == "gsm7"
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2
    assert segments("a" * 306) == 2 and segments("a" * 307) == 3
    assert units("€[]") == 6 and segments("€" * 80) == 1 and segments("€" * 80 + "a") == 2
    # 306 septets fill two parts of 153, unless an escape and its character would straddle them.
    assert units("a" * 152 + "€" + "a" * 152) == 306 and segments("a" * 152 + "€" + "a" * 152) == 3
    assert segments("a" * 151 + "€" + "a" * 153) == 2


@pytest.mark.parametrize("letter", ["ɛ", "ɔ", "ɲ", "ŋ", "ع"])
def test_bambara_letters_and_arabic_force_ucs2(letter: str) -> None:
    text = "a" * 69 + letter
    assert encoding(text) == "ucs2" and segments(text) == 1 and segments(text + "a") == 2
    assert segments("a" * 133 + letter) == 2 and segments("a" * 134 + letter) == 3  # 67 per part


def test_a_surrogate_pair_counts_two_and_is_never_cut() -> None:
    assert units("😀") == 2 and segments("😀" * 35) == 1 and segments("😀" * 35 + "a") == 2
    assert segments("a" * 66 + "😀" + "a" * 66) == 3  # the emoji cannot end the first 67-unit part


# --- the outbox -------------------------------------------------------------------------------------


def gateway(settings: Settings, **changes: object) -> Settings:
    """A gateway URL on a port nothing listens on: every attempt is "unreachable", for real."""
    return settings.model_copy(update={"sms_url": f"http://127.0.0.1:{free_port()}/cgi-bin/sendsms",
                                       "sms_quiet_hours": "off", **changes})


def messages(app: FastAPI) -> list[SmsMessage]:
    with Session(app.state.engine) as session:
        return list(session.exec(select(SmsMessage).order_by(col(SmsMessage.id))))


def test_a_message_exists_only_if_its_transaction_commits_and_once_per_event(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Perdu", purpose="registration", event_key="registration:1")
        session.rollback()
    with Session(app.state.engine) as session:
        first = outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration", event_key="registration:1")
        first_id = first.id
        session.commit()
    with Session(app.state.engine) as session:
        again = outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration", event_key="registration:1")
        other = outbox.enqueue(session, to=PHONE, text="Code 123456", purpose="login-code", urgent=True)
        session.commit()
        assert again.id == first_id and other.id != first_id
    assert [(m.text, m.status, m.attempts) for m in messages(app)] == [
        ("Bienvenue", SmsStatus.QUEUED, 0), ("Code 123456", SmsStatus.QUEUED, 0)]
    with Session(app.state.engine) as session, pytest.raises(outbox.BadSmsNumber):
        outbox.enqueue(session, to="76 12 34 56", text="x", purpose="registration")


def test_without_a_gateway_messages_wait(app: FastAPI, settings: Settings) -> None:
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration")
        session.commit()
    assert sender.send_pending(app.state.engine, settings) == {"waiting": 1}
    assert [(m.status, m.attempts) for m in messages(app)] == [(SmsStatus.QUEUED, 0)]
    assert SEND in scheduled_jobs(settings)  # the server's scheduler runs the sender


def test_send_pending_says_what_waits_without_a_gateway_and_what_went_with_one(app: FastAPI,
                                                                               settings: Settings) -> None:
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration")
        session.commit()
    env = {"ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key, "ACQUIS_SMS_QUIET_HOURS": "off"}
    waiting = CliRunner().invoke(cli.app, ["sms", "send-pending"], env=env)
    assert waiting.exit_code == 0 and "1 message(s) wait in the outbox" in waiting.output
    unreachable = CliRunner().invoke(cli.app, ["sms", "send-pending"],
                                     env={**env, "ACQUIS_SMS_URL": gateway(settings).sms_url})
    assert unreachable.exit_code == 0 and "sent 0, unreachable 1" in unreachable.output
    assert [m.attempts for m in messages(app)] == [1]


def test_two_senders_never_claim_the_same_message(app: FastAPI) -> None:
    with Session(app.state.engine) as session:
        message_id = outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration").id
        session.commit()
    assert message_id is not None
    now = datetime.now(UTC)
    assert sender.claim(app.state.engine, message_id, now) is not None
    assert sender.claim(app.state.engine, message_id, now) is None  # already taken: its next attempt is later
    assert sender.claim(app.state.engine, message_id, now + timedelta(minutes=5)) is not None


def test_failed_attempts_back_off_and_end_in_failure(app: FastAPI, settings: Settings) -> None:
    settings = gateway(settings)
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Bienvenue", purpose="registration")
        session.commit()
    now, waits = datetime.now(UTC), []
    for _ in range(sender.MAX_ATTEMPTS):
        sender.send_pending(app.state.engine, settings, now=now)
        (message,) = messages(app)
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert waits[:4] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(waits) == timedelta(hours=1)
    assert message.status == SmsStatus.FAILED and message.attempts == sender.MAX_ATTEMPTS
    assert "Connection refused" in (message.gateway_answer or "")


def test_quiet_hours_hold_ordinary_messages_but_not_codes(app: FastAPI, settings: Settings) -> None:
    settings = gateway(settings, sms_quiet_hours="21-7")
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Votre dossier avance", purpose="dossier")
        outbox.enqueue(session, to=PHONE, text="Code 123456", purpose="login-code", urgent=True)
        session.commit()
    night = datetime(2026, 12, 8, 22, 30, tzinfo=UTC)  # 22:30 in Bamako (UTC+0 all year)
    sender.send_pending(app.state.engine, settings, now=night)
    assert [m.attempts for m in messages(app)] == [0, 1]
    morning = datetime(2026, 12, 9, 7, 0, tzinfo=UTC)
    sender.send_pending(app.state.engine, settings, now=morning)  # the code again, first; unreachable: stop
    sender.send_pending(app.state.engine, settings, now=morning)
    assert [m.attempts for m in messages(app)] == [1, 2]
    assert not sender.quiet(settings, datetime(2026, 12, 8, 20, 59, tzinfo=UTC))
    assert sender.quiet(settings.model_copy(update={"sms_quiet_hours": "12-14"}), datetime(2026, 1, 1, 13, tzinfo=UTC))
    assert not sender.quiet(settings.model_copy(update={"sms_quiet_hours": "off"}), night)


# --- the callbacks and the page --------------------------------------------------------------------


@pytest.fixture
def sms_app(app: FastAPI) -> FastAPI:
    app.state.settings = app.state.settings.model_copy(update={"sms_incoming_token": TOKEN})
    return app


def test_callbacks_need_the_token(sms_app: FastAPI, client: TestClient) -> None:
    assert client.get("/sms/incoming", params={"from": PHONE, "text": "AIDE"}).status_code == 403
    assert client.get("/sms/incoming", params={"token": "wrong", "from": PHONE, "text": "AIDE"}).status_code == 403
    assert client.get("/sms/delivery", params={"token": "", "id": 1, "status": 1}).status_code == 403
    answer = client.get("/sms/incoming", params={"token": TOKEN, "from": PHONE, "text": "AIDE"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    assert "Acquis" in answer.text and segments(answer.text) == 1
    sms_app.state.settings = sms_app.state.settings.model_copy(update={"sms_incoming_token": ""})
    assert client.get("/sms/incoming", params={"token": "", "from": PHONE, "text": "AIDE"}).status_code == 403


def test_delivery_reports_mark_messages_delivered_or_failed(sms_app: FastAPI, client: TestClient) -> None:
    with Session(sms_app.state.engine) as session:
        delivered = outbox.enqueue(session, to=PHONE, text="Un", purpose="registration").id
        refused = outbox.enqueue(session, to=PHONE, text="Deux", purpose="registration").id
        session.commit()
    report = {"token": TOKEN, "id": delivered, "status": 1, "answer": "id:1 stat:DELIVRD"}
    assert client.get("/sms/delivery", params=report).text == "OK"
    assert client.get("/sms/delivery", params={**report, "id": refused, "status": 16}).status_code == 200
    assert client.get("/sms/delivery", params={**report, "status": 2}).status_code == 200  # too late: stays delivered
    assert client.get("/sms/delivery", params={**report, "id": 999}).status_code == 404
    first, second = messages(sms_app)
    assert first.status == SmsStatus.DELIVERED and first.delivered_at is not None
    assert second.status == SmsStatus.FAILED and second.gateway_answer == "DLR 16 id:1 stat:DELIVRD"


def test_staff_see_the_outbox_and_only_admins_see_numbers_and_codes(app: FastAPI, client: TestClient,
                                                                    users: UserFactory) -> None:
    with Session(app.state.engine) as session:
        outbox.enqueue(session, to=PHONE, text="Bienvenue Awa", purpose="registration")
        outbox.enqueue(session, to="+22365000001", text="Code 481516", purpose="login-code", urgent=True)
        session.commit()
    users(Role.ADMIN, login="admin")
    users(Role.COUNSELLOR, login="conseil")
    users(Role.ASSESSOR, login="evaluateur")
    log_in(client, "conseil")
    page = client.get("/sms").text
    assert "Bienvenue Awa" in page and "Code 481516" not in page and "(code confidentiel)" in page
    assert PHONE not in page and "+•••••••••56" in page and "ACQUIS_SMS_URL" in page
    assert page.index("login-code") < page.index("registration")  # newest first
    assert 'action="/sms' not in page and 'id="sms-link"' in client.get("/").text  # nothing to press here
    client.cookies.clear()
    log_in(client, "admin")
    page = client.get("/sms").text
    assert PHONE in page and "Code 481516" in page
    client.cookies.clear()
    log_in(client, "evaluateur")
    assert client.get("/sms").status_code in (403, 404) and 'id="sms-link"' not in client.get("/").text
