"""Changing a password, reprinting a slip, changing a role or deactivating an account ends the account's other
sessions at once; the session that changed its own password stays open; a deactivated account is shut out."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth import service
from acquis.auth.models import Role
from acquis.config import Settings
from tests.dossiers.test_web import REGISTRATION, post
from tests.kernel.test_cli import acquis
from tests.support.web import PASSWORD, UserFactory, csrf_from, log_in, post_form

NEW_PASSWORD = "un tout nouveau mot de passe"


def logged_in(app: FastAPI, login: str, password: str = PASSWORD) -> TestClient:
    browser = TestClient(app)
    log_in(browser, login, password)
    return browser


def is_logged_in(browser: TestClient, name: str) -> bool:
    return f"Bonjour, {name}" in browser.get("/").text


def test_staff_changing_their_password_ends_their_other_sessions_but_not_this_one(
        app: FastAPI, users: UserFactory) -> None:
    users(Role.REGISTRAR, name="Moussa Keïta")
    laptop, phone = logged_in(app, "registrar"), logged_in(app, "registrar")
    assert 'id="password-link"' in phone.get("/").text
    changed = post_form(phone, "/account/password", {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                        page="/account/password")
    assert changed.status_code == 200 and 'id="password-changed"' in changed.text
    assert is_logged_in(phone, "Moussa Keïta")
    assert not is_logged_in(laptop, "Moussa Keïta")
    assert logged_in(app, "registrar", NEW_PASSWORD)
    refused = post_form(phone, "/account/password", {"current": "wrong", "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                        page="/account/password")
    assert refused.status_code == 422 and is_logged_in(phone, "Moussa Keïta")


def test_a_candidate_changing_their_password_ends_their_other_sessions(
        app: FastAPI, client: TestClient, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    log_in(client, "counsellor")
    response = post(client, "/candidates", REGISTRATION, "/candidates/new")
    slip = re.search(r'id="slip-password">(\d+)<', response.text).group(1)
    own = logged_in(app, "+22376001122", slip)  # the slip opens one session: own's
    assert post_form(own, "/portal/password", {"new": PASSWORD, "again": PASSWORD},
                     page="/portal/password").status_code == 303
    stolen = logged_in(app, "+22376001122", PASSWORD)
    changed = post_form(own, "/portal/password", {"current": PASSWORD, "new": NEW_PASSWORD, "again": NEW_PASSWORD},
                        page="/portal/password")
    assert changed.status_code == 303
    assert own.get("/portal").status_code == 200
    assert stolen.get("/portal", follow_redirects=False).status_code == 303  # back to the login page
    assert "/login" in stolen.get("/portal", follow_redirects=False).headers["location"]


def test_reprinting_a_slip_logs_out_whoever_used_the_old_password(
        app: FastAPI, client: TestClient, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    log_in(client, "counsellor")
    response = post(client, "/candidates", REGISTRATION, "/candidates/new")
    slip = re.search(r'id="slip-password">(\d+)<', response.text).group(1)
    candidate_id = re.search(r"/candidates/(\d+)\"", response.text).group(1)
    holder = logged_in(app, "+22376001122", slip)
    assert holder.get("/portal/password").status_code == 200
    reprinted = post(client, f"/candidates/{candidate_id}/slip", {}, f"/candidates/{candidate_id}")
    assert reprinted.status_code == 200 and 'id="slip-password"' in reprinted.text
    assert holder.get("/portal/password", follow_redirects=False).status_code == 303
    assert client.get(f"/candidates/{candidate_id}").status_code == 200  # the counsellor's own session stays


def test_the_cli_passwd_ends_every_session_and_the_new_password_works(
        app: FastAPI, settings: Settings, users: UserFactory) -> None:
    users(Role.ASSESSOR, name="Bakary Coulibaly")
    before = logged_in(app, "assessor")
    result = acquis(settings, "users", "passwd", "assessor", "--password-stdin", stdin=f"{NEW_PASSWORD}\n")
    assert result.returncode == 0, result.stderr
    assert not is_logged_in(before, "Bakary Coulibaly")
    assert is_logged_in(logged_in(app, "assessor", NEW_PASSWORD), "Bakary Coulibaly")
    short = acquis(settings, "users", "passwd", "assessor", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "Traceback" not in short.stderr


def test_revoking_a_role_ends_the_sessions_opened_with_it(
        app: FastAPI, settings: Settings, users: UserFactory, session: Session) -> None:
    user = users(Role.REGISTRAR, name="Moussa Keïta")
    browser = logged_in(app, "registrar")
    assert browser.get("/certificates", follow_redirects=False).status_code == 200
    result = acquis(settings, "users", "role", "registrar", "--role", "assessor")
    assert result.returncode == 0, result.stderr
    assert not is_logged_in(browser, "Moussa Keïta")
    assert browser.get("/certificates", follow_redirects=False).status_code in (303, 307)
    again = logged_in(app, "registrar")
    assert again.get("/certificates").status_code == 403
    session.refresh(user)
    assert user.role == Role.ASSESSOR


def test_a_deactivated_account_loses_its_sessions_its_login_and_its_tokens(
        app: FastAPI, settings: Settings, users: UserFactory, session: Session) -> None:
    user = users(Role.COUNSELLOR, name="Fatoumata Diarra")
    token = service.issue_api_token(session, user, days=5, by=None)
    session.commit()
    browser = logged_in(app, "counsellor")
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    assert browser.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    result = acquis(settings, "users", "deactivate", "counsellor")
    assert result.returncode == 0, result.stderr
    assert not is_logged_in(browser, "Fatoumata Diarra")
    assert TestClient(app).get("/api/v1/dossiers", headers=api).status_code == 401
    with TestClient(app) as other:
        token_field = csrf_from(other.get("/login").text)
        refused = other.post("/login", data={"login": "counsellor", "password": PASSWORD, "csrf_token": token_field})
        assert refused.status_code == 401 and "Identifiant ou mot de passe incorrect." in refused.text
