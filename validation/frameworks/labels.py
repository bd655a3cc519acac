"""The words shown for a framework's states, its kinds of node and its fields (French msgids)."""

from acquis.i18n import N_
from validation.frameworks.models import FrameworkStatus

STATUS_LABELS = {FrameworkStatus.DRAFT: N_("brouillon"), FrameworkStatus.PUBLISHED: N_("publiée"),
                 FrameworkStatus.RETIRED: N_("retirée")}
KIND_LABELS = {"unit": N_("unité"), "element": N_("élément"), "criterion": N_("critère")}
FIELD_LABELS = {
    "title": N_("titre"), "text": N_("texte"), "critical": N_("critique"), "parent": N_("emplacement"),
    "mandatory": N_("obligatoire"), "required_evidence": N_("preuves exigées"),
    "currency_years": N_("validité des preuves"), "evidence_guidance": N_("consignes de preuve"),
    "description": N_("description"), "isco08": N_("CITP-08"), "esco_occupation_uri": N_("métier ESCO"),
    "level_indicative": N_("niveau"), "min_experience_months": N_("expérience minimale"),
    "prerequisites": N_("prérequis"), "qualification_rule": N_("règle de qualification"),
    "illustrative": N_("démonstration"),
}
