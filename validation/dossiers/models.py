"""Candidates, consents, work abroad, dossiers, evidence and portfolio snapshots: the tables (inputs in inputs.py)."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from acquis.db import Row, UTCDateTime, str_enum, utcnow
from validation.dossiers.status import DossierStatus

# --- enums -------------------------------------------------------------------------------------


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNSPECIFIED = "unspecified"  # "X" on some passports


class Language(StrEnum):
    FR = "fr"
    EN = "en"
    BM = "bm"
    AR = "ar"


class IdDocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    CONSULAR_CARD = "consular_card"
    RESIDENCE_PERMIT = "residence_permit"
    BIRTH_CERTIFICATE = "birth_certificate"
    OTHER = "other"


class ConsentPurpose(StrEnum):
    PROCESSING = "processing"
    CONTACT_THIRD_PARTIES = "contact_third_parties"
    EMPLOYER_RESULT = "employer_result"
    STATISTICS = "statistics"


class ConsentMethod(StrEnum):
    PAPER_SCAN = "paper_scan"
    ORAL = "oral"
    CLICKED = "clicked"


class EvidenceKind(StrEnum):
    """The evidence types of docs/architecture.md ("The process"), named as frameworks' `evidence_types` name them."""

    EMPLOYER_ATTESTATION = "employer_attestation"
    CONTRACT = "contract"
    PAYSLIP = "payslip"
    WORK_VISA_OR_IQAMA = "work_visa_or_iqama"
    SVP_CERTIFICATE = "svp_certificate"
    TRAINING_CERTIFICATE = "training_certificate"
    PHOTO_OF_WORK = "photo_of_work"
    VIDEO_OF_WORK = "video_of_work"
    THIRD_PARTY_ATTESTATION = "third_party_attestation"
    ORAL_NARRATIVE = "oral_narrative"
    INTERVIEW = "interview"
    DIRECT_OBSERVATION = "direct_observation"
    PRACTICAL_TASK = "practical_task"
    ORAL_TEST = "oral_test"
    WRITTEN_TEST = "written_test"
    IDENTITY_DOCUMENT = "identity_document"
    OTHER = "other"


class Verification(StrEnum):
    UNCHECKED = "unchecked"
    VERIFIED = "verified"
    UNVERIFIABLE = "unverifiable"
    SUSPECT = "suspect"


class AccessPurpose(StrEnum):
    """Why someone outside the dossier's own staff may see it (assessors/ grants it, see access.py)."""

    ASSESS = "assess"
    MODERATE = "moderate"
    JURY = "jury"
    APPEAL = "appeal"


# Direct evidence: the candidate seen doing the work; a criterion is met only on it (assessors/rules.py).
DIRECT_KINDS = frozenset({EvidenceKind.DIRECT_OBSERVATION, EvidenceKind.PRACTICAL_TASK})
# Produced by assessors during the assessment, never uploaded into a portfolio.
ASSESSMENT_KINDS = frozenset({*DIRECT_KINDS, EvidenceKind.ORAL_TEST, EvidenceKind.WRITTEN_TEST})
UPLOAD_KINDS = tuple(kind for kind in EvidenceKind if kind not in ASSESSMENT_KINDS)



# --- tables ------------------------------------------------------------------------------------


class Candidate(Row, table=True):
    """A returning worker; the ID number is kept encrypted, with its last 4 characters and a keyed hash."""

    __tablename__ = "candidate"

    user_id: int | None = Field(default=None, foreign_key="app_user.id", unique=True)
    family_name: str = Field(max_length=120)
    given_names: str = Field(max_length=200)
    usual_name: str | None = Field(default=None, max_length=200)
    # The names in lower-case ASCII, family name first: what the registrar's search looks up (search.py).
    search_name: str = Field(default="", max_length=520, index=True)
    sex: Sex = Field(sa_type=str_enum(Sex))
    birth_date: date
    nationality: str = Field(max_length=2)
    phone: str = Field(unique=True, max_length=20)
    email: str | None = Field(default=None, max_length=200)
    preferred_language: Language = Field(default=Language.FR, sa_type=str_enum(Language))
    region: str = Field(max_length=120)
    commune: str = Field(max_length=120)
    literacy_support: bool = False
    id_document_type: IdDocumentType = Field(sa_type=str_enum(IdDocumentType))
    id_number_encrypted: str = Field(max_length=400)
    id_number_last4: str = Field(max_length=4)
    id_number_hash: str = Field(unique=True, max_length=64)
    identity_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    identity_seen_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    registered_by_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    self_registered: bool = False
    password_temporary: bool = False
    sms_when_checked: bool = False  # the holder asked for an SMS when their certificate is checked (once a day)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def passport_name(self) -> str:
        return passport_name(self.family_name, self.given_names)

    @property
    def display_name(self) -> str:
        return display_name(self.family_name, self.given_names, self.usual_name)


def passport_name(family_name: str, given_names: str) -> str:
    """As on a passport: given names, then the family name in capitals."""
    return f"{given_names} {family_name.upper()}"


def display_name(family_name: str, given_names: str, usual_name: str | None) -> str:
    """The name the person goes by."""
    return usual_name or f"{given_names} {family_name}"


class Consent(Row, table=True):
    """One purpose-specific consent: how, in which language, on which text; withdrawn or not."""

    __tablename__ = "candidate_consent"

    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    purpose: ConsentPurpose = Field(sa_type=str_enum(ConsentPurpose))
    method: ConsentMethod = Field(sa_type=str_enum(ConsentMethod))
    language: Language = Field(sa_type=str_enum(Language))
    text_version: str = Field(max_length=20)
    scan_sha256: str | None = Field(default=None, max_length=64)
    given_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class WorkExperience(Row, table=True):
    """A job or activity abroad, told in the candidate's words."""

    __tablename__ = "work_experience"

    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    country: str = Field(max_length=2)
    city: str = Field(max_length=120)
    employer: str = Field(max_length=200)
    job_title: str = Field(max_length=200)
    start_date: date
    end_date: date | None = None
    hours_per_week: int | None = None
    tasks: str = Field(sa_type=Text)
    proof_source: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class Dossier(Row, table=True):
    """A candidate's application for one published framework version."""

    __tablename__ = "dossier"

    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    framework_id: int = Field(foreign_key="framework.id", index=True)
    status: DossierStatus = Field(default=DossierStatus.DRAFT, sa_type=str_enum(DossierStatus), index=True)
    counsellor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_activity_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    lapse_warned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DossierUnit(SQLModel, table=True):
    """A unit of the framework version the dossier asks to have validated."""

    __tablename__ = "dossier_unit"

    dossier_id: int = Field(foreign_key="dossier.id", primary_key=True)
    unit_id: int = Field(foreign_key="framework_unit.id", primary_key=True)


class StatusChange(Row, table=True):
    """One move of a dossier: who, when, why (the history the candidate and staff see)."""

    __tablename__ = "dossier_status_change"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    from_status: DossierStatus | None = Field(default=None, sa_type=str_enum(DossierStatus))
    to_status: DossierStatus = Field(sa_type=str_enum(DossierStatus))
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor_kind: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, sa_type=Text)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class EvidenceFile(SQLModel, table=True):
    """Bytes received once, named by their SHA-256 (the file itself is in the content store)."""

    __tablename__ = "evidence_file"

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    media_type: str = Field(max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Evidence(Row, table=True):
    """One piece of evidence in a dossier: its file, what it shows, and whether staff verified it."""

    __tablename__ = "evidence"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    sha256: str = Field(foreign_key="evidence_file.sha256", index=True, max_length=64)
    kind: EvidenceKind = Field(sa_type=str_enum(EvidenceKind))
    description: str = Field(default="", sa_type=Text)
    original_name: str = Field(default="", max_length=200)
    date_from: date | None = None
    date_to: date | None = None
    country: str | None = Field(default=None, max_length=2)
    issuer: str | None = Field(default=None, max_length=200)
    issuer_contact: str | None = Field(default=None, max_length=300)
    work_experience_id: int | None = Field(default=None, foreign_key="work_experience.id")
    attester_name: str | None = Field(default=None, max_length=200)
    attester_role: str | None = Field(default=None, max_length=200)
    attester_relationship: str | None = Field(default=None, max_length=200)
    attester_reached_by: str | None = Field(default=None, max_length=300)
    summary: str | None = Field(default=None, sa_type=Text)  # the counsellor's summary of an oral narrative
    verification: Verification = Field(default=Verification.UNCHECKED, sa_type=str_enum(Verification))
    verification_note: str | None = Field(default=None, sa_type=Text)
    verified_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    duplicate_of_id: int | None = Field(default=None, foreign_key="evidence.id")
    # The same bytes are in another candidate's dossier. Indexed: every registrar's dossier list asks
    # for the few such items among all the evidence.
    duplicate_elsewhere: bool = Field(default=False, index=True)
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EvidenceLink(Row, table=True):
    """Evidence claimed for a unit, or for one criterion of it."""

    __tablename__ = "evidence_link"

    evidence_id: int = Field(foreign_key="evidence.id", index=True)
    unit_id: int = Field(foreign_key="framework_unit.id")
    criterion_id: int | None = Field(default=None, foreign_key="framework_criterion.id")


class PortfolioSnapshot(Row, table=True):
    """The portfolio as submitted: a manifest of evidence hashes and links, hashed itself."""

    __tablename__ = "portfolio_snapshot"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    manifest: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    manifest_sha256: str = Field(unique=True, max_length=64)


class DossierAccess(Row, table=True):
    """A grant: one person may see one dossier for one purpose, from a signed no-conflict declaration
    until it is revoked (reassignment, end of the assessment)."""

    __tablename__ = "dossier_access"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    purpose: AccessPurpose = Field(sa_type=str_enum(AccessPurpose))
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    granted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RegistrationConflict(Row, table=True):
    """A self-registration naming a phone or ID number already registered: /register answered as for any other
    (it must not tell who is registered); a counsellor reconciles it with the person and their ID document."""

    __tablename__ = "registration_conflict"

    phone_candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    id_number_candidate_id: int | None = Field(default=None, foreign_key="candidate.id", index=True)
    family_name: str = Field(max_length=120)
    given_names: str = Field(max_length=200)
    birth_date: date
    phone: str = Field(max_length=20)
    id_document_type: IdDocumentType = Field(sa_type=str_enum(IdDocumentType))
    id_number_last4: str = Field(max_length=4)
    preferred_language: Language = Field(default=Language.FR, sa_type=str_enum(Language))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    resolved_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    resolution: str | None = Field(default=None, max_length=500)
