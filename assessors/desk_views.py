"""The assessor's pages before scoring: the dossier's assessment overview, the frozen portfolio with its
viewer and relevance marks, flags back to the candidate, the plan per unit, sessions, the convocation."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis import forms
from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import AcquisError, Invalid
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from assessors import desk, moderation, pages, scoring, service, unit_results
from assessors.inputs import PlanInput, SessionInput
from assessors.models import Method, Relevance
from validation.dossiers import access, paper_code_views, work_history
from validation.dossiers.models import AccessPurpose, Language
from validation.dossiers.paper_codes import FormKind

router = APIRouter()

ASSESS = (AccessPurpose.ASSESS,)
OVERVIEW = "assessors/assessment.html"
PORTFOLIO = "assessors/portfolio.html"
PLAN = "assessors/plan.html"


def overview_context(session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier, _ = service.require(session, dossier_id, user=user, purposes=ASSESS)
    people = {a.user_id: session.get(User, a.user_id) for a in service.active(session, dossier_id)}
    return pages.dossier_context(
        session, dossier, units=service.units(session, dossier), to_assess=service.to_assess(session, dossier),
        carried=service.carried(session, dossier), plans=desk.plans(session, dossier_id),
        results=unit_results.results(session, dossier_id), sessions=desk.sessions(session, dossier_id),
        people={uid: u for uid, u in people.items() if u}, paper=scoring.pending_paper(session, dossier_id),
        moderations=moderation.history(session, dossier_id), methods=list(Method),
        can_plan=desk.can_plan(dossier), finish_refusal=scoring.refusal_to_finish(session, dossier), **extra)


@router.get("/assessments/{dossier_id}", name="show_assessment")
def show_assessment(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, OVERVIEW, **overview_context(session, dossier_id, user=user))


def _back(request: Request, session: Session, dossier_id: int, *, user: User, page: str, problem: AcquisError,
          context: Any) -> Response:
    return show_refusal(session, problem, lambda problem: render(
        request, page, status_code=problem.status_code, **context(session, dossier_id, user=user,
                                                                  error=problem.message)))


@router.post("/assessments/{dossier_id}/review", name="start_review")
def start_review(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    try:
        desk.start_review(session, dossier_id, by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=OVERVIEW, problem=problem, context=overview_context)
    session.commit()
    return RedirectResponse(request.url_for("show_portfolio_review", dossier_id=dossier_id), status_code=303)


def portfolio_context(session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier, _ = service.require(session, dossier_id, user=user, purposes=ASSESS)
    return pages.dossier_context(session, dossier, items=desk.items(session, dossier),
                                 units=service.units(session, dossier), relevances=list(Relevance),
                                 jobs=work_history.timeline(session, dossier.candidate_id), **extra)


@router.get("/assessments/{dossier_id}/portfolio", name="show_portfolio_review")
def show_portfolio_review(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, PORTFOLIO, **portfolio_context(session, dossier_id, user=user))


@router.post("/assessments/{dossier_id}/evidence/{evidence_id}/relevance", name="mark_relevance")
def mark_relevance(request: Request, session: SessionDep, user: UserDep, dossier_id: int, evidence_id: int,
                   relevance: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        if relevance not in Relevance.__members__.values():
            raise Invalid()
        item = desk.review_item(session, dossier_id, evidence_id, relevance=Relevance(relevance), by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=PORTFOLIO, problem=problem,
                     context=portfolio_context)
    session.commit()
    if request.headers.get("HX-Request") == "true":
        dossier = service.load_dossier(session, dossier_id)
        return render(request, PORTFOLIO, "assessors/_relevance.html", **pages.dossier_context(
            session, dossier, item=item, relevances=list(Relevance), saved=True))
    return RedirectResponse(request.url_for("show_portfolio_review", dossier_id=dossier_id), status_code=303)


@router.post("/assessments/{dossier_id}/flag", name="flag_dossier")
def flag_dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: int, form: FormDep) -> Response:
    reasons = {int(key.removeprefix("reason-")): str(value) for key, value in form.items()
               if key.startswith("reason-") and key.removeprefix("reason-").isdigit()}
    try:
        desk.flag(session, dossier_id, reasons=reasons, by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=PORTFOLIO, problem=problem,
                     context=portfolio_context)
    session.commit()
    return RedirectResponse(request.url_for("list_assessments"), status_code=303)


def plan_context(session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    context = overview_context(session, dossier_id, user=user, **extra)
    context["languages"] = list(Language)
    context["schedule_refusal"] = desk.refusal_to_schedule(session, context["dossier"])
    return context


@router.get("/assessments/{dossier_id}/plan", name="show_plan")
def show_plan(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, PLAN, **plan_context(session, dossier_id, user=user))


@router.post("/assessments/{dossier_id}/units/{unit_id}/plan", name="save_plan")
def save_plan(request: Request, session: SessionDep, user: UserDep, dossier_id: int, unit_id: int,
              form: FormDep) -> Response:
    try:
        desk.save_plan(session, dossier_id, unit_id, forms.parse(PlanInput, form), by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=PLAN, problem=problem, context=plan_context)
    session.commit()
    return RedirectResponse(str(request.url_for("show_plan", dossier_id=dossier_id)) + f"#plan-{unit_id}",
                            status_code=303)


@router.post("/assessments/{dossier_id}/schedule", name="schedule_assessment")
def schedule_assessment(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    try:
        desk.schedule(session, dossier_id, by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=PLAN, problem=problem, context=plan_context)
    session.commit()
    return RedirectResponse(request.url_for("show_assessment", dossier_id=dossier_id), status_code=303)


@router.post("/assessments/{dossier_id}/sessions", name="record_session")
def record_session(request: Request, session: SessionDep, user: UserDep, dossier_id: int, form: FormDep) -> Response:
    values = forms.fields(form, allowed={"method", "held_on", "place", "note"})
    values["unit_ids"] = [v for v in form.getlist("unit_ids") if isinstance(v, str) and v.isdigit()]
    values["present_ids"] = [v for v in form.getlist("present_ids") if isinstance(v, str) and v.isdigit()]
    values["identity_checked"] = form.get("identity_checked") == "on"
    try:
        data = SessionInput.model_validate(values)
        desk.record_session(session, dossier_id, data, by=user)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=OVERVIEW, problem=problem, context=overview_context)
    except ValueError:
        return _back(request, session, dossier_id, user=user, page=OVERVIEW, problem=forms.FormInvalid(),
                     context=overview_context)
    session.commit()
    return RedirectResponse(str(request.url_for("show_assessment", dossier_id=dossier_id)) + "#sessions",
                            status_code=303)


@router.get("/assessments/{dossier_id}/convocation", name="print_convocation")
def print_convocation(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    """The candidate's convocation, to print and hand over or read out (registrar or the assessor)."""
    if user.role in access.SEE_ALL:
        dossier = service.load_dossier(session, dossier_id)
    else:
        dossier, _ = service.require(session, dossier_id, user=user, purposes=ASSESS)
    paper = paper_code_views.printed(request, FormKind.CONVOCATION, candidate_id=dossier.candidate_id,
                                     dossier_id=dossier_id, user=user)
    return render(request, "assessors/convocation.html", **pages.dossier_context(
        session, dossier, units=service.to_assess(session, dossier), plans=desk.plans(session, dossier_id),
        paper=paper))


@router.post("/assessments/{dossier_id}/finish", name="finish_assessment")
def finish_assessment(request: Request, session: SessionDep, user: UserDep, settings: SettingsDep,
                      dossier_id: int) -> Response:
    try:
        moderation.finish_assessment(session, dossier_id, by=user, today=pages.today(),
                                     settings=settings)
    except AcquisError as problem:
        return _back(request, session, dossier_id, user=user, page=OVERVIEW, problem=problem, context=overview_context)
    session.commit()
    return RedirectResponse(request.url_for("show_results", dossier_id=dossier_id), status_code=303)
