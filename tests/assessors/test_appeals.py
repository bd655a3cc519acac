"""Flags back to the candidate, the jury's casting vote, appeals within their window and the gap plan."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import appeals, assignment, desk, jury, service, unit_results
from assessors.models import AppealOutcome, ValidatedUnit
from tests.support.assessors import assigned, cast, decided, to_jury, today
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers import portfolio
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose
from validation.dossiers.status import DossierStatus


def test_the_assessor_flags_units_and_the_candidate_reads_why_per_unit(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="candidate")
    c = cast(session, settings, users, account=account)
    assigned(session, c, c.assessor, AccessPurpose.ASSESS)
    units = service.units(session, c.dossier)
    log_in(client, "assessor")
    page = f"/assessments/{c.dossier.id}/portfolio"
    empty = post_form(client, f"/assessments/{c.dossier.id}/flag", {}, page=page)
    assert empty.status_code == 422
    flagged = post_form(client, f"/assessments/{c.dossier.id}/flag",
                        {f"reason-{units[3].id}": "Ajoutez une photo du coffrage."}, page=page)
    assert flagged.status_code == 303
    client.cookies.clear()
    log_in(client, "candidate")
    portal = client.get(f"/portal/dossiers/{c.dossier.id}/assessment").text
    assert 'data-unit="MAC-U4"' in portal and "Ajoutez une photo du coffrage." in portal

    # The candidate adds evidence and submits again; the same assessor takes the dossier up again.
    session.expire_all()
    dossiers.move(session, c.dossier.id, DossierStatus.PORTFOLIO_IN_PROGRESS, by=c.counsellor)
    portfolio.submit(session, c.dossier.id, by=c.counsellor)
    session.commit()
    desk.start_review(session, c.dossier.id, by=c.assessor)
    session.commit()
    assert desk.open_flags(session, c.dossier) == []


def test_on_a_tie_the_presidents_vote_decides(session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    to_jury(session, settings, c)
    assigned(session, c, c.moderator, AccessPurpose.JURY)
    assigned(session, c, c.registrar, AccessPurpose.JURY, president=True)
    found = unit_results.results(session, c.dossier.id)
    first = service.units(session, c.dossier)[0].id
    yes = {unit_id: True for unit_id in found}
    jury.vote(session, c.dossier.id, choices=yes, by=c.registrar)
    jury.vote(session, c.dossier.id, choices={**yes, first: False}, by=c.moderator)
    with pytest.raises(jury.PresidentOnly):
        jury.decide(session, c.dossier.id, reasons="Vu.", feedback="", by=c.moderator, today=today())
    decision = jury.decide(session, c.dossier.id, reasons="Vu.", feedback="", by=c.registrar, today=today())
    row = next(u for u in decision.units if u["unit_id"] == first)
    assert row["validated"] and row["casting"] and (row["votes_for"], row["votes_against"]) == (1, 1)
    assert decision.outcome == "full"


def test_a_unit_not_competent_cannot_be_voted_valid(session: Session, settings: Settings,
                                                   users: UserFactory) -> None:
    c = cast(session, settings, users)
    to_jury(session, settings, c, photo_only="MAC-U1-E1-C1")
    assigned(session, c, c.registrar, AccessPurpose.JURY, president=True)
    with pytest.raises(jury.UnitNotCompetent):
        jury.vote(session, c.dossier.id, choices={u.id: True for u in service.units(session, c.dossier)},
                  by=c.registrar)


def test_an_upheld_appeal_starts_a_new_assessment_by_a_different_assessor_and_keeps_validated_units(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="candidate")
    c = cast(session, settings, users, account=account)
    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    log_in(client, "candidate")
    page = f"/portal/dossiers/{c.dossier.id}/assessment"
    assert 'id="appeal-form"' in client.get(page).text
    lodged = post_form(client, f"/dossiers/{c.dossier.id}/appeal", {"grounds": "J'ai porté le casque tout le temps."},
                       page=page)
    assert lodged.status_code == 303
    client.cookies.clear()
    appeal = appeals.of_decision(session, decision_id)
    assert appeal is not None
    with pytest.raises(appeals.OfficerSatOnJury):
        appeals.decide(session, appeal.id, outcome=AppealOutcome.UPHELD, reason="Oui.", by=c.registrar)
    session.rollback()
    officer = users(Role.REGISTRAR, login="officer", name="Mariam Touré")
    appeals.decide(session, appeal.id, outcome=AppealOutcome.UPHELD, reason="Revoir le bloc 1.", by=officer)
    session.commit()
    session.refresh(c.dossier)
    assert c.dossier.status == DossierStatus.DESK_REVIEW and service.round_of(session, c.dossier.id) == 2
    assert jury.latest(session, c.dossier.id) is None
    kept = session.exec(select(ValidatedUnit).where(ValidatedUnit.candidate_id == c.dossier.candidate_id)).all()
    assert len(kept) == 4
    assert [u.code for u in service.to_assess(session, c.dossier)] == ["MAC-U1"]
    suggested = {s.user.login for s in assignment.suggestions(session, c.dossier, AccessPurpose.ASSESS, today=today())}
    assert "assessor" not in suggested and "assessor2" in suggested
    log_in(client, "assessor")
    assert client.get(f"/assessments/{c.dossier.id}").status_code == 404


def test_the_appeal_window_closes_after_the_set_days(session: Session, settings: Settings,
                                                      users: UserFactory) -> None:
    c = cast(session, settings, users)
    decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    late = today() + timedelta(days=settings.appeal_window_days + 1)
    with pytest.raises(appeals.AppealWindowClosed):
        appeals.lodge(session, c.dossier.id, grounds="Trop tard ?", by=c.counsellor, settings=settings, today=late)
    with pytest.raises(appeals.AppealWindowOpen):
        appeals.close_window(session, c.dossier.id, by=c.registrar, settings=settings, today=today())
    appeals.close_window(session, c.dossier.id, by=c.registrar, settings=settings, today=late)
    session.commit()
    session.refresh(c.dossier)
    assert c.dossier.status == DossierStatus.GAP_PLAN
