"""No button that leads to a refusal: every page of the demo, walked as each demo role, and every form on it
submitted as it stands; none answers 403, 404 or 409 (one function per action decides both whether its form is
shown and whether its POST is accepted, see docs/developing.md). A form may answer 400 or 422 (a required field
left as a careful user would not); never a server error.

SQLite only: the walk is the same on PostgreSQL (the services' checks are engine-agnostic) and seeding the demo
twice would double a test that already takes most of a minute."""

import html
import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, col, select

from acquis.auth.models import User
from assessors.models import Assignment
from tests.support.authorization import Demo, caller, demo_database
from tests.support.web import app_of
from validation.dossiers.models import AccessPurpose, DossierUnit
from validation.dossiers.seed import sample_jpeg, sample_pdf, sample_wav

ROLES = ("admin", "registrar", "counsellor", "assessor", "assessor2", "assessor3", "candidate", "candidate2")
# Instances of one route (e.g. /dossiers/{dossier_id}) a role visits; of a route under another object's
# (e.g. /assessments/{dossier_id}/units/{unit_id}), one per such object: the state that decides is the object's.
PAGES_PER_ROUTE = 4
SUBMISSIONS_PER_ACTION = 4  # forms of one action (e.g. revoke_certificate) submitted from one page
REFUSALS = {403, 404, 409}
# Logging out would end the walk; a language switch is the page it came from again.
NOT_WALKED = ("/static/", "/logout", "/language/")
HTML = "text/html"


# --- reading a page ----------------------------------------------------------------------------------------


@dataclass
class Form:
    """A `<form method="post">` as a browser would send it untouched, one per submit button that has a name."""

    action: str
    id: str  # its `id`, which stays the same when a submission changes its values (a version, say)
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (name, accept)
    radios: set[str] = field(default_factory=set)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def variants(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(what it is called, the fields sent): one per named submit button, else the form once."""
        if not self.buttons:
            return [(self.action, self.fields)]
        return [(f"{self.action} [{name}={value}]", [*self.fields, (name, value)]) for name, value in self.buttons]


class Page(HTMLParser):
    """The links (`href`, `hx-get`) and the POST forms of one HTML page."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, str | None, bool] | None = None  # name, first option, a selected one seen
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attributes}
        for link in (a.get("href") if tag == "a" else None, a.get("hx-get")):
            if link:
                self.links.append(urljoin(self.url, link))
        if tag == "form":
            self.form = Form(urljoin(self.url, a.get("action") or self.url), a.get("id", "")) \
                if a.get("method", "get").lower() == "post" else None
        elif self.form is not None:
            self._field(tag, a, self.form)

    def _field(self, tag: str, a: dict[str, str], form: Form) -> None:
        name, kind = a.get("name"), a.get("type", "text" if tag == "input" else "submit").lower()
        if tag == "button" and kind == "submit" and name:
            form.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = (name, None, False)
        elif tag == "option" and self.select is not None:
            select_name, first, chosen = self.select
            value = a.get("value", "")
            if "selected" in a and not chosen:
                form.fields.append((select_name, value))
                chosen = True
            self.select = (select_name, value if first is None else first, chosen)
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "input" and name and "disabled" not in a:
            if kind == "file":
                form.files.append((name, a.get("accept", "")))
            elif kind == "submit":
                form.buttons.append((name, a.get("value", "")))
            elif kind == "checkbox" and "checked" in a:
                form.fields.append((name, a.get("value", "on")))
            elif kind == "radio" and ("checked" in a or name not in form.radios):  # the checked one, else the first
                form.fields = [(n, v) for n, v in form.fields if n != name]
                form.fields.append((name, a.get("value", "on")))
                form.radios.add(name)
            else:
                form.fields.append((name, a.get("value") or (plausible(kind, a) if "required" in a else "")))

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self.select is not None and self.form is not None:
            name, first, chosen = self.select
            if not chosen and first is not None:
                self.form.fields.append((name, first))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            text = "".join(self.textarea[1]).strip()
            self.form.fields.append((self.textarea[0], text or "Essai du parcours"))
            self.textarea = None
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None


def plausible(kind: str, attributes: dict[str, str]) -> str:
    """What a careful user types into an empty required field of this kind."""
    if kind == "date":
        return attributes.get("min") or date.today().isoformat()
    if kind == "number":
        return attributes.get("min") or "1"
    return {"email": "essai@example.org", "tel": "+22376000000", "password": "correct horse battery staple",
            "url": "https://example.org/"}.get(kind, "Essai")


def sample_file(accept: str) -> tuple[str, bytes, str]:
    """A tiny valid file of a type the field accepts."""
    if "pdf" in accept or not accept:
        return "essai.pdf", sample_pdf("Essai"), "application/pdf"
    if "image" in accept or "jpeg" in accept or "jpg" in accept:
        return "essai.jpg", sample_jpeg("Essai"), "image/jpeg"
    if "audio" in accept or "wav" in accept:
        return "essai.wav", sample_wav(1), "audio/wav"
    if "csv" in accept:
        return "essai.csv", b"code,title\n", "text/csv"
    return "essai.json", b"{}", "application/json"


def error_text(response: Response) -> str:
    """What the answer told the user: the JSON error's message, the page's alert or its error card."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return str(response.json().get("error", {}).get("message", response.text[:200]))
    found = re.search(r'<[^>]+role="alert".*?</\w+>', response.text, re.S) or \
        re.search(r'<section[^>]*id="error".*?</section>', response.text, re.S)
    text = re.sub(r"<[^>]+>", " ", found.group(0) if found else response.text[:300])
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


# --- the walk ------------------------------------------------------------------------------------------------


@dataclass
class Walk:
    """One role's browser, breadth first from the home page; `downloads` is shared by every role's walk."""

    role: str
    browser: TestClient
    downloads: set[str]  # routes that answered something other than a page: one of each is enough
    failures: list[str] = field(default_factory=list)
    visits: Counter[str] = field(default_factory=Counter)
    seen: set[str] = field(default_factory=set)
    routes: list[tuple[str, set[str], re.Pattern[str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        app = app_of(self.browser)
        self.routes = [(str(route.name), set(getattr(route, "methods", None) or ()), route.path_regex)
                       for route in iter_route_contexts(app.routes) if hasattr(route, "path_regex")]

    def route(self, url: str, method: str = "GET") -> tuple[str, list[str]] | None:
        """The name of the route that answers `url` (show_dossier for /dossiers/12) and its path parameters."""
        path = urlsplit(url).path
        for name, methods, pattern in self.routes:
            if method in methods and (match := pattern.match(path)):
                return name, list(match.groupdict().values())
        return None

    def name(self, url: str, method: str = "GET") -> str:
        found = self.route(url, method)
        return found[0] if found else url

    def run(self, addresses: list[str]) -> list[str]:
        """From the home page, then from pages a user reaches by their address (a bookmark, the back button)."""
        queue = deque(["/", *(address for address in addresses if self.worth_visiting(address))])
        while queue:
            url = queue.popleft()
            if self.name(url) in self.downloads:
                continue
            page = self.visit(url)
            if page is not None:
                self.submit_all(url, page)
                queue.extend(link for link in page.links if self.worth_visiting(link))
        self.log_out()
        return self.failures

    def log_out(self) -> None:
        """Last, the logout form every page carries."""
        home = self.visit("/")
        form = next((f for f in home.forms if urlsplit(f.action).path == "/logout"), None) if home else None
        if form is None:
            self.failures.append(f"{self.role}: the home page has no logout form")
        else:
            self.submit("/", form, form.action, form.fields)

    def worth_visiting(self, link: str) -> bool:
        parts = urlsplit(link)
        if parts.netloc not in ("", "testserver") or parts.path.startswith(NOT_WALKED):
            return False
        url = parts.path + (f"?{parts.query}" if parts.query else "")
        found = self.route(url)
        if url in self.seen or found is None:
            return False
        name, values = found
        key, cap = (f"{name} {values[0]}", 1) if len(values) > 1 else (name, PAGES_PER_ROUTE)
        if self.visits[key] >= cap:
            return False
        self.seen.add(url)
        self.visits[key] += 1
        return True

    def visit(self, url: str, *, again: bool = False) -> Page | None:
        response = self.browser.get(url)
        if response.status_code >= 400:
            if not again:  # the page that a form of it just changed may be gone: that is no link's fault
                self.failures.append(f"{self.role}: GET {url} (a link) answered {response.status_code}: "
                                     f"{error_text(response)}")
            return None
        if not response.headers.get("content-type", "").startswith(HTML):
            self.downloads.add(self.name(url))
            return None
        page = Page(str(response.url))
        page.feed(response.text)
        return page

    def submit_all(self, url: str, page: Page | None) -> None:
        """Each form of the page, as the page shows it after the submissions before it changed things."""
        done: set[tuple[str, ...]] = set()
        per_action: Counter[str] = Counter()
        while page is not None:
            waiting = [(form, label, fields) for form in page.forms for label, fields in form.variants()
                       if self.worth_submitting(form, label, fields, done, per_action)]
            if not waiting:
                return
            form, label, fields = waiting[0]
            done.add(identity(form, label, fields))
            per_action[self.name(form.action, "POST")] += 1
            if self.submit(url, form, label, fields):
                page = self.visit(url, again=True)

    def worth_submitting(self, form: Form, label: str, fields: list[tuple[str, str]], done: set[tuple[str, ...]],
                         per_action: Counter[str]) -> bool:
        name = self.name(form.action, "POST")
        return (not urlsplit(form.action).path.startswith(NOT_WALKED) and name not in self.downloads
                and per_action[name] < SUBMISSIONS_PER_ACTION and identity(form, label, fields) not in done)

    def submit(self, url: str, form: Form, label: str, fields: list[tuple[str, str]]) -> bool:
        """Whether the submission may have changed what the page shows."""
        files = [(name, sample_file(accept)) for name, accept in form.files]
        response = self.browser.post(form.action, data=dict_or_pairs(fields), files=files or None,
                                     follow_redirects=False)
        if response.status_code in REFUSALS or response.status_code >= 500:
            self.failures.append(f"{self.role}: on {url}, the form POST {label} answered {response.status_code}: "
                                 f"{error_text(response)}")
        elif not response.headers.get("content-type", "").startswith(HTML) and response.status_code < 300:
            self.downloads.add(self.name(form.action, "POST"))  # a printout (a slip), changing nothing
        return response.status_code < 400


def identity(form: Form, label: str, fields: list[tuple[str, str]]) -> tuple[str, ...]:
    """A form told apart from its neighbours by its action and button, and by its id or else its values."""
    if form.id:
        return (label, form.id)
    return (label, *sorted(f"{name}={value}" for name, value in fields if name != "csrf_token"))


def dict_or_pairs(fields: list[tuple[str, str]]) -> Any:
    """httpx takes repeated names as a list under one key."""
    grouped: dict[str, list[str]] = {}
    for name, value in fields:
        grouped.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


@pytest.fixture(scope="module", params=["sqlite"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo seeded once; each role walks its own copy (what one role's forms change, another never sees)."""
    with demo_database(request, request.param, tmp_path_factory.mktemp("demo")) as seeded_demo:
        yield seeded_demo


def bookmarked(app: FastAPI, login: str) -> list[str]:
    """Pages no link leads to once their step is over, still open by their address: the scoring screen of every
    unit of every dossier the user was given to assess (a certified one's included)."""
    with Session(app.state.engine) as session:
        rows = session.exec(select(Assignment.dossier_id, DossierUnit.unit_id)
                            .join(User, col(User.id) == Assignment.user_id)
                            .join(DossierUnit, col(DossierUnit.dossier_id) == Assignment.dossier_id)
                            .where(User.login == login, Assignment.purpose == AccessPurpose.ASSESS)
                            .order_by(col(Assignment.dossier_id), col(DossierUnit.unit_id))).all()
    return [f"/assessments/{dossier_id}/units/{unit_id}" for dossier_id, unit_id in rows]


def test_no_form_of_the_demo_answers_a_refusal(demo: Demo, tmp_path: Path) -> None:
    """Every role on its own copy of the demo; all failures listed at once."""
    failures: list[str] = []
    downloads: set[str] = set()
    for role in ROLES:
        with caller(demo, role, tmp_path / role) as who:
            app = app_of(who.browser)
            failures += Walk(role, who.browser, downloads).run(bookmarked(app, role))
    assert not failures, f"{len(failures)} refusals:\n  " + "\n  ".join(failures)
