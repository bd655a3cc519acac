"""CSRF: every state-changing route refuses a logged-in browser without its page's token (and takes it with
one, or with a bearer token instead), and the login form refuses a forged cross-site post."""

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.auth.service import issue_api_token
from acquis.db import SAFE_METHODS
from tests.support.authorization import PARAMETER, in_order, is_login_redirect
from tests.support.web import PASSWORD, UserFactory, app_of, csrf_from, log_in

# State-changing routes that take no CSRF token, and why.
CSRF_EXEMPT = {
    "POST /api/v1/verify": "public: it acts for nobody and changes nothing of anyone's (acquis.auth.guard.csrf_exempt)",
}


def csrf_refused(response: Response) -> bool:
    return response.status_code == 403 and response.json().get("error", {}).get("code") == "csrf-failed"


def test_every_state_changing_route_refuses_a_logged_in_browser_without_its_csrf_token(
        client: TestClient, session: Session, users: UserFactory) -> None:
    """The same request with the page's token is not refused for it (nor any bearer-token call): the token
    is what decides."""
    admin = users(Role.ADMIN, login="admin")
    log_in(client, "admin")
    token = csrf_from(client.get("/").text)
    bearer = {"Authorization": f"Bearer {issue_api_token(session, admin, days=1, by=None)}"}
    session.commit()
    wrong: list[str] = []
    for method, path in in_order(app_of(client)):
        if method in SAFE_METHODS:
            continue
        route, url = f"{method} {path}", PARAMETER.sub("1", path)
        json = {"Accept": "application/json"}  # errors as JSON, so the refusal's code can be read
        without = client.request(method, url, data={"note": "x"}, headers=json, follow_redirects=False)
        if csrf_refused(without) == (route in CSRF_EXEMPT):
            wrong.append(f"{route} without a token: {without.status_code} {without.text[:80]}")
        if path.startswith("/api/"):
            with TestClient(client.app) as script:  # no cookies
                scripted = script.request(method, url, data={"note": "x"}, headers={**json, **bearer})
            if csrf_refused(scripted):
                wrong.append(f"{route} with a bearer token: refused for want of a CSRF token")
        with_token = client.request(method, url, data={"note": "x", "csrf_token": token}, headers=json,
                                    follow_redirects=False)
        if csrf_refused(with_token):
            wrong.append(f"{route} with the page's token: refused as without one")
    assert not wrong, "CSRF check:\n  " + "\n  ".join(wrong)


def test_login_form_refuses_a_post_without_its_csrf_token(client: TestClient, users: UserFactory) -> None:
    """A forged cross-site login would sign the victim into the attacker's account."""
    users(Role.REGISTRAR, login="registrar")
    client.get("/login")  # the browser has its CSRF cookie, but the forged form carries no token
    forged = client.post("/login", data={"login": "registrar", "password": PASSWORD}, follow_redirects=False)
    assert forged.status_code == 403
    assert is_login_redirect(client.get("/certificates", follow_redirects=False))  # not logged in
