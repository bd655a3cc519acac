"""Rendering pages and fragments, security headers, language, and error pages for the whole app."""

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError
from sqlmodel import Session
from starlette.datastructures import URL, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute
from starlette.types import Message, Receive, Scope, Send

from acquis import i18n, telemetry
from acquis.asgi_middleware import HttpMiddleware
from acquis.auth.guard import CSRF_COOKIE, LoginRequired, csrf_seed, csrf_token
from acquis.deps import app_settings
from acquis.errors import AcquisError
from acquis.i18n import N_, gettext

log = logging.getLogger("acquis")

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """A folder of files the server reads: inside the package once installed from a wheel (hatch_build.py puts it
    there), else at the top of the checkout (an editable install, the tests). The one place that knows both."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = shipped("templates")
STATIC_DIR = shipped("static")

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

STATUS_TITLES = {
    400: N_("Demande incorrecte"),
    401: N_("Connexion nécessaire"),
    403: N_("Accès refusé"),
    404: N_("Page introuvable"),
    405: N_("Méthode non permise"),
    409: N_("Action impossible"),
    413: N_("Fichier trop volumineux"),
    422: N_("Données non valables"),
    429: N_("Trop de tentatives"),
    500: N_("Erreur du serveur"),
}


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The i18n extension adds install_gettext_callables to the environment when it loads; jinja2's types miss it.
    with_i18n: Any = env
    with_i18n.install_gettext_callables(gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True)
    env.globals["csrf_token"] = csrf_token
    env.globals["url_for"] = url_for  # before Jinja2Templates, which only sets its own if none is set
    env.globals["public_url_for"] = public_url_for
    return Jinja2Templates(env=env)


def include_routers(app: FastAPI, *routers: APIRouter) -> None:
    """Include the routers, and index their routes by name for url_for."""
    if not hasattr(app.state, "routes_by_name"):
        app.state.routes_by_name = {}
    index: dict[str, BaseRoute] = app.state.routes_by_name
    for router in routers:
        app.include_router(router)
        for route in router.routes:
            name = getattr(route, "name", None)
            if isinstance(name, str):
                index.setdefault(name, route)


@jinja2.pass_context
def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> URL:
    """A named route's link for pages (href, action, hx-get): root-relative, never built from the Host header,
    which whoever sends the request chooses (`Host: evil.example` must not end up in a login form's action)."""
    request: Request = context["request"]
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    return URL(root.rstrip("/") + route_path(request, name, **path_params))


@jinja2.pass_context
def public_url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> str:
    """A named route's absolute URL under ACQUIS_PUBLIC_URL, for what leaves the browser (a printed slip)."""
    return public_url(context["request"], name, **path_params)


def public_url(request: Request, name: str, /, **path_params: Any) -> str:
    """A named route's absolute URL under ACQUIS_PUBLIC_URL (API `url` fields, paper), never from the Host header."""
    return app_settings(request).public_url.rstrip("/") + route_path(request, name, **path_params)


def route_path(request: Request, name: str, /, **path_params: Any) -> str:
    """A named route's path, found in the index of include_routers: FastAPI's own lookup walks every included
    router and costs 0.5 to 1 ms a call, most of a page listing a few hundred dossiers."""
    route = getattr(request.app.state, "routes_by_name", {}).get(name)
    return str((route or request.app).url_path_for(name, **path_params))


def render(
    request: Request,
    page: str,
    fragment: str | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """The fragment for an htmx request (HX-Request header), the whole page otherwise."""
    is_htmx = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")
    template = fragment if fragment and is_htmx else page
    context.setdefault("user", getattr(request.state, "user", None))
    context["lang"] = i18n.current_language.get()
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code, headers=headers)


def show_refusal(session: Session, problem: AcquisError, page: Callable[[AcquisError], Response]) -> Response:
    """The form's page again, with the refusal on it; a 404 goes on up to the error page instead.

    A view calls it from ``except AcquisError as problem:``, with ``page`` rendering the form from the problem
    it is given (``status_code=problem.status_code``, ``error=problem.message``). The session is rolled back
    first, always: a refused change leaves nothing half-written, and the page is built from what is stored.
    """
    # Something the caller may not see is "not found" as a page of its own, never a form saying so.
    if problem.status_code == 404:
        raise problem
    session.rollback()
    return page(problem)


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


class ShellMiddleware(HttpMiddleware):
    """Per request: the language, the CSRF seed cookie and the security headers (plain ASGI: see
    acquis/asgi_middleware.py)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        lang = i18n.negotiate(request.query_params.get("lang") or request.cookies.get(i18n.LANG_COOKIE),
                              request.headers.get("accept-language"))
        i18n.current_language.set(lang)
        had_seed = bool(request.cookies.get(CSRF_COOKIE))
        seed = csrf_seed(request)
        secure = app_settings(request).secure_cookies

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not had_seed:
                    cookie = Response()
                    cookie.set_cookie(CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=secure, path="/")
                    headers.append("set-cookie", cookie.headers["set-cookie"])
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                # The verify URLs carry the whole seal; never leak them to other sites.
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Language", lang)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def error_response(request: Request, status: int, message: str, code: str) -> Response:
    # The request's id, on the page and in a header, finds its line in the access log when a user reports it
    # (set here too: a server error's page is sent from outside telemetry.RequestMiddleware).
    request_id = getattr(request.state, "request_id", None)
    headers = {telemetry.REQUEST_ID_HEADER: request_id} if request_id else None
    if wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)
    title = gettext(STATUS_TITLES.get(status, STATUS_TITLES[400]))
    return render(request, "acquis/error.html", status_code=status, title=title, message=message,
                  status=status, request_id=request_id, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AcquisError)
    def domain_error(request: Request, exc: AcquisError) -> Response:
        if isinstance(exc, LoginRequired) and not wants_json(request):
            return RedirectResponse(request.url_for("login_form").include_query_params(
                next=request.url.path), status_code=303)
        return error_response(request, exc.status_code, exc.message, exc.code)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        message = gettext(STATUS_TITLES.get(exc.status_code, STATUS_TITLES[400]))
        return error_response(request, exc.status_code, message, code)

    @app.exception_handler(RequestValidationError)
    def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:])
        message = f"{where}: {first.get('msg', '')}" if where else gettext(STATUS_TITLES[422])
        return error_response(request, 422, message, "invalid")

    @app.exception_handler(OverflowError)
    def number_out_of_range(request: Request, exc: OverflowError) -> Response:
        # SQLite refuses integers beyond 64 bits before looking: no row has such an id.
        return error_response(request, 404, gettext(STATUS_TITLES[404]), "not-found")

    @app.exception_handler(DataError)
    def value_out_of_range(request: Request, exc: DataError) -> Response:
        # PostgreSQL refuses a value its column type cannot hold (a huge id, an overlong text).
        return error_response(request, 422, gettext(STATUS_TITLES[422]), "invalid")

    @app.exception_handler(Exception)
    def server_error(request: Request, exc: Exception) -> Response:
        # Log the traceback for operators; the page shows nothing of it (no secrets, no paths).
        log.exception("unhandled error on %s %s (request %s)", request.method,
                      telemetry.loggable_path(request.url.path), getattr(request.state, "request_id", "-"))
        return error_response(request, 500, gettext(STATUS_TITLES[500]), "server-error")
