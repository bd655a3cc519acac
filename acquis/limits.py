"""Request body limits per route, enforced in the ASGI layer: before authentication, CSRF checks and form parsing.

A body larger than its route allows is answered 413 as soon as its declared length says so, or as soon as the
bytes streamed so far (chunked, or lying about their length) pass the limit; nothing of it is parsed, spooled or
stored. Starlette's form parser adds its own bounds inside that total: each text field at most 1 MB
(`max_part_size`, the default limit itself) and counted fields and files; files only by the body limit."""

import math
from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from acquis.asgi_middleware import HttpMiddleware
from acquis.config import Settings
from acquis.deps import app_settings
from acquis.errors import TooLarge
from acquis.i18n import N_, gettext
from acquis.untrusted import MAX_JSON_BYTES
from acquis.web import error_response

DEFAULT_BYTES = 1024 * 1024  # forms and JSON bodies of every route not declared otherwise
MULTIPART_OVERHEAD = 1024 * 1024  # boundaries, part headers and the text fields around an uploaded file

# The routes whose bodies may be larger than DEFAULT_BYTES, by route name (declared by acquis.main, the one place
# that knows every domain's uploads); read per request, from the settings in force.
BodyLimits = Callable[[Settings], Mapping[str, int]]


class RequestTooLarge(TooLarge):
    """The request's body is larger than its route accepts."""

    code = "request-too-large"
    default_message = N_("La requête est trop volumineuse : %(megabytes)s Mo au plus.")


class BodyLimitMiddleware(HttpMiddleware):
    """Refuse bodies past their route's limit with the JSON or HTML 413, before the app reads any of it."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        super().__init__(app)
        self.limits = limits

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        declared = _declared_length(headers)
        bodiless = declared == 0 or "content-length" not in headers  # a malformed length is bounded as it streams
        if bodiless and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body: nothing to bound (GET, HEAD, most requests)
            return
        limit = self.limit_for(scope, headers)
        if declared is not None and declared > limit:
            await too_large(scope, receive, send, limit)
            return
        await _Bounded(self.app, limit)(scope, receive, send)

    def limit_for(self, scope: Scope, headers: Headers) -> int:
        app: Any = scope["app"]
        declared = self.limits(app_settings(HTTPConnection(scope)))
        limit = next((declared[name] for name, route in self._routes(app, declared)
                      if route.matches(scope)[0] == Match.FULL), DEFAULT_BYTES)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json" or content_type.endswith("+json"):
            return min(limit, MAX_JSON_BYTES)  # a JSON body is parsed whole, in memory: small on every route
        return limit

    def _routes(self, app: Any, declared: Mapping[str, int]) -> list[tuple[str, BaseRoute]]:
        routes: list[tuple[str, BaseRoute]] | None = getattr(app.state, "body_limit_routes", None)
        if routes is None:
            # From the index acquis.web.include_routers keeps: app.router.routes holds FastAPI's included routers,
            # not their routes, so a walk of it finds none of these names.
            index: Mapping[str, BaseRoute] = app.state.routes_by_name
            routes = app.state.body_limit_routes = [(name, index[name]) for name in declared if name in index]
        return routes


class _Bounded:
    """One request: counts the body's bytes as the app reads them, and answers 413 once past the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit
        self.received = 0
        self.started = self.refused = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def bounded_receive() -> Message:
            if self.refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
                if self.received > self.limit:
                    # Answer now; to the app the client is gone, so it stops reading (and parsing, and spooling).
                    self.refused = True
                    if not self.started:
                        await too_large(scope, receive, send, self.limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if self.refused:
                return  # the 413 went out already; whatever the app answers to the "disconnect" is dropped
            self.started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not self.refused:
                raise
            # The app failed on the body it never got whole (ClientDisconnect): expected, and already answered.


async def too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    """The 413, as JSON for the API and as a page otherwise; the connection closes, the rest of the body unread."""
    message = gettext(RequestTooLarge.default_message) % {"megabytes": math.ceil(limit / (1024 * 1024))}
    response = error_response(Request(scope), RequestTooLarge.status_code, message, RequestTooLarge.code)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _declared_length(headers: Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None
