"""The text messages of certificates: ready (with a short verify link), re-issued (a compromised key's
certificate replaced), and "your certificate was checked today" for a holder who asked for it (at most one a day
per certificate)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from acquis.config import Settings
from acquis.i18n import N_
from acquis.sms import messages
from certificates.models import Certificate
from certificates.offline_verification import VerificationResult
from validation.dossiers.models import Candidate, Language

READY = N_("Acquis : votre certificat est disponible dans votre espace Acquis et auprès de votre conseiller. "
           "Pour le vérifier : %(link)s")
CHECKED = N_("Acquis : votre certificat \"%(title)s\" a été vérifié aujourd'hui, il est valide. Pour ne plus "
             "recevoir ce message : votre espace Acquis.")
REISSUED = N_("Acquis : votre certificat %(old)s a été remplacé par un nouveau, numéro %(new)s. L'ancien n'est "
              "plus valable. Téléchargez le nouveau sur votre espace Acquis ou demandez-le au bureau.")

TEMPLATES = (READY, CHECKED, REISSUED)
WATCHED_CHANNELS = ("page", "number")  # the QR page and the lookup by number on /verify


@dataclass(frozen=True)
class Watcher:
    """A holder who asked to be told when their certificate is checked valid."""

    phone: str
    language: str
    number: str
    title: str


def short_link(cert: Certificate, *, settings: Settings) -> str:
    """The verify page by number: a few dozen characters where the seal's URL takes hundreds (2 segments)."""
    return f"{settings.public_url.rstrip('/')}/verify?number={cert.number}"


def ready(session: Session, candidate: Candidate, cert: Certificate, *, settings: Settings) -> None:
    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value, msgid=READY,
                  values={"link": short_link(cert, settings=settings)}, purpose="certificate-ready",
                  event_key=f"certificate-ready:{cert.number}", essential=False)


def reissued(session: Session, candidate: Candidate, old: Certificate, new: Certificate) -> None:
    """The old and the new number, once per re-issued certificate: the old one no longer verifies."""
    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value, msgid=REISSUED,
                  values={"old": old.number, "new": new.number}, purpose="certificate-reissued",
                  event_key=f"certificate-reissued:{old.number}")


def watcher(session: Session, outcome: VerificationResult) -> Watcher | None:
    """For a valid verdict, the holder to tell, if they asked: one query on two unique indexes (the number,
    the holder's account), and none for any other verdict. The QR page is the public hot path."""
    if outcome["verdict"] != "valid":
        return None
    query = (select(Candidate.phone, Candidate.preferred_language, Certificate.qualification_title_fr,
                    Certificate.qualification_title_en)
             .join(Candidate, col(Candidate.user_id) == Certificate.holder_user_id)
             .where(Certificate.number == outcome["certificate"]["number"], col(Candidate.sms_when_checked).is_(True)))
    row = session.exec(query).first()
    if row is None:
        return None
    phone, language, title_fr, title_en = row
    title = title_en if language == Language.EN and title_en else title_fr
    return Watcher(phone, Language(language).value, outcome["certificate"]["number"], title)


def checked(session: Session, holder: Watcher, *, today: date) -> None:
    """Once a day per certificate however often it is checked: the day is in the event."""
    messages.send(session, to=holder.phone, language=holder.language, msgid=CHECKED, values={"title": holder.title},
                  purpose="certificate-checked", event_key=f"certificate-checked:{holder.number}:{today.isoformat()}",
                  essential=False, shorten=("title",))
