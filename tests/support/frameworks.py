"""Helpers for the framework tests: the demo file, fixture packages, the real command, a write session."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from sqlmodel import Session

from acquis.config import Settings
from validation.frameworks import transfer
from validation.frameworks.inputs import FrameworkFile

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "validation" / "data" / "demo-frameworks.yaml"
DATA = Path(__file__).parents[1] / "data" / "frameworks"
BRICKLAYING = DATA / "case-bricklaying-l2.json"
PLUMBER = DATA / "case-plombier-4-blocs.json"
DEMO_CODES = ["DEMO-MAC-01", "DEMO-ELB-01", "DEMO-EDM-01", "DEMO-PL-01"]
ISCO_PREFIX = "http://data.europa.eu/esco/isco/C"


Command = tuple[str, ...]


def acquis(settings: Settings, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real `acquis` command on the test's data dir, and its database or `database_url`."""
    return acquis_all(settings, [args], database_url=database_url)[0]


def acquis_all(settings: Settings, commands: list[Command], *,
               database_url: str | list[str] | None = None) -> list[subprocess.CompletedProcess[str]]:
    """Independent `acquis` commands run side by side (each costs seconds of Python start-up)."""
    urls = database_url if isinstance(database_url, list) else [database_url or settings.database_url] * len(commands)
    running = []
    for args, url in zip(commands, urls, strict=True):
        env = {**os.environ, "ACQUIS_DATABASE_URL": url, "ACQUIS_DATA_DIR": str(settings.data_dir),
               "ACQUIS_SECRET_KEY": settings.secret_key}
        running.append((args, subprocess.Popen([sys.executable, "-m", "acquis", *args], env=env, text=True,
                                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)))
    done = []
    for args, process in running:
        stdout, stderr = process.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(list(args), process.returncode, stdout, stderr))
    return done


@contextmanager
def writing(app: FastAPI) -> Iterator[Session]:
    """A session on the app's write engine, as a view or a command has (the test commits)."""
    with Session(app.state.engine, expire_on_commit=False) as session:
        yield session


def load_demo(app: FastAPI) -> None:
    """The demo frameworks, published, as `acquis demo` leaves them."""
    with writing(app) as session:
        transfer.seed_demo(session)
        session.commit()


def only(file: FrameworkFile, code: str) -> FrameworkFile:
    """The file reduced to one framework, its file-level settings kept."""
    return file.model_copy(update={"frameworks": [f for f in file.frameworks if f.code == code]})
