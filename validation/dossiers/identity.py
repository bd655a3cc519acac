"""ID document numbers: encrypted at rest (AES-GCM), found by exact match through a keyed hash."""

import base64
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from acquis.config import Settings
from acquis.errors import Invalid
from acquis.i18n import N_

VERSION = "v1"
# The associated data binds a ciphertext to its use: it cannot be replayed as another field.
ASSOCIATED = b"acquis/candidate/id-number"
NUMBER = re.compile(r"^[A-Z0-9]{4,40}$")


class IdNumberInvalid(Invalid):
    """Not a document number: letters and digits only, 4 to 40 of them."""

    code = "id-number-invalid"
    default_message = N_("Le numéro de pièce ne doit contenir que des lettres et des chiffres (4 à 40).")


class IdNumberUnreadable(Invalid):
    """The stored ciphertext does not open with the configured key."""

    code = "id-number-unreadable"
    default_message = N_("Le numéro de pièce ne peut pas être déchiffré avec la clé configurée.")


def normalise(raw: str) -> str:
    """Upper case without spaces, dashes, dots or slashes, as it is printed on the document."""
    number = re.sub(r"[\s\-./]", "", raw).upper()
    if not NUMBER.match(number):
        raise IdNumberInvalid()
    return number


def _key(settings: Settings, purpose: str) -> bytes:
    # One secret, separate keys per purpose (HKDF): the hash key never decrypts anything.
    secret = (settings.id_number_key or settings.secret_key).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"acquis/id-number/{purpose}".encode()).derive(secret)


def encrypt(settings: Settings, number: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(settings, "encryption")).encrypt(nonce, number.encode(), ASSOCIATED)
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(settings: Settings, token: str) -> str:
    version, _sep, body = token.partition(":")
    try:
        raw = base64.urlsafe_b64decode(body)
        if version != VERSION:
            raise ValueError(version)
        return AESGCM(_key(settings, "encryption")).decrypt(raw[:12], raw[12:], ASSOCIATED).decode()
    except (ValueError, InvalidTag):
        raise IdNumberUnreadable() from None


def keyed_hash(settings: Settings, number: str) -> str:
    """HMAC-SHA256: equal numbers match, yet the table alone cannot be searched by guessing."""
    return hmac.new(_key(settings, "search"), number.encode(), hashlib.sha256).hexdigest()


def last4(number: str) -> str:
    return number[-4:]
