"""Failed logins slow down the client that fails, never the account's owner elsewhere; unknown and known logins
answer alike; argon2 runs a bounded number of times at once."""

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.auth import passwords
from acquis.auth.models import Role, Throttle
from acquis.config import Settings
from acquis.main import create_app
from tests.support.web import PASSWORD, UserFactory, csrf_from, log_in

ATTACKER = ("203.0.113.7", 40000)
OFFICE = ("198.51.100.20", 50000)


def attempt(browser: TestClient, login: str, password: str) -> Any:
    token = csrf_from(browser.get("/login").text)
    return browser.post("/login", data={"login": login, "password": password, "csrf_token": token},
                        follow_redirects=False)


@pytest.fixture
def tuned(settings: Settings) -> Iterator[Callable[..., FastAPI]]:
    """An app on the test's database with some settings changed."""
    apps: list[FastAPI] = []

    def build(**changes: Any) -> FastAPI:
        apps.append(create_app(settings.model_copy(update=changes)))
        return apps[-1]

    yield build
    for app in apps:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """Counts argon2 verifications, and the most that ran at the same time (each made to last 50 ms)."""
    seen = {"calls": 0, "now": 0, "most": 0}
    lock = threading.Lock()
    original = passwords.HASHER.verify

    def verify(password: str, hashed: str) -> bool:
        with lock:
            seen["calls"] += 1
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            time.sleep(0.05)
            return original(password, hashed)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(passwords.HASHER, "verify", verify)
    yield seen


def test_twelve_wrong_passwords_from_one_client_leave_the_owner_free_to_log_in_elsewhere(
        app: FastAPI, users: UserFactory) -> None:
    users(Role.REGISTRAR, name="Moussa Keïta")
    with TestClient(app, client=ATTACKER) as attacker, TestClient(app, client=OFFICE) as office:
        statuses = [attempt(attacker, "registrar", f"guess-{n}").status_code for n in range(12)]
        # Five free failures, then the attacker waits, longer each time: even the right password is refused there.
        assert statuses == [401] * 5 + [429] * 7
        assert attempt(attacker, "registrar", PASSWORD).status_code == 429
        # The owner, at the office, logs in at once.
        log_in(office, "registrar")
        assert "Moussa Keïta" in office.get("/").text


def test_a_client_failing_on_many_logins_is_slowed_down_for_every_login(
        tuned: Callable[..., FastAPI], users: UserFactory) -> None:
    users(Role.COUNSELLOR)
    app = tuned(login_client_free_failures=6)
    with TestClient(app, client=ATTACKER) as attacker, TestClient(app, client=OFFICE) as office:
        # Password spraying: one try per login, never five on one.
        statuses = [attempt(attacker, f"user{n}", "123456789").status_code for n in range(8)]
        assert statuses == [401] * 6 + [429] * 2
        assert attempt(attacker, "counsellor", PASSWORD).status_code == 429
        log_in(office, "counsellor")


def test_the_throttle_is_kept_in_the_database_without_logins_or_addresses(
        app: FastAPI, users: UserFactory, session: Session) -> None:
    users(Role.ADMIN)
    with TestClient(app, client=ATTACKER) as attacker:
        attempt(attacker, "admin", "not the password")
    rows = session.exec(select(Throttle)).all()
    assert sorted(row.key.split(":")[0] for row in rows) == ["client", "login"]
    assert all(row.count == 1 and "admin" not in row.key and "203.0.113.7" not in row.key for row in rows)
    # Another worker or instance (another app on the same database) sees the same counts.
    other = create_app(app.state.settings)
    try:
        with TestClient(other, client=ATTACKER) as again:
            for _ in range(4):
                attempt(again, "admin", "not the password")
        assert attempt(TestClient(app, client=ATTACKER), "admin", "not the password").status_code == 429
    finally:
        other.state.engine.dispose()
        other.state.read_engine.dispose()


def test_unknown_and_known_logins_get_the_same_answers_for_the_same_work(
        app: FastAPI, users: UserFactory, verifications: dict[str, int]) -> None:
    users(Role.ADMIN)
    answers = {}
    with TestClient(app) as browser:  # one browser: the pages carry the same CSRF token
        for login in ("admin", "nobody"):
            before = verifications["calls"]
            pages = [attempt(browser, login, "wrong-password") for _ in range(6)]
            answers[login] = ([p.status_code for p in pages],
                              [p.text.replace(f'value="{login}"', "") for p in pages],
                              verifications["calls"] - before)
    assert answers["admin"][0] == [401] * 5 + [429]
    assert answers["admin"] == answers["nobody"]
    assert answers["admin"][2] == 5  # one argon2 verification per attempt that was not held back


def test_a_burst_of_logins_runs_argon2_at_most_the_configured_number_of_times_at_once(
        tuned: Callable[..., FastAPI], users: UserFactory, verifications: dict[str, int]) -> None:
    users(Role.ADMIN)
    app = tuned(password_hash_concurrency=2)
    assert passwords.gate_for(app.state.settings).slots == 2
    with TestClient(app) as browser:
        token = csrf_from(browser.get("/login").text)

        def one(n: int) -> int:
            return browser.post("/login", data={"login": f"user{n}", "password": "wrong-password",
                                                "csrf_token": token}, follow_redirects=False).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(one, range(10)))
    assert statuses == [401] * 10
    assert verifications["calls"] == 10
    assert verifications["most"] == 2  # ten at once were queued two by two
    assert passwords.gate_for(app.state.settings).peak <= 2


def test_when_no_argon2_slot_frees_up_in_time_the_login_says_busy(
        tuned: Callable[..., FastAPI], users: UserFactory) -> None:
    users(Role.ADMIN)
    app = tuned(password_hash_concurrency=7, password_hash_wait_seconds=0.2)
    gate = passwords.gate_for(app.state.settings)
    with TestClient(app) as browser, gate.slot(wait=1), gate.slot(wait=1), gate.slot(wait=1), gate.slot(wait=1), \
            gate.slot(wait=1), gate.slot(wait=1), gate.slot(wait=1):
        answer = attempt(browser, "admin", PASSWORD)
    assert answer.status_code == 429 and "réessayez dans un instant" in answer.text
    with TestClient(app) as browser:
        log_in(browser, "admin")
