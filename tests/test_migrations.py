"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from acquis.main import metadata


def test_migrations_match_the_models(app: object) -> None:
    engine = app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       metadata())
    assert differences == [], "run `make migration` to write the missing migration"
