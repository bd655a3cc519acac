"""The demo seed: one candidate per state, work in Saudi Arabia, Côte d'Ivoire and France, real files."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.config import Settings
from tests.support.dossiers import bearer, jpeg, publish_framework, stored_files
from tests.support.web import UserFactory
from validation.dossiers import seed
from validation.dossiers.models import Dossier, Evidence, WorkExperience
from validation.dossiers.status import DossierStatus


def test_demo_has_one_dossier_per_state_and_seeds_once(app: FastAPI, client: TestClient, session: Session,
                                                        settings: Settings, users: UserFactory) -> None:
    for role in (Role.COUNSELLOR, Role.REGISTRAR, Role.CANDIDATE):
        users(role)
    assert seed.seed_demo(session, settings, store=app.state.store) == []  # no published framework yet
    publish_framework(session)
    seeded = seed.seed_demo(session, settings, store=app.state.store)
    session.commit()
    assert seed.seed_demo(session, settings, store=app.state.store) == []
    states = [dossier.status for dossier in session.exec(select(Dossier).order_by(col(Dossier.id)))]
    assert len(seeded) == len(states) == len(set(states)) == 12
    assert {DossierStatus.DRAFT, DossierStatus.LAPSED, DossierStatus.FLAGGED, DossierStatus.WITHDRAWN} <= set(states)
    assert {job.country for job in session.exec(select(WorkExperience))} == {"SA", "CI", "FR"}
    items = session.exec(select(Evidence)).all()
    assert len(items) == 33 and len(stored_files(settings)) == 33
    assert audit.verify(session) is None

    # The demo candidate account has its own dossier, open to new evidence.
    candidate = bearer(session, session.exec(select(User).where(User.login == "candidate")).one())
    mine = client.get("/api/v1/dossiers", headers=candidate).json()
    assert [d["status"] for d in mine] == ["portfolio_in_progress"]
    added = client.post(f"/api/v1/dossiers/{mine[0]['id']}/evidence", headers=candidate,
                        files={"file": ("a.jpg", jpeg(42), "image/jpeg")}, data={"kind": "photo_of_work"})
    assert added.status_code == 201
