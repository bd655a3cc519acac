"""The edge of the app: who is asking (X-Forwarded-* only from trusted proxies) and for which host (the public
one, loopback or ACQUIS_ALLOWED_HOSTS; anything else is 400), and redirects that never carry the Host header."""

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import Message, Receive, Scope, Send

from acquis.asgi_middleware import HttpMiddleware
from acquis.config import Settings
from acquis.deps import app_settings
from acquis.errors import AcquisError
from acquis.i18n import N_, gettext
from acquis.web import error_response

LOOPBACK = ("localhost", "127.0.0.1", "::1")
FORWARDED_HEADERS = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"x-forwarded-port",
                     b"forwarded")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class HostNotAllowed(AcquisError):
    """The request names a host this server does not serve (a forged Host header)."""

    status_code = 400
    code = "host-not-allowed"
    default_message = N_("Ce serveur ne répond pas sous ce nom.")


@dataclass(frozen=True)
class Edge:
    """The settings of the edge, parsed once."""

    hosts: frozenset[str]
    proxies: tuple[Network, ...]

    def trusts(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.proxies)


@lru_cache(maxsize=8)
def edge_of(public_url: str, allowed_hosts: str, trusted_proxies: str) -> Edge:
    """The host names served (the public URL's, loopback and ACQUIS_ALLOWED_HOSTS) and the trusted proxies."""
    extra = [host_name(name) for name in allowed_hosts.split(",") if name.strip()]
    hosts = {urlsplit(public_url).hostname or "", *LOOPBACK, *(name for name in extra if name)}
    proxies = tuple(ipaddress.ip_network(item.strip(), strict=False) for item in trusted_proxies.split(",")
                    if item.strip())
    return Edge(frozenset(hosts - {""}), proxies)


def edge(settings: Settings) -> Edge:
    return edge_of(settings.public_url, settings.allowed_hosts, settings.trusted_proxies)


def host_name(host: str) -> str | None:
    """The name in a Host header, lowercased, without its port or IPv6 brackets; None for a malformed one."""
    host = host.strip().lower()
    if host.startswith("["):
        name, bracket, rest = host[1:].partition("]")
        return name if bracket and (not rest or rest[1:].isdigit() and rest[0] == ":") else None
    name, colon, port = host.partition(":")
    if colon and not port.isdigit():
        return None
    return name.rstrip(".") or None


class HostMiddleware(HttpMiddleware):
    """Outermost layer: the client and scheme from trusted proxies, the Host checked, Location made relative."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        known = edge(app_settings(HTTPConnection(scope)))
        forwarded(scope, known)
        host = Headers(scope=scope).get("host")
        # No Host at all (HTTP/1.0) is fine: URLs then come from the server's own address, not from the caller.
        if host is not None and host_name(host) not in known.hosts:
            message = gettext(HostNotAllowed.default_message)
            response = error_response(Request(scope), HostNotAllowed.status_code, message, HostNotAllowed.code)
            await response(scope, receive, send)
            return
        origin = f"{scope['scheme']}://{host}".lower() if host else None

        async def send_relative(message: Message) -> None:
            if origin and message["type"] == "http.response.start":
                relative_location(message, origin)
            await send(message)

        await self.app(scope, receive, send_relative)


def forwarded(scope: Scope, known: Edge) -> None:
    """The scope as the client sent it through a trusted proxy; from anyone else, without X-Forwarded-* at all
    (so that no module can ever read a forged X-Forwarded-For as the client, e.g. to dodge a rate limit).
    In place, as the layers outside read the scope afterwards (the route a request took)."""
    peer = scope.get("client")
    headers = scope["headers"]
    scope["headers"] = [(name, value) for name, value in headers if name not in FORWARDED_HEADERS]
    if not (peer and known.trusts(peer[0])):
        return
    chain = [part.strip() for name, value in headers if name == b"x-forwarded-for"
             for part in value.decode("latin-1").split(",") if part.strip()]
    # Read from the right: each trusted proxy appended the address it saw; the first one not a trusted proxy
    # is the client (anything to its left is whatever that client chose to send).
    for address in reversed(chain):
        scope["client"] = (address, 0)
        if not known.trusts(address):
            break
    protos = [value.decode("latin-1").split(",")[-1].strip().lower() for name, value in headers
              if name == b"x-forwarded-proto"]
    if protos and protos[-1] in ("http", "https"):
        scope["scheme"] = protos[-1]


def relative_location(message: Message, origin: str) -> None:
    """A redirect to this very request's origin (request.url_for builds them from the Host header) goes out
    root-relative: the browser resolves it against the address it used, and no Host value is ever echoed."""
    headers = MutableHeaders(scope=message)
    location = headers.get("location")
    if location is not None and location.lower().startswith(origin + "/"):
        headers["location"] = location[len(origin):]
