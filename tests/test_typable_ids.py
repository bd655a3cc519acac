"""Identifiers a person types: new key ids never read as an option nor hold confusable characters, and every
command that takes an identifier also takes it after `--` (keys made before this rule keep their ids)."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from acquis.config import Settings, complete
from acquis.db import make_engine
from certificates import keys, keystore
from certificates.models import IssuerKey, KeyStatus
from tests.certificates_support import acquis, issued


@pytest.fixture
def sqlite_only(sqlite_template: str, tmp_path: Path) -> Iterator[tuple[Settings, Session]]:
    shutil.copyfile(sqlite_template, tmp_path / "acquis.db")
    settings = complete(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'acquis.db'}",  # type: ignore[arg-type]
                                 secret_key="test-secret", key_passphrase="test-passphrase"))
    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        yield settings, session
    engine.dispose()


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
