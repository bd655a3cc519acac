"""The `acquis dossiers` commands (wired in by acquis/cli.py): lapsing idle dossiers."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from acquis.config import load_settings
from acquis.db import utcnow
from validation.dossiers.lapse import lapse_idle_dossiers

Database = Callable[..., AbstractContextManager[Session]]
Fail = Callable[..., NoReturn]


def register(app: typer.Typer, *, database: Database, fail: Fail) -> None:
    dossiers_app = typer.Typer(help="Candidate dossiers.", no_args_is_help=True)
    app.add_typer(dossiers_app, name="dossiers")

    @dossiers_app.command("lapse")
    def dossiers_lapse(
        now: Annotated[str | None, typer.Option(help="pretend it is this ISO 8601 time (UTC if no offset)")] = None,
    ) -> None:
        """Warn dossiers idle for a while, lapse those warned long enough (run it daily, e.g. from cron)."""
        try:
            moment = datetime.fromisoformat(now) if now else utcnow()
        except ValueError:
            fail(f"--now: not an ISO 8601 time: {now}")
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        settings = load_settings()
        with database(settings) as session:
            report = lapse_idle_dossiers(session, now=moment, settings=settings)
            session.commit()
        typer.echo(f"warned {len(report.warned)} dossier(s): {_ids(report.warned)}")
        typer.echo(f"lapsed {len(report.lapsed)} dossier(s): {_ids(report.lapsed)}")


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids)) or "-"
