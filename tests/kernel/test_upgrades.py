"""Upgrading keeps a site's data: the demo as it was at each earlier migration, migrated to the current head on
SQLite and PostgreSQL, keeps every row, its audit chain, its logins, its certificates' verdicts and its dossiers."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, table
from sqlmodel import Session, select

from acquis import audit, migrate
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.main import create_app
from certificates import online_verification
from certificates.models import Certificate
from tests.support.upgrades import KEY_PASSPHRASE, SECRET_KEY, fixtures, load, read
from tests.support.web import log_in
from validation.dossiers.models import Dossier

REVISIONS = migrate.revisions()
DEMO_PASSWORD = "acquis-demo"


def demo_for(revision: str) -> tuple[str, str]:
    """Which demo stands for a site at `revision`, and the revision to load it at: the demo made at that very
    revision; else the first made after it, cut down to the tables and columns the schema had then; else the last
    made before it, loaded at its own revision and migrated up to `revision` as that site would have been."""
    made = fixtures()
    assert made, "no demo fixture: run `python -m tests.support.upgrades` on a release"
    position = REVISIONS.index(revision)
    later = [r for r in made if REVISIONS.index(r) >= position]
    if later:
        return min(later, key=REVISIONS.index), revision
    last = max(made, key=REVISIONS.index)
    return last, last


@pytest.mark.parametrize("revision", REVISIONS[:-1])
def test_a_site_at_an_earlier_migration_upgrades_with_its_data(revision: str, empty_database_url: str,
                                                               tmp_path: Path) -> None:
    settings = complete(Settings(data_dir=tmp_path, database_url=empty_database_url, secret_key=SECRET_KEY,
                                 key_passphrase=KEY_PASSPHRASE))
    made_at, load_at = demo_for(revision)
    demo = read(fixtures()[made_at])
    engine = make_engine(settings)
    migrate.upgrade(engine, load_at)
    loaded = load(engine, demo["rows"])
    migrate.upgrade(engine, revision)
    migrate.upgrade(engine)
    engine.dispose()

    app = create_app(settings)
    try:
        with Session(app.state.read_engine) as session, TestClient(app, base_url="http://127.0.0.1") as client:
            for name, count in loaded.items():
                assert session.scalar(select(func.count()).select_from(table(name))) == count, name
            assert audit.verify(session) is None
            check_certificates(session, client, settings, demo["verdicts"] if "certificate" in loaded else {})
            log_in(client, "registrar", DEMO_PASSWORD)
            check_dossiers(session, client, expected="dossier" in loaded)
    finally:
        app.state.engine.dispose()
        app.state.read_engine.dispose()


def check_certificates(session: Session, client: TestClient, settings: Settings, verdicts: dict[str, str]) -> None:
    """Each certificate gets the verdict it had before the upgrade; an employer's scan of a valid one reads valid."""
    certificates = session.exec(select(Certificate)).all()
    assert {cert.number: online_verification.verify_number(session, cert.number, settings=settings)["verdict"]
            for cert in certificates} == verdicts
    for cert in certificates:
        if verdicts[cert.number] == "valid":
            scanned = client.get("/V/" + cert.qr_text.split("/V/")[1])
            assert scanned.status_code == 200 and "Certificat valable" in scanned.text


def check_dossiers(session: Session, client: TestClient, *, expected: bool) -> None:
    """Every dossier opens for the registrar, and the search by name finds its candidate."""
    dossiers = session.exec(select(Dossier)).all()
    assert bool(dossiers) == expected
    for dossier in dossiers:
        assert client.get(f"/dossiers/{dossier.id}").status_code == 200, dossier.id
    if dossiers:
        found = client.get("/dossiers", params={"q": "konate"})  # typed without its accent: "KONATÉ"
        assert found.status_code == 200 and "KONATÉ" in found.text
