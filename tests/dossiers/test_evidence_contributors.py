"""Only the dossier's contributors add evidence: its assessor, who judges the evidence, never does, even once
the dossier is sent back for more."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.service import issue_api_token
from acquis.config import Settings
from assessors import desk
from tests.support.assessors import assigned, cast
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import evidence
from validation.dossiers import service as validation_service
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.seed import sample_jpeg
from validation.dossiers.status import DossierStatus


def test_an_assessor_cannot_add_evidence_to_the_dossier_they_sent_back_for_more(
        app: FastAPI, client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    """A flagged dossier takes new evidence again; its assessor judges the evidence and must never add any."""
    c = cast(session, settings, users)
    assigned(session, c, c.assessor, AccessPurpose.ASSESS)  # the assignment starts the desk review
    unit = validation_service.units(session, c.dossier.id)[0]
    desk.flag(session, c.dossier.id, reasons={unit.id: "Ajoutez une photo du coffrage."}, by=c.assessor)
    session.commit()
    assert session.get(Dossier, c.dossier.id).status == DossierStatus.FLAGGED
    token = issue_api_token(session, c.assessor, days=1, by=None)
    session.commit()
    photo = {"file": ("coffrage.jpg", sample_jpeg("coffrage"), "image/jpeg")}

    log_in(client, "assessor")
    dossier_page = client.get(f"/dossiers/{c.dossier.id}")
    page = client.post(f"/dossiers/{c.dossier.id}/evidence", data={"kind": "photo_of_work"}, files=photo,
                       headers={"X-CSRF-Token": csrf_from(client.get("/").text)}, follow_redirects=False)
    script = client.post(f"/api/v1/dossiers/{c.dossier.id}/evidence", data={"kind": "photo_of_work"}, files=photo,
                         headers={"Authorization": f"Bearer {token}"})

    assert (page.status_code, script.status_code) == (403, 403), (page.text[:300], script.text[:300])
    assert script.json()["error"]["code"] == "contributors-only"
    assert 'id="evidence"' in dossier_page.text and 'id="add-evidence"' not in dossier_page.text
    assert len(evidence.of_dossier(session, c.dossier.id)) == 1  # the counsellor's photo only
