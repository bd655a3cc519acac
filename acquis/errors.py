"""Domain errors: facts with an HTTP status and a stable code, never HTTPException below views."""

from typing import ClassVar

from acquis.i18n import N_, gettext


class AcquisError(Exception):
    """A user-facing failure: its message is safe to show, its code stable for API clients."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    default_message: ClassVar[str] = N_("La demande n'est pas valable.")

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or gettext(self.default_message))

    @property
    def message(self) -> str:
        return str(self.args[0])


class Invalid(AcquisError):
    """The input is not usable."""

    status_code = 422
    code = "invalid"
    default_message = N_("Les données envoyées ne sont pas valables.")


class Unauthorized(AcquisError):
    """The caller is not logged in."""

    status_code = 401
    code = "unauthorized"
    default_message = N_("Connectez-vous pour continuer.")


class Forbidden(AcquisError):
    """The caller may not do this."""

    status_code = 403
    code = "forbidden"
    default_message = N_("Vous n'avez pas le droit de faire cela.")


class NotFound(AcquisError):
    """The thing does not exist, or the caller may not know that it does."""

    status_code = 404
    code = "not-found"
    default_message = N_("Page ou élément introuvable.")


class Conflict(AcquisError):
    """The request conflicts with the current state."""

    status_code = 409
    code = "conflict"
    default_message = N_("Cette action n'est pas possible dans l'état actuel.")


class TooLarge(AcquisError):
    """The upload is larger than allowed."""

    status_code = 413
    code = "too-large"
    default_message = N_("Le fichier est trop volumineux.")


class TooManyRequests(AcquisError):
    """Too many attempts in a short time."""

    status_code = 429
    code = "too-many-requests"
    default_message = N_("Trop de tentatives : patientez un moment puis réessayez.")
