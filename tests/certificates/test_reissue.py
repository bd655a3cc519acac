"""A compromised key's certificates are replaced: marked by `acquis keys compromised`, re-sealed by
`acquis certificates reissue` or the registrar's button, and the old QR reads "re-issued"."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis import i18n
from acquis.auth.models import Role
from acquis.config import Settings
from acquis.i18n import LANGUAGES
from acquis.sms import text as sms_text
from acquis.sms.models import SmsMessage
from certificates import credential, issuing, keystore, reissue, service
from certificates import messages as certificate_messages
from certificates.models import Certificate, CertificateStatus
from tests.support.assessors import cast, decided
from tests.support.certificates import acquis, issue_request, with_key
from tests.support.web import UserFactory, log_in, post_form
from validation.dossiers.models import Candidate

NOW = datetime.now(UTC)
BEFORE = NOW - timedelta(days=10)  # a certificate sealed well before the compromise
SINCE = (NOW - timedelta(days=2)).date().isoformat()


def page_of(cert: Certificate) -> str:
    return "/V/" + cert.qr_text.rpartition("/V/")[2]


def fresh(session: Session, number: str) -> Certificate:
    session.expire_all()
    return service.get(session, number)


def sealed(session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, Certificate]:
    """The demo key (in service for a month); one certificate sealed ten days ago, two today."""
    with_key(session, settings)
    key = keystore.active_keys(session)[0]
    key.not_before = NOW - timedelta(days=30)
    session.add(key)
    session.commit()
    with monkeypatch.context() as frozen:
        frozen.setattr(service, "utcnow", lambda: BEFORE)
        before = service.issue(session, issue_request(decision_ref="jury/old"), by=None, settings=settings)
        session.commit()
    certificates = {"before": before}
    for name in ("a", "b"):
        certificates[name] = service.issue(session, issue_request(decision_ref=f"jury/{name}",
                                                                  holder_name=f"Titulaire {name.upper()}"),
                                           by=None, settings=settings)
        session.commit()
    return certificates


def verdict_page(client: TestClient, cert: Certificate, lang: str = "fr") -> str:
    response = client.get(page_of(cert), headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.text


def test_compromised_then_rotate_then_reissue_replaces_every_affected_certificate(
        session: Session, settings: Settings, client: TestClient, users: UserFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    users(Role.REGISTRAR, login="registrar")
    certs = sealed(session, settings, monkeypatch)
    kid = certs["a"].kid

    marked = acquis(settings, "keys", "compromised", kid, "--since", SINCE)
    assert marked.returncode == 0, marked.stderr
    assert certs["a"].number in marked.stdout and certs["b"].number in marked.stdout
    assert certs["before"].number not in marked.stdout
    assert "acquis keys rotate" in marked.stdout  # the demo's only key: nothing left to re-seal with
    assert {n for n in certs if fresh(session, certs[n].number).reissue_requested_at} == {"a", "b"}
    assert 'data-verdict="invalid"' in verdict_page(client, certs["a"])  # no longer verifies
    assert 'data-verdict="valid"' in verdict_page(client, certs["before"])  # sealed before: still valid

    refused = acquis(settings, "certificates", "reissue", "--key", kid)
    assert refused.returncode == 2 and "acquis keys rotate" in refused.stderr, refused.stderr
    assert fresh(session, certs["a"].number).status == CertificateStatus.ISSUED  # nothing done

    assert acquis(settings, "keys", "rotate").returncode == 0
    done = acquis(settings, "certificates", "reissue", "--key", kid)
    assert done.returncode == 0, done.stderr
    assert "2 certificate(s) re-issued" in done.stdout

    new_kid = keystore.active_keys(session)[0].kid
    store = service.store_for(settings)
    trust = keystore.trust_list(session, settings=settings)
    for name in ("a", "b"):
        old = fresh(session, certs[name].number)
        new = service.current_for_decision(session, old.decision_ref)
        assert new is not None and new.number != old.number and new.kid == new_kid
        assert old.status == CertificateStatus.SUPERSEDED and new.supersedes_id == old.id
        assert new.holder_name == old.holder_name and new.units == old.units
        assert new.pdf_sha256 not in ("", old.pdf_sha256) and store.read(new.pdf_sha256)[:5] == b"%PDF-"
        assert credential.verify(json.loads(new.credential), trust, now=datetime.now(UTC))["verdict"] == "valid"
        assert 'data-verdict="valid"' in verdict_page(client, new)
        old_page = verdict_page(client, old)
        assert 'data-verdict="reissued"' in old_page and "ré-émis" in old_page
        assert "demandez le nouveau à son titulaire" in old_page
    english = verdict_page(client, certs["a"], "en")
    assert "re-issued" in english and "ask the holder for the new one" in english

    checked_new = acquis(settings, "verify", service.current_for_decision(session, "jury/a").qr_text, "--json")
    assert checked_new.returncode == 0 and json.loads(checked_new.stdout)["verdict"] == "valid"
    checked_old = acquis(settings, "verify", certs["a"].qr_text, "--json")
    assert checked_old.returncode == 1 and json.loads(checked_old.stdout)["verdict"] == "reissued"
    assert 'data-verdict="valid"' in verdict_page(client, certs["before"])

    again = acquis(settings, "certificates", "reissue", "--key", kid)
    assert again.returncode == 0 and "nothing to re-issue" in again.stdout
    session.expire_all()
    assert len(session.exec(select(Certificate)).all()) == 5


def test_registrar_button_reissues_once_and_lists_what_to_hand_over(
        session: Session, settings: Settings, client: TestClient, users: UserFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    users(Role.REGISTRAR, login="registrar")
    certs = sealed(session, settings, monkeypatch)
    revoked = service.issue(session, issue_request(decision_ref="jury/revoked"), by=None, settings=settings)
    service.revoke(session, revoked.number, reason="fraude", by=None, settings=settings)
    keystore.mark_compromised(session, certs["a"].kid, since=keystore.parse_since(SINCE))
    assert {c.number for c in reissue.mark(session, certs["a"].kid)} == {certs["a"].number, certs["b"].number}
    session.commit()
    log_in(client, "registrar")
    assert 'data-verdict="revoked"' in verdict_page(client, revoked)  # withdrawn stays withdrawn, not re-issued

    listing = client.get("/certificates").text
    assert 'id="reissue-waiting"' in listing and 'id="reissue-needs-key"' in listing
    assert 'id="reissue-certificates"' not in listing  # no button that leads to a refusal

    keystore.rotate(session, settings=settings)
    session.commit()
    assert 'id="reissue-certificates"' in client.get("/certificates").text
    response = post_form(client, "/certificates/reissue", {}, page="/certificates")
    assert response.status_code == 303

    listing = client.get("/certificates").text
    assert 'id="reissue-waiting"' not in listing and 'id="reissued-table"' in listing
    for name in ("a", "b"):
        new = service.current_for_decision(session, f"jury/{name}")
        assert new is not None and new.number != certs[name].number
        assert new.number in listing and 'data-verdict="valid"' in verdict_page(client, new)
        assert 'data-verdict="reissued"' in verdict_page(client, certs[name])

    assert post_form(client, "/certificates/reissue", {}, page="/certificates").status_code == 303
    session.expire_all()
    assert len(session.exec(select(Certificate)).all()) == 6


def test_the_counsellor_sees_on_the_dossier_which_certificate_to_hand_over(
        session: Session, settings: Settings, client: TestClient, users: UserFactory) -> None:
    c = cast(session, settings, users, account=users(Role.CANDIDATE, login="candidate"))
    decided(session, settings, c)
    with_key(session, settings)
    old = issuing.issue_for_dossier(session, c.dossier.id, by=c.registrar, settings=settings)
    session.commit()
    log_in(client, "counsellor")
    panel = f"/dossiers/{c.dossier.id}/certificate"
    assert 'id="reissued-certificates"' not in client.get(panel).text

    keystore.mark_compromised(session, old.kid, since=keystore.parse_since(SINCE))
    reissue.mark(session, old.kid)
    keystore.rotate(session, settings=settings)
    new = reissue.reissue(session, kid=old.kid, by=c.registrar, settings=settings)[0]
    session.commit()
    shown = client.get(panel).text
    assert 'id="reissued-certificates"' in shown and old.number in shown and new.number in shown

    # The holder is told by text message, in their language, once, with both numbers.
    [message] = session.exec(select(SmsMessage).where(SmsMessage.purpose == "certificate-reissued")).all()
    assert message.phone == session.get(Candidate, c.dossier.candidate_id).phone
    assert old.number in message.text and new.number in message.text and "remplacé" in message.text
    for language in LANGUAGES:
        assert sms_text.segments(i18n.gettext_in(language, certificate_messages.REISSUED) % {"old": old.number,
                                                                              "new": new.number}) <= 2
