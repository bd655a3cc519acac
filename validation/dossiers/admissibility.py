"""Admissibility: the rule checks done for the registrar, and their decision (with what is missing)."""

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeGuard

from sqlmodel import Session, select

from acquis.auth.models import User
from acquis.db import utcnow
from acquis.errors import Conflict, Invalid
from acquis.i18n import N_, gettext
from validation.dossiers import access, consents, messages, service, work_history
from validation.dossiers.models import ConsentPurpose, Dossier, Evidence, EvidenceKind
from validation.dossiers.status import DossierStatus

Decision = Literal["admissible", "incomplete", "not_admissible"]
DECISIONS: dict[str, DossierStatus] = {"admissible": DossierStatus.ADMISSIBLE,
                                       "incomplete": DossierStatus.INCOMPLETE,
                                       "not_admissible": DossierStatus.NOT_ADMISSIBLE}
CHECK_LABELS = {
    "experience": N_("Expérience minimale du référentiel"),
    "identity": N_("Identité"),
    "consent": N_("Accord pour le traitement du dossier"),
    "work_history": N_("Au moins une expérience professionnelle"),
}


class ChecksNotMet(Conflict):
    """A dossier is declared admissible only when every rule check passes."""

    code = "checks-not-met"
    default_message = N_("Toutes les vérifications ne sont pas satisfaites : déclarez le dossier incomplet "
                         "en listant ce qui manque.")


class MissingNotListed(Invalid):
    """An incomplete dossier must say what is missing."""

    code = "missing-not-listed"
    default_message = N_("Indiquez ce qui manque au dossier.")


class AdviceRequired(Invalid):
    """A dossier declared not admissible is motivated, with advice for the candidate."""

    code = "advice-required"
    default_message = N_("Motivez la décision et donnez un conseil au candidat.")


@dataclass(frozen=True)
class Check:
    code: str
    passed: bool
    detail: str

    @property
    def label(self) -> str:
        return gettext(CHECK_LABELS[self.code])


@dataclass(frozen=True)
class Review:
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed(self) -> list[str]:
        return [check.code for check in self.checks if not check.passed]


def review(session: Session, dossier: Dossier, *, today: date | None = None) -> Review:
    """The four rule checks, each with a sentence saying what was found."""
    today = today or utcnow().date()
    candidate = service.candidate_of(session, dossier)
    framework = service.framework_of(session, dossier)
    jobs = work_history.timeline(session, candidate.id)
    months = work_history.months(jobs, today=today)
    required = framework.min_experience_months or 0
    has_id_scan = session.exec(select(Evidence.id).where(Evidence.dossier_id == dossier.id,
                                                         Evidence.kind == EvidenceKind.IDENTITY_DOCUMENT)).first()
    seen = candidate.identity_seen_at is not None or has_id_scan is not None
    consent = consents.has(session, candidate.id, ConsentPurpose.PROCESSING)
    return Review([
        Check("experience", months >= required,
              gettext("%(months)d mois d'expérience déclarés ; le référentiel en demande %(required)d.")
              % {"months": months, "required": required}),
        Check("identity", seen,
              gettext("Pièce vue par le personnel ou jointe au dossier.") if seen else
              gettext("La pièce d'identité n'a été ni vue par le personnel ni jointe au dossier.")),
        Check("consent", consent,
              gettext("Accord en vigueur.") if consent else gettext("Aucun accord en vigueur.")),
        Check("work_history", bool(jobs),
              gettext("%(count)d expérience(s) enregistrée(s).") % {"count": len(jobs)}),
    ])


def is_decision(value: str) -> TypeGuard[Decision]:
    """Whether a form's value names one of the registrar's decisions."""
    return value in DECISIONS


def decide(session: Session, dossier_id: int, *, decision: Decision, by: User, missing: list[str] | None = None,
           reason: str | None = None, advice: str | None = None) -> Dossier:
    """The registrar's decision on a dossier under intake review."""
    dossier = access.get_dossier(session, dossier_id, user=by)
    target = DECISIONS[decision]
    found = review(session, dossier)
    detail: dict[str, object] = {"checks": {check.code: check.passed for check in found.checks}}
    if target == DossierStatus.ADMISSIBLE and not found.passed:
        raise ChecksNotMet()
    if target == DossierStatus.INCOMPLETE:
        missing = [item.strip() for item in missing or [] if item.strip()]
        if not missing:
            raise MissingNotListed()
        detail["missing"] = missing
        reason = reason or "; ".join(missing_labels(missing))
    if target == DossierStatus.NOT_ADMISSIBLE:
        if not (reason or "").strip() or not (advice or "").strip():
            raise AdviceRequired()
        detail["advice"] = (advice or "").strip()
    change = service.transition(session, dossier, target, by=by, reason=reason, detail=detail)
    messages.admissibility(session, service.candidate_of(session, dossier), change_id=change.id,
                           decision=decision, missing=missing or [], reason=reason, advice=advice,
                           labels=CHECK_LABELS)
    return dossier


def missing_labels(codes: list[str]) -> list[str]:
    """Failed check codes as words; free text (written by the registrar) as it is."""
    return [gettext(CHECK_LABELS[code]) if code in CHECK_LABELS else code for code in codes]
