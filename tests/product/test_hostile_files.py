"""Hostile files cost a bounded amount: refused with file-too-complex while the server serves everyone else."""

import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis import qr, sandbox
from acquis.auth.models import Role
from acquis.config import Settings, complete
from acquis.storage import Store
from certificates import scanning, service
from tests.support import hostile
from tests.support.certificates import acquis, issued
from tests.support.dossiers import bearer, jpeg, make_dossier, png, publish_framework, stored_files
from tests.support.resilience import PATIENCE, serving, wait_for
from tests.support.web import UserFactory, log_in
from validation.dossiers import media
from validation.dossiers.models import Evidence

BOMBS = {"nested-forms.pdf": hostile.nested_forms, "gigapixel-image.pdf": lambda: hostile.huge_image_pdf(20000),
         "16-bit-bomb.png": hostile.png_bomb}
FAST = 5.0  # seconds: far more than a page takes even on a busy machine, far less than a hostile file took


@pytest.fixture
def sqlite_settings(sqlite_template: str, tmp_path: Path) -> Settings:
    """For a server or a command: what they do with a hostile file does not depend on the database engine."""
    shutil.copyfile(sqlite_template, tmp_path / "acquis.db")
    return complete(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'acquis.db'}",
                             secret_key="test-secret", key_passphrase="test-passphrase"))


def csrf(client: TestClient | httpx.Client) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text)
    assert found, "the verify page has no form"
    return found.group(1)


@pytest.mark.parametrize("name", BOMBS)
def test_hostile_files_get_file_too_complex_on_the_api_and_the_page(client: TestClient, name: str) -> None:
    data = BOMBS[name]()
    assert len(data) < 500_000  # small files: the cost is in what they declare
    kind = "image/png" if name.endswith(".png") else "application/pdf"
    api = client.post("/api/v1/verify", files={"file": (name, data, kind)})
    assert api.status_code == 422, api.text
    assert api.json()["error"]["code"] == "file-too-complex"
    page = client.post("/verify", data={"csrf_token": csrf(client)}, files={"file": (name, data, kind)})
    assert page.status_code == 422
    assert "trop grande" in page.text or "trop de mémoire ou de temps" in page.text


def test_the_issues_gigapixel_pdf_is_refused_undrawn() -> None:
    data = hostile.huge_image_pdf()  # 1.5 MB declaring 40000 × 40000 pixels: 16 s and 2.6 GB when drawn
    assert len(data) < 2_000_000
    started = time.monotonic()
    with pytest.raises(sandbox.FileTooComplex):
        scanning.read_bytes(data)
    assert time.monotonic() - started < PATIENCE


def test_a_too_large_photo_says_how_to_fix_it(client: TestClient) -> None:
    api = client.post("/api/v1/verify", files={"file": ("bomb.png", hostile.png_bomb(), "image/png")})
    error = api.json()["error"]
    assert api.status_code == 422 and error["code"] == "file-too-complex"
    assert "trop grande" in error["message"] and "réduisez-la" in error["message"]


def test_what_a_worker_says_comes_in_the_readers_language(client: TestClient) -> None:
    client.cookies.set("acquis_lang", "en")
    api = client.post("/api/v1/verify", files={"file": ("blank.png", png(), "image/png")})  # no QR code in it
    assert api.json()["error"]["message"].startswith("No readable QR code")


def test_a_legit_certificate_pdf_and_photo_still_verify(client: TestClient, session: Session,
                                                        settings: Settings) -> None:
    cert = issued(session, settings)
    pdf = service.pdf_bytes(cert, store=service.store_for(settings))
    for name, data, kind in (("c.pdf", pdf, "application/pdf"), ("qr.png", qr.qr_png(cert.qr_text), "image/png")):
        api = client.post("/api/v1/verify", files={"file": (name, data, kind)})
        assert api.status_code == 200 and api.json()["verdict"] == "valid", (name, api.text)


def test_the_command_line_refuses_a_hostile_file_with_one_line(tmp_path: Path, sqlite_settings: Settings) -> None:
    bomb = tmp_path / "nested.pdf"
    bomb.write_bytes(hostile.nested_forms())
    result = acquis(sqlite_settings, "verify", str(bomb))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "trop de mémoire ou de temps" in result.stderr


# --- the worker's limits -----------------------------------------------------------------------------------


def bitmap_bytes(data: bytes, scale: float) -> int:
    """In a worker: draw the first page at `scale` with Pdfium (native memory, not Python's)."""
    page = pypdfium2.PdfDocument(data)[0]
    try:
        return len(page.render(scale=scale).buffer)
    except pypdfium2.PdfiumError:
        raise sandbox.FileTooComplex() from None


def test_the_memory_limit_holds_for_pdfium_drawing() -> None:
    page = hostile.link_on_click()  # a plain 612 × 792 pt page
    assert sandbox.run(bitmap_bytes, page, 4.0, seconds=30) == 2448 * 3168 * 3  # 23 MB: allowed
    with pytest.raises(sandbox.FileTooComplex):
        sandbox.run(bitmap_bytes, page, 24.0, seconds=30)  # 840 MB: past the worker's address space


# --- evidence ---------------------------------------------------------------------------------------------


@pytest.fixture
def counsellor_dossier(session: Session, settings: Settings, users: UserFactory) -> dict[str, Any]:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    return {"dossier": dossier, "headers": bearer(session, counsellor), "login": counsellor.login}


def upload(client: TestClient, setup: dict[str, Any], name: str, data: bytes) -> httpx.Response:
    return client.post(f"/api/v1/dossiers/{setup['dossier'].id}/evidence",
                       headers=setup["headers"], files={"file": (name, data, "application/octet-stream")},
                       data={"kind": "photo_of_work", "description": "Mur en blocs"})


def test_a_decompression_bomb_is_refused_as_evidence_with_how_to_fix_it(client: TestClient, session: Session,
                                                                        settings: Settings,
                                                                        counsellor_dossier: dict) -> None:
    response = upload(client, counsellor_dossier, "photo.png", hostile.png_bomb())
    error = response.json()["error"]
    assert response.status_code == 422 and error["code"] == "file-too-complex"
    assert "trop grande" in error["message"] and "réduisez-la" in error["message"]
    assert stored_files(settings) == [] and session.exec(select(Evidence)).all() == []


def test_legit_evidence_is_accepted_with_thumbnails(client: TestClient, counsellor_dossier: dict) -> None:
    log_in(client, counsellor_dossier["login"])
    for name, data in (("photo.jpg", jpeg(size=(1600, 1200))), ("recu.png", png()),
                       ("bulletin.pdf", hostile.link_on_click())):
        response = upload(client, counsellor_dossier, name, data)
        assert response.status_code == 201, (name, response.text)
        if not name.endswith(".pdf"):
            thumbnail = client.get(f"/evidence/{response.json()['id']}/thumbnail")
            assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")


def test_a_bomb_stored_before_the_check_gets_no_thumbnail(tmp_path: Path) -> None:
    store = Store(tmp_path / "files")
    stored = store.put_bytes(hostile.png_bomb())
    with pytest.raises(sandbox.FileTooComplex):
        media.Thumbnails(tmp_path / "files" / "thumbnails", store).path(stored.sha256)


# --- a running server ---------------------------------------------------------------------------------------


def sandbox_workers(server_pid: int) -> list[int]:
    """The sandbox workers a server started (they name it on their command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"acquis.sandbox" in command and str(server_pid).encode() in command:
            found.append(int(entry.name))
    return found


def peak_memory_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) // 1024


def test_a_running_server_answers_others_while_it_reads_hostile_files_and_its_workers_end_with_it(
        sqlite_settings: Settings) -> None:
    with serving(sqlite_settings) as server:
        assert server.process is not None
        answers: dict[str, httpx.Response] = {}

        def send(name: str, data: bytes) -> None:
            with httpx.Client(base_url=server.url, timeout=PATIENCE) as web:
                if name == "page":
                    answers[name] = web.post("/verify", data={"csrf_token": csrf(web)},
                                             files={"file": ("n.pdf", data, "application/pdf")})
                else:
                    answers[name] = web.post("/api/v1/verify", files={"file": ("d.pdf", data, "application/pdf")})

        # Passes every structural check and would draw for minutes: only the worker's limits stop it.
        slow = threading.Thread(target=send, args=("api", hostile.endless_drawing()))
        slow.start()
        wait_for(lambda: sandbox_workers(server.process.pid), what="a worker reads the file")
        for path in ("/healthz", "/verify", "/healthz"):
            started = time.monotonic()
            assert httpx.get(server.url + path, timeout=PATIENCE).status_code == 200
            assert time.monotonic() - started < FAST, f"{path} waited for the hostile file"
        send("page", hostile.nested_forms())
        slow.join(PATIENCE)
        assert answers["api"].status_code == 422 and answers["api"].json()["error"]["code"] == "file-too-complex"
        assert answers["page"].status_code == 422 and "trop de mémoire ou de temps" in answers["page"].text
        assert peak_memory_mb(server.process.pid) < 400

        # Killed outright (out of memory, kill -9), the server takes its workers with it, even one that is busy
        # drawing for seconds more.
        busy = threading.Thread(target=_ignore_errors, args=(send, "api", hostile.endless_drawing()), daemon=True)
        busy.start()
        wait_for(lambda: sandbox_workers(server.process.pid), what="a worker")
        time.sleep(1)  # the file reaches the worker, which starts drawing
        workers = sandbox_workers(server.process.pid)
        os.kill(server.process.pid, 9)
        killed = time.monotonic()
        wait_for(lambda: not any(_alive(pid) for pid in workers), what="the workers end with their server")
        assert time.monotonic() - killed < FAST


def _ignore_errors(function: Callable[..., object], *args: object) -> None:
    with suppress(httpx.HTTPError):  # the server is killed while this waits for its answer
        function(*args)


def _alive(pid: int) -> bool:
    """Not yet ended: a zombie (ended, waiting for its parent to read its status) counts as ended."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
