"""Candidates log in with their phone as they write it, with a password or a code sent by SMS; a slip's
one-time password opens one session only."""

import re
from datetime import timedelta

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from acquis.auth.models import LoginCode, Role, Throttle
from acquis.config import Settings
from acquis.db import utcnow
from acquis.sms.models import SmsMessage
from tests.support.dossiers import candidate_data
from tests.support.web import PASSWORD, UserFactory, csrf_from, log_in, password_hash
from validation.dossiers import candidates

PHONE = "+22376123456"
FORMATS = ("76 12 34 56", "76123456", "+223 76 12 34 56", "0022376123456", "76.12.34.56")
REFUSED = "Code incorrect, expiré ou déjà utilisé"


def candidate(session: Session, settings: Settings, **overrides: object) -> int:
    """A self-registered candidate (their own password), phone +223 76 12 34 56."""
    registration = candidates.register(session, candidate_data(**overrides), by=None, settings=settings,
                                       password_hash=password_hash())
    session.commit()
    return registration.candidate.id


def password_login(app: FastAPI, login: str, password: str = PASSWORD) -> tuple[TestClient, int]:
    phone = TestClient(app)
    token = csrf_from(phone.get("/login").text)
    response = phone.post("/login", data={"login": login, "password": password, "csrf_token": token},
                          follow_redirects=False)
    return phone, response.status_code


def ask_code(client: TestClient, phone: str) -> httpx.Response:
    token = csrf_from(client.get("/login/code").text)
    return client.post("/login/code", data={"phone": phone, "csrf_token": token}, follow_redirects=False)


def enter_code(client: TestClient, phone: str, code: str) -> httpx.Response:
    token = csrf_from(client.get("/login/code").text)
    return client.post("/login/code/check", data={"phone": phone, "code": code, "csrf_token": token},
                       follow_redirects=False)


def sent_codes(session: Session) -> list[SmsMessage]:
    """The login codes queued (registering a candidate queues a message of its own)."""
    session.expire_all()
    return list(session.exec(select(SmsMessage).where(SmsMessage.purpose == "login-code")
                             .order_by(col(SmsMessage.id))))


def code_in(message: SmsMessage) -> str:
    return re.search(r"\b(\d{6})\b", message.text).group(1)


def a_minute_later(session: Session) -> None:
    """Move the phone's throttle back, as if the minute between two codes had passed."""
    session.execute(update(Throttle).values(last_at=utcnow() - timedelta(minutes=2)))
    session.commit()


def test_every_way_people_write_their_phone_logs_in_with_the_password(
        app: FastAPI, session: Session, settings: Settings) -> None:
    candidate(session, settings)
    for written in FORMATS:
        phone, status = password_login(app, written)
        assert status == 303, written
        assert "Seydou" in phone.get("/portal").text
    _phone, status = password_login(app, "76 12 34 56", "not the password")
    assert status == 401
    short = TestClient(app)  # a phone number cut short: said so, plainly
    page = short.post("/login", data={"login": "76 12 34", "password": PASSWORD,
                                      "csrf_token": csrf_from(short.get("/login").text)})
    assert page.status_code == 422 and "Numéro de téléphone non valable" in page.text


def test_a_code_sent_by_sms_logs_the_candidate_in_once(
        app: FastAPI, client: TestClient, session: Session, settings: Settings) -> None:
    candidate(session, settings)
    assert 'id="code-login-link"' in client.get("/login").text
    asked = ask_code(client, "76 12 34 56")
    assert asked.status_code == 200 and 'id="code-sent"' in asked.text and 'name="code"' in asked.text
    [message] = sent_codes(session)
    assert message.phone == PHONE and message.purpose == "login-code" and message.urgent
    assert message.text.startswith("Acquis : votre code est ") and "10 minutes" in message.text
    code = code_in(message)
    assert code not in str(session.exec(select(LoginCode)).one())  # only its keyed hash is stored
    entered = enter_code(client, "+223 76 12 34 56", code)
    assert entered.status_code == 303 and entered.headers["location"].endswith("/portal")
    assert "Seydou" in client.get("/portal").text
    again = enter_code(TestClient(app), "76123456", code)  # the same code, a second time
    assert again.status_code == 401 and REFUSED in again.text


def test_five_wrong_codes_void_the_code_and_a_new_one_must_be_asked_for(
        client: TestClient, session: Session, settings: Settings) -> None:
    candidate(session, settings)
    ask_code(client, "76 12 34 56")
    code = code_in(sent_codes(session)[0])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused = enter_code(client, "76 12 34 56", wrong)
        assert refused.status_code == 401 and REFUSED in refused.text
    assert enter_code(client, "76 12 34 56", code).status_code == 401  # void now, even the right one
    a_minute_later(session)
    ask_code(client, "76 12 34 56")
    assert enter_code(client, "76 12 34 56", code_in(sent_codes(session)[-1])).status_code == 303


def test_a_code_expires_after_ten_minutes(client: TestClient, session: Session, settings: Settings) -> None:
    candidate(session, settings)
    ask_code(client, "76123456")
    code = code_in(sent_codes(session)[0])
    # Eleven minutes on: the code's own clock moved back rather than waiting.
    session.execute(update(LoginCode).values(created_at=utcnow() - timedelta(minutes=11),
                                             expires_at=utcnow() - timedelta(minutes=1)))
    session.commit()
    expired = enter_code(client, "76123456", code)
    assert expired.status_code == 401 and REFUSED in expired.text


def test_codes_for_one_phone_are_throttled_with_a_plain_message(
        client: TestClient, session: Session, settings: Settings) -> None:
    candidate(session, settings)
    assert ask_code(client, "76 12 34 56").status_code == 200
    again = ask_code(TestClient(client.app), "0022376123456")  # the same phone, written otherwise, elsewhere
    assert again.status_code == 429 and "Trop de codes demandés" in again.text
    for _ in range(4):
        a_minute_later(session)
        assert ask_code(client, "76 12 34 56").status_code == 200
    a_minute_later(session)
    assert ask_code(client, "76 12 34 56").status_code == 429  # five an hour
    assert len(sent_codes(session)) == 5


def test_an_unknown_phone_or_a_staff_login_gets_the_same_page_and_no_sms(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    candidate(session, settings)
    users(Role.REGISTRAR, login="+22376555555")  # staff log in with their password only
    known = ask_code(client, "76 12 34 56")
    unknown = ask_code(client, "76 99 99 99")
    staff = ask_code(client, "76 55 55 55")
    assert known.status_code == unknown.status_code == staff.status_code == 200
    assert known.text.replace("76 12 34 56", "N") == unknown.text.replace("76 99 99 99", "N") \
        == staff.text.replace("76 55 55 55", "N")
    assert [message.phone for message in sent_codes(session)] == [PHONE]
    refused = enter_code(client, "76 99 99 99", "123456")
    assert refused.status_code == 401 and REFUSED in refused.text
    invalid = ask_code(client, "76 12")
    assert invalid.status_code == 422 and "Numéro de téléphone non valable" in invalid.text


def test_the_slips_one_time_password_logs_in_once_only(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    registration = candidates.register(session, candidate_data(), by=counsellor, settings=settings)
    session.commit()
    slip = registration.one_time_password
    assert slip is not None
    holder, status = password_login(app, "76 12 34 56", slip)
    assert status == 303
    assert password_login(app, PHONE, slip)[1] == 401  # used: it opens nothing any more
    # The holder chooses a password without typing the spent code again.
    page = holder.get("/portal", follow_redirects=True)
    assert 'id="choose-password"' in page.text and 'name="current"' not in page.text
    chosen = holder.post("/portal/password", data={"new": "mon mot de passe", "again": "mon mot de passe",
                                                   "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert chosen.status_code == 303
    assert password_login(app, "76123456", "mon mot de passe")[1] == 303
    # A reprinted slip voids the one before it, used or not.
    _candidate, first = candidates.new_one_time_password(session, registration.candidate.id, by=counsellor)
    _candidate, second = candidates.new_one_time_password(session, registration.candidate.id, by=counsellor)
    session.commit()
    assert password_login(app, PHONE, first)[1] == 401
    assert password_login(app, PHONE, second)[1] == 303
    assert password_login(app, PHONE, second)[1] == 401
    log_in(client, "counsellor")  # staff logins are not phone numbers and log in as before


def test_the_demo_candidate_logs_in_with_the_phone_of_her_record(
        app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="candidate")  # the demo's: its login is not the phone number
    candidates.register(session, candidate_data(), by=users(Role.COUNSELLOR), settings=settings, account=account)
    session.commit()
    phone, status = password_login(app, "76 12 34 56")
    assert status == 303 and "Seydou" in phone.get("/portal").text
    ask_code(phone, "0022376123456")
    assert [message.phone for message in sent_codes(session)] == [PHONE]


def test_an_account_whose_login_only_looks_like_a_phone_number_still_logs_in(
        app: FastAPI, users: UserFactory) -> None:
    users(Role.COUNSELLOR, login="12345678", name="Awa Traoré")
    _client, status = password_login(app, "12345678")
    assert status == 303
