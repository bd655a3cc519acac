"""The text messages of registration and intake: registered (login and code), admitted, incomplete or refused
(with the reason), and the lapse warning; queued in the transaction of their event (acquis/sms/messages.py)."""

from datetime import date, datetime

from sqlmodel import Session

from acquis import dates
from acquis.i18n import N_, gettext_in
from acquis.sms import messages
from validation.dossiers.models import Candidate

REGISTERED_WITH_CODE = N_("Acquis : votre inscription est faite. Pour vous connecter : identifiant %(login)s, mot "
                          "de passe %(code)s, à changer à la première connexion.")
REGISTERED = N_("Acquis : votre inscription est faite. Pour vous connecter : identifiant %(login)s (votre numéro), "
                "avec votre mot de passe ou un code envoyé par SMS.")
ADMITTED = N_("Acquis : votre dossier est accepté. Prochaine étape : réunir les preuves de votre travail avec "
              "votre conseiller.")
INCOMPLETE = N_("Acquis : votre dossier est incomplet. Il manque : %(missing)s. Voyez votre conseiller.")
REFUSED = N_("Acquis : votre dossier n'est pas recevable. Motif : %(reason)s. Conseil : %(advice)s")
LAPSE_WARNING = N_("Acquis : votre dossier attend depuis longtemps. Sans nouvelles de vous, il sera clos le "
                   "%(date)s. Appelez votre conseiller.")

TEMPLATES = (REGISTERED_WITH_CODE, REGISTERED, ADMITTED, INCOMPLETE, REFUSED, LAPSE_WARNING)


def _language(candidate: Candidate) -> str:
    return candidate.preferred_language.value


def registered(session: Session, candidate: Candidate, *, code: str | None) -> None:
    """The login (the phone) and, from a slip, its one-time password: urgent, it is a code."""
    values = {"login": candidate.phone, "code": code}
    messages.send(session, to=candidate.phone, language=_language(candidate),
                  msgid=REGISTERED_WITH_CODE if code else REGISTERED, values=values, purpose="registration",
                  event_key=f"registration:{candidate.id}", urgent=code is not None)


def admissibility(session: Session, candidate: Candidate, *, change_id: int, decision: str,
                  missing: list[str], reason: str | None, advice: str | None, labels: dict[str, str]) -> None:
    """Admitted, incomplete (what is missing) or not admissible (the reason and the advice); `labels` names
    the failed checks (their msgids) that `missing` may hold."""
    language = _language(candidate)
    shorten: tuple[str, ...]
    if decision == "admissible":
        msgid, values, shorten = ADMITTED, {}, ()
    elif decision == "incomplete":
        said = [gettext_in(language, labels[item]) if item in labels else item for item in missing]
        msgid, values, shorten = INCOMPLETE, {"missing": ", ".join(said)}, ("missing",)
    else:
        msgid, values, shorten = REFUSED, {"reason": reason or "", "advice": advice or ""}, ("reason", "advice")
    # The status change is the event: a dossier declared incomplete twice is told twice, each time once.
    messages.send(session, to=candidate.phone, language=language, msgid=msgid, values=values,
                  purpose="admissibility", event_key=f"admissibility:{change_id}", essential=False, shorten=shorten)


def lapse_warning(session: Session, candidate: Candidate, *, dossier_id: int, lapses_on: date,
                  warned_at: datetime) -> None:
    language = _language(candidate)
    messages.send(session, to=candidate.phone, language=language, msgid=LAPSE_WARNING,
                  values={"date": dates.day(lapses_on, language=language, length="long")}, purpose="lapse-warning",
                  event_key=f"lapse-warning:{dossier_id}:{warned_at:%Y-%m-%d}", essential=False)
