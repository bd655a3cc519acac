"""The assessment through the services: assignment and declaration, scoring with its rule trace,
moderation, a partial jury decision, the units kept for good, the gap plan and the certificate facts."""

import pytest
from sqlmodel import Session, col, select

from acquis.audit import AuditEvent
from acquis.config import Settings
from assessors import jury, service, unit_results
from assessors.models import GapPlan, ValidatedUnit
from tests.support.assessors import cast, decided, scheduled, score_all
from tests.support.web import UserFactory
from validation.dossiers import access
from validation.dossiers.access import DossierNotFound
from validation.dossiers.models import DossierUnit
from validation.dossiers.status import DossierStatus


def test_a_critical_criterion_met_only_on_a_photo_leaves_its_unit_not_competent_and_the_jury_decides_partial(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")

    results = unit_results.results(session, c.dossier.id)
    units = {u.code: u for u in service.units(session, c.dossier)}
    first = results[units["MAC-U1"].id]
    assert not first.competent
    assert first.trace["failing"] == ["MAC-U1-E1-C1"] and first.trace["why"] == "no_direct_evidence"
    assert all(results[units[code].id].competent for code in ("MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"))

    facts = jury.decision_for_certificate(session, decision_id)
    assert facts.outcome == "partial"
    assert facts.validated_unit_ids == tuple(units[code].id for code in ("MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"))
    assert facts.holder_name == "Seydou KONATÉ" and facts.framework_code == "DEMO-MAC-01"
    assert facts.assessment_methods == ("practical_task",)
    assert session.get(type(c.dossier), c.dossier.id).status == DossierStatus.DECIDED

    kept = session.exec(select(ValidatedUnit).where(ValidatedUnit.candidate_id == c.dossier.candidate_id)).all()
    assert sorted(v.unit_code for v in kept) == ["MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    plan = session.exec(select(GapPlan).where(GapPlan.decision_id == decision_id)).one()
    assert [item["code"] for item in plan.items] == ["MAC-U1"]
    assert {"action": "show", "criteria": ["MAC-U1-E1-C1"]} in plan.items[0]["actions"]
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))]
    for expected in ("assessment.declared", "assessment.judged", "assessment.finished", "assessment.moderated",
                     "jury.voted", "jury.decided"):
        assert expected in actions


def test_every_criterion_met_with_direct_evidence_gives_a_full_decision(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    decision_id = decided(session, settings, c)
    assert jury.decision_for_certificate(session, decision_id).outcome == "full"
    assert session.exec(select(GapPlan)).first() is None


def test_the_assessor_sees_the_dossier_only_after_declaring_no_conflict(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    with pytest.raises(DossierNotFound):
        access.get_dossier(session, c.dossier.id, user=c.assessor)
    scheduled(session, c)
    assert access.get_dossier(session, c.dossier.id, user=c.assessor).id == c.dossier.id
    with pytest.raises(DossierNotFound):
        access.get_dossier(session, c.dossier.id, user=c.moderator)


def test_a_later_dossier_for_the_same_framework_starts_with_the_validated_units(
        session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    held = service.carried(session, c.dossier)
    assert held == {}, "the dossier's own decision is not carried into itself"
    other = type(c.dossier)(candidate_id=c.dossier.candidate_id, framework_id=c.framework.id,
                            status=DossierStatus.DRAFT)
    session.add(other)
    session.flush()
    session.add_all(DossierUnit(dossier_id=other.id, unit_id=u.id) for u in service.units(session, c.dossier))
    session.commit()
    assert sorted(service.carried(session, other)) == ["MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    assert [u.code for u in service.to_assess(session, other)] == ["MAC-U1"]


def test_an_unmet_criterion_stops_its_unit(session: Session, settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    sitting = scheduled(session, c)
    score_all(session, c, sitting, unmet=frozenset({"MAC-U2-E1-C2"}))
    units = {u.code: u.id for u in service.units(session, c.dossier)}
    result = unit_results.results(session, c.dossier.id)[units["MAC-U2"]]
    assert not result.competent and result.trace["why"] == "not_yet_met"
