"""The moderator's page: the results and their traces, then agree or send a query back."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import UserDep
from acquis.auth.models import User
from acquis.db import SessionDep
from acquis.errors import AcquisError, Invalid
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from assessors import desk, moderation, pages, service, unit_results
from assessors.models import DossierAssessment, ModerationOutcome
from validation.dossiers.models import AccessPurpose

router = APIRouter()

PAGE = "assessors/moderation.html"


def moderation_context(session: Session, dossier_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    dossier, _ = service.require(session, dossier_id, user=user, purposes=(AccessPurpose.MODERATE,))
    state = session.get(DossierAssessment, dossier_id)
    return pages.dossier_context(
        session, dossier, units=service.units(session, dossier), results=unit_results.results(session, dossier_id),
        sessions=desk.sessions(session, dossier_id), reasons=state.moderation_reasons if state else [],
        pending=moderation.pending(session, dossier_id), moderations=moderation.history(session, dossier_id),
        **extra)


@router.get("/moderation/{dossier_id}", name="show_moderation")
def show_moderation(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    return render(request, PAGE, **moderation_context(session, dossier_id, user=user))


@router.post("/moderation/{dossier_id}", name="moderate_dossier")
def moderate_dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: int,
                     outcome: Annotated[str, Form(max_length=10)], form: FormDep,
                     comment: Annotated[str, Form(max_length=5000)] = "") -> Response:
    unit_ids = [int(v) for v in form.getlist("unit_ids") if isinstance(v, str) and v.isdigit()]
    try:
        if outcome not in ModerationOutcome.__members__.values():
            raise Invalid()
        moderation.decide(session, dossier_id, outcome=ModerationOutcome(outcome), comment=comment,
                          unit_ids=unit_ids, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, PAGE, status_code=problem.status_code,
            **moderation_context(session, dossier_id, user=user, error=problem.message)))
    session.commit()
    return RedirectResponse(request.url_for("list_assessments"), status_code=303)
