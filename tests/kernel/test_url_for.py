"""Links in pages: the templates' url_for gives the path of Starlette's request.url_for, root-relative (never built
from the Host header the caller chose)."""

from fastapi import FastAPI
from starlette.convertors import IntegerConvertor
from starlette.requests import Request
from starlette.routing import Route

from acquis.web import url_for


def request_for(app: FastAPI, *, root_path: str = "") -> Request:
    return Request({"type": "http", "method": "GET", "scheme": "https", "path": "/somewhere", "query_string": b"q=1",
                    "headers": [(b"host", b"acquis.example.ml:8443")], "app": app, "router": app.router,
                    "server": ("acquis.example.ml", 8443), "root_path": root_path})


def sample_parameters(route: Route) -> dict[str, object]:
    """A value of the right kind for each path parameter (1 for numbers, text with a space otherwise)."""
    return {name: 1 if isinstance(convertor, IntegerConvertor) else "ab c"
            for name, convertor in route.param_convertors.items()}


def test_every_named_route_links_to_the_same_url_as_starlette_would(app: FastAPI) -> None:
    routes = app.state.routes_by_name
    assert "list_dossiers" in routes and "show_seal_verification" in routes and len(routes) > 100
    for root_path in ("", "/acquis"):
        request = request_for(app, root_path=root_path)
        for name, route in routes.items():
            params = sample_parameters(route)
            assert str(url_for({"request": request}, name, **params)) == request.url_for(name, **params).path, name
    # Names outside the index (the static files' mount) still resolve, through Starlette.
    request = request_for(app)
    assert str(url_for({"request": request}, "static", path="acquis.css")) == "/static/acquis.css"
