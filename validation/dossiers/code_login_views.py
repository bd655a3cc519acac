"""The login page's other way in: a code sent by SMS to the candidate's phone (plain forms, no JavaScript)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from acquis.auth import service as auth_service
from acquis.auth.guard import OptionalUserDep
from acquis.auth.views import with_session_cookie
from acquis.db import SessionDep, utcnow
from acquis.deps import SettingsDep
from acquis.errors import AcquisError
from acquis.phones import PhoneInvalid
from acquis.web import render
from validation.dossiers import code_login

router = APIRouter()
PAGE = "validation/dossiers/code_login.html"


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.get("/login/code", name="code_login_form")
def code_login_form(request: Request, user: OptionalUserDep) -> Response:
    if user is not None:
        return RedirectResponse(request.url_for("show_home"), status_code=303)
    return render(request, PAGE, step="phone", phone="")


@router.post("/login/code", name="send_login_code")
def send_login_code(request: Request, session: SessionDep, settings: SettingsDep,
                    phone: Annotated[str, Form(max_length=40)]) -> Response:
    """The same page whether anyone registered the phone: on to typing the code."""
    try:
        code_login.send_code(session, phone, client=_client(request), settings=settings,
                             now=utcnow())
    except AcquisError as problem:
        return render(request, PAGE, status_code=problem.status_code, step="phone", phone=phone,
                      error=problem.message)
    session.commit()
    return render(request, PAGE, step="code", phone=phone, sent=True)


@router.post("/login/code/check", name="log_in_with_code")
def log_in_with_code(request: Request, session: SessionDep, settings: SettingsDep,
                     phone: Annotated[str, Form(max_length=40)],
                     code: Annotated[str, Form(max_length=20)]) -> Response:
    try:
        user = code_login.log_in(session, phone, code, client=_client(request), settings=settings, now=utcnow())
        token = auth_service.open_session(session, user, settings=settings)
    except AcquisError as problem:
        session.commit()  # a wrong code still counts, against the code and the client
        step = "phone" if isinstance(problem, PhoneInvalid) else "code"
        return render(request, PAGE, status_code=problem.status_code, step=step, phone=phone, error=problem.message)
    session.commit()
    return with_session_cookie(RedirectResponse(request.url_for("show_portal"), status_code=303), token,
                               settings=settings)
