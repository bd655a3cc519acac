"""The evidence JSON API: hostile uploads refused with a JSON error and no file left, good ones stored once."""

import hashlib

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import bearer, jpeg, make_dossier, publish_framework, stored_files
from tests.support.web import UserFactory, log_in
from validation.dossiers.models import Evidence

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/dossiers')</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"This program cannot be run in DOS mode"


@pytest.fixture
def setup(session: Session, settings: Settings, users: UserFactory) -> dict[str, object]:
    counsellor = users(Role.COUNSELLOR)
    framework = publish_framework(session)
    dossier = make_dossier(session, settings, by=counsellor, framework=framework)
    return {"dossier": dossier, "headers": bearer(session, counsellor), "counsellor": counsellor}


def upload(client: TestClient, dossier_id: int, headers: dict[str, str], data: bytes, name: str,
           content_type: str = "image/jpeg", kind: str = "photo_of_work") -> httpx.Response:
    return client.post(f"/api/v1/dossiers/{dossier_id}/evidence", headers=headers,
                       files={"file": (name, data, content_type)},
                       data={"kind": kind, "description": "Mur en blocs à Riyad"})


HOSTILE = [
    ("26 MB", b"\xff\xd8\xff\xe0" + b"\x00" * (26 * 1024 * 1024), "big.jpg", "image/jpeg", 413),
    ("executable named .jpg", EXE, "photo.jpg", "image/jpeg", 415),
    ("SVG with a script", SVG, "logo.svg", "image/svg+xml", 415),
    ("SVG named .png", SVG, "logo.png", "image/png", 415),
    ("HTML with a script", HTML, "page.html", "text/html", 415),
    ("empty file", b"", "empty.jpg", "image/jpeg", 422),
    ("traversal file name", jpeg(), "../../../etc/passwd.jpg", "image/jpeg", 422),
    ("backslash traversal", jpeg(), "..\\..\\boot.jpg", "image/jpeg", 422),
    ("truncated JPEG", jpeg()[:40], "cut.jpg", "image/jpeg", 422),
]


@pytest.mark.parametrize(("case", "data", "name", "content_type", "status"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_upload_gets_a_json_error_and_leaves_no_file(client: TestClient, session: Session,
                                                             settings: Settings, setup: dict, case: str,
                                                             data: bytes, name: str, content_type: str,
                                                             status: int) -> None:
    response = upload(client, setup["dossier"].id, setup["headers"], data, name, content_type)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"]
    assert stored_files(settings) == []
    assert session.exec(select(Evidence)).all() == []


def test_good_jpeg_is_stored_once_under_its_sha256_and_again_is_a_duplicate(
        client: TestClient, session: Session, settings: Settings, setup: dict) -> None:
    data = jpeg(7)
    first = upload(client, setup["dossier"].id, setup["headers"], data, "mur.jpg")
    assert first.status_code == 201, first.text
    body = first.json()
    digest = hashlib.sha256(data).hexdigest()
    assert body["sha256"] == digest and body["size"] == len(data) and body["media_type"] == "image/jpeg"
    assert body["duplicate_of"] is None
    assert set(body) >= {"id", "sha256", "size", "media_type", "duplicate_of"}
    assert stored_files(settings) == [settings.data_dir / "files" / "objects" / digest[:2] / digest[2:]]

    again = upload(client, setup["dossier"].id, setup["headers"], data, "mur-encore.jpg")
    assert again.status_code == 201 and again.json()["duplicate_of"] == body["id"]
    assert again.json()["sha256"] == digest
    assert len(stored_files(settings)) == 1  # the same bytes are not stored twice

    listed = client.get(f"/api/v1/dossiers/{setup['dossier'].id}/evidence", headers=setup["headers"]).json()
    assert [item["sha256"] for item in listed] == [digest, digest]
    assert listed[0]["original_name"] == "mur.jpg"


def test_declared_type_and_name_do_not_decide_the_type(client: TestClient, setup: dict) -> None:
    response = upload(client, setup["dossier"].id, setup["headers"], jpeg(), "scan.pdf", "application/pdf")
    assert response.status_code == 201 and response.json()["media_type"] == "image/jpeg"


def test_assessor_without_assignment_gets_404_like_a_missing_dossier(
        client: TestClient, session: Session, users: UserFactory, setup: dict) -> None:
    assessor = bearer(session, users(Role.ASSESSOR))
    dossier_id = setup["dossier"].id
    seen = client.get(f"/api/v1/dossiers/{dossier_id}/evidence", headers=assessor)
    missing = client.get("/api/v1/dossiers/999999/evidence", headers=assessor)
    assert seen.status_code == missing.status_code == 404
    assert seen.json() == missing.json()
    posted = upload(client, dossier_id, assessor, jpeg(), "x.jpg")
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "not-found"
    assert client.get("/api/v1/dossiers", headers=assessor).json() == []


def test_dossier_list_shows_what_each_caller_may_see(client: TestClient, session: Session, settings: Settings,
                                                      users: UserFactory, setup: dict) -> None:
    other = users(Role.COUNSELLOR, login="other")
    registrar = bearer(session, users(Role.REGISTRAR))
    expected = {"id": setup["dossier"].id, "candidate_name": "Seydou Konaté", "framework_code": "DEMO-MAC-01",
                "status": "draft"}
    assert client.get("/api/v1/dossiers", headers=setup["headers"]).json() == [expected]
    assert client.get("/api/v1/dossiers", headers=registrar).json() == [expected]
    assert client.get("/api/v1/dossiers", headers=bearer(session, other)).json() == []


def test_browser_session_needs_the_csrf_header_to_upload(client: TestClient, setup: dict) -> None:
    log_in(client, "counsellor")
    url = f"/api/v1/dossiers/{setup['dossier'].id}/evidence"
    files = {"file": ("a.jpg", jpeg(), "image/jpeg")}
    refused = client.post(url, files=files, data={"kind": "photo_of_work"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf-failed"


def test_the_size_limit_comes_from_the_settings(app: FastAPI, client: TestClient, settings: Settings,
                                                 setup: dict) -> None:
    app.state.settings = settings.model_copy(update={"evidence_max_bytes": 500})
    response = upload(client, setup["dossier"].id, setup["headers"], jpeg(3, size=(200, 200)), "big.jpg")
    assert response.status_code == 413 and response.json()["error"]["code"] == "too-large"
    assert stored_files(settings) == []
