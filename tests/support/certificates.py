"""Helpers for the certificate tests: a decision to certify, a key to sign it, the `acquis` command."""

import os
import subprocess
import sys
from datetime import date
from typing import Any

from sqlmodel import Session

from acquis.config import Settings
from certificates import keystore, service
from certificates.models import Certificate, IssueRequest

UNITS = [
    ("MAC-U1", "Lire un plan et implanter l’ouvrage", "Read a plan and set out the work"),
    ("MAC-U2", "Monter un mur en blocs de béton", "Build a concrete block wall"),
    ("MAC-U3", "Réaliser un enduit au mortier", "Apply a mortar render"),
    ("MAC-U4", "Travailler en sécurité sur échafaudage", "Work safely on scaffolding"),
    ("MAC-U5", "Coffrer et couler un linteau", "Form and pour a lintel"),
]


def issue_request(**changes: Any) -> IssueRequest:
    """A partial decision for a bricklayer: units 0, 1, 2, 4 validated, 3 not."""
    validated = changes.pop("validated", {0, 1, 2, 4})
    fields: dict[str, Any] = dict(
        decision_ref="jury-2025-001/dossier-42",
        holder_name="Aminata Kouyaté Traoré Sy",
        birth_date=date(1968, 3, 9),
        framework_code="DEMO-MAC-01",
        framework_version=1,
        qualification_title_fr="Maçon ou maçonne du bâtiment",
        qualification_title_en="Building bricklayer",
        isco08="7112",
        units=[{"code": code, "title_fr": fr, "title_en": en, "validated": i in validated}
               for i, (code, fr, en) in enumerate(UNITS)],
        decision="partial",
        decision_date=date(2025, 6, 10),
        expires_on=None,
        evidence_kinds=["employer_attestation", "photo_of_work"],
        assessment_methods=["direct_observation", "interview"],
    )
    return IssueRequest.model_validate(fields | changes)


def with_key(session: Session, settings: Settings) -> None:
    if not keystore.active_keys(session):
        keystore.generate(session, settings=settings)
        session.commit()


def issued(session: Session, settings: Settings, **changes: Any) -> Certificate:
    """One certificate, issued and committed (with an issuer key generated first if needed)."""
    with_key(session, settings)
    cert = service.issue(session, issue_request(**changes), by=None, settings=settings)
    session.commit()
    return cert


def acquis(settings: Settings, *args: str, passphrase: str | None = None,
           **env: str) -> subprocess.CompletedProcess[str]:
    """Run the real `acquis` command against the test's database and data dir."""
    environment = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url,
                   "ACQUIS_DATA_DIR": str(settings.data_dir), "ACQUIS_SECRET_KEY": settings.secret_key,
                   "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase if passphrase is None else passphrase,
                   "ACQUIS_PUBLIC_URL": settings.public_url, **env}
    return subprocess.run([sys.executable, "-m", "acquis", *args], env=environment, capture_output=True, text=True,
                          timeout=120)


def tampered(qr_text: str) -> str:
    """The QR text with one character of the seal changed (still base32, still canonical)."""
    position = len(qr_text) - 40
    replacement = "B" if qr_text[position] != "B" else "C"
    return qr_text[:position] + replacement + qr_text[position + 1:]
