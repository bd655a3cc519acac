"""Dossier pages for staff: list, open, status moves, admissibility, portfolio snapshot, attestation form."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import CaseworkerDep, RegistrarDep, UserDep
from acquis.auth.models import Role, User
from acquis.auth.service import users_with_roles
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import AcquisError
from acquis.forms import FormDep
from acquis.web import render, show_refusal
from validation.dossiers import (
    access,
    admissibility,
    consents,
    evidence,
    held,
    pages,
    paper_code_views,
    portfolio,
    search,
    service,
    status,
)
from validation.dossiers.paper_codes import FormKind
from validation.dossiers.status import DossierStatus

router = APIRouter()

DOSSIER_PAGE = "validation/dossiers/dossier.html"
MAX_PAGE = 1_000_000
STATUS_FRAGMENT = "validation/dossiers/_dossier_status.html"


def dossier_context(session: Session, dossier_id: int, *, user: User, request: Request | None = None,
                    **extra: Any) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    kept = held.of_dossier(request, session, dossier) if request is not None else []
    items = evidence.of_dossier(session, dossier_id) if access.may_see_evidence(user, dossier) else []
    moves = service.open_moves(session, dossier, user=user)
    return pages.context(
        dossier=dossier, candidate=service.candidate_of(session, dossier),
        framework=service.framework_of(session, dossier),
        units=service.units(session, dossier_id), history=service.history(session, dossier_id), items=items,
        links=evidence.links_of(session, [item.id for item, _ in items]),
        needs=portfolio.needs(session, dossier, held=[unit.unit_id for unit in kept]), held=kept,
        snapshots=portfolio.snapshots(session, dossier_id), moves=moves,
        can_decide=_can(dossier, user, DossierStatus.ADMISSIBLE),
        can_submit_portfolio=portfolio.can_submit(session, dossier, user=user),
        can_reopen=service.refusal_to_reopen(session, dossier, user=user) is None,
        accepts_evidence=evidence.can_add(session, dossier, user=user), is_staff=access.is_staff_for(user),
        counsellors=users_with_roles(session, [Role.COUNSELLOR]) if user.role in access.SEE_ALL else [],
        **extra)


def _can(dossier: Any, user: User, target: DossierStatus) -> bool:
    return target in status.moves_for(dossier.status, user.role)


def back_to_dossier(request: Request, session: Session, dossier_id: int, *, user: User,
                    status_code: int = 200, **extra: Any) -> Response:
    """After a move: the status fragment for htmx, the page with the error, or a redirect to the page."""
    htmx = request.headers.get("HX-Request") == "true"
    if htmx or extra.get("error"):
        # htmx swaps no 4xx answer: the fragment carrying the error message comes as a 200.
        return render(request, DOSSIER_PAGE, STATUS_FRAGMENT, status_code=200 if htmx else status_code,
                      **dossier_context(session, dossier_id, user=user, request=request, **extra))
    target = "show_portal_dossier" if user.role == Role.CANDIDATE else "show_dossier"
    return RedirectResponse(request.url_for(target, dossier_id=dossier_id), status_code=303)


@router.get("/dossiers", name="list_dossiers")
def list_dossiers(request: Request, session: SessionDep, user: CaseworkerDep, settings: SettingsDep,
                  status: str = "", q: str = "",
                  page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
    """The dossiers found by number, phone or name (and state), newest first, a page at a time."""
    chosen = DossierStatus(status) if status in DossierStatus.__members__.values() else None
    found = search.dossiers(session, user=user, settings=settings, query=q, status=chosen,
                            page=page)
    return render(request, "validation/dossiers/dossier_list.html", **pages.context(
        dossiers=found.dossiers, found=found, q=q, chosen=chosen,
        names=service.names_of(session, found.dossiers),
        frameworks=service.frameworks_of(session, found.dossiers),
        duplicates=evidence.duplicates_elsewhere(session, user=user)))


@router.get("/candidates/{candidate_id}/dossiers/new", name="new_dossier")
def new_dossier(request: Request, session: SessionDep, user: CaseworkerDep, candidate_id: int,
                framework_id: int | None = None) -> Response:
    candidate = access.get_candidate(session, candidate_id, user=user)
    frameworks = service.openable_frameworks(session, candidate_id)
    chosen = next((f for f in frameworks if f.id == framework_id), None)
    kept = held.of(request, session, candidate_id, chosen.id) if chosen and chosen.id else []
    return render(request, "validation/dossiers/dossier_new.html", **pages.context(
        candidate=candidate, frameworks=frameworks, chosen=chosen, held=kept,
        units=service.framework_units(session, chosen.id) if chosen and chosen.id else []))


@router.post("/candidates/{candidate_id}/dossiers", name="create_dossier")
def create_dossier(request: Request, session: SessionDep, user: UserDep, candidate_id: int,
                   form: FormDep) -> Response:
    try:
        framework_id = int(str(form.get("framework_id") or "0"))
        unit_ids = [int(str(value)) for value in form.getlist("unit_ids") if str(value).isdigit()]
        kept = [unit.unit_id for unit in held.of(request, session, candidate_id, framework_id)]
        dossier = service.create(session, candidate_id, framework_id=framework_id, unit_ids=unit_ids, by=user,
                                 held=kept)
    except (AcquisError, ValueError) as problem:
        message = problem.message if isinstance(problem, AcquisError) else str(problem)
        code = problem.status_code if isinstance(problem, AcquisError) else 422
        candidate = access.get_candidate(session, candidate_id, user=user)
        return render(request, "validation/dossiers/dossier_new.html", status_code=code, **pages.context(
            candidate=candidate, frameworks=service.openable_frameworks(session, candidate_id), chosen=None, units=[],
            error=message))
    session.commit()
    target = "show_portal_dossier" if user.role == Role.CANDIDATE else "show_dossier"
    return RedirectResponse(request.url_for(target, dossier_id=dossier.id), status_code=303)


@router.get("/dossiers/{dossier_id}", name="show_dossier")
def show_dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    if user.role == Role.CANDIDATE:
        access.get_dossier(session, dossier_id, user=user)
        return RedirectResponse(request.url_for("show_portal_dossier", dossier_id=dossier_id), status_code=303)
    return render(request, DOSSIER_PAGE, **dossier_context(session, dossier_id, user=user, request=request))


@router.post("/dossiers/{dossier_id}/move", name="move_dossier")
def move_dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: int,
                 to: Annotated[str, Form(max_length=40)],
                 reason: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        target = DossierStatus(to)
        service.move(session, dossier_id, target, by=user, reason=reason)
    except ValueError:
        return back_to_dossier(request, session, dossier_id, user=user, status_code=422,
                               error=status.TransitionNotAllowed().message)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: back_to_dossier(
            request, session, dossier_id, user=user, status_code=problem.status_code, error=problem.message))
    session.commit()
    return back_to_dossier(request, session, dossier_id, user=user)


@router.post("/dossiers/{dossier_id}/reopen", name="reopen_dossier")
def reopen_dossier(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    service.reopen(session, dossier_id, by=user)
    session.commit()
    return back_to_dossier(request, session, dossier_id, user=user)


@router.post("/dossiers/{dossier_id}/portfolio", name="submit_portfolio")
def submit_portfolio(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    try:
        portfolio.submit(session, dossier_id, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: back_to_dossier(
            request, session, dossier_id, user=user, status_code=problem.status_code, error=problem.message))
    session.commit()
    return back_to_dossier(request, session, dossier_id, user=user)


@router.get("/snapshots/{snapshot_id}.json", name="download_snapshot")
def download_snapshot(session: SessionDep, user: UserDep, snapshot_id: int) -> Response:
    """The frozen manifest, byte for byte the text its SHA-256 was taken over."""
    snapshot = portfolio.get_snapshot(session, snapshot_id, user=user)
    return Response(portfolio.canonical(snapshot.manifest), media_type="application/json", headers={
        "Content-Disposition": f'attachment; filename="portfolio-{snapshot.dossier_id}-{snapshot.id}.json"',
        "Cache-Control": "private, no-store"})


@router.get("/dossiers/{dossier_id}/admissibility", name="show_admissibility")
def show_admissibility(request: Request, session: SessionDep, user: RegistrarDep, dossier_id: int) -> Response:
    return render(request, "validation/dossiers/dossier_admissibility.html",
                  **_admissibility_context(request, session, dossier_id, user=user))


def _admissibility_context(request: Request, session: Session, dossier_id: int, *, user: User,
                           **extra: Any) -> dict[str, Any]:
    context = dossier_context(session, dossier_id, user=user, request=request, **extra)
    context["review"] = admissibility.review(session, context["dossier"])
    context["consents_active"] = consents.active(session, context["candidate"].id)
    return context


@router.post("/dossiers/{dossier_id}/admissibility", name="decide_admissibility")
def decide_admissibility(request: Request, session: SessionDep, user: RegistrarDep, dossier_id: int,
                         form: FormDep) -> Response:
    decision = str(form.get("decision") or "")
    missing = [str(v) for v in form.getlist("missing")] + str(form.get("missing_other") or "").splitlines()
    try:
        if not admissibility.is_decision(decision):
            raise status.TransitionNotAllowed()
        admissibility.decide(session, dossier_id, decision=decision, by=user, missing=missing,
                             reason=str(form.get("reason") or ""), advice=str(form.get("advice") or ""))
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, "validation/dossiers/dossier_admissibility.html", status_code=problem.status_code,
            **_admissibility_context(request, session, dossier_id, user=user, error=problem.message)))
    session.commit()
    return RedirectResponse(request.url_for("show_dossier", dossier_id=dossier_id), status_code=303)


@router.post("/dossiers/{dossier_id}/counsellor", name="assign_counsellor")
def assign_counsellor(request: Request, session: SessionDep, user: RegistrarDep, dossier_id: int,
                      counsellor_id: Annotated[str, Form()] = "") -> Response:
    chosen = int(counsellor_id) if counsellor_id.isdigit() else None
    service.assign_counsellor(session, dossier_id, counsellor_id=chosen, by=user)
    session.commit()
    return RedirectResponse(request.url_for("show_dossier", dossier_id=dossier_id), status_code=303)


@router.get("/dossiers/{dossier_id}/attestation-form", name="print_attestation_form")
def print_attestation_form(request: Request, session: SessionDep, user: UserDep, dossier_id: int) -> Response:
    """A blank form for a trusted third party to attest the candidate's work, to print and carry."""
    dossier = access.get_dossier(session, dossier_id, user=user)
    paper = paper_code_views.printed(request, FormKind.ATTESTATION, candidate_id=dossier.candidate_id,
                                     dossier_id=dossier_id, user=user)
    return render(request, "validation/dossiers/attestation_form.html", **pages.context(
        dossier=dossier, candidate=service.candidate_of(session, dossier),
        framework=service.framework_of(session, dossier), units=service.units(session, dossier_id), paper=paper))
