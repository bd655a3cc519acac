"""Test helpers shared by several test modules: making users, logging in through the real form."""

import re
from collections.abc import Callable
from functools import cache

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session

from acquis.auth.models import Role, User
from acquis.auth.passwords import HASHER

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    # Hash once per run: argon2 is deliberately slow and every test needs a few accounts.
    return HASHER.hash(PASSWORD)


class UserFactory:
    """Creates accounts directly in the test's database, committed, with the shared password."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self, role: Role | str, login: str | None = None, name: str | None = None) -> User:
        role = Role(role)
        user = User(login=login or role.value, name=name or f"Test {role.value}", role=role,
                    password_hash=password_hash())
        self.session.add(user)
        self.session.commit()
        return user


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_in(client: httpx.Client, login: str, password: str = PASSWORD) -> None:
    """Log in through the real form, as a browser would; fails the test if the login is refused."""
    page = client.get("/login")
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def app_of(client: TestClient) -> FastAPI:
    """The app a test client calls (Starlette types it as any ASGI app)."""
    app = client.app
    assert isinstance(app, FastAPI)
    return app


def post_form(client: httpx.Client, url: str, data: dict[str, str], *, page: str = "/") -> httpx.Response:
    """POST a form with the CSRF token a page of the app gave this browser."""
    token = csrf_from(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def queries_made(app: FastAPI, action: Callable[[], object]) -> int:
    """How many SQL statements the app's read engine runs during `action` (a page's requests)."""
    counted = [0]

    def count(*_: object) -> None:
        counted[0] += 1

    engine = app.state.read_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counted[0]
