"""The database part of a backup: SQLite through its online backup API, PostgreSQL through pg_dump and
pg_restore (found on the PATH), and what a copy holds (schema revision, rows per table, files its rows name)."""

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from acquis.errors import Conflict, Invalid
from acquis.i18n import N_, gettext
from acquis.storage import fsync_directory

PG_PACKAGE = "postgresql-client"  # the Debian package of pg_dump and pg_restore

# The ORM columns naming stored files by SHA-256 (acquis.main.STORE_REFERENCES, from the composition root).
FileColumns = Sequence[Any]


class NoDatabase(Invalid):
    """The SQLite database to back up does not exist."""

    code = "no-database"
    default_message = N_("La base de données à sauvegarder n'existe pas.")


class DatabaseUnreachable(Invalid):
    """The PostgreSQL database cannot be reached."""

    code = "database-unreachable"
    default_message = N_("La base de données est injoignable.")


class ToolMissing(Invalid):
    """pg_dump or pg_restore is not on the PATH."""

    code = "tool-missing"
    default_message = N_("Outil PostgreSQL introuvable dans le PATH.")


class ToolFailed(Conflict):
    """pg_dump or pg_restore exited with an error."""

    code = "tool-failed"
    default_message = N_("L'outil PostgreSQL a échoué.")


@dataclass(frozen=True)
class Contents:
    """What a database snapshot holds: its schema revision, rows per table, and the files its rows name."""

    head: str | None
    tables: dict[str, int]
    named: dict[str, str]  # digest -> the column naming it ("certificate.pdf_sha256")


def dump_sqlite(url: str, dump: Path, references: FileColumns) -> Contents:
    """Copy the live SQLite database into `dump` (a new file, mode 0600) as one committed state."""
    source = sqlite_path(url)
    if not source.is_file():
        raise NoDatabase(gettext("La base de données %(path)s n'existe pas.") % {"path": source})
    _create_private(dump)
    live, copy = sqlite3.connect(source), sqlite3.connect(dump)
    try:
        # One step (pages=-1): a single read transaction, so the copy is one committed state; in WAL mode
        # it blocks no writer.
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        live.close()
    _fsync(dump)
    return sqlite_contents(dump, references)


def sqlite_contents(path: Path, references: FileColumns) -> Contents:
    """What a SQLite file holds, read without writing a byte to it."""
    engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as connection:
            return read_contents(connection, references)
    finally:
        engine.dispose()


def dump_postgresql(url: str, dump: Path, references: FileColumns) -> Contents:
    """pg_dump --format=custom of the database into `dump` (mode 0600), and what that very dump holds."""
    pg_dump = tool("pg_dump")
    _create_private(dump)
    with connected(url) as connection, connection.execution_options(isolation_level="REPEATABLE READ").begin():
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        # pg_dump reads the very snapshot this transaction holds open: the file list and row counts read
        # here below describe exactly the rows it dumps, whatever commits meanwhile.
        exported = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        run_tool([pg_dump, "--format=custom", f"--snapshot={exported}", f"--file={dump}", libpq_url(url)], url)
        contents = read_contents(connection, references)
    _fsync(dump)
    return contents


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    """A connection to a PostgreSQL database; an unreachable one is a one-line error, not a traceback."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    except sa.exc.OperationalError as error:
        reason = (str(error.orig).strip().splitlines() or ["?"])[0]
        raise DatabaseUnreachable(gettext("La base %(database)s est injoignable : %(reason)s") % {
            "database": make_url(url).database, "reason": reason}) from None
    finally:
        engine.dispose()


def restore_postgresql(dump: Path, url: str) -> None:
    """pg_restore into an empty database, all or nothing (one transaction), owned by the URL's role."""
    run_tool([tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              f"--dbname={libpq_url(url)}", str(dump)], url)


def read_contents(connection: Connection, references: FileColumns) -> Contents:
    """Row counts, schema revision and named files, as `connection` sees the database."""
    names = sorted(sa.inspect(connection).get_table_names())
    tables = {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
              for name in names}
    head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() \
        if "alembic_version" in names else None
    named: dict[str, str] = {}
    for attribute in references:
        column = attribute.expression
        for digest in connection.execute(sa.select(column).where(column.is_not(None), column != "")).scalars():
            named.setdefault(digest, column_name(attribute))
    return Contents(head, tables, named)


def column_name(attribute: Any) -> str:
    """"table.column" of an ORM column."""
    return f"{attribute.expression.table.name}.{attribute.expression.name}"


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq reads it, without the password (it goes through PGPASSWORD: a command
    line is visible to every local user in ps)."""
    return make_url(url).set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def tool(name: str) -> str:
    """A PostgreSQL client program, found on the PATH."""
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(gettext("%(tool)s est introuvable dans le PATH : installez le paquet Debian %(package)s "
                                  "(apt-get install -y %(package)s).") % {"tool": name, "package": PG_PACKAGE})
    return found


def run_tool(command: list[str], url: str) -> None:
    password = make_url(url).password
    env = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise ToolFailed(gettext("%(tool)s a échoué : %(reason)s") % {"tool": Path(command[0]).name, "reason": last})


def _create_private(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # personal data: owner only


def _fsync(path: Path) -> None:
    """Make a file written by another program (sqlite3, pg_dump) durable, with its name."""
    fsync_directory(path)  # open read-only and fsync: the same for a file as for a folder
    fsync_directory(path.parent)
