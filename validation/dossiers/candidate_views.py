"""Staff pages for candidates: register (with the one-time password slip), consents, work abroad."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from acquis import forms
from acquis.auth.guard import CaseworkerDep, OptionalUserDep, UserDep
from acquis.auth.models import Role, User
from acquis.db import SessionDep
from acquis.deps import SettingsDep, StoreDep
from acquis.errors import AcquisError
from acquis.forms import FormDep
from acquis.i18n import gettext
from acquis.web import render
from validation.dossiers import (
    access,
    candidates,
    consents,
    pages,
    paper_code_views,
    paper_codes,
    registrations,
    service,
    work_history,
)
from validation.dossiers.inputs import CandidateCreate, ConsentCreate, WorkExperienceCreate
from validation.dossiers.models import Candidate, ConsentMethod, ConsentPurpose
from validation.dossiers.paper_codes import FormKind, PaperCode

router = APIRouter()

CANDIDATE_PAGE = "validation/dossiers/candidate.html"
CONSENTS = "validation/dossiers/_consents.html"
WORK = "validation/dossiers/_work_history.html"


def candidate_context(session: Session, candidate_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    candidate = access.get_candidate(session, candidate_id, user=user)
    jobs = work_history.timeline(session, candidate_id)
    return pages.context(
        candidate=candidate, jobs=jobs, active=consents.active(session, candidate_id),
        consent_history=consents.history(session, candidate_id),
        months=work_history.months(jobs, today=pages.today()),
        dossiers=service.visible(session, user=user, candidate_id=candidate_id),
        frameworks=service.published_frameworks(session), **extra)


def back_to_candidate(request: Request, session: Session, candidate_id: int, *, user: User, fragment: str,
                      status_code: int = 200, **extra: Any) -> Response:
    """After a change: the fragment for htmx, else back to the candidate's page (POST, redirect, GET)."""
    htmx = request.headers.get("HX-Request") == "true"
    if htmx or extra.get("error"):
        # htmx swaps no 4xx answer: the fragment carrying the error message comes as a 200.
        return render(request, CANDIDATE_PAGE, fragment, status_code=200 if htmx else status_code,
                      **candidate_context(session, candidate_id, user=user, **extra))
    return RedirectResponse(request.url_for("show_candidate", candidate_id=candidate_id), status_code=303)


@router.get("/candidates", name="list_candidates")
def list_candidates(request: Request, session: SessionDep, user: CaseworkerDep, settings: SettingsDep,
                    id_number: str = "") -> Response:
    found = candidates.visible(session, user=user, id_number=id_number.strip()[:60] or None, settings=settings)
    return render(request, "validation/dossiers/candidate_list.html",
                  **pages.context(candidates=found, id_number=id_number[:60]))


@router.get("/candidates/new", name="new_candidate")
def new_candidate(request: Request, user: CaseworkerDep) -> Response:
    return render(request, "validation/dossiers/candidate_form.html", **pages.context(form={}, self_service=False))


@router.post("/candidates", name="register_candidate")
def register_candidate(request: Request, session: SessionDep, user: CaseworkerDep, settings: SettingsDep,
                       form: FormDep) -> Response:
    try:
        data = forms.parse(CandidateCreate, form)
        registration = candidates.register(session, data, by=user, settings=settings)
        slip = _slip_code(session, registration.candidate, user)
    except AcquisError as problem:
        return render(request, "validation/dossiers/candidate_form.html", status_code=problem.status_code,
                      **pages.context(form=forms.fields(form, allowed=set(CandidateCreate.model_fields)),
                                      error=problem.message, self_service=False))
    session.commit()
    return render(request, "validation/dossiers/candidate_slip.html", status_code=201,
                  headers={"Cache-Control": "no-store"},
                  **pages.context(candidate=registration.candidate, password=registration.one_time_password,
                                  paper=paper_code_views.shown(request, slip)))


@router.get("/candidates/{candidate_id}", name="show_candidate")
def show_candidate(request: Request, session: SessionDep, user: UserDep, candidate_id: int) -> Response:
    if user.role == Role.CANDIDATE:
        access.get_candidate(session, candidate_id, user=user)  # 404 for anyone else's
        return RedirectResponse(request.url_for("show_portal"), status_code=303)
    return render(request, CANDIDATE_PAGE, **candidate_context(session, candidate_id, user=user))


@router.post("/candidates/{candidate_id}/slip", name="reprint_slip")
def reprint_slip(request: Request, session: SessionDep, user: CaseworkerDep, candidate_id: int) -> Response:
    candidate, password = candidates.new_one_time_password(session, candidate_id, by=user)
    slip = _slip_code(session, candidate, user)
    session.commit()
    return render(request, "validation/dossiers/candidate_slip.html", headers={"Cache-Control": "no-store"},
                  **pages.context(candidate=candidate, password=password,
                                  paper=paper_code_views.shown(request, slip)))


def _slip_code(session: Session, candidate: Candidate, user: User) -> PaperCode:
    """The slip's code, in the transaction that makes the slip's password (the same code on every reprint)."""
    return paper_codes.issue(session, kind=FormKind.SLIP, candidate_id=candidate.id, by=user)


@router.post("/candidates/{candidate_id}/identity", name="mark_identity_seen")
def mark_identity_seen(request: Request, session: SessionDep, user: CaseworkerDep, candidate_id: int) -> Response:
    candidates.mark_identity_seen(session, candidate_id, by=user)
    session.commit()
    return RedirectResponse(request.url_for("show_candidate", candidate_id=candidate_id), status_code=303)


@router.post("/candidates/{candidate_id}/consents", name="record_consent")
def record_consent(request: Request, session: SessionDep, user: CaseworkerDep, settings: SettingsDep, store: StoreDep,
                   candidate_id: int, form: FormDep) -> Response:
    """An oral consent, or a signed paper form's scan (checked like evidence, stored by its hash)."""
    try:
        data = forms.parse(ConsentCreate, form)
        scan = forms.upload(form, "scan") if data.method == ConsentMethod.PAPER_SCAN else None
        sha256 = consents.store_scan(session, scan.file, filename=scan.filename, store=store,
                                     settings=settings) if scan is not None else None
        consents.record(session, candidate_id, data, by=user, scan_sha256=sha256)
    except AcquisError as problem:
        return back_to_candidate(request, session, candidate_id, user=user, fragment=CONSENTS,
                                 status_code=problem.status_code, error=problem.message)
    session.commit()
    return back_to_candidate(request, session, candidate_id, user=user, fragment=CONSENTS)


@router.post("/consents/{consent_id}/withdraw", name="withdraw_consent")
def withdraw_consent(request: Request, session: SessionDep, user: UserDep, consent_id: int) -> Response:
    consent = consents.withdraw(session, consent_id, by=user)
    session.commit()
    if user.role == Role.CANDIDATE:
        return RedirectResponse(request.url_for("show_my_consents"), status_code=303)
    return back_to_candidate(request, session, consent.candidate_id, user=user,
                             fragment=CONSENTS)


@router.post("/candidates/{candidate_id}/work", name="add_work_experience")
def add_work_experience(request: Request, session: SessionDep, user: UserDep, candidate_id: int,
                        form: FormDep) -> Response:
    try:
        work_history.add(session, candidate_id, forms.parse(WorkExperienceCreate, form), by=user)
    except AcquisError as problem:
        if user.role == Role.CANDIDATE:
            return render(request, "validation/dossiers/portal_work.html", status_code=problem.status_code,
                          **_portal_work_context(session, user, error=problem.message, form=dict(form)))
        return back_to_candidate(request, session, candidate_id, user=user, status_code=problem.status_code,
                                 fragment=WORK, error=problem.message,
                                 work_form=dict(form))
    session.commit()
    if user.role == Role.CANDIDATE:
        return RedirectResponse(request.url_for("show_my_work"), status_code=303)
    return back_to_candidate(request, session, candidate_id, user=user,
                             fragment=WORK)


def _portal_work_context(session: Session, user: User, **extra: Any) -> dict[str, Any]:
    candidate = access.candidate_of(session, user)
    jobs = work_history.timeline(session, candidate.id)
    return pages.context(candidate=candidate, jobs=jobs, months=work_history.months(jobs, today=pages.today()),
                         **extra)


@router.post("/work/{job_id}/remove", name="remove_work_experience")
def remove_work_experience(request: Request, session: SessionDep, user: UserDep, job_id: int,
                           candidate_id: Annotated[int, Form()]) -> Response:
    work_history.remove(session, job_id, by=user)
    session.commit()
    if user.role == Role.CANDIDATE:
        return RedirectResponse(request.url_for("show_my_work"), status_code=303)
    return RedirectResponse(request.url_for("show_candidate", candidate_id=candidate_id), status_code=303)


@router.get("/register", name="self_register_form")
def self_register_form(request: Request, user: OptionalUserDep) -> Response:
    if user is not None:
        return RedirectResponse(request.url_for("show_home"), status_code=303)
    return render(request, "validation/dossiers/candidate_form.html", **pages.context(form={}, self_service=True))


@router.post("/register", name="self_register")
def self_register(request: Request, session: SessionDep, settings: SettingsDep, form: FormDep) -> Response:
    """A candidate registers alone: their own password, and their clicked consent to processing.

    Whether the phone or ID number was free or already registered, the answer is the same: on to the login
    page, which says what to do if logging in fails (registrations.py keeps the conflict for a counsellor).
    """
    allowed = set(CandidateCreate.model_fields) - {"identity_seen"}
    try:
        if form.get(f"consent_{ConsentPurpose.PROCESSING.value}") != "on":
            raise consents.ConsentMissing(gettext("Cochez l’accord pour le traitement de votre dossier : "
                                                  "il est obligatoire."))
        data = forms.parse(CandidateCreate, _without(form, "identity_seen"))
        password = form.get("password")
        registrations.self_register(
            session, data, password=password if isinstance(password, str) else "",
            purposes=[purpose for purpose in ConsentPurpose if form.get(f"consent_{purpose.value}") == "on"],
            client=request.client.host if request.client else None, settings=settings)
    except AcquisError as problem:
        return render(request, "validation/dossiers/candidate_form.html", status_code=problem.status_code,
                      **pages.context(form=forms.fields(form, allowed=allowed), error=problem.message,
                                      self_service=True))
    session.commit()
    return RedirectResponse(request.url_for("login_form").include_query_params(next="/portal", registered="1"),
                            status_code=303)


@router.get("/registrations", name="list_registration_conflicts")
def list_registration_conflicts(request: Request, session: SessionDep, user: CaseworkerDep) -> Response:
    """Self-registrations naming a phone or ID number already registered, to reconcile with the person."""
    return render(request, "validation/dossiers/registration_conflicts.html",
                  **pages.context(conflicts=registrations.pending(session, user=user)))


@router.post("/registrations/{conflict_id}/resolve", name="resolve_registration_conflict")
def resolve_registration_conflict(request: Request, session: SessionDep, user: CaseworkerDep, conflict_id: int,
                                  note: Annotated[str, Form(max_length=500)] = "") -> Response:
    registrations.resolve(session, conflict_id, by=user, note=note)
    session.commit()
    return RedirectResponse(request.url_for("list_registration_conflicts"), status_code=303)


def _without(form: FormData, name: str) -> FormData:
    return FormData([(key, value) for key, value in form.multi_items() if key != name])
