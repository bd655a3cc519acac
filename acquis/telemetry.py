"""Per request: an id to trace it by, its metrics by route template, and one access log line.

The access log holds no query string (searches carry names, /verify a certificate number), no client
address (personal data, and not needed to trace a report: the request id is) and no `/V/` payload
(a whole certificate's seal): `/V/…#<8 hex of its SHA-256>` tells two scans apart without it."""

import hashlib
import json
import logging
import re
import secrets
import time
from contextvars import ContextVar
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from acquis import metrics
from acquis.asgi_middleware import HttpMiddleware
from acquis.config import Settings

log = logging.getLogger("acquis.access")

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the load balancer is kept when it is plain enough to log and show as is.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,100}")
SEAL_PATH = re.compile(r"^/([Vv])/[^/]+")
UNMATCHED = "unmatched"

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given: str = value.decode("latin-1")
            if VALID_REQUEST_ID.fullmatch(given):
                return given
    return secrets.token_hex(8)


def loggable_path(path: str) -> str:
    """The path as logs may hold it: a seal in `/V/...` becomes `/V/…#` and 8 hex of its SHA-256."""
    def hashed(match: re.Match[str]) -> str:
        digest = hashlib.sha256(match.group(0)[3:].encode()).hexdigest()[:8]
        return f"/{match.group(1)}/…#{digest}"
    return SEAL_PATH.sub(hashed, path)


def route_template(scope: Scope) -> str:
    """The route that answered (`/V/{payload}`), never the raw path; set by the router once it matched."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class RequestMiddleware(HttpMiddleware):
    """Outermost: sees every request, including those answered by an error page.

    Plain ASGI, like acquis.web.ShellMiddleware (acquis/asgi_middleware.py says why)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id  # request.state.request_id, for error pages
        current_request_id.set(request_id)
        began, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).setdefault(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # An exception here is answered by the server-error page outside this middleware: a 500.
            self._record(scope, request_id, status, time.perf_counter() - began)

    @staticmethod
    def _record(scope: Scope, request_id: str, status: int, seconds: float) -> None:
        method, route = scope["method"], route_template(scope)
        metrics.REQUESTS.labels(method=method, route=route, status=str(status)).inc()
        metrics.LATENCY.labels(method=method, route=route).observe(seconds)
        fields = {"request_id": request_id, "method": method, "path": loggable_path(scope["path"]), "route": route,
                  "status": status, "duration_ms": round(seconds * 1000, 1)}
        log.info("%(request_id)s %(method)s %(path)s %(status)s %(duration_ms)sms route=%(route)s", fields,
                 extra={"access": fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, worker pid, and the access fields or the message."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "pid": record.process}
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            entry.update(access)
        else:
            entry["message"] = record.getMessage()
            request_id = current_request_id.get()
            if request_id:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's logging, plus the access log of RequestMiddleware (uvicorn's own is turned off); every line
    JSON when ACQUIS_LOG_FORMAT=json."""
    config = deepcopy(LOGGING_CONFIG)
    config["formatters"]["json"] = {"()": f"{__name__}.JsonFormatter"}
    config["formatters"]["acquis"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["formatters"]["acquis_access"] = {"format": "%(asctime)s %(message)s"}
    json_lines = settings.log_format == "json"
    if json_lines:
        config["handlers"]["default"]["formatter"] = "json"
    config["handlers"]["acquis"] = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                    "formatter": "json" if json_lines else "acquis"}
    config["handlers"]["acquis_access"] = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                                           "formatter": "json" if json_lines else "acquis_access"}
    config["loggers"]["acquis"] = {"handlers": ["acquis"], "level": "INFO", "propagate": False}
    config["loggers"]["acquis.access"] = {"handlers": ["acquis_access"], "level": "INFO", "propagate": False}
    return config
