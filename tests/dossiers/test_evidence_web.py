"""Evidence in the browser: upload, files served only after an access check, verification, duplicates."""

import hashlib

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import bearer, jpeg, make_dossier, publish_framework
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import consents
from validation.dossiers.inputs import ConsentCreate
from validation.dossiers.models import ConsentMethod, ConsentPurpose, Evidence
from validation.dossiers.seed import sample_pdf, sample_wav


def upload_form(client: TestClient, dossier_id: int, data: bytes, name: str, **fields: str) -> httpx.Response:
    token = csrf_from(client.get(f"/dossiers/{dossier_id}/evidence/new").text)
    return client.post(f"/dossiers/{dossier_id}/evidence", files={"file": (name, data, "application/octet-stream")},
                       data={"kind": "photo_of_work", "description": "", "csrf_token": token, **fields},
                       follow_redirects=False)


def test_uploaded_files_are_served_only_through_the_checking_view(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    users(Role.COUNSELLOR, login="other")
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    log_in(client, "counsellor")
    response = upload_form(client, dossier.id, jpeg(5, size=(800, 600)), "chantier.jpg",
                           description="Mur à Riyad", country="SA", issuer="Al-Bina")
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Preuve reçue" in page.text and hashlib.sha256(jpeg(5, size=(800, 600))).hexdigest() in page.text
    item_id = int(response.headers["location"].split("/evidence/")[1].split("?")[0])
    served = client.get(f"/evidence/{item_id}/file")
    assert served.content == jpeg(5, size=(800, 600)) and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    thumbnail = client.get(f"/evidence/{item_id}/thumbnail")
    assert thumbnail.headers["content-type"] == "image/jpeg" and len(thumbnail.content) < len(served.content)
    assert client.get("/static/../files/objects").status_code == 404

    client.cookies.clear()
    log_in(client, "other")
    for url in (f"/evidence/{item_id}", f"/evidence/{item_id}/file", f"/evidence/{item_id}/thumbnail"):
        assert client.get(url).status_code == 404, url


def test_a_refused_web_upload_says_why_and_keeps_the_form(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    log_in(client, "counsellor")
    response = upload_form(client, dossier.id, b"<svg onload=alert(1)>", "x.jpg", description="Ma photo")
    assert response.status_code == 415 and 'id="upload-error"' in response.text and "Ma photo" in response.text


def test_pdfs_download_and_oral_narratives_get_the_counsellor_summary(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    log_in(client, "counsellor")
    pdf = upload_form(client, dossier.id, sample_pdf("Contrat"), "contrat.pdf", kind="contract")
    assert pdf.status_code == 303
    pdf_id = int(pdf.headers["location"].split("/evidence/")[1].split("?")[0])
    assert client.get(f"/evidence/{pdf_id}/file").headers["content-disposition"].startswith("attachment")
    audio = upload_form(client, dossier.id, sample_wav(3), "recit.wav", kind="oral_narrative",
                        summary="A travaillé 4 ans comme coffreur à Riyad.")
    audio_id = int(audio.headers["location"].split("/evidence/")[1].split("?")[0])
    page = client.get(f"/evidence/{audio_id}").text
    assert "<audio" in page and "A travaillé 4 ans comme coffreur à Riyad." in page


def test_staff_verify_evidence_only_with_the_consent_to_contact_third_parties(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    upload = client.post(f"/api/v1/dossiers/{dossier.id}/evidence", headers=bearer(session, counsellor),
                         files={"file": ("a.jpg", jpeg(), "image/jpeg")}, data={"kind": "payslip"}).json()
    log_in(client, "counsellor")
    url = f"/evidence/{upload['id']}"
    token = csrf_from(client.get(url).text)
    refused = client.post(f"{url}/verification", data={"verification": "verified", "csrf_token": token})
    assert refused.status_code == 409 and "Contacter mes employeurs" in refused.text
    suspect = client.post(f"{url}/verification", data={"verification": "suspect", "note": "Cachet flou",
                                                       "csrf_token": token}, follow_redirects=False)
    assert suspect.status_code == 303
    consents.record(session, dossier.candidate_id, ConsentCreate(purpose=ConsentPurpose.CONTACT_THIRD_PARTIES,
                                                                 method=ConsentMethod.ORAL), by=counsellor)
    session.commit()
    client.post(f"{url}/verification", data={"verification": "verified", "note": "Appel RH", "csrf_token": token})
    session.expire_all()
    assert session.get(Evidence, upload["id"]).verification.value == "verified"


def test_the_same_file_in_two_candidates_dossiers_is_flagged_for_the_registrar_only(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor, registrar = users(Role.COUNSELLOR), users(Role.REGISTRAR)
    framework = publish_framework(session)
    first = make_dossier(session, settings, by=counsellor, framework=framework)
    second = make_dossier(session, settings, by=counsellor, framework=framework, phone="76 11 11 11",
                          id_number="CC1234567", given_names="Awa")
    headers = bearer(session, counsellor)
    for dossier in (first, second):
        response = client.post(f"/api/v1/dossiers/{dossier.id}/evidence", headers=headers,
                               files={"file": ("a.jpg", jpeg(9), "image/jpeg")}, data={"kind": "payslip"})
        assert response.status_code == 201
    body = response.json()
    assert body["duplicate_of"] is None and body["duplicate_elsewhere"] is None
    as_registrar = client.get(f"/api/v1/dossiers/{second.id}/evidence", headers=bearer(session, registrar)).json()
    assert as_registrar[0]["duplicate_elsewhere"] is True
    log_in(client, "registrar")
    assert "Mêmes fichiers chez plusieurs candidats" in client.get("/dossiers").text
