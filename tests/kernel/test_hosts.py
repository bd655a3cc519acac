"""The Host header builds no URL and unknown hosts get 400; X-Forwarded-For counts only from a trusted proxy.
Through the app, and through a real `acquis serve` (whose server must not trust proxy headers on its own)."""

import re
import shutil
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import utcnow
from acquis.hosts import host_name
from certificates import online_verification
from certificates.models import VerificationLog
from tests.support.dossiers import bearer, jpeg, make_candidate, make_dossier, publish_framework
from tests.support.resilience import Server
from tests.support.web import UserFactory, log_in, post_form

EVIL = "evil.example"
ABSOLUTE = re.compile(r'(?:href|action|src|hx-get|hx-post)="https?://')


def test_a_forged_host_gets_400_and_appears_nowhere(app: FastAPI) -> None:
    with TestClient(app, base_url=f"http://{EVIL}") as forged:
        for response in (forged.get("/login"), forged.post("/login", data={"login": "a", "password": "b"}),
                         forged.get("/dossiers", follow_redirects=False), forged.get("/verify?number=ML-1")):
            assert response.status_code == 400 and EVIL not in response.text
            assert EVIL not in str(response.headers)
        api = forged.get("/api/v1/dossiers")
        assert api.status_code == 400 and api.json()["error"]["code"] == "host-not-allowed"


def test_the_public_host_loopback_and_allowed_hosts_are_served(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings.model_copy(update={"public_url": "https://acquis.example.ml",
                                                     "allowed_hosts": "testserver, Intranet.Local"})
    for base in ("https://acquis.example.ml", "https://acquis.example.ml:8443", "http://localhost:8000",
                 "http://127.0.0.1", "http://[::1]:8000", "http://intranet.local", "http://testserver"):
        with TestClient(app, base_url=base) as client:
            assert client.get("/healthz").status_code == 200, base
    with TestClient(app, base_url="http://acquis.example.ml.evil.example") as client:
        assert client.get("/healthz").status_code == 400


def test_host_names_are_read_strictly() -> None:
    assert host_name("Acquis.Example.ML:443") == "acquis.example.ml"
    assert host_name("[::1]:8000") == "::1" and host_name("acquis.example.ml.") == "acquis.example.ml"
    assert host_name("evil.example:80@acquis.example.ml") is None and host_name("[::1]x") is None


def test_the_login_form_links_and_redirects_carry_no_host(client: TestClient) -> None:
    page = client.get("/login")
    assert 'action="/login"' in page.text and not ABSOLUTE.search(page.text), ABSOLUTE.findall(page.text)
    assert "testserver" not in page.text
    redirect = client.get("/dossiers", follow_redirects=False)
    assert redirect.status_code == 303 and redirect.headers["location"] == "/login?next=%2Fdossiers"
    slash = client.get("/login/", follow_redirects=False)  # Starlette's own redirects too
    assert "testserver" not in slash.headers.get("location", "")


def test_the_slip_prints_the_public_login_url(client: TestClient, session: Session, settings: Settings,
                                              users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR, login="conseil")
    candidate = make_candidate(session, settings, by=counsellor)
    log_in(client, "conseil")
    page = f"/candidates/{candidate.id}"
    slip = post_form(client, f"{page}/slip", {}, page=page)
    assert f"{settings.public_url}/login" in slip.text
    assert "testserver" not in slip.text and not ABSOLUTE.search(slip.text)


def test_api_url_fields_come_from_the_public_url(client: TestClient, session: Session, settings: Settings,
                                                 users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    headers = bearer(session, counsellor)
    added = client.post(f"/api/v1/dossiers/{dossier.id}/evidence", headers=headers,
                        files={"file": ("a.jpg", jpeg(), "image/jpeg")}, data={"kind": "photo_of_work"})
    assert added.status_code == 201, added.text
    listed = client.get(f"/api/v1/dossiers/{dossier.id}/evidence", headers=headers).json()
    assert listed and all(item["url"].startswith(settings.public_url + "/evidence/") for item in listed), listed


def test_forwarded_for_counts_only_from_a_trusted_proxy(app: FastAPI, settings: Settings, session: Session) -> None:
    exhaust(session, settings, "10.1.1.1")
    forged = {"X-Forwarded-For": "10.1.1.1"}
    with TestClient(app, client=("192.0.2.7", 5000)) as stranger:  # says it is 10.1.1.1: not believed
        assert stranger.get("/verify?number=ML-1", headers=forged).status_code == 200
    app.state.settings = settings.model_copy(update={"trusted_proxies": "192.0.2.0/24"})
    with TestClient(app, client=("192.0.2.7", 5000)) as proxy:
        assert proxy.get("/verify?number=ML-1", headers=forged).status_code == 429
        # Only the right-most address a trusted proxy appended counts; the client wrote the rest.
        assert proxy.get("/verify?number=ML-1", headers={"X-Forwarded-For": "10.1.1.1, 198.51.100.4"}
                         ).status_code == 200


def exhaust(session: Session, settings: Settings, address: str) -> None:
    """The number lookups of one client address, used up for the next quarter of an hour."""
    client = online_verification.client_hash(settings, address)
    for _ in range(online_verification.NUMBER_LOOKUPS):
        session.add(VerificationLog(at=utcnow(), channel="number", verdict="not-found", client_hash=client))
    session.commit()


# --- a real server ------------------------------------------------------------------------------------------


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    server = Server(settings)
    server.env["ACQUIS_TRUSTED_PROXIES"] = "127.0.0.2"  # the test's "proxy": another loopback address
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(server.tmp, ignore_errors=True)


def test_a_real_server_builds_no_url_from_the_host_and_ignores_forged_forwarding(
        server: Server, settings: Settings, session: Session) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as browser:
        forged = browser.get("/login", headers={"Host": EVIL})
        assert forged.status_code == 400 and EVIL not in forged.text
        page = browser.get("/login", headers={"Host": "localhost"})
        assert 'action="/login"' in page.text and not ABSOLUTE.search(page.text)
        assert browser.get("/dossiers").headers["location"] == "/login?next=%2Fdossiers"
        exhaust(session, settings, "127.0.0.1")
        # uvicorn alone would take X-Forwarded-For from 127.0.0.1 as the client: a fresh rate limit per request.
        assert browser.get("/verify?number=ML-1", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 429
    proxy = httpx.HTTPTransport(local_address="127.0.0.2")
    with httpx.Client(base_url=server.url, transport=proxy, timeout=30) as through_proxy:
        assert through_proxy.get("/verify?number=ML-1", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 429
        assert through_proxy.get("/verify?number=ML-1", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
