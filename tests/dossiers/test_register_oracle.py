"""/register says nothing about who is registered: a taken and a free phone or ID number get the same answer,
the conflict waits for a counsellor, and each client may send only so many registrations an hour."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.main import create_app
from tests.support.dossiers import make_candidate
from tests.support.web import UserFactory, csrf_from, log_in, post_form
from validation.dossiers.models import Candidate, RegistrationConflict

FORM = {"family_name": "Sow", "given_names": "Adama", "sex": "male", "birth_date": "1992-02-02", "nationality": "ML",
        "id_document_type": "national_id", "id_number": "NINA123456", "phone": "+223 66 77 88 99",
        "preferred_language": "fr", "region": "Mopti", "commune": "Sévaré", "password": "adama est rentré",
        "consent_processing": "on"}
# Already registered in the office (tests.support.dossiers.candidate_data): phone 76 12 34 56, passport AA 1234567.
TAKEN_PHONE, TAKEN_ID = "76 12 34 56", "AA 1234567"


def register(browser: TestClient, **changes: str) -> tuple[Any, Any]:
    """The answer to the form, and the page it leads to."""
    answer = browser.post("/register", data={**FORM, **changes, "csrf_token": csrf_from(browser.get("/register").text)},
                          follow_redirects=False)
    return answer, browser.get(answer.headers["location"]) if answer.status_code == 303 else None


def seen_by_user(answer: Any, page: Any) -> tuple[Any, ...]:
    return answer.status_code, answer.headers.get("location"), answer.text, page.status_code, page.text


def test_a_taken_and_a_free_phone_or_id_number_get_the_same_answer(
        app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    make_candidate(session, settings, by=users(Role.COUNSELLOR))
    with TestClient(app) as browser:
        free = seen_by_user(*register(browser))
        taken_phone = seen_by_user(*register(browser, phone=TAKEN_PHONE, id_number="NINA999999"))
        taken_id = seen_by_user(*register(browser, phone="66 00 00 01", id_number=TAKEN_ID))
        both = seen_by_user(*register(browser, phone=TAKEN_PHONE, id_number=TAKEN_ID))
    assert free == taken_phone == taken_id == both
    status, location, _body, _page_status, page = free
    assert status == 303 and location.startswith("/login") and "registration-received" in page
    assert "Konaté" not in page and "déjà celui" not in page and "déjà inscrite" not in page


def test_a_free_registration_logs_in_at_once_and_a_taken_one_waits_for_a_counsellor(
        app: FastAPI, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR, name="Fatoumata Diarra")
    existing = make_candidate(session, settings, by=counsellor)
    with TestClient(app) as browser:
        register(browser)
        log_in(browser, "+22366778899", "adama est rentré")
        assert browser.get("/portal").status_code == 200
    with TestClient(app) as stranger:
        register(stranger, phone=TAKEN_PHONE, id_number="NINA999999", password="quelqu'un d'autre")
    # No account was made for the taken number: its owner's password still works, the stranger's does not.
    assert session.exec(select(User).where(User.login == "+22376123456")).one().id == existing.user_id
    assert len(session.exec(select(Candidate)).all()) == 2
    conflict = session.exec(select(RegistrationConflict)).one()
    assert conflict.phone_candidate_id == existing.id and conflict.id_number_candidate_id is None
    with TestClient(app) as office:
        log_in(office, "counsellor")
        listed = office.get("/registrations").text
        assert f'id="conflict-{conflict.id}"' in listed and "Adama SOW" in listed
        assert f"/candidates/{existing.id}" in listed
        resolved = post_form(office, f"/registrations/{conflict.id}/resolve", {"note": "Même personne, vue au bureau."},
                             page="/registrations")
        assert resolved.status_code == 303
        assert f'id="conflict-{conflict.id}"' not in office.get("/registrations").text
    # A counsellor who handles neither candidate sees nothing of it; candidates and assessors get no page.
    users(Role.COUNSELLOR, login="counsellor2")
    with TestClient(app) as elsewhere:
        register(elsewhere, phone=TAKEN_PHONE, id_number="NINA888888")
        log_in(elsewhere, "counsellor2")
        assert "conflict-" not in elsewhere.get("/registrations").text


def test_registrations_are_rate_limited_per_client(settings: Settings, session: Session, users: UserFactory) -> None:
    make_candidate(session, settings, by=users(Role.COUNSELLOR))
    limit = 3
    app = create_app(settings.model_copy(update={"register_per_client_per_hour": limit}))
    with TestClient(app, client=("203.0.113.9", 1)) as prober, TestClient(app, client=("198.51.100.3", 1)) as other:
        answers = [register(prober, phone=TAKEN_PHONE, id_number=f"NINA{n:06d}")[0].status_code
                   for n in range(limit + 1)]
        assert answers == [303] * limit + [429]
        assert register(prober)[0].status_code == 429  # free or taken, the same refusal
        assert register(other)[0].status_code == 303
    app.state.engine.dispose()
    app.state.read_engine.dispose()
