"""The words shown for the dossier enums, marked for translation (French msgids).

The states' names are the one exception: they are `status.LABELS`, beside the table of moves, whose refusals
name them (this module sits above the models, which import the states)."""

from acquis.i18n import N_
from validation.dossiers.models import (
    ConsentMethod,
    ConsentPurpose,
    EvidenceKind,
    IdDocumentType,
    Language,
    Sex,
    Verification,
)

SEX_LABELS = {Sex.FEMALE: N_("Femme"), Sex.MALE: N_("Homme"), Sex.UNSPECIFIED: N_("Non précisé")}
LANGUAGE_LABELS = {Language.FR: "Français", Language.EN: "English", Language.BM: "Bamanankan",
                   Language.AR: "العربية"}
ID_DOCUMENT_LABELS = {
    IdDocumentType.PASSPORT: N_("Passeport"),
    IdDocumentType.NATIONAL_ID: N_("Carte d'identité nationale"),
    IdDocumentType.CONSULAR_CARD: N_("Carte consulaire"),
    IdDocumentType.RESIDENCE_PERMIT: N_("Titre de séjour"),
    IdDocumentType.BIRTH_CERTIFICATE: N_("Acte de naissance"),
    IdDocumentType.OTHER: N_("Autre pièce"),
}
CONSENT_LABELS = {
    ConsentPurpose.PROCESSING: N_("Traiter mon dossier de validation"),
    ConsentPurpose.CONTACT_THIRD_PARTIES: N_("Contacter mes employeurs et témoins pour vérifier mes preuves"),
    ConsentPurpose.EMPLOYER_RESULT: N_("Montrer mon résultat à un employeur qui le vérifie"),
    ConsentPurpose.STATISTICS: N_("Compter mon dossier dans des statistiques anonymes"),
}
CONSENT_METHOD_LABELS = {
    ConsentMethod.PAPER_SCAN: N_("Formulaire papier signé (scan)"),
    ConsentMethod.ORAL: N_("Accord oral recueilli par le conseiller"),
    ConsentMethod.CLICKED: N_("Accord donné en ligne par le candidat"),
}
EVIDENCE_LABELS = {
    EvidenceKind.EMPLOYER_ATTESTATION: N_("Attestation d'employeur"),
    EvidenceKind.CONTRACT: N_("Contrat de travail"),
    EvidenceKind.PAYSLIP: N_("Bulletin de salaire"),
    EvidenceKind.WORK_VISA_OR_IQAMA: N_("Visa de travail ou titre de séjour (iqama)"),
    EvidenceKind.SVP_CERTIFICATE: N_("Résultat d'un test de compétences à l'étranger"),
    EvidenceKind.TRAINING_CERTIFICATE: N_("Certificat de formation"),
    EvidenceKind.PHOTO_OF_WORK: N_("Photo de mon travail"),
    EvidenceKind.VIDEO_OF_WORK: N_("Vidéo de mon travail"),
    EvidenceKind.THIRD_PARTY_ATTESTATION: N_("Attestation d'un tiers de confiance"),
    EvidenceKind.ORAL_NARRATIVE: N_("Récit oral (enregistrement audio)"),
    EvidenceKind.INTERVIEW: N_("Compte rendu d'entretien"),
    EvidenceKind.DIRECT_OBSERVATION: N_("Observation directe"),
    EvidenceKind.PRACTICAL_TASK: N_("Mise en situation pratique"),
    EvidenceKind.ORAL_TEST: N_("Épreuve orale"),
    EvidenceKind.WRITTEN_TEST: N_("Épreuve écrite"),
    EvidenceKind.IDENTITY_DOCUMENT: N_("Pièce d'identité"),
    EvidenceKind.OTHER: N_("Autre preuve"),
}
VERIFICATION_LABELS = {
    Verification.UNCHECKED: N_("Non vérifiée"),
    Verification.VERIFIED: N_("Vérifiée"),
    Verification.UNVERIFIABLE: N_("Invérifiable"),
    Verification.SUSPECT: N_("Suspecte"),
}
