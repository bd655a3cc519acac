"""Request bodies past their route's limit get a 413 before anyone reads them, and nested JSON a 422: through the
app, and through a real `acquis serve` fed by a raw socket (declared lengths that never come, chunked streams)."""

import io
import json
import random
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings, complete
from acquis.limits import DEFAULT_BYTES
from acquis.main import body_limits
from tests.support.certificates import acquis
from tests.support.dossiers import bearer, make_dossier, publish_framework, stored_files
from tests.support.resilience import Server
from tests.support.web import UserFactory, csrf_from

MB = 1024 * 1024
DEEP = b"[" * 30_000 + b"]" * 30_000
DEEP_CREDENTIAL = b'{"credentialSubject": ' + b'{"a": ' * 30_000 + b"1" + b"}" * 30_001


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A body sent chunked (no Content-Length), as a client streaming a file does."""
    for _ in range(total // size):
        yield b"x" * size


def test_every_declared_limit_names_a_route_of_the_app(app: FastAPI, settings: Settings) -> None:
    declared = body_limits(settings)
    assert set(declared) <= set(app.state.routes_by_name), set(declared) - set(app.state.routes_by_name)
    assert declared["upload_evidence"] > settings.evidence_max_bytes  # a file at the limit still fits its form
    assert min(declared.values()) >= DEFAULT_BYTES


def test_an_anonymous_300_mb_upload_is_refused_before_the_csrf_check_reads_it(client: TestClient) -> None:
    # The declared length alone refuses it: before, the 300 MB were spooled to disk, then the CSRF check said 403.
    response = client.post("/dossiers/1/evidence", content=b"--x\r\n", headers={
        "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(300 * MB)})
    assert response.status_code == 413
    assert 'id="error"' in response.text and "Mo au plus" in response.text
    assert response.headers["connection"] == "close" and response.headers["x-frame-options"] == "DENY"


def test_a_large_json_body_to_the_verify_api_is_a_json_413(client: TestClient) -> None:
    response = client.post("/api/v1/verify", content=b'{"qr": "' + b"A" * (2 * MB) + b'"}',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request-too-large"


def test_a_chunked_body_is_cut_off_past_the_limit(app: FastAPI, client: TestClient, session: Session,
                                                   settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    app.state.settings = settings.model_copy(update={"evidence_max_bytes": 1000})  # the limit, read per request
    limit = body_limits(app.state.settings)["upload_evidence_api"]
    response = client.post(f"/api/v1/dossiers/{dossier.id}/evidence", content=chunks(limit + MB),
                           headers={**bearer(session, counsellor), "Content-Type": "multipart/form-data; boundary=x"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "request-too-large"
    assert stored_files(settings) == []


def test_a_photo_larger_than_the_default_limit_is_accepted_as_evidence(client: TestClient, session: Session,
                                                                         settings: Settings,
                                                                         users: UserFactory) -> None:
    # Uploads have their own, larger limit: the default 1 MB applies to every other route only.
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    photo = io.BytesIO()
    Image.frombytes("RGB", (900, 900), random.Random(7).randbytes(900 * 900 * 3)).save(photo, "PNG")
    assert photo.tell() > 2 * DEFAULT_BYTES
    response = client.post(f"/api/v1/dossiers/{dossier.id}/evidence", headers=bearer(session, counsellor),
                           data={"kind": "photo_of_work", "description": "Mur monté à Djeddah"},
                           files={"file": ("mur.png", photo.getvalue(), "image/png")})
    assert response.status_code == 201, response.text


def test_forms_keep_a_small_default_limit(client: TestClient) -> None:
    response = client.post("/login", content=b"login=" + b"a" * (DEFAULT_BYTES + 1),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_deeply_nested_json_to_the_api_is_a_422(client: TestClient) -> None:
    response = client.post("/api/v1/verify", content=DEEP, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "json-too-deep"


def test_a_deeply_nested_credential_uploaded_is_a_422(client: TestClient) -> None:
    upload = {"file": ("credential.json", DEEP_CREDENTIAL, "application/json")}
    api = client.post("/api/v1/verify", files=upload)
    assert api.status_code == 422 and api.json()["error"]["code"] == "json-too-deep"
    page = client.post("/verify", data={"csrf_token": csrf_from(client.get("/verify").text)}, files=upload)
    assert page.status_code == 422 and "imbriqué trop profondément" in page.text


def test_acquis_verify_exits_2_on_deeply_nested_json(tmp_path: Path) -> None:
    settings = complete(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'none.db'}",
                                 secret_key="test-secret"))
    credential = tmp_path / "credential.json"
    credential.write_bytes(DEEP_CREDENTIAL)
    run = acquis(settings, "verify", str(credential))
    assert run.returncode == 2 and "Traceback" not in run.stderr and "imbriqué" in run.stderr, run.stderr
    trust = tmp_path / "trust.json"
    trust.write_bytes(DEEP)
    run = acquis(settings, "verify", "HTTPS://X/V/AAAA", "--trust-list", str(trust))
    assert run.returncode == 2 and "Traceback" not in run.stderr and "trust.json" in run.stderr, run.stderr


# --- a real server, a raw socket -------------------------------------------------------------------------------


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    # A small evidence limit, so that "past the limit" is a couple of megabytes.
    server = Server(settings)
    server.env["ACQUIS_EVIDENCE_MAX_BYTES"] = str(100_000)
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(server.tmp, ignore_errors=True)


class Exchange:
    """One HTTP/1.1 request written by hand; the answer read meanwhile, as it comes (a server may answer, and
    close, before the client has sent its whole body)."""

    def __init__(self, server: Server) -> None:
        self.socket = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        self.answer = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        try:
            while data := self.socket.recv(65536):
                self.answer += data
        except OSError:
            pass

    def send(self, data: bytes) -> bool:
        """False once the server has stopped listening (it answered and closed)."""
        try:
            self.socket.sendall(data)
            return True
        except OSError:
            return False

    def response(self) -> tuple[int, bytes]:
        self.reader.join(timeout=30)
        self.socket.close()
        head, _, body = self.answer.partition(b"\r\n\r\n")
        assert head, "no answer: the server kept waiting for the body"
        return int(head.split(b" ")[1]), body


def test_a_real_server_answers_413_without_waiting_for_a_declared_300_mb(server: Server) -> None:
    exchange = Exchange(server)
    exchange.send(b"POST /dossiers/1/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n--x\r\n" % (300 * MB))
    # Nothing more is sent: before, the server waited for the 300 MB (and spooled them) before saying anything.
    status, body = exchange.response()
    assert status == 413 and b'id="error"' in body


def test_a_real_server_cuts_a_chunked_stream_off_and_keeps_serving(server: Server, settings: Settings,
                                                                  session: Session, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    token = bearer(session, counsellor)["Authorization"]
    exchange = Exchange(server)
    exchange.send(b"POST /api/v1/dossiers/%d/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                  b"Content-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  % (dossier.id, token.encode()))
    part = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\xe0")
    exchange.send(b"%x\r\n%s\r\n" % (len(part), part))
    sent, chunk = 0, b"\x00" * 65536
    while sent < 64 * MB and not exchange.answer and exchange.send(b"%x\r\n%s\r\n" % (len(chunk), chunk)):
        sent += len(chunk)
    exchange.send(b"0\r\n\r\n")
    status, body = exchange.response()
    assert status == 413 and json.loads(body)["error"]["code"] == "request-too-large"
    assert sent < 16 * MB  # cut off soon after the limit (1.1 MB here), not read to the end
    assert stored_files(settings) == []  # no half-written file
    assert not list(server.tmp.rglob("*"))  # nothing left spooled either
    exchange = Exchange(server)
    exchange.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert exchange.response()[0] == 200
