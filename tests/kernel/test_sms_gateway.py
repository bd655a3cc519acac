"""SMS through a real Kannel (bearerbox + smsbox, fakesmsc as the operator), started once for the module."""

import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from acquis import cli
from acquis.config import Settings
from acquis.db import utcnow
from acquis.i18n import gettext
from acquis.jobs import JobRun
from acquis.main import create_app
from acquis.sms import incoming, outbox, sender
from acquis.sms.jobs import SEND
from acquis.sms.models import SmsMessage, SmsStatus
from tests.conftest import unavailable
from tests.support import kannel as kannel_support
from tests.support.browser import serving
from tests.support.certificates import issued
from tests.support.kannel import Kannel


@pytest.fixture(scope="module")
def kannel() -> Iterator[Kannel]:
    if not kannel_support.available():
        unavailable("no Kannel (apt-get install kannel kannel-extras)")
    gateway = Kannel()
    try:
        yield gateway.start()
    finally:
        gateway.stop()


@pytest.fixture
def gateway_settings(settings: Settings, kannel: Kannel) -> Settings:
    """Acquis pointed at the test Kannel; its callbacks reach the server each test serves on kannel.callback_port."""
    kannel.operator()  # a fresh phone output for each test
    return settings.model_copy(update={
        "sms_url": kannel.sendsms_url, "sms_username": kannel_support.USERNAME,
        "sms_password": kannel_support.PASSWORD, "sms_incoming_token": kannel_support.TOKEN,
        "public_url": f"http://127.0.0.1:{kannel.callback_port}", "sms_quiet_hours": "off"})


def a_phone() -> str:
    return f"+2237{uuid.uuid4().int % 10**7:07d}"


def queue(settings: Settings, *texts: str, phone: str) -> list[int]:
    app = create_app(settings)
    with Session(app.state.engine) as session:
        ids = [outbox.enqueue(session, to=phone, text=text, purpose="registration").id for text in texts]
        session.commit()
    app.state.engine.dispose()
    return [message_id for message_id in ids if message_id is not None]


def status_of(engine: Engine, message_id: int) -> SmsMessage:
    with Session(engine) as session:
        message = session.get(SmsMessage, message_id)
        assert message is not None
        return message


def test_the_server_sends_queued_messages_and_records_their_delivery(kannel: Kannel,
                                                                     gateway_settings: Settings) -> None:
    phone = a_phone()
    plain, bambara = "Bonjour Awa, votre dossier est ouvert. Réponse d'ici 15 jours.", "I ni ce Awa! Dɔɔnin dɔɔnin."
    ids = queue(gateway_settings, plain, bambara, phone=phone)
    # The sender is the scheduled job of `acquis serve`: started with the server, it runs at once.
    app = create_app(gateway_settings.model_copy(update={"jobs": True, "jobs_tick_seconds": 0.2}))
    with serving(app, port=kannel.callback_port):
        kannel.wait_for(lambda: len([r for r in kannel.received() if r[1] == phone]) == 2, "both messages on the phone")
        kannel.wait_for(lambda: all(status_of(app.state.engine, i).status == SmsStatus.DELIVERED for i in ids),
                        "the delivery reports")
    app.state.engine.dispose()
    assert {(sender_, text) for sender_, to, text in kannel.received() if to == phone} == {
        ("ACQUIS", plain), ("ACQUIS", bambara)}  # the UCS-2 one (ɔ) with coding=2, intact
    message = status_of(app.state.engine, ids[0])
    assert message.attempts == 1 and message.sent_at is not None and message.delivered_at is not None


def test_a_login_code_goes_at_once_not_at_the_next_run_of_the_job(kannel: Kannel,
                                                                  gateway_settings: Settings) -> None:
    phone = a_phone()
    app = create_app(gateway_settings.model_copy(update={"jobs": True, "jobs_tick_seconds": 3600}))
    with serving(app, port=kannel.callback_port):
        kannel.wait_for(lambda: sms_job_ran(app.state.engine), "the sms job's first run, at start")
        with Session(app.state.engine) as session:  # as a login-code request does
            outbox.enqueue(session, to=phone, text="Acquis : votre code est 481516", purpose="login-code",
                           urgent=True)
            session.commit()
        kannel.wait_for(lambda: ("ACQUIS", phone, "Acquis : votre code est 481516") in kannel.received(),
                        "the code on the phone (the job's next run is an hour away)")
    app.state.engine.dispose()


def sms_job_ran(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(JobRun).where(JobRun.job == SEND.name)).first() is not None


def test_a_text_from_a_phone_reaches_acquis_and_its_reply_comes_back(kannel: Kannel, gateway_settings: Settings,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    phone, employer = a_phone(), a_phone()
    app = create_app(gateway_settings)
    with Session(app.state.engine) as session:
        number = issued(session, gateway_settings).number
    with caplog.at_level(logging.INFO, logger="acquis.sms"), serving(app, port=kannel.callback_port):
        kannel.operator(f"{phone} 36123 text AIDE")
        replies = kannel.wait_for(lambda: [r for r in kannel.received() if r[1] == phone], "the reply")
        kannel.operator(f"{employer} 36123 text {number.lower()}")  # fakesmsc picks among its texts at random
        verdicts = kannel.wait_for(lambda: [r for r in kannel.received() if r[1] == employer], "the verdict")
    app.state.engine.dispose()
    assert replies == [("36123", phone, gettext(incoming.HELP))]
    assert verdicts == [("36123", employer, verdicts[0][2])] and "VALIDE : Aminata Kouyaté" in verdicts[0][2]
    assert "sms received from" in caplog.text and phone not in caplog.text and phone[1:] not in caplog.text
    assert number not in caplog.text


def test_messages_wait_while_the_gateway_is_down_and_go_once_it_is_back(kannel: Kannel,
                                                                       gateway_settings: Settings) -> None:
    settings = gateway_settings.model_copy(update={"sms_incoming_token": ""})  # no server here for reports
    phone = a_phone()
    first, second = queue(settings, "Convocation : lundi 8 h, centre de Kati.", "Votre certificat est prêt.",
                          phone=phone)
    app = create_app(settings)
    engine = app.state.engine
    kannel.stop_smsbox()
    try:
        assert sender.send_pending(engine, settings) == {"sent": 0, "unreachable": 1}
        later = utcnow() + sender.backoff(1) + timedelta(seconds=1)
        assert sender.send_pending(engine, settings, now=later) == {"sent": 0, "unreachable": 1}
        waiting = [status_of(engine, first), status_of(engine, second)]
        assert [m.status for m in waiting] == [SmsStatus.QUEUED, SmsStatus.QUEUED]
        assert waiting[0].attempts == 2 and waiting[0].next_attempt_at > later  # backing off
        assert waiting[0].gateway_answer and "Connection refused" in waiting[0].gateway_answer
    finally:
        kannel.start_smsbox()
    assert sender.send_pending(engine, settings, now=utcnow() + timedelta(hours=2)) == {"sent": 2}
    kannel.wait_for(lambda: len([r for r in kannel.received() if r[1] == phone]) == 2, "both messages on the phone")
    assert status_of(engine, first).status == SmsStatus.SENT and status_of(engine, first).attempts == 3
    assert sender.send_pending(engine, settings, now=utcnow() + timedelta(days=1)) == {"sent": 0}  # nothing twice
    engine.dispose()


def sms_test(settings: Settings, *args: str) -> Result:
    """`acquis sms test ...` in this process (a new interpreter would cost seconds of imports)."""
    env = {"ACQUIS_DATA_DIR": str(settings.data_dir), "ACQUIS_SMS_URL": settings.sms_url,
           "ACQUIS_SMS_USERNAME": settings.sms_username, "ACQUIS_SMS_PASSWORD": settings.sms_password}
    return CliRunner().invoke(cli.app, ["sms", "test", *args], env=env)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sms_test_sends_one_message_and_prints_the_gateways_answer(kannel: Kannel,
                                                                   gateway_settings: Settings) -> None:
    phone = a_phone()
    sent = sms_test(gateway_settings, "--to", phone, "--text", "Test Acquis")
    assert sent.exit_code == 0, sent.output
    assert "202" in sent.output  # "0: Accepted for delivery", or "3: Queued for later delivery"
    kannel.wait_for(lambda: ("ACQUIS", phone, "Test Acquis") in kannel.received(), "the test message")
    refused = sms_test(gateway_settings.model_copy(update={"sms_password": "wrong"}), "--to", phone)
    assert refused.exit_code == 1 and "403" in refused.output
    assert sms_test(gateway_settings, "--to", "76 12 34 56").exit_code == 2
