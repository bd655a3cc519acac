"""`acquis verify` and the certificate commands as an operator or an employer's script runs them."""

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from acquis.config import Settings, complete
from acquis.db import make_engine
from certificates import keys, keystore, revocation, service
from certificates.models import IssuerKey, KeyStatus
from tests.support.certificates import acquis, issued, tampered

# Each `acquis` run starts a Python process (about 2 s): tests that do not depend on the database
# engine run once, on a SQLite copy of the schema, instead of once per database.


@pytest.fixture
def sqlite_only(sqlite_template: str, tmp_path: Path) -> Iterator[tuple[Settings, Session]]:
    shutil.copyfile(sqlite_template, tmp_path / "acquis.db")
    settings = complete(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'acquis.db'}",
                                 secret_key="test-secret", key_passphrase="test-passphrase"))
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        yield settings, session
    engine.dispose()


def test_verify_reads_valid_then_invalid_when_forged_then_revoked(session: Session, settings: Settings) -> None:
    cert = issued(session, settings)
    result = acquis(settings, "verify", cert.qr_text, "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["verdict"] == "valid" and body["certificate"]["number"] == cert.number
    assert body["checks"] == {"signature": True, "issuer_key": True, "revocation": True, "expiry": True}

    forged = acquis(settings, "verify", tampered(cert.qr_text), "--json")
    assert forged.returncode == 1, forged.stderr
    body = json.loads(forged.stdout)
    assert body["verdict"] == "invalid" and "certificate" not in body and body["checks"]["signature"] is False

    revoked = acquis(settings, "certificates", "revoke", cert.number, "--reason", "erreur de saisie du jury")
    assert revoked.returncode == 0 and cert.number in revoked.stdout, revoked.stderr
    after = acquis(settings, "verify", service.verify_url(cert, settings=settings))
    assert after.returncode == 1 and "verdict: revoked" in after.stdout and "Aminata" in after.stdout

    listed = acquis(settings, "certificates", "list", "--json")
    (row,) = json.loads(listed.stdout)
    assert {"number", "holder_name", "framework_code", "framework_version", "status", "issued_at", "qr_text",
            "verify_url"} <= set(row)
    assert row["number"] == cert.number and row["status"] == "revoked" and row["qr_text"] == cert.qr_text
    assert row["verify_url"].startswith(settings.public_url + "/V/")


def test_key_commands_generate_rotate_compromise_and_list(sqlite_only: tuple[Settings, Session]) -> None:
    settings, _session = sqlite_only
    assert acquis(settings, "keys", "generate").returncode == 0
    again = acquis(settings, "keys", "generate")
    assert again.returncode == 2 and "rotate" in again.stderr and "Traceback" not in again.stderr
    rotated = acquis(settings, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    listed = json.loads(acquis(settings, "keys", "list", "--json").stdout)
    assert [entry["status"] for entry in listed] == ["retired", "active"]
    assert listed[0]["not_after"] is not None
    kid = listed[1]["kid"]
    assert acquis(settings, "keys", "compromised", kid, "--since", "2025-01-02").returncode == 0
    entries = {e["kid"]: e for e in json.loads(acquis(settings, "keys", "trust-list").stdout)["keys"]}
    assert entries[kid]["status"] == "compromised" and entries[kid]["compromised_since"] == "2025-01-02T00:00:00Z"


def test_missing_passphrase_is_a_clear_error_exit_2(settings: Settings, session: Session) -> None:
    result = acquis(settings, "keys", "generate", passphrase="")
    assert result.returncode == 2
    assert "ACQUIS_KEY_PASSPHRASE" in result.stderr and "Traceback" not in result.stderr
    assert keystore.active_keys(session) == []


def test_offline_with_trust_and_revocation_lists_needs_no_database(sqlite_only: tuple[Settings, Session],
                                                                   tmp_path: Path) -> None:
    settings, session = sqlite_only
    good, bad = issued(session, settings), issued(session, settings, decision_ref="another")
    service.revoke(session, bad.number, reason="fraude", by=None, settings=settings)
    session.commit()
    trust, revocations = tmp_path / "trust.json", tmp_path / "revocations.json"
    trust.write_text(json.dumps(keystore.trust_list(session, settings=settings)))
    revocations.write_text(json.dumps(revocation.revocation_list(session, settings=settings)))
    nowhere = {"ACQUIS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
               "ACQUIS_DATA_DIR": str(tmp_path / "empty")}

    result = acquis(settings, "verify", good.qr_text, "--trust-list", str(trust), "--json", **nowhere)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["verdict"] == "valid" and body["checks"]["revocation"] is None  # offline: not checked
    assert not (tmp_path / "empty").exists()
    checked = acquis(settings, "verify", bad.qr_text, "--trust-list", str(trust), "--revocations", str(revocations),
                     "--json", **nowhere)
    assert checked.returncode == 1 and json.loads(checked.stdout)["verdict"] == "revoked"
    assert bad.number not in revocations.read_text()  # only digests are published
    forged = acquis(settings, "verify", tampered(good.qr_text), "--trust-list", str(trust), **nowhere)
    assert forged.returncode == 1 and "verdict: invalid" in forged.stdout


def test_pdf_and_credential_files_verify_from_the_command_line(sqlite_only: tuple[Settings, Session],
                                                               tmp_path: Path) -> None:
    settings, session = sqlite_only
    cert = issued(session, settings)
    pdf, credential = tmp_path / "c.pdf", tmp_path / "c.json"
    assert acquis(settings, "certificates", "pdf", cert.number, "-o", str(pdf)).returncode == 0
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert acquis(settings, "certificates", "credential", cert.number, "-o", str(credential)).returncode == 0
    for path in (pdf, credential):
        result = acquis(settings, "verify", str(path), "--json")
        assert result.returncode == 0, (path, result.stdout, result.stderr)
        assert json.loads(result.stdout)["certificate"]["number"] == cert.number


def test_unusable_input_exits_2_with_one_line(sqlite_only: tuple[Settings, Session], tmp_path: Path) -> None:
    settings, _session = sqlite_only
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    for args in (["verify", str(tmp_path / "missing.pdf")], ["verify", str(junk)],
                 ["keys", "compromised", "AAAAAAAAAAA", "--since", "yesterday"]):
        result = acquis(settings, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


# Identifiers a person types: new key ids never read as an option nor hold confusable characters, and every
# command that takes an identifier also takes it after `--` (keys made before this rule keep their ids).
def test_every_new_key_id_is_typable(sqlite_only: tuple[Settings, Session]) -> None:
    settings, session = sqlite_only
    keystore.generate(session, settings=settings)
    for _ in range(40):  # at one in 64, a leading "-" would show up in about half of such runs before the rule
        keystore.rotate(session, settings=settings)
    session.commit()
    kids = [row.kid for row in keystore.all_keys(session)]
    assert len(kids) == 41
    for kid in kids:
        assert kid[0] not in "-_" and not set(kid) & set("0O1lI"), kid
        assert (settings.data_dir / "keys" / f"{kid}.pem").exists()


def _old_key_with_a_dash(session: Session) -> str:
    """A key as made before the rule: its id begins with `-` (about one key in 64 did)."""
    while True:
        private = keys.generate_private_key()
        kid = keys.b64url(keys.kid_for(private))
        if kid.startswith("-"):
            break
    session.add(IssuerKey(kid=kid, public_key=keys.b64url(keys.raw_public_key(private)), status=KeyStatus.ACTIVE))
    session.commit()
    return kid


def test_commands_take_a_dashed_key_id_after_double_dash(sqlite_only: tuple[Settings, Session]) -> None:
    settings, session = sqlite_only
    kid = _old_key_with_a_dash(session)
    as_option = acquis(settings, "keys", "compromised", kid, "--since", "2025-01-02")
    assert as_option.returncode == 2  # what a shell user met before: the id read as an option
    marked = acquis(settings, "keys", "compromised", "--since", "2025-01-02", "--", kid)
    assert marked.returncode == 0, marked.stderr
    assert f"key {kid} is compromised" in marked.stdout
    again = acquis(settings, "keys", "retire", "--", kid)
    assert again.returncode == 2 and "Traceback" not in again.stderr  # compromised keys are not retired


def test_certificate_numbers_and_seals_after_double_dash(sqlite_only: tuple[Settings, Session]) -> None:
    settings, session = sqlite_only
    cert = issued(session, settings)
    assert not cert.number.startswith("-")
    verified = acquis(settings, "verify", "--json", "--", cert.qr_text)
    assert verified.returncode == 0, verified.stderr
    revoked = acquis(settings, "certificates", "revoke", "--reason", "erreur de saisie", "--", cert.number)
    assert revoked.returncode == 0 and cert.number in revoked.stdout, revoked.stderr
