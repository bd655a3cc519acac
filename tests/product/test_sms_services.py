"""Texts sent to Acquis (Kannel's get-url, /sms/incoming): STATUT, AIDE, STOP and START, a certificate number."""

import logging

import pytest
from babel.dates import format_date
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from acquis.i18n import gettext_in
from acquis.sms import outbox, sender
from acquis.sms.incoming import LOOKUPS, UNKNOWN_PHONE
from acquis.sms.models import SmsMessage, SmsStatus
from acquis.sms.text import segments
from certificates import service as certificate_service
from certificates.models import VerificationLog
from tests.support.certificates import issued
from tests.support.dossiers import make_dossier, publish_framework
from tests.support.web import UserFactory

TOKEN = "sms-test-token"
PHONE = "+22376123456"  # make_dossier's candidate: "76 12 34 56"
STRANGER = "+22365000001"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sms_incoming_token": TOKEN})


def texted(client: TestClient, phone: str, text: str) -> str:
    """What Acquis answers a text, as Kannel gets it back (the reply it sends to the phone)."""
    response = client.get("/sms/incoming", params={"token": TOKEN, "from": phone, "text": text})
    assert response.status_code == 200, response.text
    assert segments(response.text) <= 2, response.text
    return response.text


@pytest.fixture
def candidate_phone(session: Session, settings: Settings, users: UserFactory) -> str:
    """A registered candidate with a draft dossier, phone +223 76 12 34 56."""
    make_dossier(session, settings, by=users(Role.COUNSELLOR), framework=publish_framework(session))
    return PHONE


@pytest.mark.parametrize("sender_as", [PHONE, "0022376123456", "22376123456"])
def test_statut_from_a_registered_phone_answers_the_stage_and_the_next_step(client: TestClient, candidate_phone: str,
                                                                           sender_as: str) -> None:
    for word in ("STATUT", " statut ", "Status", "kunnafoni!"):
        answer = texted(client, sender_as, word)
        assert "Brouillon" in answer and "Complétez votre dossier" in answer, (word, answer)


def test_statut_is_in_the_candidates_language(client: TestClient, session: Session, settings: Settings,
                                              users: UserFactory) -> None:
    make_dossier(session, settings, by=users(Role.COUNSELLOR), framework=publish_framework(session),
                 preferred_language="en")
    answer = texted(client, PHONE, "STATUT")
    assert "Draft" in answer and "Complete your dossier" in answer


def test_statut_from_an_unknown_phone_says_how_to_register(client: TestClient, candidate_phone: str) -> None:
    assert "n'est pas inscrit" in texted(client, STRANGER, "STATUT")
    assert texted(client, STRANGER, "STATUS") == gettext_in("en", UNKNOWN_PHONE)  # an English keyword: in English


def test_aide_and_anything_unknown_list_the_keywords(client: TestClient) -> None:
    french, english = ("STATUT", "AIDE", "STOP"), ("STATUS", "HELP", "STOP")  # HELP is answered in English
    for text, words in (("AIDE", french), ("aide", french), ("HELP", english), ("bonjour", french), ("", french)):
        answer = texted(client, STRANGER, text)
        assert all(word in answer for word in words), (text, answer)


def test_stop_keeps_non_essential_messages_from_the_phone_until_start(client: TestClient, app: FastAPI,
                                                                     candidate_phone: str) -> None:
    def enqueue(key: str, *, essential: bool) -> SmsStatus:
        with Session(app.state.engine) as session:
            message = outbox.enqueue(session, to=PHONE, text=f"Message {key}", purpose="step", event_key=key,
                                     essential=essential)
            session.commit()
            return message.status

    with Session(app.state.engine) as session:
        waiting = sender.pending(session)  # the registration's message
    assert "codes" in texted(client, "0022376123456", "Arrêt")
    assert enqueue("news-1", essential=False) == SmsStatus.SKIPPED
    assert enqueue("convocation-1", essential=True) == SmsStatus.QUEUED
    with Session(app.state.engine) as session:  # the sender never picks a skipped message
        assert sender.pending(session) == waiting + 1
    assert "STOP" in texted(client, PHONE, "debut")
    assert enqueue("news-2", essential=False) == SmsStatus.QUEUED
    texted(client, PHONE, "stop.")
    texted(client, PHONE, "START")
    assert enqueue("news-3", essential=False) == SmsStatus.QUEUED
    with Session(app.state.engine) as session:
        statuses = {m.event_key: m.status for m in session.exec(select(SmsMessage)) if "-" in (m.event_key or ":")}
    assert statuses == {"news-1": SmsStatus.SKIPPED, "convocation-1": SmsStatus.QUEUED,
                        "news-2": SmsStatus.QUEUED, "news-3": SmsStatus.QUEUED}


def test_a_certificate_number_answers_its_verdict_to_any_phone(client: TestClient, session: Session,
                                                              settings: Settings,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    cert = issued(session, settings)
    withdrawn = issued(session, settings, decision_ref="jury-2025-001/dossier-43")
    certificate_service.revoke(session, withdrawn.number, reason="Fraude", by=None, settings=settings)
    session.commit()
    typed = cert.number.lower().replace("-", " ")
    caplog.set_level(logging.WARNING, logger="httpx")  # the test client's own log of the URL it asks for
    with caplog.at_level(logging.DEBUG):
        valid = texted(client, STRANGER, typed)
        dashed = texted(client, STRANGER, f" {cert.number.replace('-', '')} ")
        revoked = texted(client, STRANGER, withdrawn.number)
        unknown = texted(client, STRANGER, cert.number[:-1] + ("X" if cert.number[-1] != "X" else "Y"))
    assert "VALIDE" in valid and "Aminata Kouyaté Traoré Sy" in valid and "Maçon ou maçonne" in valid
    assert valid.endswith(f"délivré le {format_date(cert.issued_on, format='long', locale='fr')}.")  # never cut
    assert dashed == valid
    assert "RÉVOQUÉ" in revoked and "Aminata" not in revoked  # a withdrawn number never names its holder (as /verify)
    assert "aucun certificat" in unknown
    for secret in (cert.number, withdrawn.number, cert.number.replace("-", ""), STRANGER, STRANGER[1:]):
        assert secret not in caplog.text
    assert "certificate number" in caplog.text
    session.expire_all()
    channels = session.exec(select(VerificationLog.channel, VerificationLog.verdict)).all()
    assert sorted(channels) == [("sms", "not-found"), ("sms", "revoked"), ("sms", "valid"), ("sms", "valid")]


def test_number_lookups_are_rate_limited_per_phone(client: TestClient, session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    for _ in range(LOOKUPS):
        assert "VALIDE" in texted(client, STRANGER, cert.number)
    assert "Réessayez dans une heure" in texted(client, STRANGER, cert.number)
    assert "VALIDE" in texted(client, "+22365000002", cert.number)  # another phone has its own count


def test_the_incoming_url_needs_the_token(client: TestClient) -> None:
    response = client.get("/sms/incoming", params={"token": "wrong", "from": STRANGER, "text": "AIDE"})
    assert response.status_code == 403
