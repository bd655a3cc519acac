"""Fixtures: a fresh database per test, on SQLite and on a real PostgreSQL, and apps built on it."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import Session

from acquis import migrate
from acquis.audit import AuditHead
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.main import create_app, metadata
from tests.support.browser import CHROMIUM_ARGS, chromium_path, serving
from tests.support.postgres import Cluster, find_bindir
from tests.support.web import UserFactory

# Fixtures kept beside the helpers they serve (pg_tools and restore_url, for the backup tests).
pytest_plugins = ["tests.support.backup"]

IN_CI = os.environ.get("CI", "").lower() == "true"
# No scheduled job runs behind a test's back (a lapse in the middle of a dossier test); tests/kernel/test_jobs.py
# turns the scheduler on where it is the subject. Servers the tests start inherit this too.
os.environ.setdefault("ACQUIS_JOBS", "off")


def unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI a missing PostgreSQL or browser is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Under CI=true any skipped test fails the run: nothing required may quietly not run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """An admin URL on a PostgreSQL server: ACQUIS_TEST_POSTGRES_URL, else a throwaway cluster."""
    given = os.environ.get("ACQUIS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = find_bindir()
    if bindir is None:
        unavailable("no PostgreSQL server binaries (apt-get install postgresql)")
    cluster = Cluster(bindir).start()
    yield cluster.url
    cluster.stop()


def _schema(url: str, data_dir: Path) -> None:
    """The models' schema, stamped as migrated (tests/kernel/test_migrations.py checks the migrations)."""
    engine = make_engine(Settings(data_dir=data_dir, database_url=url, secret_key="t"))
    metadata().create_all(engine)
    with Session(engine) as session:
        session.add(AuditHead())
        session.commit()
    migrate.stamp(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("template") / "acquis.db"
    _schema(f"sqlite:///{path}", path.parent)
    return str(path)


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"acquis_template_{uuid.uuid4().hex[:8]}"
    _admin(postgres_url, f'CREATE DATABASE "{name}"')
    _schema(postgres_url.rsplit("/", 1)[0] + f"/{name}", tmp_path_factory.mktemp("pg"))
    return name


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the full schema for this test alone (a copy of a template)."""
    if request.param == "sqlite":
        target = f"{tmp_path}/acquis.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    yield from _postgres_database(request, template=request.getfixturevalue("postgres_template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, for migrating from scratch."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    yield from _postgres_database(request, template="template0")


def _postgres_database(request: pytest.FixtureRequest, *, template: str) -> Iterator[str]:
    admin_url = request.getfixturevalue("postgres_url")
    name = f"acquis_test_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    _admin(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return complete(Settings(data_dir=tmp_path, database_url=database_url, secret_key="test-secret",
                             key_passphrase="test-passphrase", allowed_hosts="testserver"))  # TestClient's Host


@pytest.fixture
def app(settings: Settings) -> Iterator[FastAPI]:
    app = create_app(settings)
    yield app
    app.state.engine.dispose()
    app.state.read_engine.dispose()


@pytest.fixture
def session(app: FastAPI) -> Iterator[Session]:
    """The test's own view of the database: on SQLite every statement sees the latest commit."""
    with Session(app.state.read_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def users(session: Session) -> UserFactory:
    return UserFactory(session)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium through Playwright; never a downloaded browser."""
    path = chromium_path()
    if path is None:
        unavailable("no Chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with serving(app) as url:
        yield url
