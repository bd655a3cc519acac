"""Text messages at every step, in the candidate's language, once per event, within 2 segments: registration,
admissibility, evidence asked for, convocation, decision, appeal, certificate ready, lapse warning, and
"your certificate was checked today" for a holder who asked for it."""

import re
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import utcnow
from acquis.i18n import LANGUAGES
from acquis.sms.models import SmsMessage
from acquis.sms.text import segments
from assessors import appeals, desk
from assessors import messages as assessment_messages
from assessors.models import AppealOutcome
from assessors.rules import Outcome
from certificates import issuing
from certificates import messages as certificate_messages
from tests.support.assessors import assigned, cast, decided
from tests.support.certificates import with_key
from tests.support.dossiers import candidate_data, make_dossier, publish_framework
from tests.support.web import UserFactory, log_in, post_form, queries_made
from validation.dossiers import admissibility, candidates, lapse, service
from validation.dossiers import messages as dossier_messages
from validation.dossiers.models import AccessPurpose, Candidate, Language
from validation.dossiers.status import DossierStatus

# What each message must say, in each language: the words a candidate recognises.
WORDS = {
    "fr": {"registration": ["inscription", "identifiant +22376123456", "mot de passe"],
           "admissibility": ["dossier est accepté"], "convocation": ["évaluation", "Centre de Kayes"],
           "decision": ["jury", "une partie", "recours"], "appeal": ["recours n'est pas accepté", "Motif"],
           "certificate-ready": ["certificat est disponible", "/verify?number="],
           "certificate-checked": ["vérifié aujourd'hui"], "evidence-asked": ["preuves", "coffrage"],
           "refused": ["pas recevable", "Motif", "Conseil"], "lapse-warning": ["clos le"]},
    "en": {"registration": ["registered", "login +22366554433", "password"],
           "admissibility": ["application is accepted"], "convocation": ["assessment is on", "Centre de Kayes"],
           "decision": ["jury", "part of", "appeal"], "appeal": ["appeal is rejected", "Reason"],
           "certificate-ready": ["certificate is ready", "/verify?number="],
           "certificate-checked": ["checked today"], "evidence-asked": ["proof", "coffrage"],
           "refused": ["cannot be accepted", "Reason", "Advice"], "lapse-warning": ["closed on"]},
}
PHONES = {"fr": ("76 12 34 56", "+22376123456"), "en": ("66 55 44 33", "+22366554433")}
# An internal code: a framework or unit code ("DEMO-MAC-01", "MAC-U1"), a dossier reference ("D-00012").
CODE = re.compile(r"\b[A-Z]+-[A-Z0-9]+\b")
URL = re.compile(r"https?://\S+")


def queued(session: Session) -> list[SmsMessage]:
    session.expire_all()
    return list(session.exec(select(SmsMessage).order_by(col(SmsMessage.id))))


def told(session: Session, purpose: str, phone: str, language: str) -> SmsMessage:
    """The one message of this purpose, to this phone, with the words of this language and no internal code."""
    [message] = [m for m in queued(session) if m.purpose == purpose]
    assert message.phone == phone
    for word in WORDS[language][purpose]:
        assert word in message.text, (word, message.text)
    assert not CODE.search(URL.sub("", message.text)), message.text
    return message


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_step_tells_the_candidate_once_in_their_language(
        client: TestClient, session: Session, settings: Settings, users: UserFactory, language: str) -> None:
    typed, phone = PHONES[language]
    account = users(Role.CANDIDATE, login="holder")
    c = cast(session, settings, users, account=account, phone=typed, preferred_language=language)
    slip = told(session, "registration", phone, language)
    assert re.search(r"\b\d{10}\b", slip.text) and slip.urgent  # the slip's one-time password: a code
    told(session, "admissibility", phone, language)

    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")  # unit 1 on a photo alone: partial
    told(session, "convocation", phone, language)
    told(session, "decision", phone, language)

    appeal = appeals.lodge(session, c.dossier.id, grounds="J'avais le casque.", by=account, settings=settings,
                           today=date.today())
    officer = users(Role.REGISTRAR, login="officer", name="Mariam Touré")
    appeals.decide(session, appeal.id, outcome=AppealOutcome.REJECTED, reason="La photo ne suffit pas.", by=officer)
    session.commit()
    told(session, "appeal", phone, language)

    with_key(session, settings)
    cert = issuing.issue_for_decision(session, decision_id, by=c.registrar, settings=settings)
    session.commit()
    assert cert.number in told(session, "certificate-ready", phone, language).text
    before = len(queued(session))
    issuing.issue_for_decision(session, decision_id, by=c.registrar, settings=settings)  # issued already
    dossier_messages.registered(session, session.get_one(Candidate, c.dossier.candidate_id), code=None)
    session.commit()
    assert len(queued(session)) == before  # the same events again: nothing more


@pytest.mark.parametrize("language", ["fr", "en"])
def test_evidence_asked_refusal_and_lapse_warning_reach_the_candidate_once(
        session: Session, settings: Settings, users: UserFactory, language: str) -> None:
    typed, phone = PHONES[language]
    c = cast(session, settings, users, phone=typed, preferred_language=language)
    assigned(session, c, c.assessor, AccessPurpose.ASSESS)  # the assignment starts the desk review
    unit = service.units(session, c.dossier.id)[0]
    desk.flag(session, c.dossier.id, reasons={unit.id: "Ajoutez une photo du coffrage."}, by=c.assessor)
    session.commit()
    told(session, "evidence-asked", phone, language)

    registrar, counsellor = c.registrar, c.counsellor
    elb = publish_framework(session, "DEMO-ELB-01")
    other = make_dossier(session, settings, by=counsellor, framework=elb,
                         phone="70 00 00 01", id_number="ZZ111222", preferred_language=language)
    service.move(session, other.id, DossierStatus.SUBMITTED, by=counsellor)
    service.move(session, other.id, DossierStatus.INTAKE_REVIEW, by=registrar)
    admissibility.decide(session, other.id, decision="not_admissible", by=registrar,
                         reason="Votre expérience est d'un autre métier.",
                         advice="Demandez le référentiel d'électricien.")
    session.commit()
    refusal = [m for m in queued(session) if m.purpose == "admissibility" and m.phone == "+22370000001"]
    assert len(refusal) == 1 and all(word in refusal[0].text for word in WORDS[language]["refused"])

    idle = make_dossier(session, settings, by=counsellor, framework=elb,
                        phone="70 00 00 02", id_number="ZZ333444", preferred_language=language)
    later = utcnow() + timedelta(days=settings.dossier_lapse_days - settings.dossier_lapse_warning_days + 1)
    assert idle.id in lapse.lapse_idle_dossiers(session, now=later, settings=settings).warned
    session.commit()
    assert idle.id not in lapse.lapse_idle_dossiers(session, now=later, settings=settings).warned  # run again
    session.commit()
    [warning] = [m for m in queued(session) if m.phone == "+22370000002" and m.purpose == "lapse-warning"]
    assert all(word in warning.text for word in WORDS[language]["lapse-warning"])


def test_a_holder_who_asked_is_told_of_the_checks_of_their_certificate_once_a_day(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    account = users(Role.CANDIDATE, login="holder")
    c = cast(session, settings, users, account=account)
    decision_id = decided(session, settings, c)
    with_key(session, settings)
    cert = issuing.issue_for_decision(session, decision_id, by=c.registrar, settings=settings)
    session.commit()
    page = cert.qr_text.rpartition("/V/")[2]
    assert client.get(f"/V/{page}").status_code == 200
    assert not [m for m in queued(session) if m.purpose == "certificate-checked"]  # not asked: nothing
    # The public hot path pays one query for it (on unique indexes), and only for a valid verdict.
    cost = queries_made(app, lambda: client.get(f"/V/{page}"))
    with monkeypatch.context() as patched:
        patched.setattr(certificate_messages, "watcher", lambda session, outcome: None)
        assert queries_made(app, lambda: client.get(f"/V/{page}")) == cost - 1

    log_in(client, "holder")
    assert 'id="check-alerts"' in client.get("/portal").text
    assert post_form(client, "/portal/check-alerts", {"on": "true"}, page="/portal").status_code == 303
    assert "Ne plus me prévenir" in client.get("/portal").text
    client.cookies.clear()
    for url in (f"/V/{page}", f"/verify?number={cert.number}", f"/v/{page}"):  # three checks today
        assert 'data-verdict="valid"' in client.get(url).text
    told(session, "certificate-checked", "+22376123456", "fr")

    log_in(client, "holder")
    assert post_form(client, "/portal/check-alerts", {"on": "false"}, page="/portal").status_code == 303
    assert session.get(Candidate, c.dossier.candidate_id).sms_when_checked is False


def test_an_event_rolled_back_queues_nothing(app: FastAPI, session: Session, settings: Settings,
                                            users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    with Session(app.state.engine) as writing:  # a transaction of the app's, as a request's
        candidates.register(writing, candidate_data(), by=writing.merge(counsellor), settings=settings)
        assert [m.purpose for m in writing.exec(select(SmsMessage))] == ["registration"]  # with the event...
        writing.rollback()
    assert queued(session) == []  # ...and gone with it


# --- length: every template, long realistic values, every language ------------------------------

LONG = {
    "phone": "+223761234567890",
    "place": "Centre de formation professionnelle Père Michel de Kalaban Coura, atelier de maçonnerie n° 3",
    "reason": "Les attestations de l'employeur à Djeddah ne couvrent que huit mois ; il en faut vingt-quatre, "
              "et la pièce d'identité doit être en cours de validité (reçu de dépôt accepté).",
    "advice": "Faites venir les bulletins de paie de Riyad et passez au guichet avec un passeport en cours de "
              "validité.",
    "title": "Maçon coffreur-boiseur en bâtiment et travaux publics, option béton armé et enduits",
    "number": "ML-2026-7K3M-9QXT-W2",
}


def every_message(session: Session, settings: Settings, language: str, base: int) -> None:
    """Each message of each package, once, for one person in `language`, with the longest values."""
    person: Any = SimpleNamespace(id=base, phone=LONG["phone"], preferred_language=Language(language))
    dossier_messages.registered(session, person, code="9876543210")
    other: Any = SimpleNamespace(id=base + 1, phone=LONG["phone"], preferred_language=Language(language))
    dossier_messages.registered(session, other, code=None)
    for offset, decision in enumerate(("admissible", "incomplete", "not_admissible")):
        dossier_messages.admissibility(session, person, change_id=base + offset, decision=decision,
                                       missing=["experience", "identity", "consent", "work_history", LONG["reason"]],
                                       reason=LONG["reason"], advice=LONG["advice"], labels=admissibility.CHECK_LABELS)
    dossier_messages.lapse_warning(session, person, dossier_id=base, lapses_on=date(2026, 9, 30),
                                   warned_at=utcnow())
    assessment_messages.evidence_asked(session, person, change_id=base, reasons=[LONG["reason"], LONG["advice"]])
    for offset, first in enumerate(((date(2026, 9, 30), "08:30", LONG["place"]), (date(2026, 9, 30), None, ""),
                                    None)):
        assessment_messages.convocation(session, person, change_id=base + offset, first=first)
    for offset, outcome in enumerate(Outcome):
        assessment_messages.decision(session, person, decision_id=base + offset, outcome=outcome)
    for offset, appeal in enumerate(AppealOutcome):
        assessment_messages.appeal(session, person, appeal_id=base + offset, outcome=appeal, reason=LONG["reason"])
    public = settings.model_copy(update={"public_url": "https://validation.anpe-mali.gouv.ml"})
    number = LONG["number"] + language.upper()  # one certificate each
    certificate: Any = SimpleNamespace(number=number)
    certificate_messages.ready(session, person, certificate, settings=public)
    certificate_messages.checked(session, certificate_messages.Watcher(LONG["phone"], language, number, LONG["title"]),
                                 today=date(2026, 9, 30))


def test_every_message_with_long_values_fits_two_segments_in_every_language(session: Session,
                                                                             settings: Settings) -> None:
    for index, language in enumerate(LANGUAGES):
        every_message(session, settings, language, base=1000 * (index + 1))
    session.commit()
    sent = queued(session)
    assert len(sent) == 17 * len(LANGUAGES)
    for message in sent:
        assert segments(message.text) <= 2, (segments(message.text), message.text)
    assert sum("9876543210" in m.text for m in sent) == len(LANGUAGES)  # a code is never cut
    links = [f"https://validation.anpe-mali.gouv.ml/verify?number={LONG['number']}{lang.upper()}" for lang in LANGUAGES]
    assert all(any(m.text.endswith(link) for m in sent) for link in links)  # nor the verify link
    # A text in the candidate's own language once its catalog speaks it (French until then).
    assert {m.purpose for m in sent} == {"registration", "admissibility", "lapse-warning", "evidence-asked",
                                         "convocation", "decision", "appeal", "certificate-ready",
                                         "certificate-checked"}
