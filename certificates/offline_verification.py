"""Seal verification offline: a QR text and a trust list in, the verification result of docs/contract.md out
(no database; online_verification.py adds what only the registry knows)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NotRequired

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from typing_extensions import TypedDict

from acquis.errors import Invalid
from certificates import seal
from certificates.keys import KEY_STATUSES, KeyEntryInvalid, iso_utc, kid_for, public_key_from_jwk


class TrustListInvalid(Invalid):
    """The trust list is not a JWKS-shaped list of Ed25519 issuer keys as docs/certificate-format.md describes."""

    code = "trust-list-invalid"


Revocation = Callable[[str], str | None]


class Checks(TypedDict):
    """Each check a verifier made: True passed, False failed, None not made (no status source, say)."""

    signature: bool | None
    issuer_key: bool | None
    revocation: bool | None
    expiry: bool | None


class Bilingual(TypedDict):
    fr: str
    en: str | None


class Issuer(TypedDict):
    code: str
    name: Bilingual


class UnitOrigin(TypedDict):
    """A unit carried from an earlier decision: the day it was validated and the certificate attesting it."""

    validated_on: str | None
    certificate: str | None


class CertificateView(TypedDict, total=False):
    """What a genuine seal or credential says (docs/contract.md); online, the registry adds the titles and issuer."""

    number: str
    holder_name: str | None
    birth_date: str | None
    framework_code: str | None
    framework_version: int | None
    qualification_title: str | Bilingual | None  # a credential's bilingual name, or the registry's titles
    units: list[int]  # indices into the framework version's units
    unit_titles: list[str | None] | list[Bilingual]
    unit_origins: list[UnitOrigin | None]
    decision: str
    issued_on: str | None
    issued_at: str | None
    expires_on: str | None
    issuer_code: str
    issuer: Issuer


class Withdrawn(TypedDict):
    """A withdrawn certificate looked up by number: when, and the reason if the registry made it public."""

    on: str | None
    reason: str | None


class VerificationResult(TypedDict):
    """The verification result of docs/contract.md, the same from every door."""

    verdict: str  # valid, revoked, expired, superseded, reissued, invalid, unknown-key, malformed, not-found
    checks: Checks
    checked_at: str
    certificate: NotRequired[CertificateView]
    withdrawn: NotRequired[Withdrawn]


@dataclass(frozen=True)
class TrustedKey:
    """A trust-list key and the days on which it may have issued certificates."""

    public_key: Ed25519PublicKey
    not_before: date
    not_after: date | None
    compromised_since: date | None
    compromised: bool

    def vouches_for(self, issued_on: date) -> bool:
        """True when a certificate issued that day may carry this key's signature."""
        # A compromised key with no date vouches for nothing: fail closed.
        if self.compromised and self.compromised_since is None:
            return False
        # Seals carry a day, not a time: a seal dated the day of a compromise could be forged,
        # so that day is refused; the first and last days of a healthy key are accepted.
        if self.compromised_since is not None and issued_on >= self.compromised_since:
            return False
        if self.not_after is not None and issued_on > self.not_after:
            return False
        return issued_on >= self.not_before


def verify_seal_text(
    text: str,
    trust_list: dict[str, Any],
    *,
    now: datetime,
    revocation: Revocation | None = None,
) -> VerificationResult:
    """The verification result for a QR text, verify URL or bare payload.

    Forged, garbled and unknown seals are results, never exceptions; only an unusable trust
    list raises (TrustListInvalid), and whatever `revocation` raises passes through.
    `revocation(number)` answers None, "revoked" or "superseded"; without it, revocation is
    reported as not checked (null)."""
    return verify_seal(text, trusted_keys(trust_list), now=now, revocation=revocation)


def verify_seal(
    text: str,
    keys: Mapping[bytes, "TrustedKey"],
    *,
    now: datetime,
    revocation: Revocation | None = None,
) -> VerificationResult:
    """As verify_seal_text, with the trust list already read (`trusted_keys`): a verifier that
    checks many seals reads its trust list once."""
    try:
        parsed = seal.parse(seal.seal_from_text(text))
    except seal.MalformedSeal:
        return result("malformed", now)
    return verify_parsed(parsed, keys, now=now, revocation=revocation)


def verify_parsed(
    parsed: seal.ParsedSeal,
    keys: Mapping[bytes, "TrustedKey"],
    *,
    now: datetime,
    revocation: Revocation | None = None,
) -> VerificationResult:
    """As verify_seal, for a seal already read (a verifier that looked up the number it claims reads it once)."""
    key = keys.get(parsed.kid)
    if key is None:
        return result("unknown-key", now, issuer_key=False)
    if not seal.signature_ok(parsed, key.public_key):
        return result("invalid", now, signature=False)
    # The signature is good, but from a key that was not in service that day (or had been
    # stolen) it proves nothing, so the claims are not shown: they could be anyone's words.
    if not key.vouches_for(parsed.claims.issued_on):
        return result("invalid", now, signature=True, issuer_key=False)
    return _judge(parsed.claims, now, revocation)


def _judge(claims: seal.Claims, now: datetime, revocation: Revocation | None) -> VerificationResult:
    """The verdict on genuine claims: revoked or superseded, then expired, then valid."""
    status = revocation_status(claims.number, revocation)
    expired = claims.expires_on is not None and utc_day(now) > claims.expires_on
    verdict = status or ("expired" if expired else "valid")
    outcome = result(
        verdict,
        now,
        signature=True,
        issuer_key=True,
        revocation=None if revocation is None else status is None,
        expiry=not expired,
    )
    outcome["certificate"] = certificate_view(claims)
    return outcome


def revocation_status(number: str, revocation: Revocation | None) -> str | None:
    """"revoked", "superseded" or None; an answer not understood reads as revoked (fail closed)."""
    if revocation is None:
        return None
    status = revocation(number)
    # Fail closed: an answer this verifier does not understand must never read as "good".
    if status is not None and status not in ("revoked", "superseded"):
        return "revoked"
    return status


def result(
    verdict: str,
    now: datetime,
    *,
    signature: bool | None = None,
    issuer_key: bool | None = None,
    revocation: bool | None = None,
    expiry: bool | None = None,
) -> VerificationResult:
    """A verification result without certificate data (every verifier, whatever it checks, uses it)."""
    checks = Checks(signature=signature, issuer_key=issuer_key, revocation=revocation, expiry=expiry)
    return VerificationResult(verdict=verdict, checks=checks, checked_at=iso_utc(now))


def certificate_view(claims: seal.Claims) -> CertificateView:
    """The signed claims as JSON values; the seal carries the issue day, so issued_at is a date."""
    return CertificateView(
        number=claims.number,
        holder_name=claims.holder_name,
        birth_date=claims.birth_date.isoformat(),
        framework_code=claims.framework_code,
        framework_version=claims.framework_version,
        units=list(claims.units),
        decision=claims.decision,
        issued_on=claims.issued_on.isoformat(),
        issued_at=claims.issued_on.isoformat(),
        expires_on=claims.expires_on.isoformat() if claims.expires_on else None,
        issuer_code=claims.issuer_code,
    )


def trusted_keys(trust_list: dict[str, Any]) -> dict[bytes, TrustedKey]:
    """The trust list's keys by kid; TrustListInvalid when any entry is unusable."""
    entries = trust_list.get("keys") if isinstance(trust_list, dict) else None
    if not isinstance(entries, list):
        raise TrustListInvalid()
    keys: dict[bytes, TrustedKey] = {}
    for entry in entries:
        key = _trusted_key(entry)
        kid = kid_for(key.public_key)
        # Two entries for one key could disagree on its dates; refuse rather than pick one.
        if kid in keys:
            raise TrustListInvalid("The trust list names the same key twice.")
        keys[kid] = key
    return keys


def _trusted_key(entry: Any) -> TrustedKey:
    try:
        public_key = public_key_from_jwk(entry)
    except KeyEntryInvalid as error:
        raise TrustListInvalid(error.message) from None
    if entry.get("status") not in KEY_STATUSES:
        raise TrustListInvalid("A trust-list key has no known status.")
    not_before = _day_of(entry.get("not_before"))
    if not_before is None:
        raise TrustListInvalid("A trust-list key has no not_before date.")
    return TrustedKey(
        public_key=public_key,
        not_before=not_before,
        not_after=_day_of(entry.get("not_after")),
        # A compromise date is honoured whatever the status says: fail closed.
        compromised_since=_day_of(entry.get("compromised_since")),
        compromised=entry["status"] == "compromised",
    )


def _day_of(value: Any) -> date | None:
    """The UTC day of an ISO 8601 trust-list time (naive times are UTC); None for null."""
    if value is None:
        return None
    try:
        return utc_day(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        raise TrustListInvalid(f"Not an ISO 8601 time: {value!r}.") from None


def utc_day(moment: datetime) -> date:
    """The UTC calendar day of a moment (naive moments are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).date()
