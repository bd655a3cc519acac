"""The words shown for the assessment's enums and rule reasons, marked for translation (French msgids)."""

from acquis.i18n import N_, gettext
from assessors.models import AppealOutcome, Declaration, Method, ModerationOutcome, Relevance
from assessors.rules import Outcome, Verdict, Why
from validation.dossiers.models import AccessPurpose

METHOD_LABELS = {
    Method.DESK: N_("Sur dossier uniquement"),
    Method.OBSERVATION: N_("Observation directe"),
    Method.PRACTICAL_TASK: N_("Mise en situation pratique"),
    Method.INTERVIEW: N_("Entretien"),
    Method.ORAL_TEST: N_("Épreuve orale"),
}
VERDICT_LABELS = {
    Verdict.MET: N_("Atteint"),
    Verdict.NOT_YET_MET: N_("Pas encore atteint"),
    Verdict.NOT_OBSERVED: N_("Non observé"),
}
RELEVANCE_LABELS = {
    Relevance.RELEVANT: N_("Pertinente"),
    Relevance.PARTLY: N_("En partie"),
    Relevance.NOT_RELEVANT: N_("Non pertinente"),
}
WHY_LABELS = {
    Why.OK: N_("Critère atteint, preuve à l'appui"),
    Why.NOT_JUDGED: N_("Critère pas encore jugé"),
    Why.NOT_YET_MET: N_("Critère pas encore atteint"),
    Why.NOT_OBSERVED: N_("Critère non observé"),
    Why.NO_EVIDENCE: N_("Critère déclaré atteint sans preuve citée"),
    Why.NO_DIRECT_EVIDENCE: N_("Critère critique sans preuve directe (observation ou mise en situation)"),
    Why.DIRECT_NOT_CURRENT: N_("Critère critique : la preuve directe est trop ancienne ou sans date"),
    Why.NO_CRITERIA: N_("Aucun critère à juger"),
    Why.SELF_ASSESSMENT: N_("Auto-évaluation : montrée, jamais comptée"),
    Why.UNUSABLE: N_("Preuve non retenue (suspecte, ou séance sans vérification d'identité)"),
}
OUTCOME_LABELS = {
    Outcome.FULL: N_("Validation totale"),
    Outcome.PARTIAL: N_("Validation partielle"),
    Outcome.NONE: N_("Pas de validation"),
}
PURPOSE_LABELS = {
    AccessPurpose.ASSESS: N_("Évaluation"),
    AccessPurpose.MODERATE: N_("Modération"),
    AccessPurpose.JURY: N_("Jury"),
    AccessPurpose.APPEAL: N_("Recours"),
}
DECLARATION_LABELS = {
    Declaration.PENDING: N_("Déclaration à signer"),
    Declaration.NO_CONFLICT: N_("Aucun conflit déclaré"),
    Declaration.CONFLICT: N_("Conflit déclaré"),
}
MODERATION_LABELS = {ModerationOutcome.AGREE: N_("Accord"), ModerationOutcome.QUERY: N_("Question renvoyée")}
APPEAL_LABELS = {AppealOutcome.UPHELD: N_("Recours accepté : nouvelle évaluation"),
                 AppealOutcome.REJECTED: N_("Recours rejeté : la décision est maintenue")}
ACTION_LABELS = {
    "practise": N_("Acquérir plus de pratique sur ces critères :"),
    "show": N_("Montrer ces critères en situation réelle, devant un évaluateur :"),
    "evidence": N_("Apporter des preuves pour ces critères :"),
    "bring": N_("Apporter ces types de preuve :"),
    "jury": N_("Le jury n'a pas validé ce bloc : lisez ses motifs."),
    "training": N_("Une courte formation sur ce bloc peut aider ; votre conseiller peut vous orienter."),
}
REASON_LABELS = {
    "critical": N_("bloc avec critère critique"),
    "borderline": N_("résultat limite"),
    "sample": N_("tirage au sort"),
}


def moderation_reason(reason: str) -> str:
    """'critical:MAC-U1' → 'bloc avec critère critique (MAC-U1)'."""
    kind, _sep, unit = reason.partition(":")
    text = gettext(REASON_LABELS.get(kind, kind))
    return f"{text} ({unit})" if unit else text


def why(code: str) -> str:
    return gettext(WHY_LABELS.get(Why(code), code)) if code in Why.__members__.values() else code
