"""Alembic environment: runs on the engine handed over by acquis.migrate."""

from alembic import context

from acquis.main import metadata

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration rebuilds a SQLite table (copy, drop, rename): with foreign keys enforced, dropping a table
        # that other rows point at fails, so a database with data could not be upgraded. They are off while migrating
        # (the pragma only takes effect outside a transaction, hence on the driver's connection before SQLAlchemy
        # begins one) and every reference is checked before the commit.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata(),
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all() if sqlite else []
            if broken:
                raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.invalidate()  # never back to the pool with foreign keys off: the next one connects afresh
