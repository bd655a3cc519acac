"""Certificates issued from real jury decisions: by the registrar, in bulk, from the command line, in the
demo; seen and downloaded by their holder only."""

import json

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis import audit
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import utcnow
from assessors import unit_results
from certificates import issuing, keystore, service
from certificates.models import Certificate
from certificates.offline_verification import verify_seal_text
from tests.support.assessors import cast, decided
from tests.support.certificates import acquis, with_key
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers import service as dossiers
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus


def test_registrar_certifies_a_partial_decision_and_only_its_holder_downloads_it(
        client: TestClient, session: Session, settings: Settings, users: UserFactory) -> None:
    holder = users(Role.CANDIDATE, login="candidate")
    other = users(Role.CANDIDATE, login="other")
    c = cast(session, settings, users, account=holder)
    decision_id = decided(session, settings, c, photo_only="MAC-U1-E1-C1")
    with_key(session, settings)
    log_in(client, "registrar")
    page = client.get(f"/dossiers/{c.dossier.id}/certificate", headers={"HX-Request": "true"})
    assert 'id="issue-certificate"' in page.text

    issued = post_form(client, f"/dossiers/{c.dossier.id}/certificate", {}, page=f"/dossiers/{c.dossier.id}")
    assert issued.status_code == 303
    cert = session.exec(select(Certificate)).one()
    assert [u["code"] for u in cert.validated_units()] == ["MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    assert [u["code"] for u in cert.units] == ["MAC-U1", "MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"]
    assert cert.decision.value == "partial" and cert.holder_name == "Seydou KONATÉ" and cert.expires_on is None
    seal = verify_seal_text(cert.qr_text, keystore.trust_list(session, settings=settings), now=utcnow())
    assert seal["verdict"] == "valid" and seal["certificate"]["units"] == [1, 2, 3, 4]
    session.expire_all()
    assert session.get(Dossier, c.dossier.id).status == DossierStatus.PARTIALLY_CERTIFIED
    assert audit.verify(session) is None
    # Issuing again (button pressed twice, or the service called again) gives the same certificate.
    again = post_form(client, f"/dossiers/{c.dossier.id}/certificate", {}, page=f"/dossiers/{c.dossier.id}")
    assert again.status_code == 303
    assert issuing.issue_for_decision(session, decision_id, by=c.registrar, settings=settings).number == cert.number
    assert len(session.exec(select(Certificate)).all()) == 1
    panel = client.get(f"/dossiers/{c.dossier.id}/certificate")
    assert cert.number in panel.text and 'id="issue-certificate"' not in panel.text

    client.cookies.clear()
    log_in(client, "candidate")
    portal = client.get(f"/portal/dossiers/{c.dossier.id}/certificates", headers={"HX-Request": "true"})
    assert cert.number in portal.text and 'data-status="issued"' in portal.text
    assert service.verify_url(cert, settings=settings) in portal.text
    assert f'/certificates/{cert.number}/credential.json' in portal.text
    pdf = client.get(f"/certificates/{cert.number}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert 'id="portal-certificates"' in client.get(f"/portal/dossiers/{c.dossier.id}").text

    client.cookies.clear()
    log_in(client, other.login)
    assert client.get(f"/certificates/{cert.number}.pdf").status_code == 404
    assert client.get(f"/portal/dossiers/{c.dossier.id}/certificates").status_code == 404


def test_a_decision_validating_nothing_cannot_be_certified(client: TestClient, session: Session, settings: Settings,
                                                            users: UserFactory) -> None:
    c = cast(session, settings, users)
    unmet = frozenset(criterion.code for unit in dossiers.units(session, c.dossier.id)
                      for criterion in unit_results.criteria_of(session, unit.id))
    decided(session, settings, c, unmet=unmet)
    with_key(session, settings)
    log_in(client, "registrar")
    assert 'id="issue-certificate"' not in client.get(f"/dossiers/{c.dossier.id}/certificate").text
    refused = post_form(client, f"/dossiers/{c.dossier.id}/certificate", {}, page=f"/dossiers/{c.dossier.id}")
    assert refused.status_code == 409
    assert "aucun certificat" in refused.text

    run = acquis(settings, "certificates", "issue", "--dossier", str(c.dossier.id), "--by", "registrar")
    assert run.returncode == 2 and "aucun certificat" in run.stderr and "Traceback" not in run.stderr
    assert session.exec(select(Certificate)).first() is None


def test_bulk_issuance_skips_what_is_done_and_the_credentials_export(client: TestClient, session: Session,
                                                                     settings: Settings, users: UserFactory) -> None:
    c = cast(session, settings, users)
    decided(session, settings, c)
    with_key(session, settings)
    log_in(client, "registrar")
    listing = client.get("/certificates/issue/pending")
    assert f'id="pending-{c.dossier.id}"' in listing.text and 'data-outcome="full"' in listing.text

    first = post_form(client, "/certificates/issue/pending", {"framework": ""}, page="/certificates/issue/pending")
    assert first.status_code == 303
    done = client.get(first.headers["location"])
    assert 'id="issue-result"' in done.text and 'id="nothing-pending"' in done.text
    assert '<progress id="issue-progress" value="1" max="1">' in done.text  # the run's progress: 1 of 1
    cert = session.exec(select(Certificate)).one()
    assert cert.decision.value == "full"

    rerun = acquis(settings, "certificates", "issue", "--all-decided")
    assert rerun.returncode == 0, rerun.stderr
    assert "0 decided dossier(s) to certify" in rerun.stdout
    assert len(session.exec(select(Certificate)).all()) == 1

    export = client.get("/certificates/export/credentials.jsonl")
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    lines = export.text.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert cert.number in lines[0]


def test_demo_seed_gives_full_partial_revoked_and_superseded_certificates_once(settings: Settings) -> None:
    assert acquis(settings, "demo", "--seed-only").returncode == 0
    first = acquis(settings, "certificates", "list", "--json")
    assert acquis(settings, "demo", "--seed-only").returncode == 0
    second = acquis(settings, "certificates", "list", "--json")
    assert first.stdout == second.stdout
    shown = json.loads(first.stdout)
    assert sorted((row["status"], row["decision"]) for row in shown) == [
        ("issued", "full"), ("issued", "partial"), ("revoked", "full"), ("superseded", "partial")]
    assert all(row["qr_text"] and row["verify_url"].startswith(settings.public_url + "/V/") for row in shown)
    by_state = {(row["status"], row["decision"]): row for row in shown}
    assert acquis(settings, "verify", by_state[("issued", "full")]["qr_text"]).returncode == 0
    revoked = acquis(settings, "verify", by_state[("revoked", "full")]["qr_text"], "--json")
    assert revoked.returncode == 1 and json.loads(revoked.stdout)["verdict"] == "revoked"
    assert acquis(settings, "audit", "verify").returncode == 0
