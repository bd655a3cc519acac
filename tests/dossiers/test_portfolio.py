"""Submitting the portfolio freezes a hashed manifest; later uploads cannot change it."""

import hashlib
import json
import re

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session

from acquis.auth.models import Role, User
from acquis.config import Settings
from tests.support.dossiers import bearer, jpeg, make_dossier, publish_framework
from tests.support.web import UserFactory, csrf_from, log_in
from validation.dossiers import service
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus


def admitted(session: Session, settings: Settings, users: UserFactory) -> tuple[Dossier, User, User]:
    counsellor, registrar = users(Role.COUNSELLOR), users(Role.REGISTRAR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    for target, by in ((DossierStatus.SUBMITTED, counsellor), (DossierStatus.INTAKE_REVIEW, registrar)):
        service.move(session, dossier.id, target, by=by)
    service.transition(session, dossier, DossierStatus.ADMISSIBLE, by=registrar)
    service.move(session, dossier.id, DossierStatus.PORTFOLIO_IN_PROGRESS, by=counsellor)
    session.commit()
    return dossier, counsellor, registrar


def upload(client: TestClient, dossier_id: int, headers: dict, data: bytes, unit_ids: list[int] | None = None):
    return client.post(f"/api/v1/dossiers/{dossier_id}/evidence", headers=headers,
                       files={"file": ("p.jpg", data, "image/jpeg")},
                       data={"kind": "photo_of_work", "unit_ids": [str(u) for u in unit_ids or []]})


def submit(client: TestClient, dossier_id: int) -> httpx.Response:
    token = csrf_from(client.get(f"/dossiers/{dossier_id}").text)
    return client.post(f"/dossiers/{dossier_id}/portfolio", data={"csrf_token": token}, follow_redirects=False)


def test_the_frozen_manifest_is_hashed_shown_and_not_changed_by_later_uploads(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    dossier, counsellor, registrar = admitted(session, settings, users)
    headers = bearer(session, counsellor)
    unit = service.units(session, dossier.id)[2]
    first = upload(client, dossier.id, headers, jpeg(1), [unit.id]).json()
    upload(client, dossier.id, headers, jpeg(2))
    log_in(client, "counsellor")
    assert submit(client, dossier.id).status_code == 303
    page = client.get(f"/dossiers/{dossier.id}").text
    session.expire_all()
    snapshot = service.history(session, dossier.id)[-1].detail["manifest_sha256"]
    assert snapshot in page and "Portfolio déposé" in page
    manifest_link = re.search(r"/snapshots/(\d+\.json)", page).group(1)
    manifest = client.get(f"/snapshots/{manifest_link}")
    assert hashlib.sha256(manifest.content).hexdigest() == snapshot
    document = json.loads(manifest.content)
    assert [item["sha256"] for item in document["evidence"]] == [first["sha256"], hashlib.sha256(jpeg(2)).hexdigest()]
    assert document["evidence"][0]["units"] == [unit.code]
    assert document["framework"] == {"code": "DEMO-MAC-01", "version": 1}

    late = upload(client, dossier.id, headers, jpeg(3))
    assert late.status_code == 409 and late.json()["error"]["code"] == "portfolio-frozen"
    assert hashlib.sha256(client.get(f"/snapshots/{manifest_link}").content).hexdigest() == snapshot

    # More evidence asked for: a new snapshot on resubmission, the first one kept as it was.
    service.move(session, dossier.id, DossierStatus.DESK_REVIEW, by=registrar)
    service.move(session, dossier.id, DossierStatus.FLAGGED, by=registrar, reason="Photo du coffrage")
    session.commit()
    assert upload(client, dossier.id, headers, jpeg(3)).status_code == 201
    assert submit(client, dossier.id).status_code == 303
    page = client.get(f"/dossiers/{dossier.id}").text
    assert page.count("/snapshots/") == 2 and snapshot in page
    assert hashlib.sha256(client.get(f"/snapshots/{manifest_link}").content).hexdigest() == snapshot


def test_an_empty_portfolio_is_not_submitted(client: TestClient, session: Session, settings: Settings,
                                             users: UserFactory) -> None:
    dossier, _counsellor, _registrar = admitted(session, settings, users)
    log_in(client, "counsellor")
    response = submit(client, dossier.id)
    assert response.status_code == 409 and "au moins une preuve" in response.text
