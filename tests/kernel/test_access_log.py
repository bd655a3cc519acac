"""The access log: one line per request with an id that the error page shows too, so that a user's report can be
traced; JSON lines with ACQUIS_LOG_FORMAT=json; never a seal (the `/V/` payload), a query string or an address."""

import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.config import Settings
from acquis.db import make_engine
from certificates.models import Certificate
from tests.support.certificates import issued
from tests.support.operations import serving, sqlite_settings

SHOWN_ID = re.compile(r'id="request-id">[^<]*?([0-9A-Za-z._:-]{8,100})</p>')


def shown_id(html: str) -> str:
    match = SHOWN_ID.search(html)
    assert match, "the error page shows no request id"
    return match.group(1)


@pytest.fixture
def certificate(tmp_path: Path, sqlite_template: str) -> Iterator[tuple[Settings, Certificate]]:
    settings = sqlite_settings(sqlite_template, tmp_path)
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        yield settings, issued(session, settings)
    engine.dispose()


def test_json_access_log_traces_requests_by_id_without_seals_numbers_or_addresses(
        certificate: tuple[Settings, Certificate]) -> None:
    settings, cert = certificate
    payload = cert.qr_text.rsplit("/", 1)[1]
    with serving(settings, ACQUIS_LOG_FORMAT="json") as (server,):
        scan = httpx.get(f"{server.url}/V/{payload}", headers={"X-Request-ID": "lb-trace-0001"})
        typed = httpx.get(f"{server.url}/verify", params={"number": cert.number})
        missing = httpx.get(f"{server.url}/no/such/page", headers={"X-Request-ID": "bad id with spaces"})
        forged = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": '{"level": "error"}'})
        lines = server.access_log()
        access, errors = server.stdout.read_text(), server.stderr.read_text()

    assert (scan.status_code, typed.status_code, missing.status_code) == (200, 200, 404)
    assert scan.headers["x-request-id"] == "lb-trace-0001"  # the load balancer's id, kept
    by_id = {line["request_id"]: line for line in lines}
    seal_line = by_id["lb-trace-0001"]
    assert seal_line["path"] == "/V/…#" + hashlib.sha256(payload.encode()).hexdigest()[:8]
    assert seal_line["route"] == "/V/{payload}" and seal_line["status"] == 200 and seal_line["method"] == "GET"
    assert isinstance(seal_line["duration_ms"], float) and seal_line["time"].endswith("+00:00")
    assert by_id[typed.headers["x-request-id"]]["path"] == "/verify"  # no query string
    # The id on the error page is the one in the log line (a malformed one was replaced by a fresh one).
    page_id = shown_id(missing.text)
    assert page_id == missing.headers["x-request-id"] != "bad id with spaces"
    assert by_id[page_id]["status"] == 404 and by_id[page_id]["route"] == "unmatched"
    assert forged.headers["x-request-id"] != '{"level": "error"}'
    for secret in (payload, cert.number):
        assert secret not in access + errors
    assert "127.0.0.1" not in access and all("client" not in line for line in lines)  # no addresses


def test_text_access_log_and_server_error_page_carry_the_request_id(
        app: FastAPI, caplog: pytest.LogCaptureFixture) -> None:
    def fail(payload: str) -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken/{payload}", fail)
    with TestClient(app, raise_server_exceptions=False) as client, \
            caplog.at_level(logging.INFO, logger="acquis"):
        broken = client.get("/broken/X", headers={"X-Request-ID": "user-report-42"})
        seal = client.get("/V/HC1SOMESEALTEXT")
    assert broken.status_code == 500 and broken.headers["x-request-id"] == "user-report-42"
    assert shown_id(broken.text) == "user-report-42"
    messages = [record.getMessage() for record in caplog.records]
    assert "unhandled error on GET /broken/X (request user-report-42)" in messages
    assert any(m.startswith("user-report-42 GET /broken/X 500 ") and m.endswith("route=/broken/{payload}")
               for m in messages)
    seal_id = seal.headers["x-request-id"]
    assert any(m.startswith(f"{seal_id} GET /V/…#") for m in messages)
    assert not any("HC1SOMESEALTEXT" in m for m in messages)

