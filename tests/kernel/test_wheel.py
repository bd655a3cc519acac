"""The wheel is the product: installed into a fresh virtualenv, away from the checkout, it migrates, seeds the demo,
serves it with its stylesheet, renders PDFs and speaks English."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pypdfium2
import pytest

from tests.support.postgres import free_port
from tests.support.resilience import PATIENCE, wait_for
from tests.support.web import log_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`pip wheel .`, with the project venv's hatchling and babel instead of an isolated build environment."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-index", "--no-build-isolation",
                    "-q", "-w", str(dist)], check=True, capture_output=True)
    [built] = dist.glob("acquis-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv holding the wheel. Its dependencies are the project venv's, reached through a .pth file
    (installing them from the registry takes minutes); that venv's own .pth files, the editable install's among
    them, are not read from there, so the checkout stays out of reach."""
    folder = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    str(wheel)], check=True, capture_output=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return folder


def test_the_wheel_holds_templates_static_files_and_compiled_catalogs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("templates", "static"):
        expected = {f"acquis/{path.relative_to(ROOT)}" for path in (ROOT / shipped).rglob("*") if path.is_file()}
        assert expected and expected <= names
    assert "acquis/locale/en/LC_MESSAGES/messages.mo" in names
    assert {"validation/data/demo-frameworks.yaml", "acquis/migrations/script.py.mako"} <= names


def test_the_installed_wheel_migrates_seeds_serves_and_speaks_english(venv: Path, tmp_path: Path) -> None:
    port = free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("ACQUIS_") and name != "PYTHONPATH"}
    env |= {"ACQUIS_DATA_DIR": str(tmp_path / "var"), "ACQUIS_PUBLIC_URL": f"http://127.0.0.1:{port}"}

    def acquis(*args: str) -> str:
        done = subprocess.run([str(venv / "bin" / "acquis"), *args], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=PATIENCE * 3)
        assert done.returncode == 0, done.stderr
        return done.stdout

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import acquis; print(acquis.__file__)"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(venv)), f"the checkout's code ran, not the wheel's: {where}"
    assert "database is up to date" in acquis("db", "upgrade")
    assert "DEMO DATA ONLY" in acquis("demo", "--seed-only")
    with sqlite3.connect(tmp_path / "var" / "acquis.db") as db:
        number, qr_text = db.execute("SELECT number, qr_text FROM certificate WHERE status = 'issued'").fetchone()

    with serving(venv, env, port, cwd=tmp_path) as url, httpx.Client(base_url=url) as browser:
        login = browser.get("/login", headers={"Accept-Language": "en"})
        assert login.status_code == 200 and '<html lang="en"' in login.text and "Password" in login.text
        match = re.search(r'<link rel="stylesheet" href="([^"]+)"', login.text)
        assert match is not None
        stylesheet = browser.get(match.group(1))
        assert stylesheet.status_code == 200 and stylesheet.headers["content-type"].startswith("text/css")

        verified = browser.get("/V/" + qr_text.split("/V/")[1], headers={"Accept-Language": "en"})
        assert verified.status_code == 200 and "Valid certificate" in verified.text

        log_in(browser, "registrar", "acquis-demo")
        pdf = browser.get(f"/certificates/{number}.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        printed = pypdfium2.PdfDocument(pdf.content)[0].get_textpage().get_text_range()
        assert "Délivré à" in printed and "Awarded to" in printed  # rendered at seeding, the English column in English


@contextmanager
def serving(venv: Path, env: dict[str, str], port: int, *, cwd: Path) -> Iterator[str]:
    """`acquis serve` of the installed wheel, in its own process group, stopped afterwards."""
    url = f"http://127.0.0.1:{port}"
    log = cwd / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(venv / "bin" / "acquis"), "serve", "--port", str(port)], cwd=cwd, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(healthy, what=f"the installed server answers /healthz (log: {log})", pause=0.1)
        yield url
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=PATIENCE)
