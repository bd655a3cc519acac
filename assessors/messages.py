"""The text messages of the assessment: more evidence asked for, the convocation (date, time, place), the jury's
decision with what to do next, and the appeal's outcome; queued in the transaction of their event."""

from datetime import date

from sqlmodel import Session

from acquis import dates
from acquis.i18n import N_, gettext_in
from acquis.sms import messages
from assessors.models import AppealOutcome
from assessors.rules import Outcome
from validation.dossiers.models import Candidate

EVIDENCE_ASKED = N_("Acquis : il faut d'autres preuves de votre travail pour continuer. Demande : %(what)s. Voyez "
                    "votre conseiller.")
CONVOCATION = N_("Acquis : votre évaluation aura lieu le %(date)s à %(time)s, lieu : %(place)s. Venez avec votre "
                 "pièce d'identité.")
CONVOCATION_DAY = N_("Acquis : votre évaluation aura lieu le %(date)s, lieu : %(place)s. Venez avec votre pièce "
                     "d'identité.")
CONVOCATION_UNDATED = N_("Acquis : votre évaluation est prévue. Votre conseiller vous donnera la date et le lieu.")
PLACE_UNKNOWN = N_("demandez-le à votre conseiller")
DECISION_FULL = N_("Acquis : bonne nouvelle ! Le jury a validé toute votre qualification. Nous vous enverrons un "
                   "SMS quand votre certificat sera disponible.")
DECISION_PARTIAL = N_("Acquis : le jury a validé une partie de votre qualification ; un certificat suivra. Votre "
                      "conseiller vous dira comment valider le reste, ou faire un recours.")
DECISION_NONE = N_("Acquis : le jury n'a pas encore validé votre qualification. Votre conseiller vous aidera pour la "
                   "suite. Vous pouvez aussi faire un recours.")
APPEAL_UPHELD = N_("Acquis : votre recours est accepté. D'autres évaluateurs vont reprendre votre dossier. Votre "
                   "conseiller vous dira la suite.")
APPEAL_REJECTED = N_("Acquis : votre recours n'est pas accepté, la décision du jury reste valable. Motif : "
                     "%(reason)s")

DECISIONS = {Outcome.FULL: DECISION_FULL, Outcome.PARTIAL: DECISION_PARTIAL, Outcome.NONE: DECISION_NONE}
APPEALS = {AppealOutcome.UPHELD: APPEAL_UPHELD, AppealOutcome.REJECTED: APPEAL_REJECTED}
TEMPLATES = (EVIDENCE_ASKED, CONVOCATION, CONVOCATION_DAY, CONVOCATION_UNDATED, *DECISIONS.values(),
             *APPEALS.values())


def evidence_asked(session: Session, candidate: Candidate, *, change_id: int, reasons: list[str]) -> None:
    """What the assessor asked for, in their words (cut to fit), for the flag's status change."""
    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value, msgid=EVIDENCE_ASKED,
                  values={"what": "; ".join(reasons)}, purpose="evidence-asked",
                  event_key=f"evidence-asked:{change_id}", essential=False, shorten=("what",))


def convocation(session: Session, candidate: Candidate, *, change_id: int,
                first: tuple[date, str | None, str] | None) -> None:
    """The first sitting planned (day, "HH:MM" or None, place), or that the counsellor will give it: essential."""
    language = candidate.preferred_language.value
    if first is None:
        msgid, values = CONVOCATION_UNDATED, {}
    else:
        day, time, place = first
        msgid = CONVOCATION if time else CONVOCATION_DAY
        values = {"date": dates.day(day, language=language, length="long"), "time": time,
                  "place": place.strip() or gettext_in(language, PLACE_UNKNOWN)}
    messages.send(session, to=candidate.phone, language=language, msgid=msgid, values=values,
                  purpose="convocation", event_key=f"convocation:{change_id}", essential=True, shorten=("place",))


def decision(session: Session, candidate: Candidate, *, decision_id: int, outcome: Outcome) -> None:
    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value,
                  msgid=DECISIONS[outcome], purpose="decision", event_key=f"decision:{decision_id}", essential=False)


def appeal(session: Session, candidate: Candidate, *, appeal_id: int, outcome: AppealOutcome, reason: str) -> None:
    messages.send(session, to=candidate.phone, language=candidate.preferred_language.value, msgid=APPEALS[outcome],
                  values={"reason": reason}, purpose="appeal", event_key=f"appeal:{appeal_id}", essential=False,
                  shorten=("reason",))
