"""The shell's own pages: home, language switch, health check."""

import logging
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from acquis import i18n, migrate
from acquis.auth.guard import OptionalUserDep
from acquis.auth.models import ROLE_LABELS
from acquis.auth.views import safe_next
from acquis.deps import SettingsDep
from acquis.web import render

log = logging.getLogger("acquis")
router = APIRouter()
# Seconds a worker reuses its health answer: however often load balancers probe, at most one query per period.
HEALTH_TTL = 2.0


@router.get("/", name="show_home")
def show_home(request: Request, user: OptionalUserDep) -> Response:
    return render(request, "acquis/home.html", user=user, role_labels=ROLE_LABELS)


@router.get("/language/{lang}", name="switch_language")
def switch_language(settings: SettingsDep, lang: str, next: str | None = None) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax",
                            secure=settings.secure_cookies, path="/")
    return response


@router.get("/healthz", name="check_health", responses={503: {
    "description": "The database cannot be reached, or its schema is not this release's: the reason, in one line"}})
def check_health(request: Request) -> Response:
    """200 while this instance can serve; else 503 and why, so that a load balancer sends the traffic elsewhere."""
    problem = health_problem(request.app)
    headers = {"Cache-Control": "no-store"}
    if problem:
        return JSONResponse({"status": "unavailable", "reason": problem}, status_code=503, headers=headers)
    return JSONResponse({"status": "ok"}, headers=headers)


def health_problem(app: FastAPI) -> str | None:
    """The database answers and is at this code's migration, checked at most every HEALTH_TTL seconds."""
    checked_at, problem = getattr(app.state, "health", (None, None))
    now = time.monotonic()
    if checked_at is not None and now - checked_at < HEALTH_TTL:
        return problem
    try:
        problem = migrate.schema_problem(migrate.applied(app.state.read_engine))
    except SQLAlchemyError as error:
        # The details (host, port, driver message) go to the log, not to whoever asks: /healthz is public.
        log.warning("health check: the database cannot be reached: %s", str(error).splitlines()[0])
        problem = "the database cannot be reached"
    app.state.health = (now, problem)
    return problem


@router.get("/docs", name="show_api_docs", include_in_schema=False)
def show_api_docs(request: Request) -> Response:
    """The JSON API, read from the app's own OpenAPI document (no third-party viewer)."""
    schema = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, "summary": op.get("summary", ""),
         "description": op.get("description", ""), "parameters": op.get("parameters", []),
         "has_body": "requestBody" in op}
        for path, item in schema.get("paths", {}).items()
        if path.startswith("/api/") or path.startswith("/.well-known/")
        for method, op in item.items()
    ]
    return render(request, "acquis/api_docs.html", operations=operations, version=schema["info"]["version"])
