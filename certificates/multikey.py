"""Ed25519 keys as Multikey multibase strings ("z" + base58btc of a multicodec-prefixed key)."""

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from acquis.errors import Invalid
from acquis.i18n import N_


class NotBase58(Invalid):
    """The text is not base58btc (Bitcoin alphabet)."""

    code = "not-base58"
    default_message = N_("Le texte n'est pas codé en base58btc.")


class NotAnEd25519Multikey(Invalid):
    """The text is not a base58btc multibase Ed25519 key of the expected kind."""

    code = "not-ed25519-multikey"
    default_message = N_("Ce texte n'est pas une clé Ed25519 au format Multikey.")


ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}

# Multicodec varints: ed25519-pub (0xed) and ed25519-priv (0x1300).
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
KEY_SIZE = 32
# "z" + base58 of 34 bytes is at most 48 characters; longer input is refused before decoding.
_MAX_KEY_TEXT = 1 + 48


def b58encode(data: bytes) -> str:
    """Base58btc: leading zero bytes become "1"s, the rest is the number in base 58."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, digit = divmod(number, 58)
        digits.append(ALPHABET[digit])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    """The bytes that b58encode turned into `text`; raises NotBase58 on a foreign character."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise NotBase58()
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * zeros + body


def public_key_to_multibase(key: Ed25519PublicKey) -> str:
    """The Multikey publicKeyMultibase of `key`; always starts with "z6Mk"."""
    return "z" + b58encode(ED25519_PUB + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key in a publicKeyMultibase; raises NotAnEd25519Multikey otherwise."""
    return Ed25519PublicKey.from_public_bytes(_unwrap(text, ED25519_PUB))


def private_key_to_multibase(key: Ed25519PrivateKey) -> str:
    """The secretKeyMultibase form (multicodec ed25519-priv) of `key`'s 32-byte seed."""
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return "z" + b58encode(ED25519_PRIV + seed)


def private_key_from_multibase(text: str) -> Ed25519PrivateKey:
    """The Ed25519 private key in a secretKeyMultibase; raises NotAnEd25519Multikey otherwise."""
    return Ed25519PrivateKey.from_private_bytes(_unwrap(text, ED25519_PRIV))


def verification_method(key: Ed25519PublicKey, *, method_id: str, controller: str) -> dict[str, Any]:
    """A Multikey verification method for a controller document (Multikey v1 context terms)."""
    return {
        "id": method_id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": public_key_to_multibase(key),
    }


def _unwrap(text: str, prefix: bytes) -> bytes:
    """The 32 key bytes after `prefix` in multibase `text`, or NotAnEd25519Multikey."""
    # Bound the input first: base58 decoding is quadratic in its length. It may also be any
    # JSON value read from a controller document.
    if not isinstance(text, str) or not text.startswith("z") or len(text) > _MAX_KEY_TEXT:
        raise NotAnEd25519Multikey()
    try:
        raw = b58decode(text[1:])
    except NotBase58 as error:
        raise NotAnEd25519Multikey() from error
    # Check the codec as well as the length: a public key must never be read as a seed.
    if raw[: len(prefix)] != prefix or len(raw) != len(prefix) + KEY_SIZE:
        raise NotAnEd25519Multikey()
    return raw[len(prefix) :]
