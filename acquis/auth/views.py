"""Logging in and out through the browser, changing one's password, and the admin's list of accounts."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from acquis.auth import service
from acquis.auth.guard import SESSION_COOKIE, AdminDep, OptionalUserDep, StaffDep
from acquis.auth.models import ROLE_LABELS, Role, UserCreate
from acquis.config import Settings
from acquis.db import SessionDep
from acquis.deps import SettingsDep
from acquis.errors import AcquisError
from acquis.web import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    # Only local paths: an absolute or scheme-relative URL would make /login an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", name="login_form")
def login_form(request: Request, user: OptionalUserDep, next: str | None = None, registered: bool = False) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "acquis/login.html", next=safe_next(next), login="", registered=registered)


@router.post("/login", name="log_in")
def log_in(
    request: Request,
    settings: SettingsDep,
    login: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    state = request.app.state
    client = request.client.host if request.client else None
    try:
        # The password is checked in a read session: on SQLite a write transaction holds the database's
        # only write lock, and argon2 must not hold it (nor wait for a free slot while holding it).
        with Session(state.read_engine) as reader:
            attempt = service.check_password(reader, login=login, password=password, client=client,
                                             settings=settings, phone_logins=getattr(state, "phone_logins", None))
        token = _open_session(state.engine, attempt, settings=settings)
    except AcquisError as failure:
        return render(request, "acquis/login.html", status_code=failure.status_code,
                      error=failure.message, next=safe_next(next), login=login)
    return with_session_cookie(RedirectResponse(safe_next(next), status_code=303), token, settings=settings)


def with_session_cookie(response: Response, token: str, *, settings: Settings) -> Response:
    """The response, setting the cookie of a session just opened (by a password here, or a code sent by SMS)."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.secure_cookies,
                        max_age=settings.session_hours * 3600, path="/")
    return response


def _open_session(engine: Engine, attempt: service.LoginAttempt, *, settings: Settings) -> str:
    """The new session's cookie token; or LoginFailed, after committing the failure's counts."""
    with Session(engine) as session:
        try:
            user = service.conclude_login(session, attempt, settings=settings)
        finally:
            session.commit()  # a refused login still counts
        token = service.open_session(session, user, settings=settings)
        session.commit()
        return token


@router.post("/logout", name="log_out")
def log_out(request: Request, session: SessionDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.close_session(session, token)
        session.commit()
    response = RedirectResponse(request.url_for("login_form"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", name="show_account_password_form")
def show_account_password_form(request: Request, user: StaffDep) -> Response:
    return render(request, "acquis/account_password.html")


@router.post("/account/password", name="change_account_password")
def change_account_password(request: Request, session: SessionDep, user: StaffDep, settings: SettingsDep,
                            current: Annotated[str, Form(max_length=200)], new: Annotated[str, Form(max_length=200)],
                            again: Annotated[str, Form(max_length=200)]) -> Response:
    """Staff change their own password: their other sessions end, this one stays open."""
    try:
        if new != again:
            raise service.PasswordRefused()
        service.change_own_password(session, user, current=current, new=new, settings=settings,
                                    keep_session=request.cookies.get(SESSION_COOKIE))
    except AcquisError as problem:
        return render(request, "acquis/account_password.html", status_code=problem.status_code,
                      error=problem.message)
    session.commit()
    return render(request, "acquis/account_password.html", changed=True)


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
