"""Scheduled jobs run inside the server once per period, whatever the number of workers and instances; admins
see them at /jobs and run one by hand there or with `acquis jobs run`; ACQUIS_JOBS=off runs nothing."""

import json
import multiprocessing
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from acquis import cli, jobs
from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import make_engine, utcnow
from acquis.main import create_app, scheduled_jobs
from tests.support.certificates import acquis
from tests.support.dossiers import make_dossier, publish_framework
from tests.support.operations import serving
from tests.support.resilience import wait_for
from tests.support.web import UserFactory, app_of, csrf_from, log_in
from validation.dossiers import jobs as dossier_jobs
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus

CLAIMANTS = 3  # processes on one database, like workers of several instances


def idle_dossier(session: Session, settings: Settings, users: UserFactory, *, days: int = 200) -> Dossier:
    """A draft dossier nobody touched for `days` (the default lapse warning comes after 150)."""
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    session.execute(update(Dossier).where(col(Dossier.id) == dossier.id).values(
        last_activity_at=utcnow() - timedelta(days=days)))
    session.commit()
    return dossier


def fresh(session: Session, dossier: Dossier) -> Dossier:
    session.refresh(dossier)  # as committed by the jobs, in other sessions
    return dossier


def runs(session: Session, name: str = "lapse") -> list[jobs.JobRun]:
    return list(session.exec(select(jobs.JobRun).where(jobs.JobRun.job == name).order_by(col(jobs.JobRun.id))))


def lapse_events(session: Session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).where(col(AuditEvent.action).like("dossier.lapse%"))))


def _claimant(settings: Settings, moments: list[Any], barrier: Any) -> None:
    """One worker's scheduler ticking at the given moments, all claimants at once."""
    engine = make_engine(settings)
    for moment in moments:
        barrier.wait(timeout=60)
        jobs.run_due(engine, settings, [dossier_jobs.LAPSE], now=moment)
    engine.dispose()


def test_each_period_of_the_lapse_job_runs_once_whatever_the_number_of_processes(
        session: Session, settings: Settings, users: UserFactory) -> None:
    dossier = idle_dossier(session, settings, users)
    first_day = jobs.DAILY.period_start(utcnow()) + timedelta(hours=1)
    # Two ticks in the first day, then one on the day the warning's 30 days are over: each day runs once.
    moments = [first_day, first_day + timedelta(hours=1), first_day + timedelta(days=31)]
    context = multiprocessing.get_context("fork")  # each opens its own connections
    barrier = context.Barrier(CLAIMANTS)
    processes = [context.Process(target=_claimant, args=(settings, moments, barrier)) for _ in range(CLAIMANTS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * CLAIMANTS

    done = runs(session)
    assert [run.period_key for run in done] == [dossier_jobs.LAPSE.schedule.period_key(first_day),
                                                dossier_jobs.LAPSE.schedule.period_key(moments[2])]
    assert [run.result for run in done] == ["ok", "ok"] and [run.detail for run in done] == [
        {"warned": 1, "lapsed": 0}, {"warned": 0, "lapsed": 1}]
    # The warning given once and the lapse once, not once per process.
    assert lapse_events(session) == ["dossier.lapse_warned", "dossier.lapsed"]
    assert fresh(session, dossier).status == DossierStatus.LAPSED


def test_two_servers_of_two_workers_run_the_daily_lapse_once(
        session: Session, settings: Settings, users: UserFactory) -> None:
    dossier = idle_dossier(session, settings, users)
    with serving(settings, workers=2, servers=2, ACQUIS_JOBS="on", ACQUIS_JOBS_TICK_SECONDS="0.2"):
        wait_for(lambda: runs(session), what="a lapse run recorded", pause=0.1)
        time.sleep(2)  # every worker ticks ten times more
        done = runs(session)
    # One run per day (two only if midnight UTC passed meanwhile; the second then finds nothing to do).
    assert len({run.period_key for run in done}) == len(done) <= 2
    assert done[0].trigger == "schedule" and done[0].detail == {"warned": 1, "lapsed": 0}
    assert lapse_events(session) == ["dossier.lapse_warned"]
    assert fresh(session, dossier).lapse_warned_at is not None


def test_jobs_off_runs_nothing_while_on_runs_the_due_jobs(
        session: Session, settings: Settings, users: UserFactory) -> None:
    dossier = idle_dossier(session, settings, users)
    quiet = create_app(settings.model_copy(update={"jobs": False, "jobs_tick_seconds": 0.05}))
    with TestClient(quiet):
        time.sleep(1)  # twenty ticks, had the scheduler been started
    assert runs(session) == [] and fresh(session, dossier).lapse_warned_at is None

    busy = create_app(settings.model_copy(update={"jobs": True, "jobs_tick_seconds": 0.05}))
    with TestClient(busy):
        wait_for(lambda: runs(session), what="the lapse job run by the scheduler", pause=0.05)
    assert runs(session)[0].detail == {"warned": 1, "lapsed": 0}
    for app in (quiet, busy):
        app.state.engine.dispose()
        app.state.read_engine.dispose()


def test_acquis_jobs_run_runs_one_job_by_hand(session: Session, settings: Settings, users: UserFactory) -> None:
    dossier = idle_dossier(session, settings, users)
    result = acquis(settings, "jobs", "run", "lapse")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("lapse: warned 1, lapsed 0")
    assert [run.trigger for run in runs(session)] == ["manual"]
    assert fresh(session, dossier).lapse_warned_at is not None

    # The same command, in this process (each `acquis` process takes seconds to start).
    env = {"ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key}
    listed = CliRunner().invoke(cli.app, ["jobs", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert {row["name"]: row["result"] for row in json.loads(listed.stdout)} == {"sms": None, "lapse": "ok",
                                                                                 "appeal-windows": None,
                                                                                 "public-documents": None}
    unknown = CliRunner().invoke(cli.app, ["jobs", "run", "nightly-party"], env=env)
    assert unknown.exit_code == 2 and "nightly-party" in unknown.stderr and unknown.exception is not None


def test_admin_sees_the_jobs_and_runs_one_from_the_page(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    idle_dossier(session, settings, users)
    admin = users(Role.ADMIN, login="admin")
    log_in(client, "admin")
    page = client.get("/jobs")
    assert page.status_code == 200
    assert 'id="job-lapse"' in page.text and 'id="job-public-documents"' in page.text
    assert 'id="jobs-off"' in page.text  # the test app's scheduler is off (ACQUIS_JOBS=off): the page says so

    started = client.post("/jobs/run", data={"job": "lapse", "csrf_token": csrf_from(page.text)},
                          follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].endswith("/jobs?started=lapse")
    wait_for(lambda: runs(session), what="the lapse run started from the page", pause=0.05)
    after = client.get("/jobs?started=lapse").text
    assert 'id="job-started"' in after and 'data-result="ok"' in after and "warned: 1" in after
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "job.started")).one().actor_id == admin.id


def test_a_failing_job_is_shown_failed_and_a_running_one_cannot_start_twice(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    users(Role.ADMIN, login="admin")
    log_in(client, "admin")
    token = csrf_from(client.get("/jobs").text)
    # No issuer key yet: the revocation list cannot be signed.
    client.post("/jobs/run", data={"job": "public-documents", "csrf_token": token})
    wait_for(lambda: runs(session, "public-documents"), what="the public documents run", pause=0.05)
    page = client.get("/jobs").text
    assert 'data-result="failed"' in page and runs(session, "public-documents")[0].error

    with Session(app_of(client).state.engine) as other_worker:
        assert jobs.claim(other_worker, dossier_jobs.LAPSE, now=utcnow(), scheduled=False)
        other_worker.commit()
    twice = client.post("/jobs/run", data={"job": "lapse", "csrf_token": token})
    assert twice.status_code == 409 and runs(session) == []


def test_the_nightly_backup_runs_only_with_a_folder_and_keeps_the_newest(
        session: Session, settings: Settings, users: UserFactory, tmp_path: Path) -> None:
    assert "backup" not in {job.name for job in scheduled_jobs(settings)}  # no ACQUIS_BACKUP_DIR: no backup
    idle_dossier(session, settings, users)
    configured = settings.model_copy(update={"backup_dir": tmp_path / "backups", "backup_keep": 2})
    nightly = jobs.find(scheduled_jobs(configured), "backup")
    assert nightly.schedule == jobs.NIGHTLY
    engine = make_engine(configured)
    done = [jobs.run_now(engine, configured, nightly) for _ in range(3)]
    engine.dispose()
    assert [run.result for run in done] == ["ok"] * 3, [run.error for run in done]
    assert [run.detail["snapshots_removed"] for run in done] == [0, 0, 1]
    kept = sorted((tmp_path / "backups" / "snapshots").iterdir())
    assert len(kept) == 2 and all((snapshot / "manifest.json").is_file() for snapshot in kept)


def test_a_failed_scheduled_run_is_tried_again_half_an_hour_later_not_at_every_tick(
        app: FastAPI, session: Session, settings: Settings) -> None:
    attempts: list[object] = []

    def flaky(context: jobs.Context) -> dict[str, Any]:
        attempts.append(context.now)
        if len(attempts) == 1:
            raise RuntimeError("the SMS gateway did not answer")
        return {"sent": 3}

    start = utcnow()
    # A daily job whose day began an hour ago: every tick below falls in the same period.
    began = start - timedelta(hours=1)
    job = jobs.Job("sms", "SMS", jobs.Schedule(timedelta(days=1), at=began - jobs.DAILY.period_start(began)), flaky)
    for minutes in (0, 1, 29, 31, 32):
        jobs.run_due(app.state.engine, settings, [job], now=start + timedelta(minutes=minutes))
    done = runs(session, "sms")
    assert [(run.result, run.error) for run in done] == [
        ("failed", "RuntimeError: the SMS gateway did not answer"), ("ok", None)]
    assert len(attempts) == 2 and done[1].detail == {"sent": 3}
