"""Prometheus metrics: what the whole server counts, `/metrics` for loopback or a bearer token.

Every metric object lives here, in the kernel; the domains increment them (`VERIFICATIONS.labels(...)
.inc()`). Labels hold route templates and fixed words, never a path, a seal or a certificate number.
With several workers, `acquis serve` gives them a PROMETHEUS_MULTIPROC_DIR and `/metrics` adds up
every worker's files, whichever worker answers."""

import hmac
import ipaddress
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from acquis import jobs
from acquis.config import Settings
from acquis.deps import SettingsDep
from acquis.errors import NotFound

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("acquis_http_requests", "HTTP requests answered, by route template and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("acquis_http_request_duration_seconds", "Time to answer a request, by route template.",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
VERIFICATIONS = Counter("acquis_verifications", "Certificate verifications, by verdict and channel.",
                        ["verdict", "channel"])
CERTIFICATES_ISSUED = Counter("acquis_certificates_issued", "Certificates issued (committed).")
CERTIFICATES_REVOKED = Counter("acquis_certificates_revoked", "Certificates revoked (committed).")
EVIDENCE_BYTES = Counter("acquis_evidence_stored_bytes", "Bytes of new evidence files stored (committed).")
POOL_IN_USE = Gauge("acquis_db_pool_connections_in_use", "Database connections checked out of the pools.",
                    ["engine"], multiprocess_mode="livesum")
POOL_SIZE = Gauge("acquis_db_pool_size", "Connections the pools keep open (without overflow).",
                  ["engine"], multiprocess_mode="livesum")

router = APIRouter()


# --- counting what a transaction did, once it commits ----------------------------------------------

_PENDING = "acquis.metrics.pending"


def count_on_commit(session: Session, counter: Counter, amount: float = 1) -> None:
    """Increment `counter` when the session's transaction commits; never if it rolls back."""
    pending: list[tuple[Counter, float]] | None = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        event.listen(session, "after_commit", _count_pending)
        event.listen(session, "after_transaction_end", _drop_pending)
    pending.append((counter, amount))


def _count_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the outer transaction decides
    for counter, amount in session.info[_PENDING]:
        counter.inc(amount)
    session.info[_PENDING].clear()


def _drop_pending(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # after_commit has counted them when it committed
        session.info[_PENDING].clear()


# --- database pools --------------------------------------------------------------------------------


def watch_pools(engine: Engine, read_engine: Engine) -> None:
    """Keep POOL_IN_USE and POOL_SIZE up to date for an app's engines (one when reads share the writes')."""
    _watch(engine, "write")
    if read_engine is not engine:
        _watch(read_engine, "read")


def _watch(engine: Engine, name: str) -> None:
    size = getattr(engine.pool, "size", None)
    if callable(size):
        POOL_SIZE.labels(engine=name).set(size())
    in_use = POOL_IN_USE.labels(engine=name)
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())


# --- the endpoint ----------------------------------------------------------------------------------


@router.get("/metrics", name="show_metrics", include_in_schema=False)
def show_metrics(request: Request, settings: SettingsDep) -> Response:
    """The Prometheus text format, from loopback or with `Authorization: Bearer $ACQUIS_METRICS_TOKEN`."""
    if not _allowed(request, settings):
        presented = request.headers.get("authorization") is not None
        if presented:
            return Response("unauthorized\n", status_code=401, media_type="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        raise NotFound()  # to anyone else, /metrics does not exist
    with Session(request.app.state.read_engine) as session:
        recorded = CollectorRegistry(auto_describe=False)
        recorded.register(_FromDatabase(session))
    body = generate_latest(_registry(settings)) + generate_latest(recorded)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _allowed(request: Request, settings: Settings) -> bool:
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        # Compare in constant time: a timing difference would let an attacker guess the token.
        return bool(settings.metrics_token) and scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), settings.metrics_token.encode())
    # The client as acquis.hosts settled it (a trusted proxy's X-Forwarded-For applied): the machine itself only.
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _registry(settings: Settings) -> CollectorRegistry:
    if not settings.prometheus_multiproc_dir:
        return REGISTRY
    path = settings.prometheus_multiproc_dir
    _forget_dead_workers(Path(path))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


def _forget_dead_workers(path: Path) -> None:
    """A worker that died (and that uvicorn replaced) must not count in the live gauges any more; its
    counters stay, so that they never go down."""
    for file in path.glob("gauge_live*_*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            multiprocess.mark_process_dead(int(pid), str(path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _FromDatabase:
    """The jobs' record, read at scrape time: it is shared by every instance, not counted per worker."""

    def __init__(self, session: Session) -> None:
        self.states = jobs.last_runs(session)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        success = GaugeMetricFamily("acquis_job_last_success_timestamp_seconds",
                                    "When each scheduled job last succeeded (Unix time).", labels=["job"])
        failed = GaugeMetricFamily("acquis_job_last_run_failed", "1 when the job's last run failed.", labels=["job"])
        for name, (succeeded_at, result) in sorted(self.states.items()):
            if succeeded_at is not None:
                success.add_metric([name], succeeded_at.timestamp())
            failed.add_metric([name], float(result == "failed"))
        yield success
        yield failed


# --- `acquis serve` with several workers -----------------------------------------------------------


@contextmanager
def multiprocess_dir(settings: Settings, workers: int) -> Iterator[None]:
    """The PROMETHEUS_MULTIPROC_DIR every worker writes to, empty at start: the operator's own if set, else, for
    several workers, a temp dir removed at the end. Set before the workers start: prometheus_client picks its
    storage when first imported."""
    if settings.prometheus_multiproc_dir:
        own = Path(settings.prometheus_multiproc_dir)
        own.mkdir(parents=True, exist_ok=True)
        for stale in own.glob("*.db"):
            stale.unlink()  # files of a previous run would add old counts under recycled pids
        yield
        return
    if workers == 1:
        yield  # one process: prometheus_client's ordinary registry
        return
    path = tempfile.mkdtemp(prefix="acquis-metrics-")
    os.environ[MULTIPROC_VARIABLE] = path
    try:
        yield
    finally:
        del os.environ[MULTIPROC_VARIABLE]
        shutil.rmtree(path, ignore_errors=True)
