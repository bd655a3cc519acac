"""Database engine per app, sessions, and the column types every domain shares."""

import os
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy import DateTime, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, CursorResult, Engine, Result, make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, Session, SQLModel, create_engine

from acquis.config import Settings


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Row(SQLModel):
    """The base of every table with a surrogate key: once a row is added and flushed its ``id`` is set, so code
    that holds a row reads ``row.id`` as an ``int`` (it is None only between construction and the flush)."""

    id: int = Field(default=None, primary_key=True)


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run by ``Session.execute`` matched (SQLAlchemy types that result as a
    plain Result; for these statements it is a CursorResult, which counts them)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount


def insert_into(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `table` in the dialect of the session's database, so that it can say ON CONFLICT (DO
    NOTHING or DO UPDATE): PostgreSQL's and SQLite's spell it the same."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def engine_of(session: Session) -> Engine:
    """The engine a session was opened on (a command keeps using it once its session is closed)."""
    bind = session.get_bind()
    return bind.engine if isinstance(bind, Connection) else bind


def str_enum(enum_class: type[StrEnum]) -> sa.Enum:
    """A Python enum stored as its plain string value (no native database enum to migrate)."""
    return sa.Enum(enum_class, native_enum=False, length=40,
                   values_callable=lambda members: [member.value for member in members])


def make_engine(settings: Settings) -> Engine:
    """The engine for writes; on SQLite each transaction takes the write lock when it begins."""
    url = settings.database_url
    if url.startswith("sqlite"):
        engine = _sqlite_engine(url)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_read_engine(settings: Settings, write_engine: Engine) -> Engine:
    """The engine for safe (GET) requests.

    On SQLite its statements run without an explicit transaction, each on the latest committed
    data, so a page being rendered never holds the write lock. PostgreSQL's READ COMMITTED
    already behaves so: there the write engine serves reads too.
    """
    if settings.database_url.startswith("sqlite"):
        engine = _sqlite_engine(settings.database_url)
        event.listen(engine, "connect", _sqlite_read_cache)
        return engine
    return write_engine


def _sqlite_engine(url: str) -> Engine:
    _private_database_file(url)
    # isolation_level None: the driver opens no transaction of its own; we decide when to BEGIN.
    engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _private_database_file(url: str) -> None:
    """Create the database file 0600 before SQLite does (it would follow the umask, often 0644).

    SQLite gives its -wal and -shm files the database file's mode, so they are private too; an
    existing database readable by others (from before) loses those bits."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    with suppress(OSError):  # it exists already, or its folder does not (SQLite then says so itself)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(OSError):  # absent, or owned by someone else: nothing we may change
            mode = name.stat().st_mode & 0o777
            if mode & 0o077:
                name.chmod(mode & 0o700)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Writers queue for up to 30 s instead of failing at once with "database is locked".
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_read_cache(dbapi_connection: Any, _record: Any) -> None:
    # 8 MB of page cache per reading connection instead of SQLite's 2 MB: with 100,000 dossiers an
    # assessor's work list touches a thousand pages, and re-reading them through the OS tripled its
    # query time. Only readers get it: each pooled connection keeps its own cache, and the server's
    # memory should stay within a few hundred MB.
    dbapi_connection.execute("PRAGMA cache_size=-8000")


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock when the transaction starts: a deferred transaction that read first and
    # writes later fails outright (SQLITE_BUSY) when another writer committed in between, which
    # would break read-modify-write steps such as appending to the audit chain.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; whatever the view did not commit is rolled back at the end.

    Safe requests only read, so they get the read engine; every state change is a POST.
    """
    state = request.app.state
    engine = state.read_engine if request.method in SAFE_METHODS else state.engine
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
