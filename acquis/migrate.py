"""Alembic migrations, run programmatically (no alembic.ini): `acquis db upgrade`."""

from pathlib import Path

from alembic import command
from alembic.config import Config
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
