"""The QR seal: certificate claims as deterministic CBOR, signed as a COSE_Sign1 (RFC 9052)."""

import base64
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, NoReturn

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from acquis.errors import Invalid
from certificates.keys import KID_LENGTH, kid_for


class MalformedSeal(Invalid):
    """This is not an Acquis certificate seal."""

    code = "malformed-seal"


class ClaimsInvalid(Invalid):
    """These claims cannot be sealed."""


class PublicUrlNotAlphanumeric(Invalid):
    """The public URL, upper-cased, must use only QR alphanumeric characters."""


Decision = Literal["full", "partial"]

# Claim keys of the payload map; docs/certificate-format.md is the reference.
NUMBER, HOLDER_NAME, BIRTH_DATE, FRAMEWORK_CODE, FRAMEWORK_VERSION = 1, 2, 3, 4, 5
UNITS, DECISION, ISSUED_ON, EXPIRES_ON, ISSUER_CODE = 6, 7, 8, 9, 10
REQUIRED_KEYS = frozenset(
    {NUMBER, HOLDER_NAME, BIRTH_DATE, FRAMEWORK_CODE, FRAMEWORK_VERSION, UNITS, DECISION, ISSUED_ON,
     ISSUER_CODE}
)
OPTIONAL_KEYS = frozenset({EXPIRES_ON})
TEXT_CLAIMS = (NUMBER, HOLDER_NAME, FRAMEWORK_CODE, ISSUER_CODE)
INTEGER_CLAIMS = (BIRTH_DATE, FRAMEWORK_VERSION, UNITS, DECISION, ISSUED_ON, EXPIRES_ON)
DECISIONS: dict[str, int] = {"full": 1, "partial": 2}
DECISION_NAMES = {code: name for name, code in DECISIONS.items()}
MAX_UNITS = 64  # the units bitmap must stay a CBOR uint (64 bits), never a bignum

COSE_SIGN1_TAG = b"\xd2"  # CBOR tag 18 in its only deterministic encoding
ALG, KID, EDDSA = 1, 4, -8
SIGNATURE_LENGTH = 64
MAX_SEAL_BYTES = 1024  # seals are under 300 bytes; far more is abuse, refused before decoding
EPOCH = date(1970, 1, 1).toordinal()

QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]*")
BASE32 = re.compile(r"[A-Z2-7]+")
URL_MARK = "/V/"


@dataclass(frozen=True)
class Claims:
    """What a certificate seal asserts; valid by construction (ClaimsInvalid otherwise)."""

    number: str
    holder_name: str
    birth_date: date
    framework_code: str
    framework_version: int
    units: tuple[int, ...]  # indices into the framework version's ordered unit list
    decision: Decision
    issued_on: date
    expires_on: date | None
    issuer_code: str

    def __post_init__(self) -> None:
        problem = _claims_problem(self)
        if problem:
            raise ClaimsInvalid(f"These claims cannot be sealed: {problem}.")


@dataclass(frozen=True)
class ParsedSeal:
    """A seal read exactly as Acquis writes it; the signature is not checked yet."""

    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    claims: Claims


def _claims_problem(c: Claims) -> str | None:
    texts = (c.number, c.holder_name, c.framework_code, c.issuer_code)
    if not all(isinstance(t, str) and t for t in texts):
        return "number, holder name, framework code and issuer code are non-empty text"
    # The number is stored without its issuer prefix, so the prefix must be the issuer code.
    if not c.number.startswith(c.issuer_code + "-") or c.number == c.issuer_code + "-":
        return "the certificate number starts with the issuer code and a hyphen"
    if not _is_int(c.framework_version) or c.framework_version < 0:
        return "the framework version is a whole number"
    # Exact types only (a datetime is a date, a list is not a tuple): the claims read back from
    # a seal must compare equal to the claims that were signed.
    days = (c.birth_date, c.issued_on) + (() if c.expires_on is None else (c.expires_on,))
    if not all(type(day) is date for day in days):
        return "dates are calendar days, without a time"
    if c.expires_on is not None and c.expires_on < c.issued_on:
        return "a certificate cannot expire before it is issued"
    if c.decision not in DECISIONS:
        return "the decision is full or partial"
    return _units_problem(c.units)


def _units_problem(units: tuple[int, ...]) -> str | None:
    if not isinstance(units, tuple) or not units or not all(_is_int(u) for u in units):
        return "units are a tuple of unit indices, at least one"
    # Sorted and distinct, as the bitmap gives them back.
    if list(units) != sorted(set(units)):
        return "units are distinct indices in increasing order"
    if units[0] < 0 or units[-1] >= MAX_UNITS:
        return f"unit indices run from 0 to {MAX_UNITS - 1}"
    return None


def _is_int(value: object) -> bool:
    # bool is a subclass of int in Python, and CBOR true/false must never pass for a number.
    return type(value) is int


def encode_claims(claims: Claims) -> bytes:
    """The payload: a deterministic CBOR map with integer keys, optional claims left out."""
    payload: dict[int, Any] = {
        NUMBER: claims.number.removeprefix(claims.issuer_code + "-"),
        HOLDER_NAME: claims.holder_name,
        BIRTH_DATE: claims.birth_date.toordinal() - EPOCH,
        FRAMEWORK_CODE: claims.framework_code,
        FRAMEWORK_VERSION: claims.framework_version,
        UNITS: sum(1 << unit for unit in claims.units),
        DECISION: DECISIONS[claims.decision],
        ISSUED_ON: claims.issued_on.toordinal() - EPOCH,
        ISSUER_CODE: claims.issuer_code,
    }
    if claims.expires_on is not None:
        payload[EXPIRES_ON] = claims.expires_on.toordinal() - EPOCH
    return cbor2.dumps(payload, canonical=True)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The bytes Ed25519 signs: Sig_structure ["Signature1", protected, h'', payload]."""
    return cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)


def sign(claims: Claims, private_key: Ed25519PrivateKey) -> bytes:
    """The COSE_Sign1 seal of the claims; the same claims and key always give the same bytes."""
    protected = cbor2.dumps({ALG: EDDSA, KID: kid_for(private_key)}, canonical=True)
    payload = encode_claims(claims)
    signature = private_key.sign(sig_structure(protected, payload))
    return COSE_SIGN1_TAG + cbor2.dumps([protected, {}, payload, signature], canonical=True)


def parse(seal: bytes) -> ParsedSeal:
    """The parts of a seal in exactly Acquis's shape; MalformedSeal for anything else."""
    # Anything far longer than a seal is refused before any decoding work.
    if not isinstance(seal, bytes) or len(seal) > MAX_SEAL_BYTES:
        _malformed("too long")
    if not seal.startswith(COSE_SIGN1_TAG):
        _malformed("not a COSE_Sign1 (tag 18)")
    parts = _decode_exact(seal[1:])
    if not (isinstance(parts, list) and len(parts) == 4 and parts[1] == {}):
        _malformed("not [protected, {}, payload, signature]")
    protected, _, payload, signature = parts
    if not (isinstance(protected, bytes) and isinstance(payload, bytes)):
        _malformed("protected header and payload must be byte strings")
    if not (isinstance(signature, bytes) and len(signature) == SIGNATURE_LENGTH):
        _malformed("an Ed25519 signature is 64 bytes")
    kid = _read_protected(protected)
    claims = _read_claims(payload)
    return ParsedSeal(kid, protected, payload, signature, claims)


def _read_protected(protected: bytes) -> bytes:
    header = _decode_exact(protected)
    # Exactly {1: -8, 4: kid}: any other parameter (crit, another alg) is refused, never ignored.
    if not (isinstance(header, dict) and set(header) == {ALG, KID} and _is_int(header[ALG])):
        _malformed("the protected header is exactly {1: alg, 4: kid}")
    if header[ALG] != EDDSA:
        _malformed("the algorithm is EdDSA (-8)")
    kid = header[KID]
    if not (isinstance(kid, bytes) and len(kid) == KID_LENGTH):
        _malformed("the kid is 8 bytes")
    return kid


def _read_claims(payload: bytes) -> Claims:
    body = _decode_exact(payload)
    # Unknown claims are refused, not ignored: a claim we cannot show might restrict the others.
    if not (isinstance(body, dict) and REQUIRED_KEYS <= set(body) <= REQUIRED_KEYS | OPTIONAL_KEYS):
        _malformed("the claims are not exactly the documented keys")
    if not all(isinstance(body[k], str) for k in TEXT_CLAIMS):
        _malformed("a text claim is not text")
    if not all(_is_int(body[k]) for k in INTEGER_CLAIMS if k in body) or body[UNITS] < 0:
        _malformed("an integer claim is not a CBOR integer")
    try:
        return Claims(
            number=f"{body[ISSUER_CODE]}-{body[NUMBER]}",
            holder_name=body[HOLDER_NAME],
            birth_date=_day(body[BIRTH_DATE]),
            framework_code=body[FRAMEWORK_CODE],
            framework_version=body[FRAMEWORK_VERSION],
            units=tuple(i for i in range(body[UNITS].bit_length()) if body[UNITS] >> i & 1),
            decision=DECISION_NAMES.get(body[DECISION]),  # type: ignore[arg-type]  # None: refused
            issued_on=_day(body[ISSUED_ON]),
            expires_on=_day(body[EXPIRES_ON]) if EXPIRES_ON in body else None,
            issuer_code=body[ISSUER_CODE],
        )
    except (ClaimsInvalid, ValueError, OverflowError) as error:
        _malformed(str(error))


def _day(days_since_epoch: int) -> date:
    return date.fromordinal(EPOCH + days_since_epoch)  # ValueError/OverflowError out of range


def _refuse_tag(*_: object) -> NoReturn:
    raise ValueError("no CBOR tag is allowed inside a seal")


# Every tag cbor2 would interpret itself (dates, bignums, regexes, MIME, shared references...).
# Refusing them keeps hostile input away from those decoders; unknown tags go to tag_hook.
_BUILTIN_TAGS = (0, 1, 2, 3, 4, 5, 25, 28, 29, 30, 35, 36, 37, 52, 54, 100, 256, 258, 260, 261,
                 1004, 55799)
_REFUSED = {tag: _refuse_tag for tag in _BUILTIN_TAGS}


def _decode_exact(data: bytes) -> Any:
    """One CBOR item that is exactly its own deterministic encoding, with no tags."""
    try:
        item = cbor2.loads(
            data,
            tag_hook=_refuse_tag,
            semantic_decoders=_REFUSED,
            max_depth=4,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        )
        # Re-encoding catches trailing bytes, over-long lengths, unsorted keys and floats
        # standing in for integers: one seal has exactly one byte string.
        canonical = cbor2.dumps(item, canonical=True)
    except Exception:  # hostile bytes may upset a decoder in any way: all of it is malformed
        _malformed("not deterministic CBOR")
    if canonical != data:
        _malformed("not deterministic CBOR")
    return item


def _malformed(reason: str) -> NoReturn:
    raise MalformedSeal(f"This is not an Acquis certificate seal ({reason}).")


def signature_ok(parsed: ParsedSeal, public_key: Ed25519PublicKey) -> bool:
    """True when the seal's Ed25519 signature verifies under this public key."""
    try:
        public_key.verify(parsed.signature, sig_structure(parsed.protected, parsed.payload))
    except InvalidSignature:
        return False
    return True


def qr_text(public_url: str, seal: bytes) -> str:
    """The text of the QR code: upper(public_url) + "/V/" + unpadded RFC 4648 base32 of the seal."""
    # A trailing slash would give "//V/"; upper case keeps the whole text alphanumeric for QR.
    base = public_url.rstrip("/").upper()
    text = base + URL_MARK + base64.b32encode(seal).decode("ascii").rstrip("=")
    if not QR_ALPHANUMERIC.fullmatch(text):
        raise PublicUrlNotAlphanumeric()
    return text


def seal_from_text(text: str) -> bytes:
    """The seal inside a QR text, verify URL (any case, /V/ or /v/) or bare base32 payload."""
    # Anything far longer than a seal's text is refused before any decoding work.
    # ASCII only: Unicode case mapping turns a few letters (ſ, ı) into ASCII ones, which
    # would let two different texts read as the same seal.
    if not isinstance(text, str) or not text.isascii() or len(text) > 2 * MAX_SEAL_BYTES:
        _malformed("too long or not ASCII")
    encoded = text.strip().upper().rpartition(URL_MARK)[2]
    if not BASE32.fullmatch(encoded):
        _malformed("not base32")
    return _base32_decode(encoded)


# RFC 4648 base32 digits mapped onto the digits int(..., 32) reads: one C call instead of the
# standard library's pure-Python loop, which costs more than the signature check itself.
_TO_INT_DIGITS = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789abcdefghijklmnopqrstuv")


def _base32_decode(encoded: str) -> bytes:
    """Unpadded RFC 4648 base32 (already checked to be in the alphabet) to bytes, canonical only."""
    bits = 5 * len(encoded)
    spare = bits % 8
    # Lengths that leave 5 or more spare bits (1, 3 or 6 characters past a full block) encode nothing.
    if spare >= 5:
        _malformed("not base32")
    number = int(encoded.translate(_TO_INT_DIGITS), 32)
    # A text whose unused trailing bits are not zero decodes to the same seal as the canonical
    # one; refuse it so that one changed character can never still read as the same seal.
    if number & ((1 << spare) - 1):
        _malformed("not canonical base32")
    return (number >> spare).to_bytes(bits // 8, "big")
