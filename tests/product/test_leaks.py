"""Small leaks closed: who the judges are, a withdrawn certificate's holder, a seal the registry never issued,
the judges' access to evidence after the decision, the database file's mode, phone numbers in the audit chain,
and escaped paths in the PDF renderer's fetcher."""

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis import pdf
from acquis.audit import AuditEvent
from acquis.auth.models import Role
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.web import TEMPLATES_DIR
from certificates import keystore, numbers, seal
from certificates.models import Certificate, CertificateStatus
from certificates.seed import DEMO_REVOKE_REASON, REVOKED_HOLDER, REVOKED_REF
from tests.support.authorization import Demo, demo_database, demo_parameters
from tests.support.web import UserFactory, log_in


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with demo_database(request, request.param, tmp_path_factory.mktemp("leaks")) as seeded:
        yield seeded


@pytest.fixture
def settings(demo: Demo, tmp_path: Path) -> Settings:
    """Each test works on its own copy of the demo; conftest's app, session and users build on it."""
    return demo.copy(tmp_path / "demo")


def browser(app: FastAPI, login: str | None = None) -> TestClient:
    client = TestClient(app)
    if login:
        log_in(client, login, app.state.settings.demo_password)
    return client


def test_the_candidate_cannot_read_who_assesses_and_judges_the_dossier(app: FastAPI,
                                                                        session: Session) -> None:
    dossier_id = demo_parameters(session)["dossier_id"]
    panel = f"/dossiers/{dossier_id}/assessment-panel"
    assert browser(app, "candidate").get(panel).status_code == 403
    assert browser(app, "candidate2").get(panel).status_code == 403
    staff = browser(app, "registrar").get(panel)
    assert staff.status_code == 200 and 'id="assessment-panel"' in staff.text


def test_judges_lose_the_evidence_once_the_dossier_is_decided_but_keep_the_pv(app: FastAPI,
                                                                              session: Session) -> None:
    ids = demo_parameters(session)  # the demo dossier is certified
    for login in ("assessor", "assessor2"):  # its assessor; its moderator and jury member
        client = browser(app, login)
        assert client.get(f"/evidence/{ids['evidence_id']}/file").status_code == 404, login
        assert client.get(f"/evidence/{ids['evidence_id']}").status_code == 404, login
        assert client.get(f"/api/v1/dossiers/{ids['dossier_id']}/evidence").status_code == 404, login
        assert client.get(f"/decisions/{ids['decision_id']}/pv.pdf").status_code == 200, login
    staff = browser(app, "registrar")
    assert staff.get(f"/evidence/{ids['evidence_id']}/file").status_code == 200


def test_a_revoked_certificate_looked_up_by_number_shows_no_holder(app: FastAPI, session: Session) -> None:
    revoked = session.exec(select(Certificate).where(Certificate.decision_ref == REVOKED_REF)).one()
    name, born = REVOKED_HOLDER
    client = browser(app)
    page = client.get("/verify", params={"number": revoked.number})
    assert 'data-verdict="revoked"' in page.text
    assert name.split()[0] not in page.text and str(born.year) not in page.text
    assert DEMO_REVOKE_REASON in page.text  # the demo revocation's reason is public
    body = client.post("/api/v1/verify", json={"number": revoked.number}).json()
    assert body["verdict"] == "revoked" and "certificate" not in body
    assert body["withdrawn"] == {"on": revoked.revoked_at.date().isoformat(), "reason": DEMO_REVOKE_REASON}
    # The seal itself still says who holds it: whoever has the paper has the name already.
    assert name in client.get("/V/" + revoked.qr_text.rpartition("/V/")[2]).text


def test_a_superseded_certificate_looked_up_by_number_shows_no_holder(app: FastAPI,
                                                                      session: Session) -> None:
    old = session.exec(select(Certificate).where(Certificate.status == CertificateStatus.SUPERSEDED)).one()
    body = browser(app).post("/api/v1/verify", json={"number": old.number}).json()
    assert body["verdict"] == "superseded" and "certificate" not in body
    assert body["withdrawn"]["reason"] is None  # a correction's reason is the registry's own business
    page = browser(app).get("/verify", params={"number": old.number}).text
    assert old.holder_name not in page and old.birth_date.isoformat() not in page


def test_a_genuine_seal_the_registry_never_issued_reads_not_found(app: FastAPI, session: Session) -> None:
    settings = app.state.settings
    _row, private = keystore.signing_key(session, settings=settings)
    never_issued = numbers.new_number(settings.issuer_code, date.today().year)
    claims = seal.Claims(number=never_issued, holder_name="Nobody Known", birth_date=date(1980, 1, 1),
                         framework_code="DEMO-MAC-01", framework_version=1, units=(0,), decision="partial",
                         issued_on=date.today(), expires_on=None, issuer_code=settings.issuer_code)
    text = seal.qr_text(settings.public_url, seal.sign(claims, private))
    client = browser(app)
    page = client.get("/V/" + text.rpartition("/V/")[2])
    assert 'data-verdict="not-found"' in page.text and "Nobody Known" not in page.text
    body = client.post("/api/v1/verify", json={"qr": text}).json()
    assert body["verdict"] == "not-found" and "certificate" not in body


def test_the_audit_chain_names_a_candidate_by_role_and_id_never_by_phone(app: FastAPI, session: Session,
                                                                        users: UserFactory) -> None:
    phone = "+22376543210"
    candidate = users(Role.CANDIDATE, login=phone)
    client = TestClient(app)
    log_in(client, phone)
    events = session.exec(select(AuditEvent).where(AuditEvent.actor_id == candidate.id)).all()
    assert events, "logging in is audited"
    assert {event.actor for event in events} == {f"candidate#{candidate.id}"}
    assert not any("76543210" in event.actor for event in session.exec(select(AuditEvent)))


def test_the_sqlite_database_and_its_wal_are_private_to_their_owner(tmp_path: Path) -> None:
    previous = os.umask(0o022)  # the usual umask, under which files come out 0644
    try:
        settings = complete(Settings(data_dir=tmp_path, secret_key="t"))
        engine = make_engine(settings)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as connection:  # WAL mode keeps -wal and -shm while a connection is open
            files = [tmp_path / "acquis.db", tmp_path / "acquis.db-wal", tmp_path / "acquis.db-shm"]
            assert all(path.exists() for path in files)
            modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in files}
            assert connection.exec_driver_sql("SELECT x FROM t").scalar() == 1
        engine.dispose()
    finally:
        os.umask(previous)
    assert modes == {"acquis.db": 0o600, "acquis.db-wal": 0o600, "acquis.db-shm": 0o600}


def test_an_existing_database_readable_by_others_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "acquis.db"
    sqlite3.connect(path).close()
    path.chmod(0o644)
    make_engine(complete(Settings(data_dir=tmp_path, secret_key="t"))).dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("escape", ["%2e%2e", "%2E%2E", ".%2e", "%2e%2e%2f%2e%2e"])
def test_the_pdf_fetcher_refuses_escaped_paths_out_of_its_folders(escape: str) -> None:
    _weasyprint, fetcher_class = pdf._weasyprint()
    fetcher = fetcher_class()
    url = f"file://{TEMPLATES_DIR}/{escape}/{escape}/{escape}/{escape}/{escape}/etc/passwd"
    with pytest.raises(ValueError, match="load nothing"):
        fetcher.fetch(url)
    inside = next(TEMPLATES_DIR.rglob("*.html"))
    fetched = fetcher.fetch(inside.as_uri())
    assert fetched is not None
