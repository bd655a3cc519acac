"""A broken instance says so: /healthz answers 503 and why; `acquis serve` will not start on a schema not its own."""

import os
import subprocess
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from acquis import migrate
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.main import create_app
from tests.support.postgres import free_port
from tests.support.resilience import ACQUIS, PATIENCE, Server


def set_revision(settings: Settings, revision: str) -> None:
    """The database claims another migration than it was built at (as after a half-done release)."""
    engine = make_engine(settings)
    with Session(engine) as session:
        session.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        session.commit()
    engine.dispose()


def health(settings: Settings) -> httpx.Response:
    """The first probe of a freshly started app on these settings."""
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            return client.get("/healthz")
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


def serve(settings: Settings) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key}
    return subprocess.run([str(ACQUIS), "serve", "--port", str(free_port())], env=env, capture_output=True,
                          text=True, timeout=PATIENCE)


def test_healthz_is_503_while_the_schema_is_behind_the_code(settings: Settings) -> None:
    set_revision(settings, migrate.revisions()[-2])
    response = health(settings)
    assert response.status_code == 503
    reason = response.json()["reason"]
    assert "behind" in reason and "acquis db upgrade" in reason and "\n" not in reason


def test_healthz_is_503_when_the_schema_is_newer_than_the_code(settings: Settings) -> None:
    set_revision(settings, "9999")
    response = health(settings)
    assert response.status_code == 503 and "newer" in response.json()["reason"]


def test_healthz_is_503_when_the_database_cannot_be_reached(settings: Settings, tmp_path: Path) -> None:
    nowhere = (f"sqlite:///{tmp_path}/no-such-folder/acquis.db" if settings.is_sqlite
               else f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/acquis")
    response = health(settings.model_copy(update={"database_url": nowhere}))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "reason": "the database cannot be reached"}


def test_serve_refuses_a_schema_newer_than_its_code(settings: Settings) -> None:
    set_revision(settings, "9999")
    result = serve(settings)
    assert result.returncode == 2
    assert "newer than this release" in result.stderr and "pip install" in result.stderr


def test_serve_migrates_sqlite_but_refuses_postgresql_behind_its_code(empty_database_url: str, tmp_path: Path) -> None:
    settings = complete(Settings(data_dir=tmp_path, database_url=empty_database_url, secret_key="t",
                                 key_passphrase="t"))
    engine = make_engine(settings)
    migrate.upgrade(engine, migrate.revisions()[-2])
    engine.dispose()
    if settings.is_sqlite:
        server = Server(settings).start()  # waits for /healthz to answer 200: the schema was brought up to date
        server.kill()
        return
    result = serve(settings)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"acquis: the database schema ({migrate.revisions()[-2]}) is behind this release of Acquis "
        f"({migrate.head()}): run `acquis db upgrade`"]
