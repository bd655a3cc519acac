"""Admin pages of the assessor registry: accreditations (framework, from, until), languages, region."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis import forms
from acquis.auth.guard import AdminDep
from acquis.db import SessionDep
from acquis.errors import AcquisError
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from assessors import pages, registry
from assessors.inputs import AccreditationCreate, ProfileUpdate
from validation.dossiers.models import Language

router = APIRouter()

PAGE = "assessors/assessor.html"


@router.get("/assessors", name="list_assessors")
def list_assessors(request: Request, session: SessionDep, user: AdminDep) -> Response:
    return render(request, "assessors/registry.html", **pages.context(
        assessors=registry.assessors(session), today=pages.today()))


def _assessor_context(session: Session, user_id: int, **extra: Any) -> dict[str, Any]:
    return pages.context(assessor=registry.assessor(session, user_id), codes=registry.framework_codes(session),
                         languages=list(Language), today=pages.today(), **extra)


@router.get("/assessors/{user_id}", name="show_assessor")
def show_assessor(request: Request, session: SessionDep, user: AdminDep, user_id: int) -> Response:
    return render(request, PAGE, **_assessor_context(session, user_id))


def _refused(request: Request, session: Session, user_id: int, problem: AcquisError) -> Response:
    return show_refusal(session, problem, lambda problem: render(
        request, PAGE, status_code=problem.status_code, **_assessor_context(session, user_id, error=problem.message)))


@router.post("/assessors/{user_id}/profile", name="update_assessor_profile")
def update_assessor_profile(request: Request, session: SessionDep, user: AdminDep, user_id: int,
                            form: FormDep) -> Response:
    try:
        data = ProfileUpdate.model_validate({"languages": [v for v in form.getlist("languages") if isinstance(v, str)],
                                             "region": str(form.get("region") or "")})
        registry.update_profile(session, user_id, data, by=user)
    except AcquisError as problem:
        return _refused(request, session, user_id, problem)
    except ValueError:
        return _refused(request, session, user_id, forms.FormInvalid())
    session.commit()
    return RedirectResponse(request.url_for("show_assessor", user_id=user_id), status_code=303)


@router.post("/assessors/{user_id}/accreditations", name="accredit_assessor")
def accredit_assessor(request: Request, session: SessionDep, user: AdminDep, user_id: int,
                      form: FormDep) -> Response:
    try:
        registry.accredit(session, user_id, forms.parse(AccreditationCreate, form), by=user)
    except AcquisError as problem:
        return _refused(request, session, user_id, problem)
    session.commit()
    return RedirectResponse(request.url_for("show_assessor", user_id=user_id), status_code=303)


@router.post("/accreditations/{accreditation_id}/withdraw", name="withdraw_accreditation")
def withdraw_accreditation(request: Request, session: SessionDep, user: AdminDep, accreditation_id: int) -> Response:
    row = registry.withdraw(session, accreditation_id, by=user)
    session.commit()
    return RedirectResponse(request.url_for("show_assessor", user_id=row.user_id), status_code=303)
