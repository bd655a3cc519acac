"""The authorization matrix's machinery: the demo data seeded once per database engine and copied per
role, each role logged in once, every route of the app called with path parameters taken from the demo."""

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from acquis.auth.models import User
from acquis.auth.service import issue_api_token
from acquis.cli import seed_demo
from acquis.config import Settings, complete
from acquis.db import SAFE_METHODS, make_engine
from acquis.main import create_app
from assessors.models import Accreditation, Assignment, JuryDecision, PaperChecklist
from certificates.models import Certificate, CertificateStatus
from tests.support.web import csrf_from, log_in
from validation.dossiers import paper_codes
from validation.dossiers.models import (
    AccessPurpose,
    Candidate,
    Consent,
    Dossier,
    DossierUnit,
    Evidence,
    PortfolioSnapshot,
    WorkExperience,
)
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkUnit

PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


# --- the demo data, seeded once per engine ---------------------------------------------------------------


@dataclass
class Demo:
    """A database seeded by `acquis demo`'s own seeding: each role works on a fresh copy of it."""

    settings: Settings  # the seeded original, never served
    admin_url: str | None = None  # PostgreSQL: where to CREATE DATABASE ... TEMPLATE the original
    copies: list[str] = field(default_factory=list)  # PostgreSQL: the copies' names, dropped at the end

    def copy(self, where: Path) -> Settings:
        """A fresh copy of the seeded database and of its data directory (evidence files)."""
        shutil.copytree(self.settings.data_dir, where)
        if self.admin_url is None:
            return self.settings.model_copy(update={"data_dir": where,
                                                    "database_url": f"sqlite:///{where / 'acquis.db'}"})
        server, template = self.settings.database_url.rsplit("/", 1)
        name = f"acquis_authz_{uuid.uuid4().hex[:12]}"
        self.copies.append(name)
        _admin(self.admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.settings.model_copy(update={"data_dir": where, "database_url": f"{server}/{name}"})


@contextmanager
def demo_database(request: pytest.FixtureRequest, engine: str, where: Path) -> Iterator[Demo]:
    """The demo seeded once into a copy of the test session's schema template; every copy dropped afterwards."""
    if engine == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), where / "acquis.db")
        yield seeded(f"sqlite:///{where / 'acquis.db'}", where)
        return
    admin_url: str = request.getfixturevalue("postgres_url")
    name = f"acquis_demo_{uuid.uuid4().hex[:12]}"
    _admin(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("postgres_template")}"')
    demo = None
    try:
        demo = seeded(admin_url.rsplit("/", 1)[0] + f"/{name}", where, admin_url=admin_url)
        yield demo
    finally:
        for database in [*(demo.copies if demo else []), name]:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def seeded(database_url: str, data_dir: Path, *, admin_url: str | None = None) -> Demo:
    """Seed the demo into a database that has the schema, leaving no connection open (a template must have none)."""
    settings = complete(Settings(data_dir=data_dir, database_url=database_url, secret_key="test-secret",
                                 key_passphrase="test-passphrase", allowed_hosts="testserver"))  # TestClient's Host
    engine = make_engine(settings)
    try:
        with Session(engine) as session:
            seed_demo(session, settings)
            session.commit()
    finally:
        engine.dispose()
    return Demo(settings, admin_url)


def _admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


# --- path parameters from the demo -----------------------------------------------------------------------


def demo_parameters(session: Session) -> dict[str, Any]:
    """Each path parameter, filled so that the question is meaningful: {dossier_id} is the demo
    candidate's dossier that the demo "assessor" is assigned to, {number} that candidate's valid
    certificate, and every other id belongs to that candidate, that dossier or that assessor."""
    candidate_user = _user(session, "candidate")
    assessor = _user(session, "assessor")
    candidate = session.exec(select(Candidate).where(Candidate.user_id == candidate_user.id)).one()
    assigned = session.exec(select(Assignment).join(Dossier, col(Dossier.id) == col(Assignment.dossier_id)).where(
        Dossier.candidate_id == candidate.id, Assignment.user_id == assessor.id,
        Assignment.purpose == AccessPurpose.ASSESS)).one()
    dossier = session.get(Dossier, assigned.dossier_id)
    assert dossier is not None
    framework = session.get(Framework, dossier.framework_id)
    assert framework is not None
    unit_id = session.exec(select(DossierUnit.unit_id).where(DossierUnit.dossier_id == dossier.id)
                           .order_by(col(DossierUnit.unit_id))).first()
    unit = session.get(FrameworkUnit, unit_id)
    assert unit is not None
    criterion = session.exec(select(FrameworkCriterion).where(FrameworkCriterion.unit_id == unit.id)
                             .order_by(col(FrameworkCriterion.position))).first()
    assert criterion is not None
    certificate = session.exec(select(Certificate).where(Certificate.holder_user_id == candidate_user.id,
                                                         Certificate.status == CertificateStatus.ISSUED)).first()
    assert certificate is not None, "the demo candidate holds no valid certificate"
    return {
        "dossier_id": dossier.id, "candidate_id": candidate.id, "number": certificate.number,
        "payload": certificate.qr_text.rsplit("/", 1)[1], "list_id": certificate.status_list_id,
        "lang": "en", "code": framework.code, "version": framework.version, "kind": "unit", "node_id": unit.id,
        "unit_id": unit.id, "criterion_id": criterion.id,
        "evidence_id": _first(session, Evidence, Evidence.dossier_id == dossier.id),
        "snapshot_id": _first(session, PortfolioSnapshot, PortfolioSnapshot.dossier_id == dossier.id),
        "consent_id": _first(session, Consent, Consent.candidate_id == candidate.id),
        "job_id": _first(session, WorkExperience, WorkExperience.candidate_id == candidate.id),
        "user_id": assessor.id, "assignment_id": assigned.id,
        "accreditation_id": _first(session, Accreditation, Accreditation.user_id == assessor.id),
        "decision_id": _first(session, JuryDecision, JuryDecision.dossier_id == dossier.id),
        # The paper checklist the assessor keyed in on another dossier of theirs, waiting for a second person.
        "checklist_id": _first(session, PaperChecklist, PaperChecklist.keyed_by_id == assessor.id),
        # The demo has no appeal: an id that exists nowhere (the registry-only guard answers before the lookup).
        "appeal_id": 999_999,
        # Nor a registration conflict: caseworkers get "not found", the others the role guard's refusal.
        "conflict_id": 999_999,
        "form_code": _form_code(session, dossier, by=assessor),
    }


def _form_code(session: Session, dossier: Dossier, *, by: User) -> str:
    """The code of the dossier's convocation as its assessor printed it (the demo prints none: issued here, once)."""
    row = paper_codes.issue(session, kind=paper_codes.FormKind.CONVOCATION, candidate_id=dossier.candidate_id,
                            dossier_id=dossier.id, by=by)
    session.commit()
    return row.code


def _user(session: Session, login: str) -> User:
    return session.exec(select(User).where(User.login == login)).one()


def _first(session: Session, table: Any, condition: Any) -> int:
    row = session.exec(select(table).where(condition).order_by(table.id)).first()
    assert row is not None, f"the demo has no {table.__name__} for the matrix"
    return int(row.id)


def fill(path: str, parameters: dict[str, Any]) -> str:
    """The path with its parameters; a framework node's id is that of the kind the path names."""
    values = dict(parameters)
    if "/criterion/{node_id" in path:
        values["node_id"] = values["criterion_id"]
    return PARAMETER.sub(lambda match: str(values[match.group(1)]), path)


# --- routes and callers -----------------------------------------------------------------------------------


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every method and path the app answers, read from the app itself (mounts such as /static left out)."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":  # answered by the GET beside it
                found.add((method, str(route.path)))
    return sorted(found)


@dataclass
class Caller:
    """One role: a browser (its cookies, the CSRF token its pages carry) and, for a role with an account,
    a script holding the role's bearer token and no cookies."""

    browser: TestClient
    csrf: str
    script: TestClient | None

    def browse(self, method: str, path: str, **body: Any) -> Response:
        """As htmx does it: the CSRF token in its header on every state-changing request."""
        headers = {} if method in SAFE_METHODS else {"X-CSRF-Token": self.csrf}
        return self.browser.request(method, path, headers=headers, follow_redirects=False, **body)

    def run(self, method: str, path: str, **body: Any) -> Response:
        assert self.script is not None
        return self.script.request(method, path, follow_redirects=False, **body)


def in_order(app: FastAPI) -> list[tuple[str, str]]:
    """Reads first, then writes, and logging out last (the role's session must last until then)."""
    return sorted(routes(app), key=lambda route: (route[0] not in SAFE_METHODS, route == ("POST", "/logout")))


@contextmanager
def caller(demo: Demo, login: str | None, where: Path) -> Iterator[Caller]:
    """A role on its own copy of the demo (what it changes never shows in another role's answers), logged
    in once through the real form."""
    settings = demo.copy(where)
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as browser, \
                TestClient(app, raise_server_exceptions=False) as script:
            if login is None:
                yield Caller(browser, csrf_from(browser.get("/login").text), None)
                return
            log_in(browser, login, password=settings.demo_password)
            with Session(app.state.engine) as session:
                script.headers["Authorization"] = "Bearer " + issue_api_token(session, _user(session, login), days=1,
                                                                              by=None)
                session.commit()
            yield Caller(browser, csrf_from(browser.get("/").text), script)
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


def is_login_redirect(response: Response) -> bool:
    """The answer to an anonymous visitor on a page that needs an account: back to /login?next=..."""
    if response.status_code not in (302, 303, 307):
        return False
    location = urlsplit(response.headers.get("location", ""))
    return location.path == "/login" and "next" in parse_qs(location.query)
