"""A real server on a free port and Debian's Chromium driven by Playwright, for browser tests."""

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page

from tests.support.dossiers import Job, add_jobs, record_oral_consent, upload_evidence
from tests.support.postgres import free_port
from tests.support.web import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
Upload = tuple[str, str, str, bytes]  # evidence kind, file name, media type, content


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve the app with uvicorn in a thread (on `port`, else a free one); yields its base URL and stops it
    afterwards."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot as a test artifact (tests/artifacts/), for people reviewing a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits_the_phone(page: Page, width: int = 360) -> bool:
    """Whether the loaded page is no wider than a small phone's screen (nothing to scroll sideways)."""
    # A click may have started a navigation: measure the page it leads to, once it has loaded.
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement !== null")
    return bool(page.evaluate("document.documentElement.scrollWidth") <= width)


def log_in(page: Page, live_url: str, login: str, password: str = PASSWORD) -> None:
    """Log in through the real form, in whatever language the page is; waits for the welcome page."""
    page.goto(f"{live_url}/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.click("main button.primary")
    page.wait_for_selector("#welcome")


def log_out(page: Page) -> None:
    """The header's log-out button (any language); waits until the page shows nobody logged in."""
    page.click("header .who button[type=submit]")
    page.wait_for_selector("header .who", state="detached")


def consent_and_jobs(page: Page, jobs: tuple[Job, ...]) -> None:
    """From the counsellor's registration slip: on to the candidate's page, oral consent, then each job abroad."""
    page.click("#to-candidate")
    record_oral_consent(page)
    add_jobs(page, jobs)


def new_dossier_with_evidence(page: Page, evidence: tuple[Upload, ...], *, linked_kind: str | None = None) -> str:
    """From the candidate's page: a new dossier, then each file uploaded (those of `linked_kind` linked to the
    first unit); returns the dossier's URL."""
    page.click("#new-dossier")
    page.click("#dossier-form button[type=submit]")
    page.wait_for_selector("#dossier-title")
    dossier_url = page.url
    for kind, name, media_type, data in evidence:
        upload_evidence(page, kind, name, media_type, data, first_unit=kind == linked_kind)
    return dossier_url
