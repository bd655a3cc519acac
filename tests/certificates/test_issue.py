"""Issuing certificates from jury decisions: once per decision, sealed, printed, corrected, revoked."""

import os
import stat
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import utcnow
from certificates import keystore, numbers, service
from certificates.models import Certificate, IssuerKey
from certificates.offline_verification import verify_seal_text
from tests.support.certificates import issue_request, issued, with_key
from tests.support.web import UserFactory, log_in, post_form


def test_issued_certificate_keeps_what_it_attests_with_its_seal_and_pdf(session: Session, settings: Settings,
                                                                         users: UserFactory) -> None:
    registrar = users(Role.REGISTRAR)
    with_key(session, settings)
    cert = service.issue(session, issue_request(), by=registrar, settings=settings)
    session.commit()
    assert cert.number.startswith(settings.issuer_code + "-") and numbers.is_valid(cert.number)
    assert cert.status.value == "issued" and cert.issued_by_id == registrar.id
    assert cert.holder_name == "Aminata Kouyaté Traoré Sy" and cert.isco08 == "7112"
    assert cert.validated_indices() == (0, 1, 2, 4)
    assert cert.qr_text.startswith(settings.public_url.upper() + "/V/")
    assert service.pdf_bytes(cert, store=service.store_for(settings)).startswith(b"%PDF-")
    result = verify_seal_text(cert.qr_text, keystore.trust_list(session, settings=settings), now=utcnow())
    assert result["verdict"] == "valid" and result["certificate"]["units"] == [0, 1, 2, 4]
    actions = session.exec(select(AuditEvent.action)).all()
    assert "certificate.issued" in actions


def test_the_same_decision_is_certified_once(session: Session, settings: Settings) -> None:
    first = issued(session, settings)
    again = service.issue(session, issue_request(holder_name="Someone Else"), by=None, settings=settings)
    session.commit()
    assert again.id == first.id and again.holder_name == first.holder_name
    assert len(session.exec(select(Certificate)).all()) == 1


def test_a_correction_supersedes_the_old_number(session: Session, settings: Settings) -> None:
    old = issued(session, settings, holder_name="Aminata Kouyate")
    new = service.correct(session, old.number, issue_request(holder_name="Aminata Kouyaté Traoré Sy"),
                          reason="nom mal orthographié", by=None, settings=settings)
    session.commit()
    assert new.number != old.number and new.supersedes_id == old.id and new.correction == 1
    session.refresh(old)
    assert old.status.value == "superseded"
    assert service.status_of(session, old.number) == "superseded"
    assert service.issue(session, issue_request(), by=None, settings=settings).number == new.number
    with pytest.raises(service.CertificateSuperseded):
        service.correct(session, old.number, issue_request(), reason="again", by=None, settings=settings)


def test_a_revoked_decision_is_not_issued_again(session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    with pytest.raises(service.ReasonRequired):
        service.revoke(session, cert.number, reason="  ", by=None, settings=settings)
    service.revoke(session, cert.number, reason="fraude", by=None, settings=settings)
    session.commit()
    with pytest.raises(service.CertificateRevoked):
        service.issue(session, issue_request(), by=None, settings=settings)


def test_nothing_is_left_on_disk_when_the_transaction_does_not_commit(app: FastAPI, session: Session,
                                                                     settings: Settings) -> None:
    with_key(session, settings)
    with Session(app.state.engine) as writing:  # a real transaction, as a request or command has
        cert = service.issue(writing, issue_request(), by=None, settings=settings)
        pdf = service.store_for(settings).path_for(cert.pdf_sha256)
        assert pdf.is_file()
        writing.rollback()
    assert not pdf.exists()
    assert session.exec(select(Certificate)).all() == []


def test_bulk_issuance_renders_in_parallel_and_reports_progress(session: Session, settings: Settings) -> None:
    with_key(session, settings)
    requests = [issue_request(decision_ref=f"jury-7/{i}", holder_name=f"Candidat {i} Ŋɔ") for i in range(5)]
    seen: list[tuple[int, int]] = []
    certificates = service.issue_many(session, requests, by=None, settings=settings, workers=2,
                                      progress=lambda done, total: seen.append((done, total)))
    session.commit()
    assert [c.holder_name for c in certificates] == [f"Candidat {i} Ŋɔ" for i in range(5)]
    assert seen[-1] == (5, 5) and len(seen) == 5
    assert len({c.pdf_sha256 for c in certificates}) == 5
    assert all(service.pdf_bytes(c, store=service.store_for(settings)).startswith(b"%PDF-") for c in certificates)


def test_issue_request_refuses_what_a_certificate_cannot_say() -> None:
    bad: dict[str, Any]
    for bad in ({"validated": set()}, {"holder_name": "   "}, {"isco08": "71a2"},
                {"expires_on": date(2025, 1, 1)}):
        with pytest.raises(ValidationError):
            issue_request(**bad)


def test_private_keys_are_encrypted_files_never_in_the_database(session: Session, settings: Settings) -> None:
    row = keystore.generate(session, settings=settings)
    session.commit()
    path = keystore.key_path(settings, row.kid)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()
    columns = set(IssuerKey.model_fields)
    assert not columns & {"private_key", "pem", "secret"}
    with pytest.raises(keystore.PassphraseMissing):
        keystore.signing_key(session, settings=settings.model_copy(update={"key_passphrase": ""}))


def test_rotation_signs_with_the_new_key_and_the_retired_one_still_verifies(session: Session,
                                                                            settings: Settings) -> None:
    old_cert = issued(session, settings)
    new_key = keystore.rotate(session, settings=settings)
    session.commit()
    new_cert = issued(session, settings, decision_ref="after-rotation")
    assert new_cert.kid == new_key.kid != old_cert.kid
    trust = keystore.trust_list(session, settings=settings)
    for cert in (old_cert, new_cert):
        assert verify_seal_text(cert.qr_text, trust, now=utcnow())["verdict"] == "valid"


def test_compromise_invalidates_what_was_signed_since_and_keeps_what_was_before(session: Session,
                                                                                settings: Settings) -> None:
    cert = issued(session, settings)
    trust_now = lambda: keystore.trust_list(session, settings=settings)  # noqa: E731
    keystore.mark_compromised(session, cert.kid, since=utcnow() + timedelta(days=1))
    session.commit()
    assert verify_seal_text(cert.qr_text, trust_now(), now=utcnow())["verdict"] == "valid"
    row = keystore.get(session, cert.kid)
    row.compromised_since = utcnow() - timedelta(days=1)
    session.add(row)
    session.commit()
    result = verify_seal_text(cert.qr_text, trust_now(), now=utcnow())
    assert result["verdict"] == "invalid" and "certificate" not in result
    assert keystore.controller_document(session, settings=settings)["assertionMethod"] == []
    with pytest.raises(keystore.NoSigningKey):
        service.issue(session, issue_request(decision_ref="x"), by=None, settings=settings)


def test_staff_and_the_holder_download_the_pdf_and_others_get_404(client: TestClient, session: Session,
                                                                  settings: Settings, users: UserFactory) -> None:
    holder = users(Role.CANDIDATE, login="aminata")
    users(Role.CANDIDATE, login="other")
    users(Role.COUNSELLOR)
    users(Role.REGISTRAR)
    cert = issued(session, settings, holder_user_id=holder.id)
    for login, expected in (("registrar", 200), ("aminata", 200), ("other", 404), ("counsellor", 404)):
        client.cookies.clear()
        log_in(client, login)
        pdf = client.get(f"/certificates/{cert.number}.pdf")
        credential = client.get(f"/certificates/{cert.number}/credential.json")
        assert (pdf.status_code, credential.status_code) == (expected, expected), login
        if expected == 200:
            assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-type"] == "application/pdf"
            assert credential.json()["credentialSubject"]["identifier"][0]["identityHash"] == cert.holder_name
    client.cookies.clear()
    assert client.get(f"/certificates/{cert.number}.pdf", follow_redirects=False).status_code == 303  # log in first


def test_registrar_revokes_through_the_page_with_a_reason(client: TestClient, session: Session, settings: Settings,
                                                          users: UserFactory) -> None:
    users(Role.REGISTRAR)
    users(Role.ASSESSOR)
    cert = issued(session, settings)
    log_in(client, "assessor")
    refused = post_form(client, f"/certificates/{cert.number}/revoke", {"reason": "x"}, page="/verify")
    assert refused.status_code == 403
    client.cookies.clear()
    log_in(client, "registrar")
    assert cert.number in client.get("/certificates").text
    done = post_form(client, f"/certificates/{cert.number}/revoke", {"reason": "fraude avérée"}, page="/certificates")
    assert done.status_code == 303
    session.expire_all()
    assert service.status_of(session, cert.number) == "revoked"
    page = client.get("/V/" + cert.qr_text.rpartition("/V/")[2])
    assert 'data-verdict="revoked"' in page.text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "certificate.revoked")).one()
    assert event.actor.startswith("registrar#") and event.detail["reason"] == "fraude avérée"
