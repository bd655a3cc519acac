"""Issuer keys, certificates, revocation status lists and the verification log; the issuing input."""

from datetime import date, datetime
from enum import StrEnum
from typing import NotRequired

from pydantic import field_validator, model_validator
from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from typing_extensions import TypedDict

from acquis.db import Row, UTCDateTime, str_enum, utcnow
from acquis.i18n import N_
from acquis.json_columns import TypedJSON

# --- enums -------------------------------------------------------------------------------------


class KeyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    COMPROMISED = "compromised"


class CertificateStatus(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


# The words shown for a certificate's effective status (service.effective_status adds "expired").
STATUS_LABELS = {"issued": N_("Valide"), "revoked": N_("Révoqué"), "expired": N_("Expiré"),
                 "superseded": N_("Remplacé par un certificat corrigé")}


class Decision(StrEnum):
    FULL = "full"
    PARTIAL = "partial"


# --- what a certificate keeps as JSON ------------------------------------------------------------


class CertificateUnit(TypedDict):
    """A unit of the framework version as the certificate lists it (Certificate.units, in the version's order;
    the seal names the validated ones by their index here)."""

    code: str
    title_fr: str
    title_en: str | None
    validated: bool
    # Validated by an earlier decision and carried into this one: that day (ISO 8601) and the certificate.
    carried_on: NotRequired[str]
    carried_certificate: NotRequired[str | None]


# --- tables ------------------------------------------------------------------------------------


class IssuerKey(Row, table=True):
    """An Ed25519 issuer key: only its public half is here; the private half is an encrypted file."""

    __tablename__ = "issuer_key"

    kid: str = Field(unique=True, index=True, max_length=16)  # base64url of the 8 kid bytes
    public_key: str = Field(max_length=64)  # base64url of the raw 32-byte public key (JWK "x")
    status: KeyStatus = Field(default=KeyStatus.ACTIVE, sa_type=str_enum(KeyStatus))
    not_before: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    not_after: datetime | None = Field(default=None, sa_type=UTCDateTime)
    compromised_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StatusList(Row, table=True):
    """A Bitstring Status List (revocation); its bits are the revoked certificates' indices."""

    __tablename__ = "certificate_status_list"

    purpose: str = Field(default="revocation", max_length=20)
    size: int
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublicDocument(Row, table=True):
    """A signed public document (a status list, the revocation list) stored as served: signed when what it
    says changes, so that serving it needs no private key."""

    __tablename__ = "public_document"

    path: str = Field(unique=True, index=True, max_length=200)  # the URL path it is served at
    body: bytes = Field(sa_type=LargeBinary)
    etag: str = Field(max_length=80)
    kid: str = Field(max_length=16)  # the key that signed it: another key in service makes it stale
    source_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the last change it reflects
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Certificate(Row, table=True):
    """One issued certificate: a snapshot of everything it attests, its seal, credential and PDF."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint("decision_ref", "correction"),
        UniqueConstraint("status_list_id", "status_index"),
    )

    number: str = Field(unique=True, index=True, max_length=60)
    decision_ref: str = Field(index=True, max_length=200)
    correction: int = 0  # 0 for the first issue of a decision, then 1, 2... for corrections
    status: CertificateStatus = Field(default=CertificateStatus.ISSUED, sa_type=str_enum(CertificateStatus))
    holder_user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    holder_name: str = Field(max_length=200)
    birth_date: date
    framework_id: int | None = None
    framework_code: str = Field(max_length=100, index=True)
    framework_version: int
    qualification_title_fr: str = Field(sa_type=Text)
    qualification_title_en: str | None = Field(default=None, sa_type=Text)
    isco08: str | None = Field(default=None, max_length=4)
    units: list[CertificateUnit] = Field(default_factory=list,
                                         sa_column=Column(TypedJSON(list[CertificateUnit]), nullable=False))
    decision: Decision = Field(sa_type=str_enum(Decision))
    decision_date: date
    issued_on: date
    issued_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_on: date | None = None
    evidence_kinds: list[str] = Field(default_factory=list, sa_column=Column(TypedJSON(list[str]), nullable=False))
    assessment_methods: list[str] = Field(default_factory=list,
                                          sa_column=Column(TypedJSON(list[str]), nullable=False))
    kid: str = Field(max_length=16)
    seal: bytes = Field(sa_type=LargeBinary)
    qr_text: str = Field(sa_type=Text)
    credential: str = Field(sa_type=Text)  # the signed credential, exactly as served
    pdf_sha256: str = Field(default="", max_length=64)
    pdf_size: int = 0
    status_list_id: int = Field(foreign_key="certificate_status_list.id")
    status_index: int
    supersedes_id: int | None = Field(default=None, foreign_key="certificate.id")
    issued_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    revocation_reason: str | None = Field(default=None, sa_type=Text)
    # Whether verifiers by number may read the reason (fraud stays between the registry and the holder).
    revocation_reason_public: bool = False
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Sealed by a key compromised since that day: to re-issue with a sound key (certificates/reissue.py).
    reissue_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def validated_indices(self) -> tuple[int, ...]:
        return tuple(i for i, unit in enumerate(self.units) if unit.get("validated"))

    def validated_units(self) -> list[CertificateUnit]:
        return [unit for unit in self.units if unit.get("validated")]


class VerificationLog(Row, table=True):
    """One verification: when, through which door, what it said; the client only as a keyed hash."""

    __tablename__ = "verification_log"

    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    channel: str = Field(max_length=20)
    verdict: str = Field(max_length=20)
    client_hash: str | None = Field(default=None, max_length=32, index=True)


# --- inputs ------------------------------------------------------------------------------------


class UnitSnapshot(SQLModel):
    """A unit of the framework version, in its order, and whether this decision validated it."""

    code: str = Field(min_length=1, max_length=100)
    title_fr: str = Field(min_length=1, max_length=2000)
    title_en: str | None = Field(default=None, max_length=2000)
    validated: bool
    # Validated by an earlier decision and carried into this one: that day, and the certificate attesting it.
    carried_on: date | None = None
    carried_certificate: str | None = Field(default=None, max_length=60)

    def stored(self) -> CertificateUnit:
        """As Certificate.units keeps it (JSON); a unit validated by this decision keeps the older shape."""
        data = CertificateUnit(code=self.code, title_fr=self.title_fr, title_en=self.title_en,
                               validated=self.validated)
        if self.carried_on is not None:
            data["carried_on"], data["carried_certificate"] = self.carried_on.isoformat(), self.carried_certificate
        return data


class IssueRequest(SQLModel):
    """Everything a certificate attests, as the jury decision gives it; snapshotted at issue."""

    decision_ref: str = Field(min_length=1, max_length=200)  # unique per decision: issuing is idempotent
    holder_name: str = Field(min_length=1, max_length=200)
    birth_date: date
    holder_user_id: int | None = None
    framework_id: int | None = None
    framework_code: str = Field(min_length=1, max_length=100)
    framework_version: int = Field(ge=0)
    qualification_title_fr: str = Field(min_length=1, max_length=2000)
    qualification_title_en: str | None = Field(default=None, max_length=2000)
    isco08: str | None = Field(default=None, max_length=4)  # an ISCO-08 code: 1 to 4 digits
    units: list[UnitSnapshot] = Field(min_length=1, max_length=64)  # the seal's bitmap has 64 bits
    decision: Decision
    decision_date: date
    expires_on: date | None = None
    evidence_kinds: list[str] = Field(default_factory=list)
    assessment_methods: list[str] = Field(default_factory=list)

    @field_validator("holder_name", "framework_code", "qualification_title_fr")
    @classmethod
    def _stripped(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("isco08")
    @classmethod
    def _isco_code(cls, value: str | None) -> str | None:
        if value is not None and not (value.isascii() and value.isdigit() and 1 <= len(value) <= 4):
            raise ValueError("an ISCO-08 code is 1 to 4 digits")
        return value

    @model_validator(mode="after")
    def _units_make_sense(self) -> "IssueRequest":
        codes = [unit.code for unit in self.units]
        if len(set(codes)) != len(codes):
            raise ValueError("unit codes are unique within a framework version")
        if not any(unit.validated for unit in self.units):
            raise ValueError("a certificate validates at least one unit")
        if any(unit.carried_on is not None and not unit.validated for unit in self.units):
            raise ValueError("a unit carried from an earlier decision is validated")
        if self.expires_on is not None and self.expires_on < self.decision_date:
            raise ValueError("a certificate cannot expire before its decision")
        return self
