"""The dossier's life: one table of moves, each made by the roles it names, every other move refused."""

import pytest
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from tests.dossiers_support import make_dossier, publish_framework
from tests.support import UserFactory
from validation.dossiers import service, status
from validation.dossiers.status import TRANSITIONS, DossierStatus, TransitionForbidden, TransitionNotAllowed

S = DossierStatus


def test_the_table_follows_the_life_of_a_dossier() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.INTAKE_REVIEW, S.ADMISSIBLE, S.PORTFOLIO_IN_PROGRESS, S.PORTFOLIO_SUBMITTED,
            S.DESK_REVIEW, S.FLAGGED, S.PORTFOLIO_IN_PROGRESS]
    for current, target in zip(path, path[1:], strict=False):
        assert (current, target) in TRANSITIONS
    for side in (S.INCOMPLETE, S.NOT_ADMISSIBLE):
        assert TRANSITIONS[(S.INTAKE_REVIEW, side)] == {"registrar"}
    assert (S.INCOMPLETE, S.SUBMITTED) in TRANSITIONS


def test_any_open_state_may_be_withdrawn_and_final_states_stay_final() -> None:
    for state in S:
        if state in status.FINAL:
            assert not any(current == state for current, _ in TRANSITIONS), state
        elif state == S.PARTIALLY_CERTIFIED:  # a certificate is issued: the candidate waives the window instead
            assert (state, S.WITHDRAWN) not in TRANSITIONS and (state, S.CERTIFIED) in TRANSITIONS
        else:
            assert (state, S.WITHDRAWN) in TRANSITIONS, state


def test_only_the_system_lapses_and_a_lapsed_dossier_returns_where_it_was() -> None:
    for state in status.LAPSABLE:
        assert TRANSITIONS[(state, S.LAPSED)] == {status.SYSTEM}
        assert (S.LAPSED, state) in TRANSITIONS
    status.check(S.PORTFOLIO_IN_PROGRESS, S.LAPSED, None)
    with pytest.raises(TransitionForbidden):
        status.check(S.PORTFOLIO_IN_PROGRESS, S.LAPSED, Role.REGISTRAR)


def test_later_states_have_words_and_only_the_assessor_schedules_an_assessment() -> None:
    for later in (S.ASSESSMENT_SCHEDULED, S.ASSESSED, S.MODERATION, S.JURY, S.DECIDED, S.CERTIFIED):
        assert later in S and status.label(later)
    status.check(S.DESK_REVIEW, S.ASSESSMENT_SCHEDULED, Role.ASSESSOR)
    with pytest.raises(TransitionForbidden, match="Examen du portfolio.*Évaluation programmée"):
        status.check(S.DESK_REVIEW, S.ASSESSMENT_SCHEDULED, Role.REGISTRAR)
    with pytest.raises(TransitionNotAllowed, match="Brouillon.*Décision rendue"):
        status.check(S.DRAFT, S.DECIDED, Role.REGISTRAR)


@pytest.mark.parametrize(("role", "allowed"), [(Role.CANDIDATE, True), (Role.COUNSELLOR, True),
                                               (Role.REGISTRAR, False), (Role.ASSESSOR, False)])
def test_who_may_submit_a_draft(role: Role, allowed: bool) -> None:
    if allowed:
        status.check(S.DRAFT, S.SUBMITTED, role)
    else:
        with pytest.raises(TransitionForbidden, match="Votre rôle ne permet pas"):
            status.check(S.DRAFT, S.SUBMITTED, role)


def test_administrators_act_as_the_registrar() -> None:
    status.check(S.SUBMITTED, S.INTAKE_REVIEW, Role.ADMIN)
    assert status.moves_for(S.SUBMITTED, Role.ADMIN) == [S.INTAKE_REVIEW, S.WITHDRAWN]


def test_every_state_has_words_and_a_step() -> None:
    for state in S:
        assert status.LABELS[state] and status.NEXT_STEPS[state]
    assert status.step_of(S.DRAFT) == 0 and status.step_of(S.CERTIFIED) == 5


def test_a_move_records_who_when_why_and_appends_to_the_audit_chain(
        session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    registrar = users(Role.REGISTRAR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    service.move(session, dossier.id, S.SUBMITTED, by=counsellor)
    service.move(session, dossier.id, S.INTAKE_REVIEW, by=registrar)
    with pytest.raises(service.DedicatedAction):
        service.move(session, dossier.id, S.ADMISSIBLE, by=registrar)
    with pytest.raises(TransitionNotAllowed):
        service.move(session, dossier.id, S.DESK_REVIEW, by=registrar)
    session.commit()
    history = service.history(session, dossier.id)
    assert [(h.from_status, h.to_status, h.actor_id) for h in history] == [
        (None, S.DRAFT, counsellor.id), (S.DRAFT, S.SUBMITTED, counsellor.id),
        (S.SUBMITTED, S.INTAKE_REVIEW, registrar.id)]
    events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "dossier",
                                                   AuditEvent.entity_id == str(dossier.id))).all()
    assert [e.action for e in events] == ["dossier.created", "dossier.submitted", "dossier.intake_review"]
    assert events[-1].detail == {"from": "submitted", "to": "intake_review", "by": "registrar"}


def test_flagging_needs_a_reason(session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    dossier.status = S.DESK_REVIEW
    with pytest.raises(service.ReasonRequired):
        service.transition(session, dossier, S.FLAGGED, by=users(Role.REGISTRAR), reason="  ")
