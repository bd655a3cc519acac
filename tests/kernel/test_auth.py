"""Logging in and out, CSRF, throttling, bearer tokens and role guards, as a browser or client sees them."""

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from acquis.auth import service
from acquis.auth.models import ApiToken, Role, Throttle, UserSession
from tests.support.web import PASSWORD, UserFactory, csrf_from, log_in, post_form


def test_registrar_logs_in_through_the_form_and_sees_their_name(client: TestClient, users: UserFactory) -> None:
    users(Role.REGISTRAR, name="Moussa Keïta")
    log_in(client, "registrar")
    assert "Moussa Keïta" in client.get("/").text


def test_login_is_case_insensitive_and_redirects_to_next(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"login": " ADMIN ", "password": PASSWORD, "csrf_token": token,
                                           "next": "/healthz"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/healthz"


def test_login_refuses_to_redirect_to_another_site(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/x"}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    cookie = response.headers["set-cookie"].lower()
    assert "acquis_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # the test public URL is plain http


def test_wrong_password_and_unknown_login_look_the_same(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    pages = []
    for login in ("admin", "nobody"):
        token = csrf_from(client.get("/login").text)
        pages.append(client.post("/login", data={"login": login, "password": "wrong-password", "csrf_token": token}))
    assert [p.status_code for p in pages] == [401, 401]
    assert "Identifiant ou mot de passe incorrect." in pages[0].text
    assert pages[0].text.replace('value="admin"', "").count("incorrect") == pages[1].text.count("incorrect")


def test_repeated_failures_slow_down_that_login(client: TestClient, users: UserFactory, session: Session) -> None:
    users(Role.ADMIN)
    statuses = []
    for _ in range(7):
        token = csrf_from(client.get("/login").text)
        statuses.append(client.post("/login", data={"login": "admin", "password": "nope-nope", "csrf_token": token})
                        .status_code)
    # Five free failures; after that each attempt must wait, doubling, whatever the password.
    assert statuses == [401] * 5 + [429] * 2
    # Even the right password is refused while the wait lasts.
    token = csrf_from(client.get("/login").text)
    assert client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 429
    # Once the wait is over, the right password works and clears the count.
    rows = session.exec(select(Throttle).where(col(Throttle.key).startswith("login:"))).all()
    assert len(rows) == 1 and rows[0].count == 5
    rows[0].last_at -= timedelta(hours=1)
    session.add(rows[0])
    session.commit()
    log_in(client, "admin")


def test_post_without_csrf_token_is_refused_with_403(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    client.get("/login")
    response = client.post("/login", data={"login": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert "Acquis" in response.text  # a real error page, not a bare message


def test_csrf_token_from_another_browser_is_refused(client: TestClient, app: FastAPI, users: UserFactory) -> None:
    users(Role.ADMIN)
    with TestClient(app) as other:
        foreign = csrf_from(other.get("/login").text)
    client.get("/login")
    response = client.post("/login", data={"login": "admin", "password": PASSWORD, "csrf_token": foreign})
    assert response.status_code == 403


def test_logout_ends_the_session_for_good(client: TestClient, users: UserFactory, session: Session) -> None:
    users(Role.COUNSELLOR, name="Fatoumata Diarra")
    log_in(client, "counsellor")
    stolen = client.cookies.get("acquis_session")
    response = post_form(client, "/logout", {})
    assert response.status_code == 303
    assert "Fatoumata Diarra" not in client.get("/").text
    assert session.exec(select(UserSession)).all() == []
    client.cookies.set("acquis_session", stolen)  # replaying the old cookie gets nothing
    assert "Fatoumata Diarra" not in client.get("/").text


def test_logout_without_csrf_is_refused(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    log_in(client, "admin")
    assert client.post("/logout").status_code == 403


def test_bearer_token_works_until_revoked(client: TestClient, users: UserFactory, session: Session) -> None:
    user = users(Role.REGISTRAR)
    token = service.issue_api_token(session, user, days=1, by=None)
    session.commit()
    page = client.get("/", headers={"Authorization": f"Bearer {token}"}).text
    assert f'<h1 id="welcome">Bonjour, {user.name}</h1>' in page
    service.revoke_api_tokens(session, user, by=None)
    session.commit()
    response = client.get("/healthz", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert response.status_code == 200  # public route: a dead token does not matter there
    refused = client.get("/", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"


def test_tokens_and_sessions_are_stored_hashed(client: TestClient, users: UserFactory, session: Session) -> None:
    user = users(Role.ADMIN)
    token = service.issue_api_token(session, user, days=1, by=None)
    session.commit()
    log_in(client, "admin")
    cookie = client.cookies.get("acquis_session")
    stored = [row.token_hash for row in session.exec(select(UserSession))]
    assert cookie not in stored and service.token_digest(cookie) in stored
    assert token not in str(session.exec(select(ApiToken.token_hash)).all())
