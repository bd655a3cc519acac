"""The dossier's life: one table of moves, each made by the roles it names, every other move refused."""

import pytest
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from tests.support.dossiers import make_dossier, publish_framework
from tests.support.web import UserFactory
from validation.dossiers import service, status
from validation.dossiers.status import TRANSITIONS, DossierStatus, TransitionForbidden, TransitionNotAllowed


def test_the_table_follows_the_life_of_a_dossier() -> None:
    path = [DossierStatus.DRAFT, DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW, DossierStatus.ADMISSIBLE,
            DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.PORTFOLIO_SUBMITTED,
            DossierStatus.DESK_REVIEW, DossierStatus.FLAGGED, DossierStatus.PORTFOLIO_IN_PROGRESS]
    for current, target in zip(path, path[1:], strict=False):
        assert (current, target) in TRANSITIONS
    for side in (DossierStatus.INCOMPLETE, DossierStatus.NOT_ADMISSIBLE):
        assert TRANSITIONS[(DossierStatus.INTAKE_REVIEW, side)] == {"registrar"}
    assert (DossierStatus.INCOMPLETE, DossierStatus.SUBMITTED) in TRANSITIONS


def test_any_open_state_may_be_withdrawn_and_final_states_stay_final() -> None:
    for state in DossierStatus:
        if state in status.FINAL:
            assert not any(current == state for current, _ in TRANSITIONS), state
        # a certificate is issued: the candidate waives the window instead
        elif state == DossierStatus.PARTIALLY_CERTIFIED:
            assert (state, DossierStatus.WITHDRAWN) not in TRANSITIONS and (state,
                                                                            DossierStatus.CERTIFIED) in TRANSITIONS
        else:
            assert (state, DossierStatus.WITHDRAWN) in TRANSITIONS, state


def test_only_the_system_lapses_and_a_lapsed_dossier_returns_where_it_was() -> None:
    for state in status.LAPSABLE:
        assert TRANSITIONS[(state, DossierStatus.LAPSED)] == {status.SYSTEM}
        assert (DossierStatus.LAPSED, state) in TRANSITIONS
    status.check(DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.LAPSED, None)
    with pytest.raises(TransitionForbidden):
        status.check(DossierStatus.PORTFOLIO_IN_PROGRESS, DossierStatus.LAPSED, Role.REGISTRAR)


def test_later_states_have_words_and_only_the_assessor_schedules_an_assessment() -> None:
    for later in (DossierStatus.ASSESSMENT_SCHEDULED, DossierStatus.ASSESSED, DossierStatus.MODERATION,
                  DossierStatus.JURY, DossierStatus.DECIDED, DossierStatus.CERTIFIED):
        assert later in DossierStatus and status.label(later)
    status.check(DossierStatus.DESK_REVIEW, DossierStatus.ASSESSMENT_SCHEDULED, Role.ASSESSOR)
    with pytest.raises(TransitionForbidden, match="Examen du portfolio.*Évaluation programmée"):
        status.check(DossierStatus.DESK_REVIEW, DossierStatus.ASSESSMENT_SCHEDULED, Role.REGISTRAR)
    with pytest.raises(TransitionNotAllowed, match="Brouillon.*Décision rendue"):
        status.check(DossierStatus.DRAFT, DossierStatus.DECIDED, Role.REGISTRAR)


@pytest.mark.parametrize(("role", "allowed"), [(Role.CANDIDATE, True), (Role.COUNSELLOR, True),
                                               (Role.REGISTRAR, False), (Role.ASSESSOR, False)])
def test_who_may_submit_a_draft(role: Role, allowed: bool) -> None:
    if allowed:
        status.check(DossierStatus.DRAFT, DossierStatus.SUBMITTED, role)
    else:
        with pytest.raises(TransitionForbidden, match="Votre rôle ne permet pas"):
            status.check(DossierStatus.DRAFT, DossierStatus.SUBMITTED, role)


def test_administrators_act_as_the_registrar() -> None:
    status.check(DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW, Role.ADMIN)
    assert status.moves_for(DossierStatus.SUBMITTED, Role.ADMIN) == [DossierStatus.INTAKE_REVIEW,
                                                                     DossierStatus.WITHDRAWN]


def test_every_state_has_words_and_a_step() -> None:
    for state in DossierStatus:
        assert status.LABELS[state] and status.NEXT_STEPS[state]
    assert status.step_of(DossierStatus.DRAFT) == 0 and status.step_of(DossierStatus.CERTIFIED) == 5


def test_a_move_records_who_when_why_and_appends_to_the_audit_chain(
        session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    registrar = users(Role.REGISTRAR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    service.move(session, dossier.id, DossierStatus.SUBMITTED, by=counsellor)
    service.move(session, dossier.id, DossierStatus.INTAKE_REVIEW, by=registrar)
    with pytest.raises(service.DedicatedAction):
        service.move(session, dossier.id, DossierStatus.ADMISSIBLE, by=registrar)
    with pytest.raises(TransitionNotAllowed):
        service.move(session, dossier.id, DossierStatus.DESK_REVIEW, by=registrar)
    session.commit()
    history = service.history(session, dossier.id)
    assert [(h.from_status, h.to_status, h.actor_id) for h in history] == [
        (None, DossierStatus.DRAFT, counsellor.id), (DossierStatus.DRAFT, DossierStatus.SUBMITTED, counsellor.id),
        (DossierStatus.SUBMITTED, DossierStatus.INTAKE_REVIEW, registrar.id)]
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "dossier",
                                                   AuditEvent.entity_id == str(dossier.id))).all()
    assert [e.action for e in events] == ["dossier.created", "dossier.submitted", "dossier.intake_review"]
    assert events[-1].detail == {"from": "submitted", "to": "intake_review", "by": "registrar"}


def test_flagging_needs_a_reason(session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    dossier.status = DossierStatus.DESK_REVIEW
    with pytest.raises(service.ReasonRequired):
        service.transition(session, dossier, DossierStatus.FLAGGED, by=users(Role.REGISTRAR), reason="  ")
