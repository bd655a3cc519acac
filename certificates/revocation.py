"""Revocation for offline verifiers: Bitstring Status Lists (credentials) and a signed list (seals)."""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, func, select

from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import Invalid, NotFound
from acquis.i18n import N_
from certificates import keys, keystore, proof, status_list
from certificates.models import Certificate, CertificateStatus, IssuerKey, StatusList
from certificates.offline_verification import Revocation, trusted_keys

STATUS_PATH = "/status/"
REVOCATIONS_PATH = "/.well-known/acquis/revocations.json"
WITHDRAWN = (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED)
# A signed status list says how long to trust it; it is signed again well before (public_documents).
STATUS_LIST_VALIDITY = timedelta(days=30)
Signer = tuple[IssuerKey, Ed25519PrivateKey]


class UnknownStatusList(NotFound):
    """No status list has this id."""

    code = "unknown-status-list"


class RevocationListInvalid(Invalid):
    """The revocation list is not signed by a key of the trust list, or is not in the documented shape."""

    code = "revocation-list-invalid"
    default_message = N_("La liste de révocation n'est pas signée par une clé de la liste de confiance.")


def status_url(settings: Settings, list_id: int) -> str:
    return f"{settings.public_url.rstrip('/')}{STATUS_PATH}{list_id}"


def allocate(session: Session) -> tuple[StatusList, int]:
    """A status list and a random free index in it; a new list once the current one is half used."""
    current = session.exec(select(StatusList).order_by(col(StatusList.id).desc())).first()
    used = 0
    if current is not None:
        count = select(func.count()).select_from(Certificate).where(Certificate.status_list_id == current.id)
        used = session.exec(count).one()
    # Half full at most: random indices then stay cheap to draw and reveal nothing of the volume.
    if current is None or used >= current.size // 2:
        current = StatusList(size=status_list.MIN_ENTRIES)
        session.add(current)
        session.flush()
    return current, status_list.random_free_index(_UsedIndices(session, current.id or 0), current.size)


class _UsedIndices:
    """The indices in use in one list, asked of the database one draw at a time (never all loaded)."""

    def __init__(self, session: Session, list_id: int) -> None:
        self.session, self.list_id = session, list_id

    def __contains__(self, index: object) -> bool:
        query = select(Certificate.id).where(Certificate.status_list_id == self.list_id,
                                             Certificate.status_index == index)
        return self.session.exec(query).first() is not None


def touch(session: Session, list_id: int) -> None:
    """Record that a status list changed: its signed credential and the revocation list are then stale."""
    row = session.get(StatusList, list_id)
    if row is not None:
        row.updated_at = utcnow()
        session.add(row)
        session.flush()


def status_list_credential(session: Session, list_id: int, *, settings: Settings, signer: Signer | None = None,
                           now: datetime | None = None) -> dict[str, Any]:
    """The signed BitstringStatusListCredential: a set bit is a revoked or superseded certificate.

    Valid for STATUS_LIST_VALIDITY from its signing: a verifier holding an old copy knows it is old."""
    row = session.get(StatusList, list_id)
    if row is None:
        raise UnknownStatusList()
    bits = status_list.new_bitstring(row.size)
    withdrawn = select(Certificate.status_index).where(
        Certificate.status_list_id == list_id, col(Certificate.status).in_(WITHDRAWN))
    for index in session.exec(withdrawn):
        status_list.set_bit(bits, index)
    url = status_url(settings, list_id)
    signed_at = (now or utcnow()).replace(microsecond=0)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keystore.issuer_url(settings),
        "validFrom": keys.iso_utc(signed_at),
        "validUntil": keys.iso_utc(signed_at + STATUS_LIST_VALIDITY),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": row.purpose,
            "encodedList": status_list.encode(bits),
        },
    }
    key_row, private = signer or keystore.signing_key(session, settings=settings)
    return proof.sign(unsigned, private, verification_method=keystore.method_id(settings, key_row.kid),
                      created=keys.iso_utc(signed_at))


# --- the signed revocation list for seals ------------------------------------------------------


def number_digest(number: str) -> str:
    # Only digests are published: a list of numbers would let anyone look up who was revoked.
    return hashlib.sha256(number.encode("ascii")).hexdigest()


def _canonical(payload: dict[str, Any]) -> bytes:
    # Every value is ASCII, so sorted compact JSON is also its RFC 8785 (JCS) form.
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def revocation_list(session: Session, *, settings: Settings, signer: Signer | None = None) -> dict[str, Any]:
    """Every withdrawn certificate as SHA-256 of its number, signed by the current issuer key."""
    rows = session.exec(select(Certificate).where(col(Certificate.status).in_(WITHDRAWN))
                        .order_by(col(Certificate.id))).all()
    entries = [{"number_sha256": number_digest(row.number), "status": row.status.value,
                "since": keys.iso_utc(_withdrawn_at(row))} for row in rows]
    latest = session.exec(select(func.max(StatusList.updated_at))).one()
    payload = {"issuer": settings.issuer_code, "updated_at": keys.iso_utc(latest or utcnow()),
               "entries": sorted(entries, key=lambda entry: entry["number_sha256"])}
    key_row, private = signer or keystore.signing_key(session, settings=settings)
    signature = {"alg": "EdDSA", "kid": key_row.kid, "value": keys.b64url(private.sign(_canonical(payload)))}
    return {**payload, "signature": signature}


def _withdrawn_at(row: Certificate) -> datetime:
    return row.revoked_at or row.superseded_at or row.issued_at


def lookup_from_list(document: Any, trust_list: dict[str, Any]) -> Revocation:
    """A revocation source from a downloaded revocation list, once its signature is checked."""
    if not isinstance(document, dict) or not isinstance(document.get("signature"), dict):
        raise RevocationListInvalid()
    payload = {name: value for name, value in document.items() if name != "signature"}
    signature = document["signature"]
    try:
        kid = keys.b64url_decode(signature.get("kid"))
        key = trusted_keys(trust_list)[kid].public_key
        key.verify(keys.b64url_decode(signature.get("value")), _canonical(payload))
        entries = {entry["number_sha256"]: entry["status"] for entry in payload["entries"]}
    except (KeyError, TypeError, AttributeError, keys.NotBase64url, InvalidSignature):
        raise RevocationListInvalid() from None
    return _lookup(entries)


def _lookup(entries: dict[str, str]) -> Callable[[str], str | None]:
    return lambda number: entries.get(number_digest(number))
