"""Alembic migrations, run programmatically (no alembic.ini): `acquis db upgrade`."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema to `revision`; a no-op when it is already there."""
    command.upgrade(alembic_config(engine), revision)


def revision(engine: Engine, message: str) -> None:
    """Write the next numbered migration (0004_...) by comparing the models with the database."""
    numbers = [int(path.name[:4]) for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    command.revision(alembic_config(engine), message=message, autogenerate=True,
                     rev_id=f"{max(numbers, default=0) + 1:04d}")


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record `revision` as applied without running it (for a schema built by other means)."""
    command.stamp(alembic_config(engine), revision)


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The revision this code's models describe: the last migration."""
    revision = _scripts().get_current_head()
    assert revision is not None, "no migrations"
    return revision


def revisions() -> list[str]:
    """Every migration's revision, oldest first."""
    return [script.revision for script in reversed(list(_scripts().walk_revisions()))]


def applied(engine: Engine) -> str | None:
    """The revision the database is at (None: no schema yet); raises SQLAlchemyError when it cannot be reached."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_ahead(revision: str | None) -> bool:
    """True for a database migrated by a newer release: its revision is none of ours."""
    return revision is not None and revision not in revisions()


def schema_problem(revision: str | None) -> str | None:
    """Why this code cannot serve a database at `revision`, in one line naming what to run; None if it can."""
    expected = head()
    if revision == expected:
        return None
    if revision is None:
        return "the database has no schema yet: run `acquis db upgrade`"
    if is_ahead(revision):
        return (f"the database schema ({revision}) is newer than this release of Acquis ({expected}): install the "
                f"release that migrated it (`pip install --upgrade WHEEL`), then start it again")
    return f"the database schema ({revision}) is behind this release of Acquis ({expected}): run `acquis db upgrade`"
