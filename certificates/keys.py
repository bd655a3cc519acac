"""Issuer signing keys: Ed25519 generation, encryption at rest, kids and trust-list entries."""

import base64
import binascii
import hashlib
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from acquis.errors import Invalid


class PassphraseEmpty(Invalid):
    """An issuer key cannot be protected by an empty passphrase."""


class WrongPassphrase(Invalid):
    """The passphrase does not open this issuer key."""

    code = "wrong-passphrase"


class KeyNotEncrypted(Invalid):
    """This key file is not encrypted; issuer keys must be encrypted at rest."""


class NotAnIssuerKey(Invalid):
    """This key is not an Ed25519 issuer key."""


class NotBase64url(Invalid):
    """This text is not unpadded base64url."""


class KeyEntryInvalid(Invalid):
    """This trust-list key entry is not an Ed25519 signing key as the contract describes it."""


KeyStatus = Literal["active", "retired", "compromised"]
AnyEd25519Key = Ed25519PrivateKey | Ed25519PublicKey

KID_LENGTH = 8
KEY_STATUSES: tuple[str, ...] = ("active", "retired", "compromised")


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 issuer key from the operating system's random source."""
    return Ed25519PrivateKey.generate()


def encrypt_private_key(key: Ed25519PrivateKey, passphrase: bytes) -> bytes:
    """The key as PKCS#8 PEM, encrypted with the best scheme this cryptography version offers."""
    # Refuse an empty passphrase: it would store the key in the clear with an encrypted look.
    if not passphrase:
        raise PassphraseEmpty()
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_private_key(pem: bytes, passphrase: bytes) -> Ed25519PrivateKey:
    """The issuer key inside an encrypted PEM; WrongPassphrase when it does not open."""
    if not passphrase:
        raise PassphraseEmpty()
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except TypeError:
        # cryptography raises TypeError when a password is given for a key stored in the clear.
        raise KeyNotEncrypted() from None
    except (ValueError, UnsupportedAlgorithm):
        # "from None": the library's message and traceback stay out of logs and error pages,
        # and our message is fixed text, so no key material can ever leak through it.
        raise WrongPassphrase() from None
    if not isinstance(key, Ed25519PrivateKey):
        raise NotAnIssuerKey()
    return key


def raw_public_key(key: AnyEd25519Key) -> bytes:
    """The 32-byte raw Ed25519 public key (of a private key: its public half)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(key: AnyEd25519Key) -> bytes:
    """The key id in seals: the first 8 bytes of SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public_key(key)).digest()[:KID_LENGTH]


# Characters people misread on paper or a screen (0/O, 1/l/I) and the two a shell reads as an option at the start.
CONFUSABLE = frozenset("0O1lI")
OPTION_LIKE = frozenset("-_")


def is_typable(kid: str) -> bool:
    """A key id a person can read aloud and type after a command: no confusable characters, never `-` or `_` first
    (a command line takes `-x...` for an option)."""
    return bool(kid) and kid[0] not in OPTION_LIKE and not CONFUSABLE.intersection(kid)


def generate_typable_private_key() -> Ed25519PrivateKey:
    """A fresh key whose key id is typable (the id is a hash of the public key: draw again until it is; a third of
    the draws are, so this takes about three)."""
    while True:
        private = generate_private_key()
        if is_typable(b64url(kid_for(private))):
            return private


def b64url(data: bytes) -> str:
    """RFC 4648 §5 base64url without padding, as JWK uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of an unpadded base64url text; NotBase64url for anything else."""
    # Only the canonical spelling is accepted: the standard decoder skips stray characters
    # and ignores unused trailing bits, so two different texts could name the same key.
    if not isinstance(text, str) or not text.isascii() or "=" in text:
        raise NotBase64url()
    try:
        data = base64.b64decode(
            text.translate(str.maketrans("-_", "+/")) + "=" * (-len(text) % 4), validate=True
        )
    except binascii.Error:
        raise NotBase64url() from None
    if b64url(data) != text:
        raise NotBase64url()
    return data


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC to the second, with a Z; a naive datetime is taken to be UTC already."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def jwk_entry(
    public_key: AnyEd25519Key,
    *,
    status: KeyStatus,
    not_before: datetime,
    not_after: datetime | None,
    compromised_since: datetime | None,
) -> dict[str, Any]:
    """The key's trust-list entry, exactly the JWK shape of docs/certificate-format.md."""
    # A compromised key without a date (or a date on a healthy key) would make verifiers
    # disagree on which seals to trust; refuse to publish such an entry.
    if status not in KEY_STATUSES or (status == "compromised") != (compromised_since is not None):
        raise KeyEntryInvalid("A key has a compromise date exactly when its status is compromised.")
    entry: dict[str, Any] = {
        "kty": "OKP",
        "crv": "Ed25519",
        "alg": "EdDSA",
        "use": "sig",
        "kid": b64url(kid_for(public_key)),
        "x": b64url(raw_public_key(public_key)),
        "status": status,
        "not_before": iso_utc(not_before),
        "not_after": iso_utc(not_after) if not_after else None,
    }
    if compromised_since is not None:
        entry["compromised_since"] = iso_utc(compromised_since)
    return entry


def public_key_from_jwk(entry: dict[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 public key of a trust-list entry whose kid really is the kid of that key."""
    if not isinstance(entry, dict):
        raise KeyEntryInvalid()
    # A JWK for another curve or purpose must never be used to check an EdDSA seal.
    expected = {"kty": "OKP", "crv": "Ed25519"}
    optional = {"alg": "EdDSA", "use": "sig"}
    if any(entry.get(k) != v for k, v in expected.items()) or any(
        k in entry and entry[k] != v for k, v in optional.items()
    ):
        raise KeyEntryInvalid()
    try:
        raw = b64url_decode(entry.get("x"))  # type: ignore[arg-type]
        kid = b64url_decode(entry.get("kid"))  # type: ignore[arg-type]
        key = Ed25519PublicKey.from_public_bytes(raw)
    except (NotBase64url, ValueError):
        raise KeyEntryInvalid() from None
    # The kid must be derived from x: otherwise a list could lend one key's dates to another.
    if kid != kid_for(key):
        raise KeyEntryInvalid("The kid of a trust-list entry does not match its public key.")
    return key
