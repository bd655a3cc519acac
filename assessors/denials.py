"""Assessors asking for what they were not assigned get "not found", and the attempt is audited."""

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlmodel import Session

from acquis import audit
from acquis.auth.models import Role
from acquis.errors import NotFound
from acquis.web import error_response


def install(app: FastAPI) -> None:
    """Answer every "not found" as the shell does; for an assessor, also append it to the audit chain."""

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        user = getattr(request.state, "user", None)
        if user is not None and user.role == Role.ASSESSOR:
            # A session of its own: the request's session is already closed (and rolled back) here.
            with Session(request.app.state.engine) as session:
                audit.record(session, actor=user, action="access.denied", entity_type="path",
                             entity_id=request.url.path[:120], detail={"method": request.method})
                session.commit()
        return error_response(request, exc.status_code, exc.message, exc.code)
