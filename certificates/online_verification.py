"""Online verification, with the database: the one service behind every door (the QR page, /verify, the API,
the CLI with a database, SMS), the verification log and the rate limit. Offline checking is offline_verification.py."""

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from acquis import metrics
from acquis.config import Settings
from acquis.db import utcnow
from acquis.errors import TooManyRequests
from acquis.i18n import N_
from certificates import credential, keystore, messages, reissue, seal, service
from certificates.models import Certificate, CertificateStatus, VerificationLog
from certificates.offline_verification import (
    Bilingual,
    Revocation,
    UnitOrigin,
    VerificationResult,
    result,
    trusted_keys,
    verify_parsed,
)
from certificates.scanning import Presented

# Looking up by number: at most this many per client in the window; numbers stay unguessable.
NUMBER_LOOKUPS = 30
NUMBER_WINDOW = timedelta(minutes=15)
WITHDRAWN_VERDICTS = ("revoked", "superseded", "reissued")


class TooManyLookups(TooManyRequests):
    """Too many lookups by number from this client; wait before trying again."""

    code = "too-many-lookups"
    default_message = N_("Trop de recherches par numéro : patientez un quart d'heure puis réessayez.")


# --- online: the database holds the keys, the statuses and the titles ---------------------------


def verify_text(session: Session, text: str, *, settings: Settings, now: datetime | None = None) -> VerificationResult:
    """The result for a QR text or verify URL, with revocation and titles from the database."""
    now = now or utcnow()
    parsed = _parsed(text)
    if parsed is None:
        return result("malformed", now)
    # The row the seal names (genuine or not: the signature decides), read once: its status answers
    # revocation and its titles label the page.
    return _verify(session, parsed, service.find(session, parsed.claims.number), settings=settings, now=now)


def verify_number(session: Session, number: str, *, settings: Settings,
                  now: datetime | None = None) -> VerificationResult:
    """The result for a typed certificate number; "not-found" for any number that is not ours."""
    now = now or utcnow()
    cert = service.find(session, number)
    if cert is None:
        return result("not-found", now)
    parsed = _parsed(cert.qr_text)
    if parsed is None:
        return result("malformed", now)
    outcome = _verify(session, parsed, cert, settings=settings, now=now)  # its own seal names this very row
    if outcome["verdict"] in WITHDRAWN_VERDICTS:
        return _withdrawn_only(outcome, cert)
    return outcome


def verify_presented(session: Session, item: Presented, *, settings: Settings,
                     now: datetime | None = None) -> VerificationResult:
    """The result for what a file held (scanning.read_bytes): a QR text or a credential."""
    now = now or utcnow()
    if item.kind == "text":
        return verify_text(session, item.text, settings=settings, now=now)
    trust = keystore.trust_list(session, settings=settings)
    number = credential.certificate_view(item.document)["number"] if isinstance(item.document, dict) else ""
    known = bool(number) and service.find(session, number) is not None
    revocation: Revocation | None = (lambda n: service.status_of(session, n)) if known else None
    outcome = credential.verify(item.document, trust, now=now, revocation=revocation,
                                issuer_id=keystore.issuer_url(settings))
    if not known:
        return _unissued(outcome, now)
    return _reissued(outcome, service.find(session, number), now)


def _parsed(text: str) -> seal.ParsedSeal | None:
    """The seal in a QR text, read once per verification; None when it is not one."""
    try:
        return seal.parse(seal.seal_from_text(text))
    except seal.MalformedSeal:
        return None


def _verify(session: Session, parsed: seal.ParsedSeal, cert: Certificate | None, *, settings: Settings,
            now: datetime) -> VerificationResult:
    keys = trusted_keys(keystore.trust_list(session, settings=settings))
    outcome = verify_parsed(parsed, keys, now=now, revocation=_revocation_for(session, cert))
    if cert is None:
        return _unissued(outcome, now)
    return _with_titles(_reissued(outcome, cert, now), cert, settings=settings)


def _reissued(outcome: VerificationResult, cert: Certificate | None, now: datetime) -> VerificationResult:
    """A certificate re-issued because its key was compromised: "reissued" (ask the holder for the new one),
    never only "invalid"; a withdrawn one its key no longer vouches for keeps its "revoked" or "superseded".
    Only for a genuine signature: a garbled or forged one keeps its own verdict."""
    if cert is None or cert.status == CertificateStatus.ISSUED or not outcome["checks"]["signature"]:
        return outcome
    if reissue.was_reissued(cert):
        verdict = "reissued"
    elif outcome["verdict"] == "invalid":
        verdict = cert.status.value
    else:
        return outcome
    return result(verdict, now, signature=True, issuer_key=outcome["checks"]["issuer_key"], revocation=False)


def _unissued(outcome: VerificationResult, now: datetime) -> VerificationResult:
    """A genuine signature on a number the registry never issued: "not-found", never "valid".

    Online, the registry is the authority: such a seal can only come from a stolen key or a lost
    database, and nothing in it may be shown as the issuer's word."""
    if outcome.get("certificate") is None:
        return outcome  # forged, garbled or unknown key: that verdict says more
    return result("not-found", now, signature=True, issuer_key=outcome["checks"]["issuer_key"])


def _withdrawn_only(outcome: VerificationResult, cert: Certificate) -> VerificationResult:
    """A revoked or superseded certificate looked up by number: the verdict, its date and the reason if
    the registry made it public; never who held it (a number alone must not reveal a person)."""
    outcome.pop("certificate", None)
    moment = cert.revoked_at if cert.status == CertificateStatus.REVOKED else cert.superseded_at
    public = cert.status == CertificateStatus.REVOKED and cert.revocation_reason_public
    outcome["withdrawn"] = {"on": moment.date().isoformat() if moment else None,
                            "reason": cert.revocation_reason if public else None}
    return outcome


def _revocation_for(session: Session, cert: Certificate | None) -> Revocation | None:
    """The database as revocation source, for numbers it knows; otherwise "not checked"."""
    if cert is None:
        return None  # a genuine seal we have no record of: its status cannot be checked here
    standing = None if cert.status == CertificateStatus.ISSUED else cert.status.value
    return lambda asked: standing if asked == cert.number else service.status_of(session, asked)


def _with_titles(outcome: VerificationResult, cert: Certificate | None, *, settings: Settings) -> VerificationResult:
    """Add the labels the seal leaves out (it carries codes): qualification and unit titles, issuer."""
    shown = outcome.get("certificate")
    if shown is None:
        return outcome
    shown["issuer"] = {"code": settings.issuer_code,
                       "name": {"fr": settings.issuer_name_fr, "en": settings.issuer_name_en}}
    # Titles only from the very certificate the seal names, with the same framework version.
    if cert is None or (cert.number, cert.framework_code, cert.framework_version) != (
            shown["number"], shown["framework_code"], shown["framework_version"]):
        return outcome
    shown["qualification_title"] = {"fr": cert.qualification_title_fr, "en": cert.qualification_title_en}
    shown["unit_titles"] = [
        Bilingual(fr=cert.units[index]["title_fr"], en=cert.units[index].get("title_en"))
        for index in shown["units"] if index < len(cert.units)
    ]
    # A unit carried from an earlier decision: the day it was validated and the certificate attesting it.
    shown["unit_origins"] = [
        UnitOrigin(validated_on=cert.units[index]["carried_on"],
                   certificate=cert.units[index].get("carried_certificate"))
        if cert.units[index].get("carried_on") else None
        for index in shown["units"] if index < len(cert.units)
    ]
    return outcome


# --- the log and the rate limit ----------------------------------------------------------------


def client_hash(settings: Settings, client: str | None) -> str | None:
    """A keyed hash of the client address: enough to rate-limit, useless to identify anyone."""
    if not client:
        return None
    digest = hmac.new(settings.secret_key.encode(), b"verify-client|" + client.encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def check_number_rate(session: Session, client: str | None, *, now: datetime | None = None) -> None:
    """Raise TooManyLookups when this client looked up too many numbers lately."""
    if client is None:
        return
    since = (now or utcnow()) - NUMBER_WINDOW
    query = select(func.count()).select_from(VerificationLog).where(
        VerificationLog.client_hash == client, VerificationLog.channel == "number", col(VerificationLog.at) >= since)
    if session.exec(query).one() >= NUMBER_LOOKUPS:
        raise TooManyLookups()


def log(engine: Engine, *, channel: str, verdict: str, client: str | None,
        watcher: messages.Watcher | None = None) -> None:
    """Record one verification in its own short transaction (callers may hold a read-only session), with the
    message to the holder who asked to be told (messages.watcher)."""
    # One INSERT without the ORM's unit of work: the QR page logs every scan, and this is a third of its cost.
    with engine.begin() as connection:
        at = utcnow()
        connection.execute(insert(VerificationLog).values(at=at, channel=channel, verdict=verdict,
                                                          client_hash=client))
        if watcher is not None:  # the message goes with the logged check, in the same transaction
            with Session(bind=connection) as session:
                messages.checked(session, watcher, today=at.date())
    metrics.VERIFICATIONS.labels(verdict=verdict, channel=channel).inc()
