"""The demo as it was at an earlier migration, kept as data, for the upgrade tests.

Once per release, from a clean checkout of that release (its code at its own migration head):

    .venv/bin/python -m tests.support.upgrades        # writes tests/data/upgrades/demo-<head>.json.gz

seeds the demo with that code into a fresh SQLite database and writes every row of every table, with the
verdict each certificate had then. `load` puts those rows into a database migrated to that revision, or to an
earlier one (keeping the tables and columns it had: migrations only added to the schema so far); the tests then
migrate it to the current head. The rows are engine-neutral: one file serves SQLite and PostgreSQL. Stored files
(evidence, PDFs) are not kept: what an upgrade must preserve is what the database says.
"""

import base64
import gzip
import json
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

FIXTURES = Path(__file__).parents[1] / "data" / "upgrades"
# The settings the demo was seeded with: the same secret key decrypts the ID numbers it encrypted.
SECRET_KEY = "upgrade-fixture-secret-key"
KEY_PASSPHRASE = "upgrade-fixture-passphrase"
SKIPPED = {"alembic_version"}


def fixtures() -> dict[str, Path]:
    """The demo files there are, by the revision they were made at."""
    return {path.name.split(".")[0].removeprefix("demo-"): path for path in sorted(FIXTURES.glob("demo-*.json.gz"))}


def read(path: Path) -> dict[str, Any]:
    """A fixture: {"revision", "verdicts": {number: verdict}, "rows": {table: [row, ...]}}."""
    with gzip.open(path, "rt", encoding="utf-8") as source:
        data: dict[str, Any] = json.load(source)
    return data


def dump(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (by primary key), as JSON values."""
    schema = sa.MetaData()
    schema.reflect(engine)
    with engine.connect() as connection:
        return {table.name: [{key: _plain(value) for key, value in row._mapping.items()}
                             for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))]
                for table in schema.sorted_tables if table.name not in SKIPPED}


def load(engine: Engine, rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Insert the rows into the tables and columns this database has; returns the count per table loaded."""
    schema = sa.MetaData()
    schema.reflect(engine)
    loaded = {}
    with engine.begin() as connection:
        for table in schema.sorted_tables:  # parents before children: foreign keys hold at every insert
            if table.name in SKIPPED or not rows.get(table.name):
                continue
            connection.execute(table.delete())  # a migration may have seeded it (the audit chain's head)
            connection.execute(table.insert(), [{column.name: _typed(column, row.get(column.name))
                                                 for column in table.columns} for row in rows[table.name]])
            loaded[table.name] = len(rows[table.name])
            if engine.dialect.name == "postgresql" and "id" in table.columns:
                # Rows came with their ids: the sequence must continue after them.
                connection.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                           f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table.name}\"), false)"))
    return loaded


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _typed(column: sa.Column[Any], value: Any) -> Any:
    """A JSON value back into what the column's type takes."""
    if value is None:
        return None
    if isinstance(column.type, sa.DateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if isinstance(column.type, sa.Date):
        return date.fromisoformat(value)
    if isinstance(column.type, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def make() -> Path:
    """Seed the demo with this checkout's code and write it as the fixture of its migration head."""
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import Session, select

    from acquis import cli, migrate
    from acquis.config import Settings, complete
    from acquis.db import make_engine
    from certificates import online_verification
    from certificates.models import Certificate

    with tempfile.TemporaryDirectory() as folder:
        settings = complete(Settings(data_dir=Path(folder), secret_key=SECRET_KEY, key_passphrase=KEY_PASSPHRASE))
        engine = make_engine(settings)
        migrate.upgrade(engine)
        with Session(engine) as session:
            cli.seed_demo(session, settings)
            session.commit()
            verdicts = {cert.number: online_verification.verify_number(session, cert.number,
                                                                       settings=settings)["verdict"]
                        for cert in session.exec(select(Certificate))}
        with engine.connect() as connection:
            head = MigrationContext.configure(connection).get_current_revision()
        data = {"revision": head, "verdicts": verdicts, "rows": dump(engine)}
        engine.dispose()
    target = FIXTURES / f"demo-{head}.json.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as packed:
        packed.write((json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode())
    return target


if __name__ == "__main__":
    sys.stdout.write(f"wrote {make()}\n")
