"""STATUT by SMS: a registered candidate's dossier stage and the next thing to do, in their own language.

Registered by acquis/main.py as the `language` and `status` services of acquis/sms/incoming.py."""

from sqlmodel import Session, col, select

from acquis.i18n import N_, gettext_in
from validation.dossiers.models import Candidate, Dossier
from validation.dossiers.status import LABELS, NEXT_STEPS, OPEN

STATUS = N_("Acquis, votre dossier : %(stage)s. %(next)s")
NO_DOSSIER = N_("Acquis : vous n'avez pas encore de dossier. Votre conseiller vous aide à l'ouvrir.")


def language(session: Session, phone: str) -> str | None:
    """The preferred language of the candidate registered with this phone (E.164); None if there is none."""
    found = session.exec(select(Candidate.preferred_language).where(Candidate.phone == phone)).first()
    return str(found) if found is not None else None  # a StrEnum: its value


def status(session: Session, phone: str) -> str | None:
    """The stage of the candidate's current dossier (the open one changed last, else the last one) and what
    comes next, in their language; None if no candidate has this phone."""
    candidate = session.exec(select(Candidate).where(Candidate.phone == phone)).first()
    if candidate is None:
        return None
    language_code = candidate.preferred_language.value
    dossiers = session.exec(select(Dossier).where(Dossier.candidate_id == candidate.id)
                            .order_by(col(Dossier.status_changed_at).desc(), col(Dossier.id).desc())).all()
    current = next((d for d in dossiers if d.status in OPEN), dossiers[0] if dossiers else None)
    if current is None:
        return gettext_in(language_code, NO_DOSSIER)
    return gettext_in(language_code, STATUS) % {"stage": gettext_in(language_code, LABELS[current.status]),
                                                "next": gettext_in(language_code, NEXT_STEPS[current.status])}
