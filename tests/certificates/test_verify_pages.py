"""What an employer sees when scanning the QR, typing the number, uploading a file or calling the API."""

import io
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, col, select

from acquis import qr
from acquis.config import Settings
from certificates import online_verification, service
from certificates.models import VerificationLog
from tests.support.certificates import issued, tampered


def verdict_of(page: str) -> str:
    match = re.search(r'id="verdict"[^>]*data-verdict="([^"]+)"', page)
    assert match, "the page has no verdict element"
    return match.group(1)


def path_of(qr_text: str) -> str:
    return "/V/" + qr_text.rpartition("/V/")[2]


def test_scanned_certificate_reads_valid_in_green_with_holder_and_units(client: TestClient, session: Session,
                                                                         settings: Settings) -> None:
    cert = issued(session, settings)
    page = client.get(path_of(cert.qr_text))
    assert page.status_code == 200
    assert verdict_of(page.text) == "valid"
    assert "verdict-ok" in page.text and "Certificat valable" in page.text
    assert "Aminata Kouyaté Traoré Sy" in page.text and "9 mars 1968" in page.text
    assert "Comparez avec la pièce d’identité" in page.text
    assert "Maçon ou maçonne du bâtiment" in page.text
    assert "Monter un mur en blocs de béton" in page.text and "Travailler en sécurité" not in page.text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    weight = len(page.content) + sum(len(client.get(asset).content) for asset in assets)
    assert weight < 50 * 1024, "the verify page with everything it loads must stay light for old phones"
    assert not any(asset.endswith(".js") for asset in assets)  # no JavaScript needed
    assert "<script>" not in page.text and " style=" not in page.text
    assert "employer_attestation" not in page.text  # evidence never shown


def test_lower_case_url_and_english_page(client: TestClient, session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    page = client.get("/v/" + cert.qr_text.rpartition("/V/")[2].lower(), headers={"Accept-Language": "en"})
    assert verdict_of(page.text) == "valid"
    assert "Valid certificate" in page.text and "Building bricklayer" in page.text
    assert "Compare with the person’s ID card" in page.text


def test_one_changed_character_reads_invalid_and_shows_nothing_of_the_certificate(
        client: TestClient, session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    page = client.get(path_of(tampered(cert.qr_text)))
    assert verdict_of(page.text) in {"invalid", "malformed"}
    assert verdict_of(page.text) == "invalid"
    assert "verdict-bad" in page.text
    assert "Aminata" not in page.text and "1968" not in page.text and cert.number not in page.text


def test_garbage_reads_malformed(client: TestClient) -> None:
    page = client.get("/V/NOT-A-SEAL")
    assert verdict_of(page.text) == "malformed" and "verdict-bad" in page.text


def test_revoked_certificate_reads_revoked_on_the_page_and_the_api(client: TestClient, session: Session,
                                                                   settings: Settings) -> None:
    cert = issued(session, settings)
    service.revoke(session, cert.number, reason="fraude avérée", by=None, settings=settings)
    session.commit()
    page = client.get(path_of(cert.qr_text))
    assert verdict_of(page.text) == "revoked" and "Certificat révoqué" in page.text
    assert "fraude" not in page.text  # the reason is for the audit log, not the public
    api = client.post("/api/v1/verify", json={"qr": cert.qr_text})
    assert api.status_code == 200
    body = api.json()
    assert body["verdict"] == "revoked"
    assert body["checks"] == {"signature": True, "issuer_key": True, "revocation": False, "expiry": True}


def test_api_verifies_a_qr_text_without_any_account_or_cookie(app: FastAPI, session: Session,
                                                               settings: Settings) -> None:
    cert = issued(session, settings)
    with TestClient(app) as fresh:
        response = fresh.post("/api/v1/verify", json={"qr": cert.qr_text})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "valid"
    assert body["checks"] == {"signature": True, "issuer_key": True, "revocation": True, "expiry": True}
    shown = body["certificate"]
    assert shown["number"] == cert.number and shown["holder_name"] == "Aminata Kouyaté Traoré Sy"
    assert shown["birth_date"] == "1968-03-09" and shown["units"] == [0, 1, 2, 4]
    assert shown["qualification_title"] == {"fr": "Maçon ou maçonne du bâtiment", "en": "Building bricklayer"}
    assert body["checked_at"].endswith("Z")


def test_api_by_number_tolerates_typing_and_a_wrong_number_reveals_nothing(client: TestClient, session: Session,
                                                                           settings: Settings) -> None:
    cert = issued(session, settings)
    typed = cert.number.lower().replace("-", " ")
    assert client.post("/api/v1/verify", json={"number": typed}).json()["verdict"] == "valid"
    wrong = client.post("/api/v1/verify", json={"number": cert.number[:-1] + ("0" if cert.number[-1] != "0" else "1")})
    assert wrong.json() == {"verdict": "not-found", "checks": {"signature": None, "issuer_key": None,
                            "revocation": None, "expiry": None}, "checked_at": wrong.json()["checked_at"]}
    bad = client.post("/api/v1/verify", json={"nothing": 1})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "verify-request-invalid"


def test_verify_page_by_number(client: TestClient, session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    page = client.get("/verify", params={"number": cert.number})
    assert verdict_of(page.text) == "valid" and "Aminata Kouyaté Traoré Sy" in page.text
    unknown = client.get("/verify", params={"number": "ML-ANPE-2025-0000-0000-0000"})
    assert verdict_of(unknown.text) == "not-found" and "Aminata" not in unknown.text


def test_lookups_by_number_are_rate_limited_per_client(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(online_verification, "NUMBER_LOOKUPS", 3)
    statuses = [client.get("/verify", params={"number": f"ML-ANPE-2025-0000-0000-000{i}"}).status_code
                for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    api = client.post("/api/v1/verify", json={"number": "ML-ANPE-2025-0000-0000-0000"})
    assert api.status_code == 429 and api.json()["error"]["code"] == "too-many-lookups"


def test_photo_of_the_qr_uploaded_on_the_page_and_the_api(client: TestClient, session: Session,
                                                          settings: Settings) -> None:
    cert = issued(session, settings)
    photo = qr.qr_png(cert.qr_text, box_size=6)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text).group(1)
    page = client.post("/verify", data={"csrf_token": token}, files={"file": ("photo.png", photo, "image/png")})
    assert page.status_code == 200 and verdict_of(page.text) == "valid"
    # As a JPEG from a phone, slightly blurred by compression.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo)).convert("RGB").save(buffer, format="JPEG", quality=60)
    api = client.post("/api/v1/verify", files={"file": ("photo.jpg", buffer.getvalue(), "image/jpeg")})
    assert api.json()["verdict"] == "valid"


def test_uploading_something_else_says_what_to_send(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/verify").text).group(1)
    page = client.post("/verify", data={"csrf_token": token}, files={"file": ("x.txt", b"hello", "text/plain")})
    assert page.status_code == 422 and "PDF" in page.text
    blank = Image.new("L", (200, 200), 255)
    buffer = io.BytesIO()
    blank.save(buffer, format="PNG")
    api = client.post("/api/v1/verify", files={"file": ("blank.png", buffer.getvalue(), "image/png")})
    assert api.status_code == 422 and api.json()["error"]["code"] == "no-qr-code"


def test_every_verification_is_logged_without_the_client_address(client: TestClient, session: Session,
                                                                 settings: Settings) -> None:
    cert = issued(session, settings)
    client.get(path_of(cert.qr_text))
    client.post("/api/v1/verify", json={"qr": tampered(cert.qr_text)})
    rows = session.exec(select(VerificationLog).order_by(col(VerificationLog.id))).all()
    assert [(row.channel, row.verdict) for row in rows] == [("page", "valid"), ("api", "invalid")]
    assert all(row.client_hash and "testclient" not in row.client_hash for row in rows)
