"""The real `acquis serve` with several workers, as an operator starts it, for the jobs, metrics and log tests."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

from acquis.config import Settings, complete
from tests.support.postgres import free_port
from tests.support.resilience import ACQUIS, PATIENCE

# Each worker imports the whole app before it serves: seconds alone, a minute or more on a busy 2-core machine.
STARTUP_PATIENCE = 300.0


class Served:
    """`acquis serve --workers N` in a process group of its own; stdout (the access log) and stderr in files."""

    def __init__(self, settings: Settings, *, workers: int, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.tmp = Path(tempfile.mkdtemp(prefix="acquis-serve-"))
        self.stdout, self.stderr = self.tmp / "stdout.log", self.tmp / "stderr.log"
        self.env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url,
                    "ACQUIS_DATA_DIR": str(settings.data_dir), "ACQUIS_SECRET_KEY": settings.secret_key,
                    "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase, "ACQUIS_PUBLIC_URL": settings.public_url,
                    "TMPDIR": str(self.tmp), **env}
        with self.stdout.open("wb") as out, self.stderr.open("wb") as err:
            self.process = subprocess.Popen([str(ACQUIS), "serve", "--port", str(self.port), "--workers",
                                             str(workers)], env=self.env, stdout=out, stderr=err,
                                            start_new_session=True)

    def wait_until_serving(self) -> "Served":
        """Every worker has started (each logs it once its app's startup, the scheduler's included, is done)."""
        self.wait_for_workers(self.workers)
        return self

    def wait_for_workers(self, count: int) -> None:
        """Until `count` workers have started since the server did (a replaced one counts anew)."""
        deadline = time.monotonic() + STARTUP_PATIENCE
        while not (self.started() >= count and self._healthy()):
            if time.monotonic() > deadline:
                raise AssertionError(f"never happened: {count} workers started (log: {self.stderr})")
            time.sleep(0.1)

    def started(self) -> int:
        """How many workers finished starting so far (replacements included)."""
        assert self.process.poll() is None, self.stderr.read_text()
        return self.stderr.read_text().count("Application startup complete")

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except httpx.TransportError:
            return False

    def access_log(self) -> list[dict[str, Any]]:
        """The JSON access log lines written so far (ACQUIS_LOG_FORMAT=json)."""
        return [json.loads(line) for line in self.stdout.read_text().splitlines() if line.strip()]

    def stop(self) -> None:
        with suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)
        shutil.rmtree(self.tmp, ignore_errors=True)


def sqlite_settings(template: str, where: Path) -> Settings:
    """Settings on a copy of the test session's SQLite schema, for a test whose subject is not the database."""
    shutil.copyfile(template, Path(where) / "acquis.db")
    return complete(Settings(data_dir=where, database_url=f"sqlite:///{Path(where) / 'acquis.db'}",
                             secret_key="test-secret", key_passphrase="test-passphrase"))


@contextmanager
def serving(settings: Settings, *, workers: int = 1, servers: int = 1, **env: str) -> Iterator[list[Served]]:
    """`servers` instances on the same database, started side by side, every worker up; killed at the end."""
    with ExitStack() as stack:
        started = []
        for _ in range(servers):
            served = Served(settings, workers=workers, **env)
            stack.callback(served.stop)
            started.append(served)
        yield [served.wait_until_serving() for served in started]
