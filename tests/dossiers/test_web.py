"""Counsellor and registrar pages: register a candidate, consent, jobs abroad, dossier, admissibility."""

import hashlib
import re

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import candidate_data, jpeg, make_dossier, publish_framework
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import candidates
from validation.dossiers.models import Candidate, Consent, Dossier, StatusChange
from validation.dossiers.status import DossierStatus

REGISTRATION = {
    "family_name": "Diarra", "given_names": "Awa", "usual_name": "", "sex": "female", "birth_date": "1990-03-05",
    "nationality": "ML", "id_document_type": "passport", "id_number": "B 0987654", "identity_seen": "on",
    "phone": "76 00 11 22", "email": "", "preferred_language": "fr", "region": "Kayes", "commune": "Nioro",
}


def post(client: TestClient, url: str, data: dict, page: str, files: dict | None = None) -> httpx.Response:
    token = csrf_from(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, files=files, follow_redirects=False)


def register(client: TestClient) -> tuple[int, str]:
    response = post(client, "/candidates", REGISTRATION, "/candidates/new")
    assert response.status_code == 201, response.text
    password = re.search(r'id="slip-password">(\d+)<', response.text).group(1)
    candidate_id = int(re.search(r"/candidates/(\d+)\"", response.text).group(1))
    return candidate_id, password


def test_counsellor_registers_a_candidate_and_prints_a_one_time_password_slip(
        client: TestClient, session: Session, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    log_in(client, "counsellor")
    candidate_id, password = register(client)
    assert len(password) == 10
    candidate = session.get(Candidate, candidate_id)
    assert candidate.phone == "+22376001122" and candidate.id_number_last4 == "7654"
    assert "0987654" not in candidate.id_number_encrypted
    page = client.get(f"/candidates/{candidate_id}").text
    assert "···7654" in page and "0987654" not in page and "B 0987654" not in page
    # The slip's password opens the candidate's account, which asks for a new password first.
    with TestClient(client.app) as phone:
        log_in(phone, "+22376001122", password)
        assert phone.get("/portal", follow_redirects=False).headers["location"].endswith("/portal/password")
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "candidate.registered")).all()
    assert len(events) == 1 and "76001122" not in str(events[0].detail)


def test_the_same_id_number_cannot_be_registered_twice_and_is_found_by_exact_match(
        client: TestClient, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    log_in(client, "counsellor")
    register(client)
    again = post(client, "/candidates", {**REGISTRATION, "phone": "76 99 88 77", "id_number": "b-0987654"},
                 "/candidates/new")
    assert again.status_code == 409 and "déjà inscrite" in again.text
    assert "Awa DIARRA" in client.get("/candidates?id_number=b 0987654").text
    assert "Awa DIARRA" not in client.get("/candidates?id_number=B0987655").text


def test_counsellor_builds_the_dossier_and_the_registrar_declares_it_admissible(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    users(Role.REGISTRAR)
    framework = publish_framework(session)
    log_in(client, "counsellor")
    candidate_id, _ = register(client)
    page = f"/candidates/{candidate_id}"
    # Nothing is processed without consent: the dossier cannot be opened yet.
    refused = post(client, f"/candidates/{candidate_id}/dossiers", {"framework_id": str(framework.id)}, page)
    assert refused.status_code == 409 and "Accord du candidat manquant" in refused.text
    assert post(client, f"{page}/consents", {"purpose": "processing", "method": "oral", "language": "bm"},
                page).status_code == 303
    for country, start, end in (("SA", "2015-01-01", "2018-12-31"), ("CI", "2019-03-01", "2021-06-30")):
        added = post(client, f"{page}/work", {"country": country, "city": "Riyad", "employer": "Al-Bina",
                                              "job_title": "Maçon", "start_date": start, "end_date": end,
                                              "hours_per_week": "48", "tasks": "Murs", "proof_source": ""}, page)
        assert added.status_code == 303, added.text
    shown = client.get(page).text
    assert "Arabie saoudite" in shown and "Côte d’Ivoire" in shown and "Expérience totale : 76 mois" in shown
    created = post(client, f"/candidates/{candidate_id}/dossiers", {"framework_id": str(framework.id)}, page)
    dossier_url = created.headers["location"]
    dossier_id = int(dossier_url.rsplit("/", 1)[1])
    for kind, data in (("photo_of_work", jpeg(1)), ("payslip", jpeg(2)), ("contract", jpeg(3))):
        uploaded = post(client, f"/dossiers/{dossier_id}/evidence", {"kind": kind, "description": kind},
                        f"/dossiers/{dossier_id}/evidence/new", files={"file": ("x.jpg", data, "image/jpeg")})
        assert uploaded.status_code == 303, uploaded.text
    assert post(client, f"/dossiers/{dossier_id}/move", {"to": "submitted"}, dossier_url).status_code == 303

    client.cookies.clear()
    log_in(client, "registrar")
    admissibility = f"/dossiers/{dossier_id}/admissibility"
    assert post(client, f"/dossiers/{dossier_id}/move", {"to": "intake_review"}, admissibility).status_code == 303
    checks = client.get(admissibility).text
    assert checks.count('data-passed="yes"') == 4
    decided = post(client, admissibility, {"decision": "admissible", "reason": ""}, admissibility)
    assert decided.status_code == 303
    assert "Recevable" in client.get(dossier_url).text
    history = session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier_id)
                           .order_by(col(StatusChange.id))).all()
    assert [change.to_status for change in history] == [
        DossierStatus.DRAFT, DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW, DossierStatus.ADMISSIBLE]
    assert [change.actor_kind for change in history] == ["counsellor", "counsellor", "registrar", "registrar"]


def test_registrar_must_list_what_is_missing_and_motivate_a_refusal(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    users(Role.REGISTRAR)
    framework = publish_framework(session)
    dossier = make_dossier(session, settings, by=counsellor, framework=framework, jobs=0)
    log_in(client, "counsellor")
    post(client, f"/dossiers/{dossier.id}/move", {"to": "submitted"}, f"/dossiers/{dossier.id}")
    client.cookies.clear()
    log_in(client, "registrar")
    url = f"/dossiers/{dossier.id}/admissibility"
    post(client, f"/dossiers/{dossier.id}/move", {"to": "intake_review"}, url)
    page = client.get(url).text
    assert 'id="check-work_history" data-passed="no"' in page and 'id="check-experience" data-passed="no"' in page
    admitted = post(client, url, {"decision": "admissible"}, url)
    assert admitted.status_code == 409 and "incomplet" in admitted.text
    refused = post(client, url, {"decision": "not_admissible", "reason": "Métier différent"}, url)
    assert refused.status_code == 422 and "conseil" in refused.text
    incomplete = post(client, url, {"decision": "incomplete", "missing": "work_history",
                                    "missing_other": "Attestation de l'employeur"}, url)
    assert incomplete.status_code == 303
    session.expire_all()
    assert session.get(Dossier, dossier.id).status == DossierStatus.INCOMPLETE
    last = session.exec(select(StatusChange).where(StatusChange.dossier_id == dossier.id)
                        .order_by(col(StatusChange.id).desc())).first()
    assert last.detail["missing"] == ["work_history", "Attestation de l'employeur"]


def test_a_move_the_table_does_not_allow_is_refused_with_a_clear_message(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    framework = publish_framework(session)
    dossier = make_dossier(session, settings, by=counsellor, framework=framework)
    log_in(client, "counsellor")
    url = f"/dossiers/{dossier.id}"
    skipped = post(client, f"{url}/move", {"to": "desk_review"}, url)
    assert skipped.status_code == 409
    assert "Impossible de passer de « Brouillon » à « Examen du portfolio »" in skipped.text
    post(client, f"{url}/move", {"to": "submitted"}, url)
    not_mine = post(client, f"{url}/move", {"to": "intake_review"}, url)
    assert not_mine.status_code == 403 and "Votre rôle ne permet pas" in not_mine.text


def test_pages_of_a_dossier_the_caller_may_not_see_are_404(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    users(Role.COUNSELLOR, login="other")
    users(Role.ASSESSOR)
    framework = publish_framework(session)
    dossier = make_dossier(session, settings, by=counsellor, framework=framework)
    for login in ("other", "assessor"):
        client.cookies.clear()
        log_in(client, login)
        for url in (f"/dossiers/{dossier.id}", f"/candidates/{dossier.candidate_id}",
                    f"/dossiers/{dossier.id}/evidence/new", f"/candidates/{dossier.candidate_id}/export.json"):
            assert client.get(url).status_code == 404, (login, url)


def test_a_signed_paper_consent_is_kept_as_a_checked_scan(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    log_in(client, "counsellor")
    candidate_id, _ = register(client)
    page = f"/candidates/{candidate_id}"
    data = {"purpose": "contact_third_parties", "method": "paper_scan", "language": "fr"}
    without = post(client, f"{page}/consents", data, page)
    assert without.status_code == 422 and "Joignez le scan du formulaire signé" in without.text
    hostile = post(client, f"{page}/consents", data, page, files={"scan": ("scan.svg", b"<svg/>", "image/svg+xml")})
    assert hostile.status_code == 415
    scan = jpeg(21)
    done = post(client, f"{page}/consents", data, page, files={"scan": ("scan.jpg", scan, "image/jpeg")})
    assert done.status_code == 303
    assert 'id="consent-contact_third_parties" data-given="yes"' in client.get(page).text
    given = session.exec(select(Consent).where(Consent.candidate_id == candidate_id)).one()
    assert given.scan_sha256 == hashlib.sha256(scan).hexdigest() and given.text_version == "2026-1"


def test_htmx_gets_the_refusal_inside_the_fragment(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    log_in(client, "counsellor")
    token = csrf_from(client.get(f"/dossiers/{dossier.id}").text)
    response = client.post(f"/dossiers/{dossier.id}/move", data={"to": "flagged", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200  # htmx swaps no 4xx answer
    assert response.text.lstrip().startswith('<section class="card" id="dossier-status"')
    assert 'id="status-error"' in response.text and "Impossible de passer" in response.text


def test_an_office_record_gets_its_login_with_the_first_slip(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    record = candidates.register(session, candidate_data(), by=counsellor, settings=settings, with_account=False)
    session.commit()
    assert record.candidate.user_id is None and record.one_time_password is None
    log_in(client, "counsellor")
    page = f"/candidates/{record.candidate.id}"
    slip = post(client, f"{page}/slip", {}, page)
    password = re.search(r'id="slip-password">(\d+)<', slip.text).group(1)
    with TestClient(client.app) as phone:
        log_in(phone, "+22376123456", password)
        assert phone.get("/portal", follow_redirects=False).headers["location"].endswith("/portal/password")
