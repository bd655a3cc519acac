"""The `acquis jobs` commands: list the scheduled jobs, run one by hand (wired in by acquis/cli.py)."""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from acquis import jobs
from acquis.config import Settings, load_settings
from acquis.db import engine_of
from acquis.errors import AcquisError

Database = Callable[..., AbstractContextManager[Session]]
Fail = Callable[..., NoReturn]
JobsOf = Callable[[Settings], list[jobs.Job]]
FAILED = 1


def register(app: typer.Typer, *, database: Database, fail: Fail, jobs_of: JobsOf) -> None:
    """Add `acquis jobs list|run` to the app; `jobs_of` gives the jobs the server registers."""
    jobs_app = typer.Typer(help="Scheduled jobs (run by `acquis serve` unless ACQUIS_JOBS=off).",
                           no_args_is_help=True)
    app.add_typer(jobs_app, name="jobs")

    @jobs_app.command("list")
    def jobs_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Each job: last run, its result and duration, and when it is next due."""
        settings = load_settings()
        with database(settings) as session:
            rows = [_row(state) for state in jobs.states(session, jobs_of(settings))]
        if as_json:
            typer.echo(json.dumps(rows, indent=2))
            return
        for row in rows:
            typer.echo(f"{row['name']:<18} last {row['last_run'] or '-':<26} {row['result'] or '-':<8} "
                       f"{row['duration_ms'] if row['duration_ms'] is not None else '-':>7} ms  "
                       f"next {row['next_due']}")

    @jobs_app.command("run")
    def jobs_run(name: Annotated[str, typer.Argument(help="a name from `acquis jobs list`")]) -> None:
        """Run a job now, whatever its schedule (for cron with ACQUIS_JOBS=off); exit 1 if it fails."""
        settings = load_settings()
        with database(settings) as session:
            engine = engine_of(session)
        try:
            job = jobs.find(jobs_of(settings), name)
            run = jobs.run_now(engine, settings, job)
        except AcquisError as error:
            fail(f"{name}: {error.message}")
        finally:
            engine.dispose()
        if run.result != "ok":
            fail(f"{name} failed after {run.duration_ms} ms: {run.error}", FAILED)
        details = ", ".join(f"{key} {value}" for key, value in run.detail.items()) or "done"
        typer.echo(f"{name}: {details} ({run.duration_ms} ms)")


def _row(state: jobs.State) -> dict[str, object]:
    last = state.last
    return {"name": state.job.name, "last_run": last.started_at.isoformat(timespec="seconds") if last else None,
            "result": "running" if state.running else (last.result if last else None),
            "duration_ms": last.duration_ms if last else None, "next_due": state.next_due.isoformat(timespec="seconds")}
