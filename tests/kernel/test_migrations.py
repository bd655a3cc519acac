"""The Alembic migrations, run from an empty database, build exactly the schema the models describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, select

from acquis import audit, migrate
from acquis.audit import AuditHead
from acquis.config import Settings
from acquis.db import make_engine
from acquis.main import metadata


def test_migrations_from_scratch_match_the_models(empty_database_url: str, tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path, database_url=empty_database_url, secret_key="t"))
    migrate.upgrade(engine)
    migrate.upgrade(engine)  # a second run changes nothing
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                       metadata())
    assert differences == [], "run `make migration m=...` to write the missing migration"
    with Session(engine) as session:
        assert session.exec(select(AuditHead)).one().seq == 0  # the chain starts at genesis
        audit.record(session, actor=None, action="test.first", entity_type="thing", entity_id=1)
        session.commit()
        assert audit.verify(session) is None
    engine.dispose()
