"""Periodic jobs inside the server: each runs once per period across every worker and every instance.

A job's row in `job` is its lease: a worker runs the job only after a conditional UPDATE of that row
matched (rowcount 1), which works alike on SQLite and PostgreSQL, across processes and machines. A
scheduled run commits its work, its run record and the period it completed in one transaction, so a
worker that dies midway leaves the period to be run again once its lease expires."""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Column, delete, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Field, Session, SQLModel, col, func, select

from acquis import backup
from acquis.config import Settings
from acquis.db import Row, UTCDateTime, insert_into, rowcount, utcnow
from acquis.dumps import FileColumns
from acquis.errors import Conflict, NotFound
from acquis.i18n import N_

log = logging.getLogger("acquis.jobs")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
RUNS_KEPT = 500  # run records kept per job; older ones are deleted as new ones come
ERROR_CHARS = 500


class UnknownJob(NotFound):
    """No job of that name is registered."""

    code = "unknown-job"
    default_message = N_("Tâche inconnue.")


class JobRunning(Conflict):
    """The job is running right now, here or on another server."""

    code = "job-running"
    default_message = N_("Cette tâche est déjà en cours : attendez qu'elle se termine.")


# --- the tables ----------------------------------------------------------------------------------


class JobLease(SQLModel, table=True):
    """One row per job: who holds it until when, and the last period it completed."""

    __tablename__ = "job"

    name: str = Field(primary_key=True, max_length=60)
    period_key: str | None = Field(default=None, max_length=40)  # the last period whose scheduled run succeeded
    leased_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    leased_by: str | None = Field(default=None, max_length=120)  # host:pid of the worker holding it
    running_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JobRun(Row, table=True):
    """One run of a job, scheduled or by hand, with its outcome."""

    __tablename__ = "job_run"

    job: str = Field(max_length=60, index=True)
    trigger: str = Field(max_length=20)  # "schedule" or "manual"
    period_key: str | None = Field(default=None, max_length=40)
    started_at: datetime = Field(sa_type=UTCDateTime)
    duration_ms: int = 0
    result: str = Field(max_length=20)  # "ok" or "failed"
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, max_length=ERROR_CHARS)
    by_id: int | None = None  # the admin who ran it by hand from the jobs page
    host: str = Field(max_length=120)


# --- what a job is ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Every `every`, counted from `at` past midnight UTC: Schedule(timedelta(days=1), timedelta(hours=2))."""

    every: timedelta
    at: timedelta = timedelta(0)

    def period_start(self, now: datetime) -> datetime:
        return EPOCH + self.at + ((now - EPOCH - self.at) // self.every) * self.every

    def period_key(self, now: datetime) -> str:
        return self.period_start(now).strftime("%Y-%m-%dT%H:%MZ")

    def next_start(self, now: datetime) -> datetime:
        return self.period_start(now) + self.every


DAILY = Schedule(timedelta(days=1))
NIGHTLY = Schedule(timedelta(days=1), at=timedelta(hours=2))  # 02:00 UTC (Bamako time), when nobody works


@dataclass(frozen=True)
class Context:
    """What a job gets: a session committed with its run record, the engine for work of its own, settings."""

    session: Session
    engine: Engine
    settings: Settings
    now: datetime


@dataclass(frozen=True)
class Job:
    """A periodic job. `run` returns a few counts for the run record (no personal data)."""

    name: str
    title: str  # N_() text, shown on the jobs page
    schedule: Schedule
    run: Callable[[Context], dict[str, Any]]
    lease: timedelta = timedelta(hours=1)  # beyond this a run is presumed dead and another worker may start
    retry: timedelta = timedelta(minutes=30)  # after a failed scheduled run, the next attempt waits this long


def find(jobs: Sequence[Job], name: str) -> Job:
    for job in jobs:
        if job.name == name:
            return job
    raise UnknownJob()


def holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# --- claiming and running -----------------------------------------------------------------------


def claim(session: Session, job: Job, *, now: datetime, scheduled: bool) -> bool:
    """Take the job's lease if nobody holds it (and, when scheduled, if this period is not done yet), in the
    session's transaction: the lease is held once it commits."""
    # The row first, if no worker made it yet; a concurrent insert of the same row is no error.
    session.execute(insert_into(session, JobLease).values(name=job.name).on_conflict_do_nothing())
    conditions: list[ColumnElement[bool]] = [
        col(JobLease.name) == job.name, or_(col(JobLease.leased_until).is_(None), col(JobLease.leased_until) <= now)]
    if scheduled:
        period = job.schedule.period_key(now)
        conditions.append(or_(col(JobLease.period_key).is_(None), col(JobLease.period_key) != period))
    # One conditional UPDATE: PostgreSQL re-checks the condition after a concurrent update commits, and
    # SQLite serialises writers (BEGIN IMMEDIATE), so exactly one claimant sees a row change.
    claimed = session.execute(update(JobLease).where(*conditions).values(
        leased_until=now + job.lease, leased_by=holder(), running_since=now))
    return rowcount(claimed) == 1


def _claimed(engine: Engine, job: Job, *, now: datetime, scheduled: bool) -> bool:
    with Session(engine) as session:
        claimed = claim(session, job, now=now, scheduled=scheduled)
        session.commit()
    return claimed


def execute(engine: Engine, settings: Settings, job: Job, *, now: datetime, scheduled: bool,
            by_id: int | None = None) -> JobRun:
    """Run a job whose lease this worker holds, record the run and release the lease."""
    period = job.schedule.period_key(now) if scheduled else None
    run = JobRun(job=job.name, trigger="schedule" if scheduled else "manual", period_key=period, started_at=utcnow(),
                 result="ok", by_id=by_id, host=holder())
    began = time.monotonic()
    with Session(engine, expire_on_commit=False) as session:
        try:
            run.detail = job.run(Context(session, engine, settings, now)) or {}
        except Exception as error:  # noqa: BLE001 - any failure is the run's result, recorded below
            session.rollback()
            log.exception("job %s failed", job.name)
            run.result, run.error = "failed", f"{type(error).__name__}: {error}".splitlines()[0][:ERROR_CHARS]
        run.duration_ms = round((time.monotonic() - began) * 1000)
        _finish(session, job, run)
        session.commit()
    return run


def _finish(session: Session, job: Job, run: JobRun) -> None:
    """Release the lease (a failed scheduled run keeps it until its retry time) and add the run record."""
    values: dict[str, Any] = {"leased_until": None, "leased_by": None, "running_since": None}
    if run.result == "ok":
        values["last_success_at"] = utcnow()
        if run.period_key is not None:
            values["period_key"] = run.period_key
    elif run.period_key is not None:
        values["leased_until"] = utcnow() + job.retry  # counted from the failure, however long the run took
    session.execute(update(JobLease).where(col(JobLease.name) == job.name).values(**values))
    session.add(run)
    session.flush()
    oldest_kept = (select(JobRun.id).where(JobRun.job == job.name).order_by(col(JobRun.id).desc())
                   .offset(RUNS_KEPT).limit(1).scalar_subquery())
    session.execute(delete(JobRun).where(col(JobRun.job) == job.name, col(JobRun.id) <= oldest_kept))


def run_now(engine: Engine, settings: Settings, job: Job, *, by_id: int | None = None) -> JobRun:
    """Run a job by hand, whatever its schedule; JobRunning when a run holds its lease."""
    now = utcnow()
    if not _claimed(engine, job, now=now, scheduled=False):
        raise JobRunning()
    return execute(engine, settings, job, now=now, scheduled=False, by_id=by_id)


def run_due(engine: Engine, settings: Settings, jobs: Sequence[Job], *, now: datetime | None = None) -> list[JobRun]:
    """Run every job whose period is not done and whose lease is free; a failing job never stops the others."""
    runs = []
    for job in jobs:
        moment = now or utcnow()
        try:
            if _claimed(engine, job, now=moment, scheduled=True):
                runs.append(execute(engine, settings, job, now=moment, scheduled=True))
        except Exception:  # noqa: BLE001 - the database may be away for a while: the next tick tries again
            log.exception("job %s could not be claimed or recorded", job.name)
    return runs


class Scheduler:
    """A daemon thread per worker that runs the due jobs every `settings.jobs_tick_seconds`."""

    def __init__(self, engine: Engine, settings: Settings, jobs: Sequence[Job]) -> None:
        self.engine, self.settings, self.jobs = engine, settings, jobs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="acquis-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end; a job in progress is left to finish (or to its lease, if the process exits)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            run_due(self.engine, self.settings, self.jobs)
            self._stop.wait(self.settings.jobs_tick_seconds)


# --- what the jobs page and `acquis jobs list` show -----------------------------------------------


@dataclass(frozen=True)
class State:
    job: Job
    lease: JobLease | None
    last: JobRun | None
    next_due: datetime

    @property
    def running(self) -> bool:
        lease, now = self.lease, utcnow()
        return bool(lease and lease.running_since and lease.leased_until and lease.leased_until > now)


def states(session: Session, jobs: Sequence[Job], *, now: datetime | None = None) -> list[State]:
    """Each job with its lease, its last run and when it is next due."""
    now = now or utcnow()
    found = []
    for job in jobs:
        lease = session.get(JobLease, job.name)
        last = session.exec(select(JobRun).where(JobRun.job == job.name).order_by(col(JobRun.id).desc())).first()
        found.append(State(job, lease, last, _next_due(job, lease, now)))
    return found


def _next_due(job: Job, lease: JobLease | None, now: datetime) -> datetime:
    if lease is not None and lease.period_key == job.schedule.period_key(now):
        return job.schedule.next_start(now)
    if lease is not None and lease.leased_until is not None and lease.leased_until > now:
        return lease.leased_until  # running, or waiting to retry
    return now


def recent_runs(session: Session, *, limit: int = 20) -> list[JobRun]:
    return list(session.exec(select(JobRun).order_by(col(JobRun.id).desc()).limit(limit)))


def last_runs(session: Session) -> dict[str, tuple[datetime | None, str | None]]:
    """Each job's last success and last result ("ok", "failed"; None before any run), for /metrics."""
    last_ids = select(func.max(JobRun.id)).group_by(col(JobRun.job))
    results = dict(session.exec(select(JobRun.job, JobRun.result).where(col(JobRun.id).in_(last_ids))).all())
    leases = session.exec(select(JobLease.name, JobLease.last_success_at)).all()
    return {name: (succeeded_at, results.get(name)) for name, succeeded_at in leases}


# --- the kernel's own job -----------------------------------------------------------------------


class BackupIncomplete(Conflict):
    """Files named by rows were missing from the store: the snapshot lists them, older ones are kept."""

    code = "backup-incomplete"
    default_message = N_("Sauvegarde incomplète : des fichiers manquent dans le stockage.")


def nightly_backup(references: FileColumns) -> Job:
    """A backup into ACQUIS_BACKUP_DIR every night, keeping the ACQUIS_BACKUP_KEEP newest."""
    def run(context: Context) -> dict[str, Any]:
        target = context.settings.backup_dir
        assert target is not None, "registered only with a backup folder"
        manifest = backup.create_backup(context.settings, target, references)
        if manifest["missing"]:
            raise BackupIncomplete()
        removed = backup.prune(target, keep=context.settings.backup_keep)
        return {"files_copied": manifest["copied"], "snapshots_removed": len(removed)}
    return Job("backup", N_("Sauvegarde de nuit"), NIGHTLY, run, lease=timedelta(hours=6))
