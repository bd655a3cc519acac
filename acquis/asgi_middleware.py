"""The base of the kernel's plain ASGI middlewares: HTTP requests go to `handle`, anything else passes through.

Plain ASGI rather than BaseHTTPMiddleware: that one runs the app in a task of its own and streams the response
through a queue, which cost more than the QR page's own work."""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Wraps `app`; subclasses say what happens to an HTTP request in `handle` (lifespan and websocket
    messages go straight to `app`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
