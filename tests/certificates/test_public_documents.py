"""The issuer's public documents are served by a server holding no private key: status lists and the revocation
list are signed when they change and served as stored, with ETags; only issuing and revoking need the key."""

import json
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.config import Settings
from acquis.main import create_app
from certificates import keystore, multikey, proof, public_documents, revocation, service, status_list
from certificates.models import Certificate, CertificateStatus, PublicDocument, StatusList
from tests.support.certificates import acquis, issued
from tests.support.resilience import serving

JSON_DOCUMENTS = ("/.well-known/acquis/trust-list.json", "/.well-known/acquis/revocations.json", "/issuer")


def bit_of(document: dict, cert: Certificate) -> bool:
    return status_list.get_bit(status_list.decode(document["credentialSubject"]["encodedList"]), cert.status_index)


def test_a_server_without_the_key_passphrase_serves_every_public_document_and_sees_revocations(
        settings: Settings, session: Session) -> None:
    seeded = acquis(settings, "demo", "--seed-only", passphrase="")  # the demo generates its passphrase into a file
    assert seeded.returncode == 0, seeded.stderr
    passphrase = (settings.data_dir / "key_passphrase").read_text().strip()
    standing = session.exec(select(Certificate).where(Certificate.status == CertificateStatus.ISSUED)).first()
    assert standing is not None
    status_path = f"/status/{standing.status_list_id}"
    with serving(settings.model_copy(update={"key_passphrase": ""})) as server:
        assert "ACQUIS_KEY_PASSPHRASE" in server.env and not server.env["ACQUIS_KEY_PASSPHRASE"]
        before = {}
        for path in (*JSON_DOCUMENTS, status_path):
            response = httpx.get(server.url + path, timeout=30)
            assert response.status_code == 200, (path, response.text[:300])
            assert response.headers["etag"] and "max-age" in response.headers["cache-control"], path
            again = httpx.get(server.url + path, headers={"If-None-Match": response.headers["etag"]}, timeout=30)
            assert again.status_code == 304 and again.content == b"", path
            before[path] = response
        assert not bit_of(before[status_path].json(), standing)
        seal_page = httpx.get(server.url + "/V/" + standing.qr_text.rpartition("/V/")[2], timeout=30)
        assert seal_page.status_code == 200 and 'data-verdict="valid"' in seal_page.text
        by_number = httpx.get(server.url + "/verify", params={"number": standing.number}, timeout=30)
        assert by_number.status_code == 200 and 'data-verdict="valid"' in by_number.text
        assert httpx.get(server.url + "/verify", timeout=30).status_code == 200

        revoked = acquis(settings, "certificates", "revoke", standing.number, "--reason", "fraude",
                         passphrase=passphrase)
        assert revoked.returncode == 0, revoked.stderr

        for path in (status_path, "/.well-known/acquis/revocations.json"):
            after = httpx.get(server.url + path, headers={"If-None-Match": before[path].headers["etag"]}, timeout=30)
            assert after.status_code == 200, path  # the old ETag no longer matches: a cache fetches the new list
            assert after.headers["etag"] != before[path].headers["etag"] and after.content != before[path].content
        assert bit_of(httpx.get(server.url + status_path, timeout=30).json(), standing)
        listed = httpx.get(server.url + "/.well-known/acquis/revocations.json", timeout=30).json()
        assert revocation.number_digest(standing.number) in {e["number_sha256"] for e in listed["entries"]}


def test_revoking_without_the_passphrase_is_refused_and_changes_nothing(settings: Settings, session: Session) -> None:
    """Online verifiers would see the revocation but offline ones not: refused whole, like issuing without the key."""
    cert = issued(session, settings)
    with pytest.raises(keystore.PassphraseMissing):
        service.revoke(session, cert.number, reason="fraude", by=None,
                       settings=settings.model_copy(update={"key_passphrase": ""}))
    assert service.status_of(session, cert.number) is None


def test_lists_are_signed_at_issuance_and_served_by_an_app_that_has_no_key(settings: Settings,
                                                                           session: Session) -> None:
    cert = issued(session, settings)
    verify_only = create_app(settings.model_copy(update={"key_passphrase": ""}))
    with TestClient(verify_only) as client:
        document = client.get(f"/status/{cert.status_list_id}")
        assert document.status_code == 200
        issuer = client.get("/issuer").json()["verificationMethod"][0]
        public = multikey.public_key_from_multibase(issuer["publicKeyMultibase"])
        body = document.json()
        assert proof.verify(body, lambda vm: public if vm == issuer["id"] else None).ok
        assert body["validUntil"] > body["validFrom"]
        assert client.get("/.well-known/acquis/revocations.json").json()["entries"] == []
        assert client.get("/status/999").status_code == 404
    verify_only.state.engine.dispose()


def test_refreshing_signs_only_what_is_stale(settings: Settings, session: Session) -> None:
    cert = issued(session, settings)
    path = f"/status/{cert.status_list_id}"
    assert public_documents.refresh_public_documents(session, settings) == []  # nothing changed since issuance
    signed = session.exec(select(PublicDocument).where(PublicDocument.path == path)).one()
    first_etag, valid_until = signed.etag, signed.valid_until
    assert valid_until is not None
    # Near the end of its validity a status list is signed again, the revocation list is not.
    later = valid_until - public_documents.REFRESH_MARGIN + timedelta(hours=1)
    assert public_documents.refresh_public_documents(session, settings, now=later) == [path]
    session.commit()
    signed = session.exec(select(PublicDocument).where(PublicDocument.path == path)).one()
    assert signed.etag != first_etag and signed.valid_until is not None and signed.valid_until > valid_until
    assert json.loads(signed.body)["validFrom"].startswith(later.date().isoformat())


def test_a_key_rotation_signs_the_lists_again_with_the_new_key(settings: Settings, session: Session) -> None:
    cert = issued(session, settings)
    rotated = acquis(settings, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    new_kid = keystore.active_keys(session)[0].kid
    assert new_kid != cert.kid
    for row in session.exec(select(PublicDocument)):
        session.refresh(row)
        assert row.kid == new_kid, row.path
        signed = json.loads(row.body)
        method = signed["proof"]["verificationMethod"] if "proof" in signed else signed["signature"]["kid"]
        assert method.endswith(new_kid), row.path


def test_a_list_never_signed_answers_503_until_published(settings: Settings, session: Session) -> None:
    cert = issued(session, settings)
    for row in session.exec(select(PublicDocument)):
        session.delete(row)
    session.commit()
    verify_only = create_app(settings.model_copy(update={"key_passphrase": ""}))
    with TestClient(verify_only) as client:
        missing = client.get(f"/status/{cert.status_list_id}", headers={"Accept": "application/json"})
        assert missing.status_code == 503 and missing.json()["error"]["code"] == "not-published"
        published = acquis(settings, "certificates", "publish")
        assert published.returncode == 0 and f"signed /status/{cert.status_list_id}" in published.stdout
        assert client.get(f"/status/{cert.status_list_id}").status_code == 200
        assert client.get("/.well-known/acquis/revocations.json").status_code == 200
    verify_only.state.engine.dispose()
    assert session.exec(select(StatusList)).all()


def test_before_any_key_the_revocation_list_is_not_found(client: TestClient) -> None:
    # A fresh install has sealed nothing: "not found", never a server-side failure an outside verifier would retry.
    missing = client.get("/.well-known/acquis/revocations.json", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "nothing-issued-yet"
