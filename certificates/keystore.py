"""Issuer keys in service: encrypted key files, their lifecycle, the trust list and /issuer document."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlmodel import Session, col, select

from acquis import audit
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid, NotFound
from acquis.i18n import N_
from acquis.storage import write_atomically
from certificates import keys, multikey
from certificates.models import IssuerKey, KeyStatus

ISSUER_PATH = "/issuer"
KEYS_DIR = "keys"


class PassphraseMissing(Invalid):
    """Issuer keys cannot be created or used without ACQUIS_KEY_PASSPHRASE."""

    code = "key-passphrase-missing"
    default_message = N_("La phrase secrète des clés (ACQUIS_KEY_PASSPHRASE) n'est pas définie.")


class ActiveKeyExists(Conflict):
    """An active key already signs; a new one replaces it only through rotation."""

    code = "active-key-exists"
    default_message = N_("Une clé active existe déjà : utilisez « acquis keys rotate ».")


class NoSigningKey(Conflict):
    """No active issuer key: nothing can be signed until one is generated."""

    code = "no-signing-key"
    default_message = N_("Aucune clé de signature active : créez-en une avec « acquis keys generate ».")


class UnknownKey(NotFound):
    """No issuer key has this kid."""

    code = "unknown-key"
    default_message = N_("Aucune clé ne porte cet identifiant.")


class KeyFileMissing(Conflict):
    """The active key's encrypted file is not in the data directory."""

    code = "key-file-missing"
    default_message = N_("Le fichier chiffré de la clé active est introuvable dans le répertoire de données.")


class DateUnreadable(Invalid):
    """The date is not YYYY-MM-DD or an ISO 8601 time."""

    code = "date-unreadable"
    default_message = N_("Date illisible : écrivez-la AAAA-MM-JJ.")


class KeyNotUsable(Conflict):
    """A compromised key cannot be retired, and a key cannot be compromised twice."""

    code = "key-not-usable"
    default_message = N_("Cette clé est compromise : son état ne peut plus changer.")


def issuer_url(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + ISSUER_PATH


def method_id(settings: Settings, kid: str) -> str:
    """The verificationMethod of a key: <public_url>/issuer#<kid>."""
    return f"{issuer_url(settings)}#{kid}"


def _passphrase(settings: Settings) -> bytes:
    if not settings.key_passphrase:
        raise PassphraseMissing()
    return settings.key_passphrase.encode()


def key_path(settings: Settings, kid: str) -> Path:
    # kids are base64url (A-Z a-z 0-9 - _): safe as file names, never a path of their own.
    keys.b64url_decode(kid)
    return settings.data_dir / KEYS_DIR / f"{kid}.pem"


def _new_key(session: Session, *, settings: Settings, by: Any) -> IssuerKey:
    passphrase = _passphrase(settings)
    private = keys.generate_typable_private_key()
    kid = keys.b64url(keys.kid_for(private))
    write_atomically(key_path(settings, kid), keys.encrypt_private_key(private, passphrase))
    row = IssuerKey(kid=kid, public_key=keys.b64url(keys.raw_public_key(private)), status=KeyStatus.ACTIVE,
                    not_before=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="issuer_key.generated", entity_type="issuer_key", entity_id=kid)
    return row


def generate(session: Session, *, settings: Settings, by: Any = None) -> IssuerKey:
    """The first issuer key; refused while another key is active (rotate instead)."""
    _passphrase(settings)
    if active_keys(session):
        raise ActiveKeyExists()
    return _new_key(session, settings=settings, by=by)


def rotate(session: Session, *, settings: Settings, by: Any = None) -> IssuerKey:
    """A new signing key; the keys active until now retire and keep vouching for what they signed."""
    _passphrase(settings)
    previous = active_keys(session)
    new = _new_key(session, settings=settings, by=by)
    for row in previous:
        _retire(session, row, by=by)
    session.flush()
    return new


def retire(session: Session, kid: str, *, by: Any = None) -> IssuerKey:
    row = get(session, kid)
    if row.status == KeyStatus.COMPROMISED:
        raise KeyNotUsable()
    if row.status == KeyStatus.ACTIVE:
        _retire(session, row, by=by)
    return row


def _retire(session: Session, row: IssuerKey, *, by: Any) -> None:
    row.status = KeyStatus.RETIRED
    row.not_after = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="issuer_key.retired", entity_type="issuer_key", entity_id=row.kid)


def mark_compromised(session: Session, kid: str, *, since: datetime, by: Any = None) -> IssuerKey:
    """From `since` on, nothing this key signed is trusted; what it signed before stays valid."""
    row = get(session, kid)
    if row.status == KeyStatus.COMPROMISED:
        raise KeyNotUsable()
    row.status = KeyStatus.COMPROMISED
    row.compromised_since = since if since.tzinfo else since.replace(tzinfo=UTC)
    session.add(row)
    session.flush()
    audit.record(session, actor=by, action="issuer_key.compromised", entity_type="issuer_key", entity_id=kid,
                 detail={"since": keys.iso_utc(row.compromised_since)})
    return row


def parse_since(text: str) -> datetime:
    """A compromise date as typed: YYYY-MM-DD (midnight UTC) or an ISO 8601 time."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise DateUnreadable() from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def get(session: Session, kid: str) -> IssuerKey:
    row = session.exec(select(IssuerKey).where(IssuerKey.kid == kid)).first()
    if row is None:
        raise UnknownKey()
    return row


def all_keys(session: Session) -> list[IssuerKey]:
    return list(session.exec(select(IssuerKey).order_by(col(IssuerKey.not_before), col(IssuerKey.id))))


def active_keys(session: Session) -> list[IssuerKey]:
    query = select(IssuerKey).where(IssuerKey.status == KeyStatus.ACTIVE)
    return list(session.exec(query.order_by(col(IssuerKey.not_before).desc(), col(IssuerKey.id).desc())))


def signing_key(session: Session, *, settings: Settings) -> tuple[IssuerKey, Ed25519PrivateKey]:
    """The newest active key and its decrypted private half."""
    passphrase = _passphrase(settings)
    active = active_keys(session)
    if not active:
        raise NoSigningKey()
    row = active[0]
    path = key_path(settings, row.kid)
    if not path.is_file():
        raise KeyFileMissing()
    return row, keys.decrypt_private_key(path.read_bytes(), passphrase)


def public_key(row: IssuerKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(keys.b64url_decode(row.public_key))


def jwk(row: IssuerKey) -> dict[str, Any]:
    return keys.jwk_entry(public_key(row), status=row.status.value, not_before=row.not_before,
                          not_after=row.not_after, compromised_since=row.compromised_since)


def trust_list(session: Session, *, settings: Settings) -> dict[str, Any]:
    """The issuer's public keys, exactly the JWKS-shaped trust list of docs/contract.md."""
    return {
        "issuer": {"code": settings.issuer_code,
                   "name": {"fr": settings.issuer_name_fr, "en": settings.issuer_name_en}},
        "keys": [jwk(row) for row in all_keys(session)],
    }


def controller_document(session: Session, *, settings: Settings) -> dict[str, Any]:
    """The /issuer document: every key not compromised, as a Multikey under assertionMethod."""
    controller = issuer_url(settings)
    methods = [
        multikey.verification_method(public_key(row), method_id=method_id(settings, row.kid), controller=controller)
        for row in all_keys(session)
        if row.status != KeyStatus.COMPROMISED
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": controller,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
