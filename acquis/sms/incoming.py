"""Incoming messages (Kannel's sms-service get-url): the text/plain answer is the reply sent to the phone.

The keywords are read here; what they answer comes from the domains, through `Services`, which the
composition root (acquis/main.py) fills: the kernel never imports a domain.

    STATUT, STATUS, KUNNAFONI (Bambara: "news")   the dossier's stage and next step (registered phones)
    AIDE, HELP                                    the keywords
    STOP, ARRET                                   no more non-essential messages (codes, convocations still go)
    START, DEBUT                                  the non-essential messages again
    a certificate number                          its verdict (any phone; rate-limited per phone)
    anything else                                 the help message

Keywords are read in any case, accents and surrounding spaces or punctuation ignored. The reply is in the
candidate's language for a registered phone, else in French (English for an English keyword). Neither the
phone nor the text is ever logged in clear."""

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from acquis import phones
from acquis.auth import throttle
from acquis.config import Settings
from acquis.db import utcnow
from acquis.i18n import N_, gettext_in
from acquis.sms import stops
from acquis.sms import text as sms_text
from acquis.sms.messages import MAX_SEGMENTS

log = logging.getLogger("acquis.sms")

KEYWORDS = {"STATUT": "status", "STATUS": "status", "KUNNAFONI": "status", "AIDE": "help", "HELP": "help",
            "STOP": "stop", "ARRET": "stop", "START": "start", "DEBUT": "start"}
ENGLISH = frozenset({"STATUS", "HELP", "START"})  # from a phone we do not know: answered in English
LOOKUPS = 10  # certificate numbers one phone may look up in the window
LOOKUP_WINDOW = timedelta(hours=1)
EDGES = re.compile(r"^[\W_]+|[\W_]+$")

HELP = N_("Acquis : STATUT = votre dossier. AIDE = cette aide. STOP = moins de SMS, DEBUT = les reprendre. "
          "Un numéro de certificat = sa vérification.")
UNKNOWN_PHONE = N_("Acquis : ce téléphone n'est pas inscrit. Pour vous inscrire, allez sur le site Acquis ou "
                   "voyez un conseiller.")
STOPPED = N_("Acquis : vous ne recevrez plus que les codes et les convocations. DEBUT pour recevoir à nouveau "
             "toutes les nouvelles.")
STARTED = N_("Acquis : vous recevrez à nouveau toutes les nouvelles de votre dossier. STOP pour les arrêter.")
TRY_LATER = N_("Acquis : trop de vérifications depuis ce téléphone. Réessayez dans une heure.")


@dataclass(frozen=True)
class Services:
    """What the domains answer; each takes a session and the phone in E.164 form."""

    language: Callable[[Session, str], str | None]  # the registered candidate's language; None: not registered
    status: Callable[[Session, str], str | None]  # stage and next step in that language; None: not registered
    certificate_number: Callable[[str], str | None]  # the text as a certificate number, or None
    certificate: Callable[[Session, Settings, str, str], str]  # (session, settings, number, language): the verdict


def reply(engine: Engine, settings: Settings, services: Services, *, phone: str, text: str) -> str:
    """The answer to one incoming message, at most two segments long."""
    sender = e164(settings, phone)
    word = keyword(text)
    number = services.certificate_number(text)
    log.info("sms received from %s: %s", masked(sender), _kind(word, number))
    if number is not None:
        return fit(_lookup(engine, settings, services, sender, number))
    with Session(engine) as session:
        language = services.language(session, sender)
        answer = _keyword(session, services, sender, word, language)
        session.commit()
    return fit(answer)


def _keyword(session: Session, services: Services, sender: str, word: str, language: str | None) -> str:
    service, reply_language = KEYWORDS.get(word), language or ("en" if word in ENGLISH else "fr")
    if service == "status":
        found = services.status(session, sender)
        return found if found is not None else gettext_in(reply_language, UNKNOWN_PHONE)
    if service == "stop":
        stops.stop(session, sender)
        return gettext_in(reply_language, STOPPED)
    if service == "start":
        stops.start(session, sender)
        return gettext_in(reply_language, STARTED)
    return gettext_in(reply_language, HELP)


def _lookup(engine: Engine, settings: Settings, services: Services, sender: str, number: str) -> str:
    key, now = throttle.key(settings, "sms-lookup", sender), utcnow()
    with Session(engine) as session:  # counted in a transaction of its own: the lookup logs in another
        counter = throttle.recent(session, key, window=LOOKUP_WINDOW, now=now)
        limited = counter is not None and counter.count >= LOOKUPS
        if not limited:
            throttle.bump(session, key, window=LOOKUP_WINDOW, now=now)
        language = services.language(session, sender) or "fr"
        session.commit()
    if limited:
        log.info("sms lookup refused for %s: too many", masked(sender))
        return gettext_in(language, TRY_LATER)
    with Session(engine) as session:
        return services.certificate(session, settings, number, language)


def keyword(text: str) -> str:
    """"  Arrêt ! " as "ARRET": upper case, accents and surrounding spaces or punctuation dropped."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return EDGES.sub("", bare).upper()


def e164(settings: Settings, phone: str) -> str:
    """The sender as the candidates table holds it ("0022376123456" as "+22376123456"); as given if it is no
    phone number we know how to write (an operator's short code)."""
    try:
        return phones.normalise(phone, country_code=settings.phone_country_code)
    except phones.PhoneInvalid:
        return phone.strip()


def fit(answer: str, *, segments: int = MAX_SEGMENTS) -> str:
    """The answer cut at a word so that it takes at most `segments` messages."""
    if sms_text.segments(answer) <= segments:
        return answer
    words = answer.split()
    while words and sms_text.segments(" ".join(words) + "...") > segments:
        words.pop()
    return " ".join(words) + "..."


def masked(phone: str) -> str:
    """"+22376123456" as "+•••••••••56": enough to tell two numbers apart in a list, not to call one."""
    digits = phone.removeprefix("+")
    hidden = "•" * max(len(digits) - 2, 0)
    return f"{'+' if phone.startswith('+') else ''}{hidden}{digits[-2:]}"


def _kind(word: str, number: str | None) -> str:
    """What the message asked, for the log (never its text)."""
    return "certificate number" if number is not None else KEYWORDS.get(word, "other")
