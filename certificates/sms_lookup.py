"""A certificate number sent by SMS: its verdict, through the one verification service (channel "sms").

What it shows follows the web lookup by number (online_verification.verify_number): a valid certificate's holder and
qualification; for a withdrawn one, the verdict and its date only, never who held it. Registered by
acquis/main.py as the `certificate_number` and `certificate` services of acquis/sms/incoming.py, which
rate-limits per phone."""

from datetime import date

from sqlmodel import Session

from acquis import dates, db
from acquis.config import Settings
from acquis.i18n import N_, gettext_in
from acquis.sms import messages
from certificates import numbers, online_verification
from certificates.offline_verification import Bilingual, CertificateView, VerificationResult

# Two UCS-2 messages (any ç or ï in a name) hold 134 characters: the words are few.
VALID = N_("Certificat %(number)s VALIDE : %(holder)s, %(qualification)s, délivré le %(day)s.")
REVOKED = N_("Certificat %(number)s : RÉVOQUÉ le %(day)s. Il ne vaut plus rien.")
SUPERSEDED = N_("Certificat %(number)s : REMPLACÉ le %(day)s par un certificat corrigé. Demandez-le à son "
                "titulaire.")
REISSUED = N_("Certificat %(number)s : RÉ-ÉMIS. Demandez le nouveau à son titulaire.")
NOT_FOUND = N_("Acquis : aucun certificat ne porte le numéro %(number)s. Vérifiez le numéro.")
NOT_VALID = N_("Certificat %(number)s : NON VALABLE. N'en tenez pas compte.")
REASON = N_("Motif : %(reason)s")
GROUPED_TAIL = len("-2026-7K3M-9QXH-2TZ4")  # what follows the prefix in a normalized number
WITHDRAWN = {"revoked": REVOKED, "superseded": SUPERSEDED, "reissued": REISSUED}


def number_in(text: str) -> str | None:
    """The text as a certificate number (any case, spaces or dashes), or None."""
    try:
        return numbers.normalise(text)
    except numbers.NotACertificateNumber:
        return None


def verdict(session: Session, settings: Settings, number: str, language: str) -> str:
    """The verdict in `language`, logged like every verification (channel "sms", no client, no number)."""
    number = with_issuer_prefix(number, settings)
    outcome = online_verification.verify_number(session, number, settings=settings)
    session.rollback()  # the log writes in a transaction of its own
    online_verification.log(db.engine_of(session), channel="sms", verdict=outcome["verdict"], client=None)
    return answer(outcome, number, language)


def with_issuer_prefix(number: str, settings: Settings) -> str:
    """A number typed without any separator ("mlanpe2026...") reads as prefix "MLANPE": our issuer's prefix gets
    its hyphens back ("ML-ANPE-2026-..."); any other number is left as it is."""
    prefix, rest = number[:-GROUPED_TAIL], number[-GROUPED_TAIL:]
    if prefix.replace("-", "") == settings.issuer_code.replace("-", "").upper():
        return f"{settings.issuer_code.upper()}{rest}"
    return number


def answer(outcome: VerificationResult, number: str, language: str) -> str:
    kind, shown = outcome["verdict"], outcome.get("certificate")
    if kind == "valid" and shown is not None:
        return _valid(shown, number, language)
    if kind in WITHDRAWN:
        withdrawn = outcome.get("withdrawn")
        on, reason = (withdrawn["on"], withdrawn["reason"]) if withdrawn else (None, None)
        text = gettext_in(language, WITHDRAWN[kind]) % {"number": number, "day": _day(on, language)}
        return f"{text} {gettext_in(language, REASON) % {'reason': reason}}" if reason else text
    if kind == "not-found":
        return gettext_in(language, NOT_FOUND) % {"number": number}
    return gettext_in(language, NOT_VALID) % {"number": number}


def _valid(shown: CertificateView, number: str, language: str) -> str:
    """The valid verdict in two messages at most: a long qualification title is cut, never the rest."""
    values = {"number": number, "holder": shown["holder_name"], "day": _day(shown["issued_on"], language),
              "qualification": _title_in(shown.get("qualification_title"), language) or shown["framework_code"]}
    return messages.render(language, VALID, values, shorten=("qualification",))


def _title_in(title: str | Bilingual | None, language: str) -> str | None:
    """The registry's title in the reader's language, else in French."""
    if not isinstance(title, dict):
        return None
    return (title["en"] if language == "en" else None) or title["fr"]


def _day(iso: str | None, language: str) -> str:
    """"3 mars 2026", "March 3, 2026"."""
    if not iso:
        return "?"
    return dates.day(date.fromisoformat(iso[:10]), language=language, length="long")
