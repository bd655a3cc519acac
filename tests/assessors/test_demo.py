"""The demo seed: two accredited assessors, dossiers in scoring, moderation and jury, and three decisions
(full, partial for the demo candidate, none), seeded once, every step in the audit chain."""

from datetime import date

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis import audit
from acquis.auth.models import Role, User
from acquis.config import Settings
from assessors import jury, registry
from assessors import seed as assessor_seed
from assessors.models import JuryDecision
from tests.support.dossiers import publish_framework
from tests.support.web import UserFactory, log_in
from validation.dossiers import seed as dossier_seed
from validation.dossiers.models import Candidate
from validation.dossiers.status import DossierStatus


def test_demo_seeds_every_assessment_state_once(app: FastAPI, client: TestClient, session: Session,
                                                 settings: Settings, users: UserFactory) -> None:
    for login, role in (("admin", Role.ADMIN), ("registrar", Role.REGISTRAR), ("counsellor", Role.COUNSELLOR),
                        ("assessor", Role.ASSESSOR), ("assessor2", Role.ASSESSOR), ("candidate", Role.CANDIDATE)):
        users(role, login=login)
    assert assessor_seed.seed_demo(session, settings, store=app.state.store) == []  # no framework yet
    publish_framework(session)
    publish_framework(session, "DEMO-ELB-01")
    dossier_seed.seed_demo(session, settings, store=app.state.store)
    seeded = assessor_seed.seed_demo(session, settings, store=app.state.store)
    session.commit()
    assert assessor_seed.seed_demo(session, settings, store=app.state.store) == []

    assert [d.status for d in seeded] == [DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.MODERATION,
                                          DossierStatus.JURY, DossierStatus.DECIDED, DossierStatus.DECIDED,
                                          DossierStatus.DECIDED]
    outcomes = [jury.latest(session, d.id).outcome.value for d in seeded[3:]]
    assert outcomes == ["full", "partial", "none"]
    for login in ("assessor", "assessor2"):
        user = session.exec(select(User).where(User.login == login)).one()
        assert registry.is_accredited(session, user.id, "DEMO-MAC-01", on=date.today())
    assert audit.verify(session) is None
    assert len(session.exec(select(JuryDecision)).all()) == 3

    # The demo candidate sees their partial decision (electrician) with its gap plan.
    candidate = session.exec(select(User).where(User.login == "candidate")).one()
    partial = seeded[4]
    assert session.exec(select(Candidate).where(Candidate.user_id == candidate.id)).one().id == partial.candidate_id
    log_in(client, "candidate")
    portal = client.get(f"/portal/dossiers/{partial.id}/assessment")
    assert 'data-outcome="partial"' in portal.text and 'id="gap-plan"' in portal.text
    assert 'data-unit="ELB-U1"' in portal.text.split('id="gap-plan"')[1]
