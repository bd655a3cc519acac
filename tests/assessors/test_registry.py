"""The assessor registry and the independence rules: accreditation with dates, who can never be assigned,
what an assessor sees (only assigned dossiers, after declaring), and the moderation sample setting."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from assessors import assignment, moderation, registry
from tests.support.assessors import accredit, cast, scheduled, today
from tests.support.dossiers import publish_framework
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers import access
from validation.dossiers.access import CounsellorCannotJudge
from validation.dossiers.models import AccessPurpose


def test_the_admin_accredits_an_assessor_for_a_framework_between_two_dates(
        client: TestClient, session: Session, users: UserFactory) -> None:
    users(Role.ADMIN)
    assessor = users(Role.ASSESSOR, name="Bakary Coulibaly")
    publish_framework(session)
    log_in(client, "admin")
    page = f"/assessors/{assessor.id}"
    assert "Bakary Coulibaly" in client.get("/assessors").text
    reversed_dates = post_form(client, f"{page}/accreditations", {
        "framework_code": "DEMO-MAC-01", "valid_from": "2026-01-01", "valid_until": "2025-01-01"}, page=page)
    assert reversed_dates.status_code == 422
    done = post_form(client, f"{page}/accreditations", {
        "framework_code": "DEMO-MAC-01", "valid_from": (today() - timedelta(days=1)).isoformat(),
        "valid_until": (today() + timedelta(days=30)).isoformat()}, page=page)
    assert done.status_code == 303
    profile = post_form(client, f"{page}/profile", {"languages": "bm", "region": "Ségou"}, page=page)
    assert profile.status_code == 303
    shown = client.get(page).text
    assert 'data-valid="yes"' in shown and 'value="Ségou"' in shown
    assert registry.is_accredited(session, assessor.id, "DEMO-MAC-01", on=today())
    client.cookies.clear()
    log_in(client, "assessor")
    assert client.get("/assessors").status_code == 403


def test_an_expired_accreditation_cannot_be_assigned(session: Session, settings: Settings,
                                                    users: UserFactory) -> None:
    c = cast(session, settings, users)
    late = users(Role.ASSESSOR, login="assessor3", name="Awa Diallo")
    accredit(session, late, c.framework.code, by=c.admin, start=today() - timedelta(days=800),
             until=today() - timedelta(days=1))
    suggested = {s.user.login for s in assignment.suggestions(session, c.dossier, AccessPurpose.ASSESS, today=today())}
    assert suggested == {"assessor", "assessor2"}
    with pytest.raises(registry.NotAccredited):
        assignment.assign(session, c.dossier.id, user_id=late.id, purpose=AccessPurpose.ASSESS, by=c.registrar,
                          today=today())


def test_the_counsellor_of_a_dossier_can_never_assess_moderate_or_judge_it(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    for purpose in (AccessPurpose.ASSESS, AccessPurpose.JURY):
        with pytest.raises(CounsellorCannotJudge):
            assignment.assign(session, c.dossier.id, user_id=c.counsellor.id, purpose=purpose,
                              by=c.registrar, today=today())
    with pytest.raises(CounsellorCannotJudge):
        access.grant(session, c.dossier.id, user_id=c.counsellor.id, purpose=AccessPurpose.MODERATE, by=c.registrar)


def test_an_assessor_sees_only_assigned_dossiers_and_evidence_and_denials_are_audited(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    scheduled(session, c)
    log_in(client, "assessor2")
    assert client.get(f"/evidence/{c.photo_id}/file").status_code == 404
    assert client.get(f"/assessments/{c.dossier.id}/results").status_code == 404
    client.cookies.clear()
    log_in(client, "assessor")
    assert client.get(f"/evidence/{c.photo_id}/file").status_code == 200
    assert "Centre de Kayes" in client.get(f"/assessments/{c.dossier.id}/convocation").text
    assert client.get(f"/dossiers/{c.dossier.id}/assignments").status_code == 403
    denied = session.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    panel = f"assessor#{c.moderator.id}"  # the chain names people by role and id, never by login
    assert [(e.actor, e.entity_id) for e in denied] == [
        (panel, f"/evidence/{c.photo_id}/file"), (panel, f"/assessments/{c.dossier.id}/results")]


def test_the_random_sample_follows_the_setting_and_is_the_same_every_time(settings: Settings) -> None:
    always = settings.model_copy(update={"moderation_sample_rate": 1.0})
    never = settings.model_copy(update={"moderation_sample_rate": 0.0})
    assert all(moderation.sampled(always, d, 1) for d in range(50))
    assert not any(moderation.sampled(never, d, 1) for d in range(50))
    default = [moderation.sampled(settings, d, 1) for d in range(400)]
    assert default == [moderation.sampled(settings, d, 1) for d in range(400)]
    assert 20 <= sum(default) <= 100, "about 15 % of dossiers"
