"""The scoring screen (one small htmx request per click, nothing lost on leaving), the printable and
keyed-in paper checklists, finishing the assessment, and the results with their rule traces."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.errors import AcquisError, Invalid
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from assessors import desk, moderation, pages, paper, scoring, service, unit_results
from assessors.inputs import JudgementInput
from assessors.models import DossierAssessment
from assessors.rules import Verdict
from validation.dossiers import access, paper_code_views, work_history
from validation.dossiers.models import AccessPurpose
from validation.dossiers.paper_codes import FormKind

router = APIRouter()

ASSESS = (AccessPurpose.ASSESS,)
EVERYONE = (AccessPurpose.ASSESS, AccessPurpose.MODERATE, AccessPurpose.JURY)
SCREEN = "assessors/unit_scoring.html"
CRITERION = "assessors/_criterion.html"


def screen_context(session: Session, dossier_id: int, unit_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier, _ = service.require(session, dossier_id, user=user, purposes=ASSESS)
    unit = scoring.unit_to_assess(session, dossier, unit_id)
    return pages.dossier_context(session, dossier, sheet=scoring.sheet(session, dossier, unit), unit=unit,
                                 verdicts=list(Verdict), jobs=work_history.timeline(session, dossier.candidate_id),
                                 can_judge=scoring.can_judge(dossier), **extra)


@router.get("/assessments/{dossier_id}/units/{unit_id}", name="show_unit_scoring")
def show_unit_scoring(request: Request, session: SessionDep, user: UserDep, dossier_id: int, unit_id: int) -> Response:
    return render(request, SCREEN, **screen_context(session, dossier_id, unit_id, user=user))


@router.post("/assessments/{dossier_id}/criteria/{criterion_id}", name="save_judgement")
def save_judgement(request: Request, session: SessionDep, user: UserDep, dossier_id: int, criterion_id: int,
                   form: FormDep) -> Response:
    """One click saved: the criterion's state (htmx), or back to the screen (no JavaScript)."""
    htmx = request.headers.get("HX-Request") == "true"
    try:
        data = _judgement(form)
        row = scoring.save(session, dossier_id, criterion_id, data, by=user, today=pages.today())
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: _refused(
            request, session, dossier_id, criterion_id, user=user, problem=problem, htmx=htmx))
    session.commit()
    if not htmx:
        return RedirectResponse(str(request.url_for("show_unit_scoring", dossier_id=dossier_id, unit_id=row.unit_id))
                                + f"#criterion-{criterion_id}", status_code=303)
    context = screen_context(session, dossier_id, row.unit_id, user=user)
    return render(request, SCREEN, "assessors/_criterion_state.html", judgement=row, oob=True, **context)


def _judgement(form: Any) -> JudgementInput:
    try:
        return JudgementInput.model_validate({
            "verdict": form.get("verdict") or None, "comment": str(form.get("comment") or ""),
            "version": str(form.get("version") or "0"),
            "evidence_ids": [v for v in form.getlist("evidence_ids") if isinstance(v, str) and v.isdigit()],
            "session_ids": [v for v in form.getlist("session_ids") if isinstance(v, str) and v.isdigit()]})
    except ValueError:
        raise Invalid() from None


def _refused(request: Request, session: Session, dossier_id: int, criterion_id: int, *, user: User,
             problem: AcquisError, htmx: bool) -> Response:
    """A refused save shows the criterion as it now stands, with the reason: nothing is lost silently."""
    criterion = scoring.get_criterion(session, criterion_id)
    context = screen_context(session, dossier_id, criterion.unit_id, user=user, error=problem.message,
                             failed_criterion=criterion_id)
    if htmx:
        # htmx swaps no 4xx answer: the whole criterion, current values and message, replaces the old one.
        return render(request, SCREEN, CRITERION, criterion=criterion, headers={
            "HX-Retarget": f"#criterion-{criterion_id}", "HX-Reswap": "outerHTML"}, **context)
    return render(request, SCREEN, status_code=problem.status_code, **context)


@router.get("/assessments/{dossier_id}/units/{unit_id}/checklist", name="print_checklist")
def print_checklist(request: Request, session: SessionDep, user: UserDep, dossier_id: int, unit_id: int) -> Response:
    context = screen_context(session, dossier_id, unit_id, user=user)
    paper = paper_code_views.printed(request, FormKind.CHECKLIST, candidate_id=context["dossier"].candidate_id,
                                     dossier_id=dossier_id, target_id=unit_id, user=user)
    return render(request, "assessors/checklist.html", paper=paper, **context)


def paper_context(session: Session, dossier_id: int, unit_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    context = screen_context(session, dossier_id, unit_id, user=user, **extra)
    context["sessions"] = [s for s in desk.sessions(session, dossier_id) if unit_id in s.unit_ids]
    return context


@router.get("/assessments/{dossier_id}/units/{unit_id}/paper", name="show_paper_form")
def show_paper_form(request: Request, session: SessionDep, user: UserDep, dossier_id: int, unit_id: int) -> Response:
    return render(request, "assessors/paper_form.html", **paper_context(session, dossier_id, unit_id, user=user))


@router.post("/assessments/{dossier_id}/units/{unit_id}/paper", name="key_in_paper")
def key_in_paper(request: Request, session: SessionDep, user: UserDep, dossier_id: int, unit_id: int,
                 form: FormDep) -> Response:
    try:
        verdicts = {int(k.removeprefix("verdict-")): Verdict(str(v)) for k, v in form.items()
                    if k.startswith("verdict-") and k.removeprefix("verdict-").isdigit()
                    and v in Verdict.__members__.values()}
        session_id = str(form.get("session_id") or "")
        row = paper.key_in(session, dossier_id, unit_id, session_id=int(session_id) if session_id.isdigit() else 0,
                           verdicts=verdicts, comment=str(form.get("comment") or ""), by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, "assessors/paper_form.html", status_code=problem.status_code,
            **paper_context(session, dossier_id, unit_id, user=user, error=problem.message)))
    session.commit()
    return RedirectResponse(request.url_for("show_paper", checklist_id=row.id), status_code=303)


def _paper_page(request: Request, session: Session, checklist_id: int, *, user: User, status_code: int = 200,
                **extra: Any) -> Response:
    row = paper.get(session, checklist_id, user=user)
    dossier = service.load_dossier(session, row.dossier_id)
    unit = next(u for u in service.units(session, dossier) if u.id == row.unit_id)
    return render(request, "assessors/paper.html", status_code=status_code, **pages.dossier_context(
        session, dossier, checklist=row, unit=unit, criteria=unit_results.criteria_of(session, unit.id),
        keyed_by=session.get(User, row.keyed_by_id) if row.keyed_by_id else None,
        confirm_refusal=paper.refusal_to_confirm(row, dossier, user=user), **extra))


@router.get("/paper/{checklist_id}", name="show_paper")
def show_paper(request: Request, session: SessionDep, user: UserDep, checklist_id: int) -> Response:
    return _paper_page(request, session, checklist_id, user=user)


@router.post("/paper/{checklist_id}/confirm", name="confirm_paper")
def confirm_paper(request: Request, session: SessionDep, user: UserDep, checklist_id: int) -> Response:
    try:
        row = paper.confirm(session, checklist_id, by=user, today=pages.today())
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: _paper_page(
            request, session, checklist_id, user=user, status_code=problem.status_code, error=problem.message))
    session.commit()
    target = "show_assessment" if user.role not in access.SEE_ALL else "show_assignments"
    return RedirectResponse(request.url_for(target, dossier_id=row.dossier_id), status_code=303)


def results_context(session: Session, dossier_id: int, *, user: User) -> dict[str, Any]:
    """Results and traces: for the registrar, and for whoever is assigned (assessor, moderator, jury)."""
    if user.role in access.SEE_ALL:
        dossier = service.load_dossier(session, dossier_id)
    else:
        dossier, _ = service.require(session, dossier_id, user=user, purposes=EVERYONE)
    state = session.get(DossierAssessment, dossier_id)
    return pages.dossier_context(session, dossier, units=service.units(session, dossier),
                                 results=unit_results.results(session, dossier_id),
                                 moderations=moderation.history(session, dossier_id),
                                 reasons=state.moderation_reasons if state else [])


@router.get("/assessments/{dossier_id}/results", name="show_results")
def show_results(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, "assessors/results.html", **results_context(session, dossier_id, user=user))
