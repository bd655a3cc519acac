"""The jury's page: each member votes per unit; the president records the decision; the PV as PDF."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.errors import AcquisError
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from assessors import jury, moderation, pages, pv, service, unit_results
from assessors.models import JuryDecision
from validation.dossiers import access
from validation.dossiers.models import AccessPurpose

router = APIRouter()

PAGE = "assessors/jury.html"
JURY = (AccessPurpose.JURY,)


def jury_context(session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier, mine = service.require(session, dossier_id, user=user, purposes=JURY)
    people = jury.members(session, dossier_id)
    return pages.dossier_context(
        session, dossier, units=service.units(session, dossier), to_assess=service.to_assess(session, dossier),
        results=unit_results.results(session, dossier_id), members=people, mine=mine,
        votes=jury.votes(session, dossier_id),
        names={a.user_id: u.name for a in people if (u := session.get(User, a.user_id))},
        problems=jury.problems(session, dossier, today=pages.today()),
        decide_refusal=jury.refusal_to_decide(session, dossier, mine, today=pages.today()),
        moderations=moderation.history(session, dossier_id), decision=jury.latest(session, dossier_id), **extra)


@router.get("/jury/{dossier_id}", name="show_jury")
def show_jury(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, PAGE, **jury_context(session, dossier_id, user=user))


def _refused(request: Request, session: Session, dossier_id: int, user: User, problem: AcquisError) -> Response:
    return show_refusal(session, problem, lambda problem: render(
        request, PAGE, status_code=problem.status_code, **jury_context(session, dossier_id, user=user,
                                                                       error=problem.message)))


@router.post("/jury/{dossier_id}/votes", name="cast_votes")
def cast_votes(request: Request, session: SessionDep, user: UserDep, dossier_id: int, form: FormDep) -> Response:
    choices = {int(k.removeprefix("unit-")): v == "yes" for k, v in form.items()
               if k.startswith("unit-") and k.removeprefix("unit-").isdigit()}
    try:
        jury.vote(session, dossier_id, choices=choices, by=user)
    except AcquisError as problem:
        return _refused(request, session, dossier_id, user, problem)
    session.commit()
    return RedirectResponse(request.url_for("show_jury", dossier_id=dossier_id), status_code=303)


@router.post("/jury/{dossier_id}/decision", name="record_decision")
def record_decision(request: Request, session: SessionDep, user: UserDep, dossier_id: int,
                    reasons: Annotated[str, Form(max_length=5000)] = "",
                    feedback: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        jury.decide(session, dossier_id, reasons=reasons, feedback=feedback, by=user, today=pages.today())
    except AcquisError as problem:
        return _refused(request, session, dossier_id, user, problem)
    session.commit()
    return RedirectResponse(request.url_for("show_jury", dossier_id=dossier_id), status_code=303)


@router.get("/decisions/{decision_id}/pv.pdf", name="download_pv")
def download_pv(session: SessionDep, user: UserDep, decision_id: int) -> Response:
    """The procès-verbal: for the registrar and the people assigned to the dossier."""
    decision = session.get(JuryDecision, decision_id)
    if decision is None:
        raise jury.DecisionNotFound()
    if user.role not in access.SEE_ALL:
        service.require(session, decision.dossier_id, user=user,
                        purposes=(AccessPurpose.JURY, AccessPurpose.ASSESS, AccessPurpose.MODERATE))
    return Response(pv.render_pdf(session, decision), media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="pv-{decision.dossier_id}-{decision.id}.pdf"',
        "Cache-Control": "private, no-store"})
