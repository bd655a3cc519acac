"""Password hashes (argon2) computed under a per-process bound, so a burst of logins cannot exhaust CPU and memory."""

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from acquis.config import Settings
from acquis.errors import TooManyRequests
from acquis.i18n import N_

HASHER = PasswordHash((Argon2Hasher(),))
# Checked against when the login is unknown, so both failures cost one argon2 verification.
DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


class PasswordChecksBusy(TooManyRequests):
    """Every argon2 slot of this process stayed busy for the whole wait."""

    code = "password-checks-busy"
    default_message = N_("Le serveur vérifie beaucoup de mots de passe en ce moment : réessayez dans un instant.")


class PasswordGate:
    """At most `slots` argon2 computations at once in this process (each takes ~64 MB and a core).

    `busy` and `peak` say how many run now and the most that ever ran together.
    """

    def __init__(self, slots: int) -> None:
        self.slots = max(1, slots)
        self._free = threading.BoundedSemaphore(self.slots)
        self._count = threading.Lock()
        self.busy = 0
        self.peak = 0

    @contextmanager
    def slot(self, *, wait: float) -> Iterator[None]:
        """Hold one slot; PasswordChecksBusy when none frees up within `wait` seconds."""
        if not self._free.acquire(timeout=wait):
            raise PasswordChecksBusy()
        with self._count:
            self.busy += 1
            self.peak = max(self.peak, self.busy)
        try:
            yield
        finally:
            with self._count:
                self.busy -= 1
            self._free.release()


@cache
def gate(slots: int) -> PasswordGate:
    """The process-wide gate of that size (one per process: every request thread shares it)."""
    return PasswordGate(slots)


def gate_for(settings: Settings) -> PasswordGate:
    return gate(settings.password_hash_concurrency)


def verify(password: str, password_hash: str | None, *, settings: Settings) -> bool:
    """Whether the password matches; with no hash (unknown account), the same work against a dummy one."""
    with gate_for(settings).slot(wait=settings.password_hash_wait_seconds):
        return HASHER.verify(password, password_hash or DUMMY_HASH)


def hash_password(password: str, *, settings: Settings) -> str:
    with gate_for(settings).slot(wait=settings.password_hash_wait_seconds):
        return HASHER.hash(password)
