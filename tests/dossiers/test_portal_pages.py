"""The candidate portal: where my dossier is, what is still wanted, upload, my consents, my data."""

import json
import re

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import jpeg, make_dossier, publish_framework
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import candidates

NEW_PASSWORD = "mon mot de passe"


def candidate_client(client: TestClient, session: Session, settings: Settings, users: UserFactory,
                     **overrides: object) -> tuple[int, int]:
    """A candidate with a dossier, logged in on `client` with their own password."""
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session), **overrides)
    _candidate, one_time = candidates.new_one_time_password(session, dossier.candidate_id, by=counsellor)
    session.commit()
    log_in(client, "+22376123456", one_time)
    page = client.get("/portal", follow_redirects=True)
    assert "Choisissez votre propre mot de passe" in page.text
    changed = client.post("/portal/password", data={"current": one_time, "new": NEW_PASSWORD, "again": NEW_PASSWORD,
                                                   "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert changed.status_code == 303
    return dossier.id, dossier.candidate_id


def post(client: TestClient, url: str, data: dict, page: str) -> httpx.Response:
    return client.post(url, data={**data, "csrf_token": csrf_from(client.get(page).text)}, follow_redirects=False)


def test_candidate_sees_where_the_dossier_is_and_what_happens_next(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, _ = candidate_client(client, session, settings, users)
    portal = client.get("/portal").text
    assert "Où en est mon dossier" in portal and "Brouillon" in portal
    assert 'aria-current="step"' in portal and "pictograms/register.svg" in portal
    assert "Complétez votre dossier" in portal
    page = client.get(f"/portal/dossiers/{dossier_id}").text
    assert "Les preuves encore attendues" in page and "Photo de mon travail" in page
    english = client.get(f"/portal/dossiers/{dossier_id}?lang=en")
    assert english.headers["content-language"] == "en" and "Where my dossier is" in english.text
    assert "Photo of my work" in english.text
    assert client.get(f"/dossiers/{dossier_id}", follow_redirects=False).headers["location"].endswith(
        f"/portal/dossiers/{dossier_id}")


def test_candidate_uploads_evidence_and_submits_the_dossier(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, _ = candidate_client(client, session, settings, users)
    token = csrf_from(client.get(f"/dossiers/{dossier_id}/evidence/new").text)
    uploaded = client.post(f"/dossiers/{dossier_id}/evidence", follow_redirects=False,
                           data={"kind": "payslip", "description": "Juin", "summary": "not mine to write",
                                 "csrf_token": token},
                           files={"file": ("juin.jpg", jpeg(4), "image/jpeg")})
    assert uploaded.status_code == 303
    item = client.get(uploaded.headers["location"]).text
    assert "Bulletin de salaire" in item and "not mine to write" not in item
    submitted = post(client, f"/dossiers/{dossier_id}/move", {"to": "submitted"}, f"/portal/dossiers/{dossier_id}")
    assert submitted.headers["location"].endswith(f"/portal/dossiers/{dossier_id}")
    page = client.get(f"/portal/dossiers/{dossier_id}").text
    assert "Déposé" in page and "vérifier qu'il est recevable" in page.replace("&#39;", "'")


def test_candidate_gives_and_withdraws_consent_and_nothing_is_processed_without_it(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, _ = candidate_client(client, session, settings, users)
    consents_page = client.get("/portal/consents").text
    assert 'id="consent-statistics" data-given="no"' in consents_page
    assert post(client, "/portal/consents", {"purpose": "statistics"}, "/portal/consents").status_code == 303
    assert 'id="consent-statistics" data-given="yes"' in client.get("/portal/consents").text
    withdraw = re.search(r'id="consent-processing".*?action="[^"]*/consents/(\d+)/withdraw"',
                         client.get("/portal/consents").text, re.S).group(1)
    assert post(client, f"/consents/{withdraw}/withdraw", {}, "/portal/consents").status_code == 303
    token = csrf_from(client.get(f"/dossiers/{dossier_id}/evidence/new").text)
    refused = client.post(f"/dossiers/{dossier_id}/evidence", data={"kind": "payslip", "csrf_token": token},
                          files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    assert refused.status_code == 409 and "Accord du candidat manquant" in refused.text


def test_candidate_downloads_the_whole_dossier_without_the_full_id_number(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier_id, candidate_id = candidate_client(client, session, settings, users)
    exported = client.get(f"/candidates/{candidate_id}/export.json")
    assert exported.headers["content-disposition"].startswith("attachment")
    data = json.loads(exported.content)
    assert data["candidate"]["id_number_last4"] == "4567" and "1234567" not in exported.text
    assert data["work_history"][0]["country"] == "SA" and data["consents"][0]["purpose"] == "processing"
    assert data["dossiers"][0]["id"] == dossier_id and data["dossiers"][0]["framework"]["code"] == "DEMO-MAC-01"
    pdf = client.get(f"/candidates/{candidate_id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_candidates_see_only_their_own_dossier(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    _mine, _ = candidate_client(client, session, settings, users)
    other = make_dossier(session, settings, by=users(Role.COUNSELLOR, login="c2"),
                         framework=publish_framework(session, "DEMO-ELB-01"), phone="76 22 22 22",
                         id_number="XY7654321")
    for url in (f"/portal/dossiers/{other.id}", f"/dossiers/{other.id}", f"/candidates/{other.candidate_id}",
                f"/candidates/{other.candidate_id}/export.json", f"/api/v1/dossiers/{other.id}/evidence"):
        assert client.get(url).status_code == 404, url
    assert [d["id"] for d in client.get("/api/v1/dossiers").json()] == [_mine]


def test_a_candidate_registers_alone_and_opens_a_dossier(
        client: TestClient, session: Session, settings: Settings) -> None:
    framework = publish_framework(session)
    form = client.get("/register").text
    data = {"family_name": "Sow", "given_names": "Adama", "sex": "male", "birth_date": "1992-02-02",
            "nationality": "ML", "id_document_type": "national_id", "id_number": "NINA123456",
            "phone": "+223 66 77 88 99", "preferred_language": "fr", "region": "Mopti", "commune": "Sévaré",
            "password": "adama est rentré", "csrf_token": csrf_from(form)}
    refused = client.post("/register", data=data)
    assert refused.status_code == 409 and "obligatoire" in refused.text
    created = client.post("/register", data={**data, "consent_processing": "on"}, follow_redirects=False)
    assert created.status_code == 303
    log_in(client, "+22366778899", "adama est rentré")
    assert client.get("/portal").status_code == 200
    opened = post(client, "/candidates/1/dossiers", {"framework_id": str(framework.id)}, "/portal/dossiers/new")
    assert opened.status_code == 303 and "/portal/dossiers/" in opened.headers["location"]
