"""Who is asking: the session cookie or bearer token, CSRF checks, and the role guards views use."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request

from acquis.auth import service
from acquis.auth.models import Role, User
from acquis.db import SAFE_METHODS, SessionDep
from acquis.deps import app_settings
from acquis.errors import Forbidden, Unauthorized
from acquis.i18n import N_

SESSION_COOKIE = "acquis_session"
CSRF_COOKIE = "acquis_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
# The endpoints marked by @csrf_exempt, as their modules are imported.
CSRF_EXEMPT: set[Callable[..., Any]] = set()


class LoginRequired(Unauthorized):
    """The page needs a logged-in user."""

    code = "login-required"


class CsrfFailed(Forbidden):
    """A state-changing request without the right CSRF token."""

    code = "csrf-failed"
    default_message = N_("Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et réessayez.")


class RoleRequired(Forbidden):
    """The user's role does not allow this page."""

    code = "role-required"


def bearer_token(request: Request) -> str | None:
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def csrf_seed(request: Request) -> str:
    """The per-browser random value CSRF tokens derive from (set by the middleware)."""
    seed = getattr(request.state, "csrf_seed", None) or request.cookies.get(CSRF_COOKIE)
    if not seed:
        seed = secrets.token_urlsafe(24)
    request.state.csrf_seed = seed
    return seed


def csrf_token(request: Request) -> str:
    """The token forms and htmx send back: bound to this browser and to its session."""
    session_token = getattr(request.state, "new_session_token", None) or request.cookies.get(SESSION_COOKIE, "")
    key = app_settings(request).secret_key.encode()
    message = f"{csrf_seed(request)}|{session_token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def csrf_exempt(endpoint: Endpoint) -> Endpoint:
    """Mark a public endpoint that acts for nobody (no account, nothing of the caller's changes),
    such as POST /api/v1/verify: a forged cross-site request to it can gain nothing."""
    CSRF_EXEMPT.add(endpoint)
    return endpoint


async def verify_csrf(request: Request) -> None:
    """App-wide dependency: every state-changing browser request carries a valid CSRF token."""
    if request.method in SAFE_METHODS or bearer_token(request):
        return  # bearer-token clients send no cookies, so a forged cross-site request cannot use them
    if request.scope.get("endpoint") in CSRF_EXEMPT:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and _is_form(request):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    # Compare in constant time: a timing difference would let an attacker guess the token.
    if not sent or not request.cookies.get(CSRF_COOKIE) or not hmac.compare_digest(sent, csrf_token(request)):
        raise CsrfFailed()


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def optional_user(request: Request, session: SessionDep) -> User | None:
    """The caller's account from a bearer token, else from the session cookie, else None."""
    token = bearer_token(request)
    if token:
        user = service.user_for_api_token(session, token)
        if user is None:
            raise Unauthorized()
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        user = service.user_for_session(session, cookie) if cookie else None
    if user is not None:
        # Detached, with its columns loaded: a rollback in the view or an error page rendered after
        # the session closed can still read who is asking.
        session.expunge(user)
    request.state.user = user
    return user


OptionalUserDep = Annotated[User | None, Depends(optional_user)]


# The guards below only look at the user already read: async, so that FastAPI runs them on the event loop
# instead of sending each one to the thread pool (a hop that costs more than the check).
async def require_user(user: OptionalUserDep) -> User:
    if user is None:
        raise LoginRequired()
    return user


UserDep = Annotated[User, Depends(require_user)]


def require_roles(*roles: Role) -> object:
    """A dependency admitting only these roles: `Depends(require_roles(Role.ADMIN))`."""

    async def guard(user: UserDep) -> User:
        if user.role not in roles:
            raise RoleRequired()
        return user

    return Depends(guard)


AdminDep = Annotated[User, require_roles(Role.ADMIN)]
StaffDep = Annotated[User, require_roles(Role.ADMIN, Role.REGISTRAR, Role.COUNSELLOR, Role.ASSESSOR)]
RegistrarDep = Annotated[User, require_roles(Role.ADMIN, Role.REGISTRAR)]
CaseworkerDep = Annotated[User, require_roles(Role.ADMIN, Role.REGISTRAR, Role.COUNSELLOR)]
