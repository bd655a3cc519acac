"""Helpers for the backup tests: the PostgreSQL client programs on the PATH, an empty database to restore into
(fixtures, registered by tests/conftest.py), files that rows name, and what a backup folder holds."""

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session
from typer.testing import CliRunner, Result

from acquis import cli
from acquis.backup import FILES, MANIFEST, snapshots
from acquis.config import Settings, complete
from acquis.storage import Store
from tests.support.postgres import find_bindir
from validation.dossiers.models import EvidenceFile


def acquis(settings: Settings, *args: str, **env: str) -> Result:
    """Run an `acquis` command in this process (a new interpreter costs seconds on a busy machine), with the
    environment of the test's settings; its exit code, stdout and stderr are the command's own."""
    environment = {"ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
                   "ACQUIS_SECRET_KEY": settings.secret_key, "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase,
                   "ACQUIS_PUBLIC_URL": settings.public_url, **env}
    return CliRunner().invoke(cli.app, list(args), env=environment, catch_exceptions=False)


@pytest.fixture
def pg_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_dump and pg_restore of the server the tests start, first on the PATH (Debian keeps them off it)."""
    bindir = find_bindir()
    if bindir is not None:
        monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")


@pytest.fixture
def restore_url(request: pytest.FixtureRequest, settings: Settings) -> Iterator[str | None]:
    """Where a restore puts the database: None on SQLite (the new data dir's own), else a new empty
    PostgreSQL database, dropped at the end."""
    if settings.is_sqlite:
        yield None
        return
    admin = request.getfixturevalue("postgres_url")
    name = f"acquis_restored_{uuid.uuid4().hex[:12]}"
    _admin(admin, f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    _admin(admin, f'DROP DATABASE "{name}" WITH (FORCE)')


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def restore_args(into: Path, database_url: str | None) -> list[str]:
    return ["backup", "restore", "--into", str(into), *(["--database-url", database_url] if database_url else [])]


def restored_settings(into: Path, database_url: str | None, live: Settings, *, secret_key: str = "") -> Settings:
    """The settings an operator would start the restored copy with: the same passphrase and public URL, the
    secret key from the restored data dir unless given (it was in the environment, not in the backup)."""
    return complete(Settings(data_dir=into, database_url=database_url or f"sqlite:///{into / 'acquis.db'}",
                             secret_key=secret_key, key_passphrase=live.key_passphrase, public_url=live.public_url))


def evidence_file(session: Session, settings: Settings, data: bytes) -> str:
    """A stored file and the row naming it, committed; returns its digest."""
    stored = Store(settings.data_dir / "files").put_bytes(data, session=session)
    session.add(EvidenceFile(sha256=stored.sha256, size=stored.size, media_type="image/png"))
    session.commit()
    return stored.sha256


def backed_up(root: Path, digest: str) -> Path:
    return root / FILES / digest[:2] / digest[2:]


def newest_manifest(root: Path) -> dict[str, Any]:
    return json.loads((snapshots(root)[-1] / MANIFEST).read_text())
