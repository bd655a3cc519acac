"""Data Integrity proofs with the eddsa-rdfc-2022 cryptosuite (W3C vc-di-eddsa), database-free."""

import copy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from acquis.errors import Invalid
from acquis.i18n import N_
from certificates import jsonld
from certificates.multikey import NotBase58, b58decode, b58encode


class AlreadySigned(Invalid):
    """The credential already carries a proof; only an unsigned credential is signed."""

    code = "already-signed"
    default_message = N_("Ce titre porte déjà une preuve.")


class InvalidCreated(Invalid):
    """The proof's creation time is not an XML Schema dateTimeStamp (with a time zone)."""

    code = "invalid-proof-datetime"
    default_message = N_("La date de la preuve n'est pas une date ISO 8601 avec fuseau horaire.")


PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"

Reason = Literal[
    "malformed-credential",  # not a JSON object, or not canonicalisable JSON-LD
    "unsupported-context",  # names a JSON-LD context Acquis does not bundle
    "malformed-proof",  # missing, several, or ill-formed proof
    "unsupported-cryptosuite",  # not a DataIntegrityProof with eddsa-rdfc-2022
    "unsupported-proof-option",  # carries an option this function cannot check
    "wrong-proof-purpose",  # made for another purpose than the one expected
    "context-mismatch",  # the proof's @context is not a prefix of the credential's
    "unknown-key",  # the lookup does not know the verification method
    "bad-signature",  # the signature does not match the credential and proof options
]


@dataclass(frozen=True)
class ProofCheck:
    """Whether a credential's proof holds; when it does not, a stable reason why."""

    ok: bool
    reason: Reason | None = None


# dateTimeStamp as Data Integrity requires for `created`: a date, a time and a time zone.
_DATETIME_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# "z" + base58btc of a 64-byte signature is at most 1 + 88 characters.
_MAX_PROOF_VALUE = 1 + 88
SIGNATURE_SIZE = 64
# Options whose check needs a clock, an expected domain or challenge, or another proof; a
# verifier that silently ignored them would accept an expired or replayed proof.
_UNCHECKED_OPTIONS = ("expires", "domain", "challenge", "previousProof")


def sign(
    credential: dict[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: str,
) -> dict[str, Any]:
    """A copy of `credential` with an eddsa-rdfc-2022 assertion proof; the input is untouched.

    Raises AlreadySigned, InvalidCreated, or a certificates.jsonld error when the credential
    is not JSON-LD that its bundled contexts fully define.
    """
    if "proof" in credential:
        raise AlreadySigned()
    if not is_datetime_stamp(created):
        raise InvalidCreated()
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION_METHOD,
    }
    signature = private_key.sign(hash_data(credential, options))
    signed = copy.deepcopy(credential)
    signed["proof"] = {**options, "proofValue": "z" + b58encode(signature)}
    return signed


def hash_data(document: dict[str, Any], options: dict[str, Any]) -> bytes:
    """SHA-256 of the canonical proof configuration, then SHA-256 of the canonical document.

    The proof configuration is `options` under the document's @context, as the spec says.
    """
    config = dict(options)
    if "@context" in document:
        config["@context"] = document["@context"]
    config_hash = hashlib.sha256(jsonld.canonize(config).encode()).digest()
    document_hash = hashlib.sha256(jsonld.canonize(document).encode()).digest()
    return config_hash + document_hash


def verify(
    signed: dict[str, Any],
    public_key_lookup: Callable[[str], Ed25519PublicKey | None],
    *,
    expected_purpose: str = ASSERTION_METHOD,
) -> ProofCheck:
    """Whether `signed` carries a valid eddsa-rdfc-2022 proof by a key the lookup knows.

    A forged, tampered or unreadable credential is a normal result, never an exception. The
    lookup receives the proof's verificationMethod and must return None for a key that is not
    the issuer's for this purpose.
    """
    # Checked before anything is read from it: the input may be any parsed JSON.
    if not isinstance(signed, dict):
        return ProofCheck(False, "malformed-credential")
    parsed = _read_proof(signed.get("proof"), expected_purpose)
    if isinstance(parsed, str):
        return ProofCheck(False, parsed)
    verification_method, signature = parsed
    key = public_key_lookup(verification_method)
    if key is None:
        return ProofCheck(False, "unknown-key")
    # Canonicalise only now: it is the costly step, kept for well-formed proofs by known keys.
    return _check_signature(signed, signature, key)


def is_datetime_stamp(value: object) -> bool:
    """Whether `value` is an ISO 8601 / XML Schema date-time with seconds and a time zone."""
    if not isinstance(value, str) or not _DATETIME_STAMP.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:  # well-shaped but impossible, such as month 13
        return False
    return True


def _read_proof(proof: object, expected_purpose: str) -> Reason | tuple[str, bytes]:
    """The verification method and signature of a single eddsa-rdfc-2022 proof, or why not."""
    # A list is a proof set; Acquis issues one proof and checks exactly one.
    if not isinstance(proof, dict):
        return "malformed-proof"
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return "unsupported-cryptosuite"
    verification_method = proof.get("verificationMethod")
    signature = _signature(proof.get("proofValue"))
    if not isinstance(verification_method, str) or signature is None:
        return "malformed-proof"
    if "created" in proof and not is_datetime_stamp(proof["created"]):
        return "malformed-proof"
    if any(option in proof for option in _UNCHECKED_OPTIONS):
        return "unsupported-proof-option"
    if proof.get("proofPurpose") != expected_purpose:
        return "wrong-proof-purpose"
    return verification_method, signature


def _check_signature(signed: dict[str, Any], signature: bytes, key: Ed25519PublicKey) -> ProofCheck:
    """Whether `signature` covers the credential and every option of its proof but the value."""
    unsecured = {name: value for name, value in signed.items() if name != "proof"}
    options = {name: value for name, value in signed["proof"].items() if name != "proofValue"}
    if "@context" in options:
        # The spec: a proof's own @context must begin the document's, and then replaces it.
        if not _starts_with(unsecured.get("@context"), options["@context"]):
            return ProofCheck(False, "context-mismatch")
        unsecured["@context"] = options.pop("@context")
    try:
        data = hash_data(unsecured, options)
    except jsonld.ContextNotBundled:
        return ProofCheck(False, "unsupported-context")
    except Invalid:  # undefined terms, unportable text, not JSON-LD
        return ProofCheck(False, "malformed-credential")
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return ProofCheck(False, "bad-signature")
    return ProofCheck(True)


def _signature(proof_value: object) -> bytes | None:
    """The 64 signature bytes of a "z"-multibase proofValue, or None when it is not one."""
    # Bound the length first: base58 decoding is quadratic in it.
    if not isinstance(proof_value, str) or not proof_value.startswith("z"):
        return None
    if len(proof_value) > _MAX_PROOF_VALUE:
        return None
    try:
        signature = b58decode(proof_value[1:])
    except NotBase58:
        return None
    return signature if len(signature) == SIGNATURE_SIZE else None


def _starts_with(context: object, prefix: object) -> bool:
    """Whether the @context list `context` begins with every entry of `prefix`, in order."""
    whole = context if isinstance(context, list) else [context]
    start = prefix if isinstance(prefix, list) else [prefix]
    return whole[: len(start)] == start
