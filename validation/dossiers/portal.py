"""The candidate portal: phone-sized pages in plain words, with a pictogram beside each step."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import SESSION_COOKIE, UserDep, require_roles
from acquis.auth.models import Role, User
from acquis.auth.service import PasswordRefused
from acquis.db import SessionDep
from acquis.deps import SettingsDep, app_settings
from acquis.errors import AcquisError
from acquis.web import render
from validation.dossiers import (
    access,
    candidates,
    consents,
    evidence,
    export,
    held,
    lapse,
    pages,
    paper_code_views,
    portfolio,
    service,
    work_history,
)
from validation.dossiers.inputs import ConsentCreate
from validation.dossiers.models import Candidate, ConsentMethod, ConsentPurpose
from validation.dossiers.paper_codes import FormKind
from validation.dossiers.status import DossierStatus

router = APIRouter()

CandidateDep = Annotated[User, require_roles(Role.CANDIDATE)]


def _me(session: Session, user: User) -> Candidate:
    return access.candidate_of(session, user)


def _password_first(request: Request, candidate: Candidate) -> Response | None:
    # The slip's one-time password is replaced before anything else.
    if candidate.password_temporary:
        return RedirectResponse(request.url_for("show_password_form"), status_code=303)
    return None


@router.get("/portal", name="show_portal")
def show_portal(request: Request, session: SessionDep, user: CandidateDep) -> Response:
    candidate = _me(session, user)
    if redirect := _password_first(request, candidate):
        return redirect
    dossiers = service.visible(session, user=user)
    return render(request, "validation/dossiers/portal.html", **pages.context(
        candidate=candidate, dossiers=dossiers,
        frameworks={d.id: service.framework_of(session, d) for d in dossiers},
        has_processing=consents.has(session, candidate.id, ConsentPurpose.PROCESSING),
        jobs=work_history.timeline(session, candidate.id)))


@router.get("/portal/dossiers/new", name="new_my_dossier", include_in_schema=False)
def new_my_dossier(request: Request, session: SessionDep, user: CandidateDep) -> Response:
    candidate = _me(session, user)
    if redirect := _password_first(request, candidate):
        return redirect
    return render(request, "validation/dossiers/portal_dossier_new.html", **pages.context(
        candidate=candidate, frameworks=service.openable_frameworks(session, candidate.id)))


@router.get("/portal/dossiers/{dossier_id}", name="show_portal_dossier")
def show_portal_dossier(request: Request, session: SessionDep, user: CandidateDep, dossier_id: int) -> Response:
    candidate = _me(session, user)
    if redirect := _password_first(request, candidate):
        return redirect
    return render(request, "validation/dossiers/portal_dossier.html",
                  **portal_dossier_context(request, session, dossier_id, user=user, candidate=candidate))


def portal_dossier_context(request: Request, session: Session, dossier_id: int, *, user: User,
                           candidate: Candidate, **extra: Any) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    history = service.history(session, dossier_id)
    moves = service.open_moves(session, dossier, user=user)
    kept = held.of_dossier(request, session, dossier)
    return pages.context(
        candidate=candidate, dossier=dossier, framework=service.framework_of(session, dossier), held=kept,
        needs=portfolio.needs(session, dossier, held=[unit.unit_id for unit in kept]),
        items=evidence.of_dossier(session, dossier_id),
        last=history[-1] if history else None, snapshots=portfolio.snapshots(session, dossier_id),
        can_submit=DossierStatus.SUBMITTED in moves, can_start=DossierStatus.PORTFOLIO_IN_PROGRESS in moves,
        can_submit_portfolio=portfolio.can_submit(session, dossier, user=user),
        can_withdraw=DossierStatus.WITHDRAWN in moves,
        can_reopen=service.refusal_to_reopen(session, dossier, user=user) is None,
        accepts_evidence=evidence.can_add(session, dossier, user=user),
        lapses_on=lapse.lapse_date(dossier, settings=app_settings(request)), **extra)


@router.get("/portal/consents", name="show_my_consents")
def show_my_consents(request: Request, session: SessionDep, user: CandidateDep) -> Response:
    if redirect := _password_first(request, _me(session, user)):
        return redirect
    return render(request, "validation/dossiers/portal_consents.html", **_consents_context(session, user))


def _consents_context(session: Session, user: User, **extra: Any) -> dict[str, Any]:
    candidate = _me(session, user)
    return pages.context(candidate=candidate, active=consents.active(session, candidate.id),
                         consent_history=consents.history(session, candidate.id), **extra)


@router.post("/portal/consents", name="give_consent")
def give_consent(request: Request, session: SessionDep, user: CandidateDep,
                 purpose: Annotated[str, Form(max_length=40)]) -> Response:
    candidate = _me(session, user)
    try:
        data = ConsentCreate(purpose=ConsentPurpose(purpose), method=ConsentMethod.CLICKED,
                             language=candidate.preferred_language)
        consents.record(session, candidate.id, data, by=user)
    except (AcquisError, ValueError) as problem:
        message = problem.message if isinstance(problem, AcquisError) else consents.ConsentMethodRefused().message
        return render(request, "validation/dossiers/portal_consents.html", status_code=422,
                      **_consents_context(session, user, error=message))
    session.commit()
    return RedirectResponse(request.url_for("show_my_consents"), status_code=303)


@router.get("/portal/password", name="show_password_form")
def show_password_form(request: Request, session: SessionDep, user: CandidateDep) -> Response:
    return render(request, "validation/dossiers/portal_password.html",
                  **pages.context(candidate=_me(session, user), needs_current=bool(user.password_hash)))


@router.post("/portal/password", name="change_password")
def change_password(request: Request, session: SessionDep, user: CandidateDep, settings: SettingsDep,
                    new: Annotated[str, Form(max_length=200)],
                    again: Annotated[str, Form(max_length=200)],
                    current: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The candidate's own password; the current one is asked unless the slip's was spent by this login."""
    try:
        if new != again:
            raise PasswordRefused()
        candidates.change_password(session, user, current=current, new=new, settings=settings,
                                   keep_session=request.cookies.get(SESSION_COOKIE))
    except AcquisError as problem:
        return render(request, "validation/dossiers/portal_password.html", status_code=problem.status_code,
                      **pages.context(candidate=_me(session, user), error=problem.message,
                                      needs_current=bool(user.password_hash)))
    session.commit()
    return RedirectResponse(request.url_for("show_portal"), status_code=303)


@router.post("/portal/check-alerts", name="set_check_alerts")
def set_check_alerts(request: Request, session: SessionDep, user: CandidateDep,
                     on: Annotated[bool, Form()]) -> Response:
    """On or off: an SMS the day someone checks the holder's certificate and finds it valid."""
    candidates.tell_when_checked(session, user, on=on)
    session.commit()
    return RedirectResponse(request.url_for("show_portal"), status_code=303)


@router.get("/portal/work", name="show_my_work")
def show_my_work(request: Request, session: SessionDep, user: CandidateDep) -> Response:
    candidate = _me(session, user)
    if redirect := _password_first(request, candidate):
        return redirect
    jobs = work_history.timeline(session, candidate.id)
    return render(request, "validation/dossiers/portal_work.html", **pages.context(
        candidate=candidate, jobs=jobs, months=work_history.months(jobs, today=pages.today()),
        form={}))


@router.get("/candidates/{candidate_id}/export.json", name="export_candidate")
def export_candidate(session: SessionDep, user: UserDep, candidate_id: int) -> Response:
    """The whole file as JSON: for the candidate to take away, or for staff on the candidate's request."""
    candidate = access.get_candidate(session, candidate_id, user=user)
    body = json.dumps(export.candidate_data(session, candidate, user=user), ensure_ascii=False, indent=2)
    return Response(body.encode(), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="acquis-dossier-{candidate.id}.json"',
        "Cache-Control": "private, no-store"})


@router.get("/candidates/{candidate_id}/summary.pdf", name="download_candidate_summary")
def download_candidate_summary(request: Request, session: SessionDep, user: UserDep, candidate_id: int) -> Response:
    candidate = access.get_candidate(session, candidate_id, user=user)
    paper = paper_code_views.printed(request, FormKind.SUMMARY, candidate_id=candidate_id, user=user)
    pdf = export.summary_pdf(session, candidate, user=user, paper=paper)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="acquis-dossier-{candidate.id}.pdf"',
        "Cache-Control": "private, no-store"})
