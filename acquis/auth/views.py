"""Logging in and out through the browser."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from acquis.auth import service
from acquis.auth.guard import SESSION_COOKIE, AdminDep, OptionalUserDep
from acquis.auth.models import ROLE_LABELS, Role, UserCreate
from acquis.db import SessionDep
from acquis.errors import AcquisError
from acquis.web import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    # Only local paths: an absolute or scheme-relative URL would make /login an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", name="login_form")
def login_form(request: Request, user: OptionalUserDep, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "acquis/login.html", next=safe_next(next), login="")


@router.post("/login", name="log_in")
def log_in(
    request: Request,
    session: SessionDep,
    login: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = request.app.state.settings
    try:
        user = service.authenticate(session, login=login, password=password, settings=settings)
    except AcquisError as failure:
        session.commit()  # keep the failure count even though the login is refused
        return render(request, "acquis/login.html", status_code=failure.status_code,
                      error=failure.message, next=safe_next(next), login=login)
    token = service.open_session(session, user, settings=settings)
    session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=settings.secure_cookies, max_age=settings.session_hours * 3600, path="/")
    return response


@router.post("/logout", name="log_out")
def log_out(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.close_session(session, token)
        session.commit()
    response = RedirectResponse(request.url_for("login_form"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response




@router.get("/admin/users", name="list_users")
def list_users(request: Request, session: SessionDep, user: AdminDep) -> Response:
    return render(request, "acquis/users.html", users=service.all_users(session), roles=list(Role),
                  role_labels=ROLE_LABELS, form={})


@router.post("/admin/users", name="create_user")
def create_user(
    request: Request,
    session: SessionDep,
    user: AdminDep,
    login: Annotated[str, Form()],
    name: Annotated[str, Form()],
    role: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    form = {"login": login, "name": name, "role": role}
    try:
        data = UserCreate.model_validate({**form, "password": password})
        created = service.create_user(session, data, by=user)
    except (ValidationError, AcquisError) as problem:
        message = problem.message if isinstance(problem, AcquisError) else _first_error(problem)
        return render(request, "acquis/users.html", status_code=422, error=message, form=form,
                      users=service.all_users(session), roles=list(Role), role_labels=ROLE_LABELS)
    session.commit()
    return render(request, "acquis/users.html", status_code=201, created=created, form={},
                  users=service.all_users(session), roles=list(Role), role_labels=ROLE_LABELS)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
