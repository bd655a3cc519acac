"""Bulk inserts for seeding at scale: executemany on SQLite, COPY on PostgreSQL, one transaction per batch.

Rows are dicts keyed by column name holding what the ORM would hold (enum members, lists for JSON,
aware datetimes); a column left out takes its model default, or NULL. Primary keys are given by the
caller, so that rows of other tables can point at them without reading anything back. SQLAlchemy's
own bind processors turn the values into what the app reads back (its SQLite date format, JSON
text), without the ORM's per-row cost (which makes executemany five times slower here).
"""

import json
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from itertools import islice
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

BATCH = 20_000
Convert = Callable[[Any], Any]


def batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def defaults(model: type[SQLModel]) -> dict[str, Any]:
    """What a row leaves out: the model's default, else NULL (a missing required value fails loudly)."""
    values: dict[str, Any] = {column.name: None for column in table_of(model).columns if column.nullable}
    for name, field in model.model_fields.items():
        if field.default_factory is not None:
            values[name] = field.get_default(call_default_factory=True)
        elif field.default is not PydanticUndefined:
            values[name] = field.default
    return values


def table_of(model: type[SQLModel]) -> sa.Table:
    return model.metadata.tables[str(model.__tablename__)]


def engine_for(url: str) -> Engine:
    """An engine for loading: on SQLite without waiting for the disk, with a large page cache (the
    indexes of a million rows then stay in memory while they grow); WAL, as the app opens it."""
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _loading_pragmas)
    return engine


def _loading_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=OFF", "cache_size=-400000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _copy_value(column: sa.Column[Any]) -> Convert | None:
    """How COPY wants a value of this column (psycopg adapts dates, datetimes, bytes and numbers)."""
    if isinstance(column.type, sa.JSON):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    if isinstance(column.type, sa.Enum):
        return lambda value: value.value if isinstance(value, Enum) else value
    return None


class Writer:
    """Writes rows to one database and counts them per table, for the seed's summary."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.counts: dict[str, int] = {}
        self.tables: list[sa.Table] = []

    def write(self, model: type[SQLModel], rows: Iterable[dict[str, Any]]) -> int:
        table = table_of(model)
        names = [column.name for column in table.columns]
        dialect = self.engine.dialect
        # dialect_impl: the SQLite flavour of each type, which writes dates as the app's reads expect.
        convert = [_copy_value(column) if self.postgresql else column.type.dialect_impl(dialect).bind_processor(dialect)
                   for column in table.columns]
        missing = defaults(model)
        written = 0
        for batch in batches(rows):
            values = [tuple(f(row[n]) if f else row[n] for n, f in zip(names, convert, strict=True))
                      for row in (missing | given for given in batch)]
            self._insert(table.name, names, values)
            written += len(values)
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        self.tables.append(table)
        return written

    def _insert(self, table: str, names: list[str], values: list[tuple[Any, ...]]) -> None:
        columns = ", ".join(f'"{name}"' for name in names)
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.postgresql:
                # COPY is several times faster than INSERT on PostgreSQL.
                with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                    for row in values:
                        copy.write_row(row)
            else:
                cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(names))})',
                                   values)
            raw.commit()
        finally:
            raw.close()

    def finish(self) -> None:
        """PostgreSQL: move the id sequences past the ids given, then refresh the planner's statistics
        (autovacuum would do it a minute later; the benchmark should not measure that minute)."""
        if not self.postgresql:
            return
        with self.engine.begin() as connection:
            for table in self.tables:
                if "id" not in table.c:
                    continue
                sequence = connection.exec_driver_sql(
                    f"SELECT pg_get_serial_sequence('\"{table.name}\"', 'id')").scalar()
                if sequence:
                    connection.exec_driver_sql(f"SELECT setval('{sequence}', (SELECT COALESCE(MAX(id), 1) "
                                               f'FROM "{table.name}"))')
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
