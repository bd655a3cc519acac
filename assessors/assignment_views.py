"""Pages of the assignment: the work list, the registrar's control page of a dossier (assessor,
moderator, jury, decision, appeal), and the conflict-of-interest declaration."""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import RegistrarDep, StaffDep, UserDep, require_roles
from acquis.auth.models import Role, User
from acquis.db import SessionDep
from acquis.deps import app_settings
from acquis.errors import AcquisError
from acquis.web import render, show_refusal
from assessors import appeals, assignment, jury, moderation, pages, service
from assessors.models import DossierAssessment
from validation.dossiers import access
from validation.dossiers import service as dossiers
from validation.dossiers.models import AccessPurpose

router = APIRouter()

WorkerDep = Annotated[User, require_roles(Role.ASSESSOR, Role.REGISTRAR, Role.ADMIN)]
CONTROL = "assessors/control.html"
WORK_PAGE = 25  # assignments a page of the work list shows: a phone screen or two, 0.2 ms each to serve
QUEUE_SHOWN = 50  # dossiers waiting for the registrar shown on the work list
MAX_PAGE = 1_000_000


@router.get("/assessments", name="list_assessments")
def list_assessments(request: Request, session: SessionDep, user: WorkerDep,
                     page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
    """The caller's open assignments, a page at a time (pending declarations first); for the registrar,
    the dossiers waiting longest for them too (the dossier list finds the others by state)."""
    # One row more than the page shows says whether another page follows, without counting them all.
    rows = assignment.mine(session, user, offset=(page - 1) * WORK_PAGE, limit=WORK_PAGE + 1)
    mine = rows[:WORK_PAGE]
    waiting = assignment.registrar_queue(session, limit=QUEUE_SHOWN + 1) if user.role in access.SEE_ALL else []
    queue = waiting[:QUEUE_SHOWN]
    shown = list(({d.id: d for _, d in mine} | {d.id: d for d in queue}).values())
    return render(request, "assessors/assessments.html", **pages.context(
        mine=mine, page_number=page, more=len(rows) > WORK_PAGE, queue=queue, queue_longer=len(waiting) > QUEUE_SHOWN,
        names=dossiers.names_of(session, shown, passport=True),
        frameworks=dossiers.frameworks_of(session, shown)))


def control_context(request: Request, session: Session, dossier_id: int, *, user: User,
                    **extra: Any) -> dict[str, Any]:
    dossier = access.get_dossier(session, dossier_id, user=user)
    today = pages.today()
    decision = jury.latest(session, dossier_id)
    active, conflicts = service.active(session, dossier_id), assignment.conflicts(session, dossier_id)
    people = {a.user_id for a in active} | {a.user_id for a in conflicts}
    return pages.dossier_context(
        session, dossier, active=active, conflicts=conflicts,
        names={uid: u.name for uid in people if (u := session.get(User, uid))},
        suggestions={purpose: assignment.suggestions(session, dossier, purpose, today=today)
                     for purpose in (AccessPurpose.ASSESS, AccessPurpose.MODERATE, AccessPurpose.JURY)
                     if dossier.status in assignment.ASSIGNABLE[purpose]},
        state=session.get(DossierAssessment, dossier_id),
        pending_moderation=moderation.pending(session, dossier_id),
        jury_problems=jury.problems(session, dossier, today=today), decision=decision,
        appeal=appeals.of_decision(session, decision.id) if decision else None,
        officers=appeals.officers(session, decision) if decision else [],
        appeal_ends=appeals.window_ends(decision, settings=app_settings(request)) if decision else None,
        **extra)


@router.get("/dossiers/{dossier_id}/assignments", name="show_assignments")
def show_assignments(request: Request, session: SessionDep, user: RegistrarDep, dossier_id: int) -> Response:
    return render(request, CONTROL, **control_context(request, session, dossier_id, user=user))


@router.post("/dossiers/{dossier_id}/assignments", name="assign_dossier")
def assign_dossier(request: Request, session: SessionDep, user: RegistrarDep, dossier_id: int,
                   user_id: Annotated[int, Form()], purpose: Annotated[str, Form(max_length=20)],
                   president: Annotated[str, Form(max_length=5)] = "") -> Response:
    try:
        chosen = AccessPurpose(purpose) if purpose in AccessPurpose.__members__.values() else None
        if chosen is None:
            raise assignment.NotAssignable()
        assignment.assign(session, dossier_id, user_id=user_id, purpose=chosen, by=user, today=pages.today(),
                          president=president == "on")
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, CONTROL, status_code=problem.status_code,
            **control_context(request, session, dossier_id, user=user, error=problem.message)))
    session.commit()
    return RedirectResponse(request.url_for("show_assignments", dossier_id=dossier_id), status_code=303)


@router.post("/assignments/{assignment_id}/end", name="end_assignment")
def end_assignment(request: Request, session: SessionDep, user: RegistrarDep, assignment_id: int) -> Response:
    row = assignment.unassign(session, assignment_id, by=user)
    session.commit()
    return RedirectResponse(request.url_for("show_assignments", dossier_id=row.dossier_id), status_code=303)


def _declaration_context(session: Session, assignment_id: int, *, user: User, **extra: Any) -> dict[str, Any]:
    row = assignment.get_mine(session, assignment_id, user=user)
    dossier = service.load_dossier(session, row.dossier_id)
    counsellor = session.get(User, dossier.counsellor_id) if dossier.counsellor_id else None
    # Only what a conflict could turn on: who the candidate is, where from, who counselled them.
    return pages.dossier_context(session, dossier, assignment=row, counsellor=counsellor, **extra)


@router.get("/assignments/{assignment_id}/declaration", name="show_declaration")
def show_declaration(request: Request, session: SessionDep, user: UserDep, assignment_id: int) -> Response:
    return render(request, "assessors/declaration.html", **_declaration_context(session, assignment_id, user=user))


@router.post("/assignments/{assignment_id}/declaration", name="declare_conflict")
def declare_conflict(request: Request, session: SessionDep, user: UserDep, assignment_id: int,
                     conflict: Annotated[str, Form(max_length=5)],
                     details: Annotated[str, Form(max_length=5000)] = "") -> Response:
    try:
        row = assignment.declare(session, assignment_id, conflict=conflict == "yes", details=details, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: render(
            request, "assessors/declaration.html", status_code=problem.status_code,
            **_declaration_context(session, assignment_id, user=user, error=problem.message)))
    session.commit()
    if row.ended_at is not None:
        return RedirectResponse(request.url_for("list_assessments"), status_code=303)
    return RedirectResponse(work_url(request, row.purpose, row.dossier_id), status_code=303)


def work_url(request: Request, purpose: AccessPurpose, dossier_id: int) -> str:
    target = {AccessPurpose.ASSESS: "show_assessment", AccessPurpose.MODERATE: "show_moderation",
              AccessPurpose.JURY: "show_jury"}[purpose]
    return str(request.url_for(target, dossier_id=dossier_id))


@router.get("/dossiers/{dossier_id}/assessment-panel", name="show_assessment_panel")
def show_assessment_panel(request: Request, session: SessionDep, user: StaffDep, dossier_id: int) -> Response:
    """The assessment's side of the staff dossier page (loaded into it by URL: validation imports nothing here).

    Staff only: it names the assessor, moderator and jury and their declarations, which a candidate must not
    read (they could be approached or pressed)."""
    dossier = access.get_dossier(session, dossier_id, user=user)
    decision = jury.latest(session, dossier_id)
    return render(request, "assessors/_panel.html", "assessors/_panel.html", **pages.context(
        dossier=dossier, active=service.active(session, dossier_id), decision=decision,
        names={a.user_id: u.name for a in service.active(session, dossier_id) if (u := session.get(User, a.user_id))},
        is_registrar=user.role in access.SEE_ALL, mine=[a for a in service.active(session, dossier_id)
                                                          if a.user_id == user.id]))
