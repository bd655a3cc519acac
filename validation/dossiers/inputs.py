"""What is sent about a candidate, a consent, work abroad and evidence, checked at the edge."""

from datetime import date
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from acquis.i18n import N_, gettext
from validation.dossiers.models import ConsentMethod, ConsentPurpose, EvidenceKind, IdDocumentType, Language, Sex

DATES_REVERSED = N_("La date de fin vient avant la date de début.")
# No control characters: they are invisible on a page and break exports.
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]*$"
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=SINGLE_LINE)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=SINGLE_LINE)]
MaybeLine = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300, pattern=SINGLE_LINE)] | None
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000, pattern=PRINTABLE)]
# Enough to catch typing mistakes; the address is optional and only used to write to the candidate.
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, values: Any) -> Any:
        # An empty form field means "not given" (its default, or "required"), not an invalid date.
        if isinstance(values, dict):
            return {key: value for key, value in values.items() if value != ""}
        return values


class CandidateCreate(Input):
    family_name: Name
    given_names: Line
    usual_name: MaybeLine = None
    sex: Sex
    birth_date: date
    nationality: CountryCode = "ML"
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=30)]
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=EMAIL)] | None = None
    preferred_language: Language = Language.FR
    region: Name
    commune: Name
    literacy_support: bool = False
    id_document_type: IdDocumentType
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40)]
    identity_seen: bool = False


class ConsentCreate(Input):
    purpose: ConsentPurpose
    method: ConsentMethod
    language: Language = Language.FR


class WorkExperienceCreate(Input):
    country: CountryCode
    city: Name
    employer: Line
    job_title: Line
    start_date: date
    end_date: date | None = None
    hours_per_week: int | None = pydantic.Field(default=None, ge=1, le=112)
    tasks: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=PRINTABLE)]
    proof_source: MaybeLine = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "WorkExperienceCreate":
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(gettext(DATES_REVERSED))
        return self


class EvidenceCreate(Input):
    kind: EvidenceKind
    description: LongText = ""
    date_from: date | None = None
    date_to: date | None = None
    country: CountryCode | None = None
    issuer: MaybeLine = None
    issuer_contact: MaybeLine = None
    work_experience_id: int | None = None
    unit_ids: list[int] = pydantic.Field(default_factory=list, max_length=200)
    criterion_ids: list[int] = pydantic.Field(default_factory=list, max_length=500)
    attester_name: MaybeLine = None
    attester_role: MaybeLine = None
    attester_relationship: MaybeLine = None
    attester_reached_by: MaybeLine = None
    summary: LongText | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "EvidenceCreate":
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(gettext(DATES_REVERSED))
        return self
