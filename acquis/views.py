"""The shell's own pages: home, language switch, health check."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from acquis import i18n
from acquis.auth.guard import OptionalUserDep
from acquis.auth.models import ROLE_LABELS
from acquis.auth.views import safe_next
from acquis.web import render

router = APIRouter()


@router.get("/", name="show_home")
def show_home(request: Request, user: OptionalUserDep) -> Response:
    return render(request, "acquis/home.html", user=user, role_labels=ROLE_LABELS)


@router.get("/language/{lang}", name="switch_language")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax",
                            secure=request.app.state.settings.secure_cookies, path="/")
    return response


@router.get("/healthz", name="check_health")
def check_health() -> dict[str, str]:
    return {"status": "ok"}


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
