"""Issuing a partial certificate keeps the right to appeal (issue 16, item 1): the dossier says so with the
window's end, an upheld appeal's new decision supersedes the partial certificate, a written waiver makes it
final sooner, and so does the window's end."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from acquis import audit
from acquis.audit import AuditEvent
from acquis.auth.models import Role, User
from acquis.config import Settings
from acquis.errors import Conflict
from assessors import appeals, desk, jury, moderation, scoring, service, unit_results
from assessors.inputs import JudgementInput, PlanInput, SessionInput
from assessors.models import AppealOutcome, AppealWaiver, Method, ModerationOutcome
from assessors.rules import Verdict
from certificates import issuing
from certificates.models import Certificate, CertificateStatus
from tests.support.assessors import Cast, accredit, assigned, cast, decided, today
from tests.support.authorization import Demo, caller, demo_database
from tests.support.certificates import with_key
from tests.support.web import UserFactory, app_of, log_in, post_form
from validation.dossiers.models import AccessPurpose, Dossier
from validation.dossiers.status import DossierStatus

GROUNDS = {"grounds": "J'ai porté le casque tout le temps : le bloc 1 doit être observé."}


def status_of(session: Session, dossier_id: int) -> DossierStatus:
    session.expire_all()
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None
    return dossier.status


def partly_validated(session: Session, settings: Settings, users: UserFactory, *,
                     account: User | None = None) -> tuple[Cast, int]:
    """A dossier whose jury validated four units of five today (the fifth was seen on a photo only)."""
    c = cast(session, settings, users, account=account)
    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    with_key(session, settings)
    return c, decision_id


def reassessed(session: Session, settings: Settings, c: Cast) -> int:
    """After an upheld appeal: the units still to assess planned, observed and met, then the jury again."""
    assigned(session, c, c.assessor, AccessPurpose.ASSESS)
    units = service.to_assess(session, c.dossier)
    for unit in units:
        desk.save_plan(session, c.dossier.id, unit.id, PlanInput(
            method=Method.PRACTICAL_TASK, scheduled_on=today(), place="Centre de Kayes"), by=c.assessor)
    desk.schedule(session, c.dossier.id, by=c.assessor)
    sitting = desk.record_session(session, c.dossier.id, SessionInput(
        method=Method.PRACTICAL_TASK, held_on=today(), place="Centre de Kayes", unit_ids=[u.id for u in units],
        identity_checked=True), by=c.assessor)
    for unit in units:
        for criterion in unit_results.criteria_of(session, unit.id):
            scoring.save(session, c.dossier.id, criterion.id, JudgementInput(
                verdict=Verdict.MET, session_ids=[sitting.id]), by=c.assessor, today=today())
    moderation.finish_assessment(session, c.dossier.id, by=c.assessor, today=today(), settings=settings)
    session.commit()
    if status_of(session, c.dossier.id) == DossierStatus.ASSESSED:
        assigned(session, c, c.moderator, AccessPurpose.MODERATE)
        moderation.decide(session, c.dossier.id, outcome=ModerationOutcome.AGREE, comment="", unit_ids=[],
                          by=c.moderator)
        session.commit()
    assigned(session, c, c.moderator, AccessPurpose.JURY)
    assigned(session, c, c.registrar, AccessPurpose.JURY, president=True)
    choices = {unit.id: True for unit in units}
    for member in (c.moderator, c.registrar):
        jury.vote(session, c.dossier.id, choices=choices, by=member)
    decision = jury.decide(session, c.dossier.id, reasons="Le bloc 1 est observé.", feedback="",
                           by=c.registrar, today=today())
    session.commit()
    return decision.id


def test_a_partial_certificate_keeps_the_appeal_and_the_upheld_appeals_certificate_supersedes_it(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="candidate")
    c, decision_id = partly_validated(session, settings, users, account=account)
    ends = today() + timedelta(days=settings.appeal_window_days)

    log_in(client, "registrar")
    pending = client.get("/certificates/issue/pending").text
    assert f'id="pending-{c.dossier.id}"' in pending and f'<time datetime="{ends.isoformat()}">' in pending
    issued = post_form(client, f"/dossiers/{c.dossier.id}/certificate", {}, page=f"/dossiers/{c.dossier.id}")
    assert issued.status_code == 303
    assert status_of(session, c.dossier.id) == DossierStatus.PARTIALLY_CERTIFIED
    partial = session.exec(select(Certificate)).one()
    assert partial.decision.value == "partial" and partial.status == CertificateStatus.ISSUED
    client.cookies.clear()

    log_in(client, "candidate")
    page = f"/portal/dossiers/{c.dossier.id}/assessment"
    shown = client.get(page).text
    assert 'id="appeal-form"' in shown and 'id="partial-certificate-appeal"' in shown
    assert 'data-status="partially_certified"' in client.get(f"/portal/dossiers/{c.dossier.id}").text
    lodged = post_form(client, f"/dossiers/{c.dossier.id}/appeal", GROUNDS, page=page)
    assert lodged.status_code == 303
    assert status_of(session, c.dossier.id) == DossierStatus.APPEAL
    client.cookies.clear()

    # Upheld by an officer who sat on no jury; a different assessor assesses the unit not validated.
    appeal = appeals.of_decision(session, decision_id)
    assert appeal is not None
    officer = users(Role.REGISTRAR, login="officer", name="Mariam Touré")
    appeals.decide(session, appeal.id, outcome=AppealOutcome.UPHELD, reason="Observer le bloc 1.", by=officer)
    session.commit()
    third = users(Role.ASSESSOR, login="assessor3", name="Fatoumata Keïta")
    accredit(session, third, c.framework.code, by=c.admin)
    session.commit()
    assert all(row.purpose != AccessPurpose.ASSESS for row in service.active(session, c.dossier.id))
    second = reassessed(session, settings, replace(c, assessor=third))
    assert jury.latest(session, c.dossier.id).id == second

    final = issuing.issue_for_dossier(session, c.dossier.id, by=c.registrar, settings=settings)
    session.commit()
    session.expire_all()
    old = session.get(Certificate, partial.id)
    assert old is not None and old.status == CertificateStatus.SUPERSEDED
    assert final.supersedes_id == partial.id and final.decision.value == "full"
    # The units the partial certificate attested are still validated on the new one, with the one won on appeal.
    assert {u["code"] for u in old.validated_units()} < {u["code"] for u in final.validated_units()}
    assert [u["code"] for u in final.validated_units()] == ["MAC-U1", "MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    assert status_of(session, c.dossier.id) == DossierStatus.CERTIFIED
    assert audit.verify(session) is None


def test_bulk_issuance_keeps_the_window_and_a_written_waiver_makes_the_certificate_final(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    account = users(Role.CANDIDATE, login="candidate")
    c, decision_id = partly_validated(session, settings, users, account=account)
    log_in(client, "registrar")
    bulk = post_form(client, "/certificates/issue/pending", {}, page="/certificates/issue/pending")
    assert bulk.status_code == 303
    assert status_of(session, c.dossier.id) == DossierStatus.PARTIALLY_CERTIFIED
    client.cookies.clear()

    log_in(client, "candidate")
    page = f"/portal/dossiers/{c.dossier.id}/assessment"
    assert 'id="waiver-form"' in client.get(page).text
    empty = post_form(client, f"/dossiers/{c.dossier.id}/appeal-waiver", {"statement": " "}, page=page)
    assert empty.status_code == 422
    waived = post_form(client, f"/dossiers/{c.dossier.id}/appeal-waiver",
                       {"statement": "Je renonce au recours, je veux mon certificat."}, page=page)
    assert waived.status_code == 303
    assert status_of(session, c.dossier.id) == DossierStatus.CERTIFIED
    row = session.exec(select(AppealWaiver)).one()
    assert row.decision_id == decision_id and row.statement == "Je renonce au recours, je veux mon certificat."
    assert row.recorded_by_id == account.id
    entry = session.exec(select(AuditEvent).where(AuditEvent.action == "appeal.waived")).one()
    assert entry.entity_id == str(c.dossier.id) and "renonce" not in str(entry.detail)
    shown = client.get(page).text
    assert 'id="appeal-form"' not in shown and 'id="waiver-recorded"' in shown
    with pytest.raises(Conflict):  # the dossier is final: no appeal any more
        appeals.lodge(session, c.dossier.id, grounds="Finalement si.", by=account, settings=settings,
                      today=today())
    session.rollback()
    assert audit.verify(session) is None


def test_once_the_window_closes_the_partial_certificate_becomes_final(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c, _ = partly_validated(session, settings, users)
    issuing.issue_for_dossier(session, c.dossier.id, by=c.registrar, settings=settings)
    session.commit()
    last = today() + timedelta(days=settings.appeal_window_days)
    assert appeals.finalise_partial(session, settings=settings, today=last) == []
    assert status_of(session, c.dossier.id) == DossierStatus.PARTIALLY_CERTIFIED
    done = appeals.finalise_partial(session, settings=settings, today=last + timedelta(days=1))
    session.commit()
    assert [d.id for d in done] == [c.dossier.id]
    assert status_of(session, c.dossier.id) == DossierStatus.CERTIFIED
    assert not appeals.can_appeal(session, session.get_one(Dossier, c.dossier.id), settings=settings, today=today())


def test_a_rejected_appeal_leaves_the_partial_certificate_standing_and_final(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c, decision_id = partly_validated(session, settings, users)
    cert = issuing.issue_for_dossier(session, c.dossier.id, by=c.registrar, settings=settings)
    appeal = appeals.lodge(session, c.dossier.id, grounds="Revoir.", by=c.counsellor, settings=settings,
                           today=today())
    session.commit()
    officer = users(Role.REGISTRAR, login="officer", name="Mariam Touré")
    appeals.decide(session, appeal.id, outcome=AppealOutcome.REJECTED, reason="Vu.", by=officer)
    session.commit()
    assert status_of(session, c.dossier.id) == DossierStatus.CERTIFIED
    standing = session.exec(select(Certificate).where(col(Certificate.decision_ref) == str(decision_id))).one()
    assert standing.number == cert.number and standing.status == CertificateStatus.ISSUED


@pytest.fixture(params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_database(request, request.param, tmp_path_factory.mktemp("demo")) as seeded_demo:
        yield seeded_demo


def test_on_the_demo_the_candidate_holding_a_partial_certificate_appeals(demo: Demo, tmp_path: Path) -> None:
    with caller(demo, "candidate", tmp_path / "candidate") as who:
        app = app_of(who.browser)
        with Session(app.state.engine) as session:
            dossier = session.exec(select(Dossier).where(Dossier.status == DossierStatus.PARTIALLY_CERTIFIED)).one()
            held = issuing.of_dossier(session, dossier.id)
        assert any(cert.status == CertificateStatus.ISSUED and cert.decision.value == "partial" for cert in held)
        page = who.browse("GET", f"/portal/dossiers/{dossier.id}/assessment").text
        assert 'id="appeal-form"' in page and 'id="partial-certificate-appeal"' in page
        lodged = who.browse("POST", f"/dossiers/{dossier.id}/appeal", data=GROUNDS)
        assert lodged.status_code == 303
        with Session(app.state.engine) as session:
            assert session.get(Dossier, dossier.id).status == DossierStatus.APPEAL
