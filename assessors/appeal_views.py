"""The candidate's side of the assessment (flags, convocation, decision, validated units, gap plan,
appeal), served to the portal by URL, and the registrar's answers to appeals."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from acquis.auth.guard import RegistrarDep, UserDep
from acquis.auth.models import Role, User
from acquis.db import SessionDep
from acquis.deps import SettingsDep, app_settings
from acquis.errors import AcquisError, Invalid
from acquis.web import render, show_refusal
from assessors import appeals, desk, jury, pages, service
from assessors.models import AppealOutcome, ValidatedUnit
from validation.dossiers import access
from validation.dossiers.status import DossierStatus

router = APIRouter()

PAGE = "assessors/portal_assessment.html"
FRAGMENT = "assessors/_portal_assessment.html"


def portal_context(request: Request, session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    settings, today = app_settings(request), pages.today()
    decision = jury.latest(session, dossier_id)
    code = service.framework(session, dossier).code
    held = session.exec(select(ValidatedUnit).where(ValidatedUnit.candidate_id == dossier.candidate_id,
                                                    ValidatedUnit.framework_code == code)
                        .order_by(col(ValidatedUnit.validated_on), col(ValidatedUnit.id))).all()
    return pages.dossier_context(
        session, dossier, flags=desk.open_flags(session, dossier),
        plans=desk.plans(session, dossier_id) if dossier.status == DossierStatus.ASSESSMENT_SCHEDULED else {},
        units=service.units(session, dossier), decision=decision, held=held,
        gap_plan=jury.gap_plan(session, decision.id) if decision else None,
        appeal=appeals.of_decision(session, decision.id) if decision else None,
        can_appeal=appeals.can_appeal(session, dossier, settings=settings, today=today),
        waiver=appeals.waiver_of(session, decision.id) if decision else None,
        appeal_ends=appeals.window_ends(decision, settings=settings) if decision else None,
        is_candidate=user.role == Role.CANDIDATE, **extra)


@router.get("/portal/dossiers/{dossier_id}/assessment", name="show_portal_assessment")
def show_portal_assessment(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, PAGE, FRAGMENT, **portal_context(request, session, dossier_id, user=user))


def _on_portal(request: Request, session: Session, dossier_id: int, *, user: User, action: Callable[[], object],
               error_key: str) -> Response:
    """Do the candidate's action, back to the portal page; a refusal is shown on that page, beside its form."""
    try:
        action()
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, PAGE, status_code=problem.status_code,
            **portal_context(request, session, dossier_id, user=user, **{error_key: problem.message})))
    session.commit()
    return RedirectResponse(request.url_for("show_portal_assessment", dossier_id=dossier_id), status_code=303)


@router.post("/dossiers/{dossier_id}/appeal", name="lodge_appeal")
def lodge_appeal(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep, dossier_id: int,
                 grounds: Annotated[str, Form(max_length=5000)] = "") -> Response:
    return _on_portal(request, session, dossier_id, user=user, error_key="error", action=lambda: appeals.lodge(
        session, dossier_id, grounds=grounds, by=user, settings=settings, today=pages.today()))


@router.post("/dossiers/{dossier_id}/appeal-waiver", name="waive_appeal")
def waive_appeal(request: Request, session: SessionDep, user: UserDep, dossier_id: int,
                 statement: Annotated[str, Form(max_length=5000)] = "") -> Response:
    """The candidate's written waiver of the appeal window (typed by them, or copied from paper by staff)."""
    return _on_portal(request, session, dossier_id, user=user, error_key="waiver_error", action=lambda: appeals.waive(
        session, dossier_id, statement=statement, by=user, today=pages.today()))


@router.post("/appeals/{appeal_id}/decision", name="decide_appeal")
def decide_appeal(request: Request, session: SessionDep, user: RegistrarDep, appeal_id: int,
                  outcome: Annotated[str, Form(max_length=10)],
                  reason: Annotated[str, Form(max_length=5000)] = "") -> Response:
    if outcome not in AppealOutcome.__members__.values():
        raise Invalid()
    row = appeals.decide(session, appeal_id, outcome=AppealOutcome(outcome), reason=reason, by=user)
    session.commit()
    return RedirectResponse(request.url_for("show_assignments", dossier_id=row.dossier_id), status_code=303)


@router.post("/dossiers/{dossier_id}/gap-plan", name="close_appeal_window")
def close_appeal_window(request: Request, session: SessionDep, user: RegistrarDep, settings: SettingsDep,
                        dossier_id: int) -> Response:
    appeals.close_window(session, dossier_id, by=user, settings=settings, today=pages.today())
    session.commit()
    return RedirectResponse(request.url_for("show_assignments", dossier_id=dossier_id), status_code=303)


