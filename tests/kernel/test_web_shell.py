"""The web shell: vendored htmx, security headers, nothing from other hosts, error pages, health."""

import hashlib
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from acquis.auth.models import Role
from tests.support.web import UserFactory, log_in

ROOT = Path(__file__).resolve().parents[2]
HTMX = ROOT / "static/vendor/htmx-2.0.11.min.js"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
EXTERNAL = re.compile(r'(?:src|href|action)="(?!https?://testserver|/|#|\{)([^"]+)"')


def test_vendored_htmx_is_the_pinned_release() -> None:
    assert hashlib.sha256(HTMX.read_bytes()).hexdigest() == HTMX_SHA256
    assert "Zero-Clause BSD" in (ROOT / "static/vendor/htmx-LICENSE.txt").read_text()


def test_pages_load_nothing_from_another_host(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    pages = [client.get("/login").text, client.get("/").text]
    log_in(client, "admin")
    pages += [client.get("/").text, client.get("/admin/users").text]
    for page in pages:
        assert EXTERNAL.findall(page) == [], "a page refers to another host"
        assert "<script>" not in page and " style=" not in page  # the CSP forbids inline code and styles


def test_security_headers_on_every_page(client: TestClient) -> None:
    for url in ("/login", "/", "/healthz", "/no-such-page"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_404_page_in_french_and_english(client: TestClient) -> None:
    french = client.get("/nulle-part")
    assert french.status_code == 404 and "Page introuvable" in french.text
    english = client.get("/nowhere", headers={"Accept-Language": "en"})
    assert english.status_code == 404 and "Page not found" in english.text


def test_403_page_for_a_role_that_may_not(client: TestClient, users: UserFactory) -> None:
    users(Role.CANDIDATE)
    log_in(client, "candidate")
    page = client.get("/admin/users", headers={"Accept-Language": "en"})
    assert page.status_code == 403 and "Access denied" in page.text


def test_anonymous_visitor_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/admin/users", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/login?next=%2Fadmin%2Fusers")


def test_500_page_shows_no_internals(app: FastAPI, users: UserFactory) -> None:
    from fastapi.testclient import TestClient as Client

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail /etc/acquis")

    with Client(app, raise_server_exceptions=False) as client:
        page = client.get("/boom", headers={"Accept-Language": "en"})
    assert page.status_code == 500 and "Server error" in page.text
    assert "secret detail" not in page.text and "Traceback" not in page.text


def test_admin_creates_an_account_through_the_form(client: TestClient, users: UserFactory) -> None:
    users(Role.ADMIN)
    log_in(client, "admin")
    from tests.support.web import post_form

    created = post_form(client, "/admin/users", {"login": "awa", "name": "Awa Dembélé", "role": "counsellor",
                                                 "password": "long enough pw"}, page="/admin/users")
    assert created.status_code == 201 and "Awa Dembélé" in created.text
    again = post_form(client, "/admin/users", {"login": "AWA", "name": "Other", "role": "counsellor",
                                               "password": "long enough pw"}, page="/admin/users")
    assert again.status_code == 422 and "déjà utilisé" in again.text


def test_api_docs_page_is_served_from_the_app_itself(client: TestClient) -> None:
    page = client.get("/docs", headers={"Accept-Language": "en"})
    assert page.status_code == 200 and "JSON API" in page.text and "/openapi.json" in page.text
    assert EXTERNAL.findall(page.text) == []
    assert client.get("/openapi.json").json()["info"]["title"] == "Acquis"
