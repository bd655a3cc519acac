"""Reference frameworks: the tables that keep a version's tree (the input models are in inputs.py)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from acquis.db import Row, UTCDateTime, str_enum, utcnow

# --- enums -------------------------------------------------------------------------------------


class FrameworkStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


# --- tables ------------------------------------------------------------------------------------
# Columns several tables share. JSON columns use sa_type, not sa_column: one Column object can
# belong to a single table only.


class TitleColumns(SQLModel):
    title_fr: str = Field(max_length=5000)
    title_en: str | None = None
    title_bm: str | None = None
    title_ar: str | None = None


class TextColumns(SQLModel):
    text_fr: str = Field(max_length=5000)
    text_en: str | None = None
    text_bm: str | None = None
    text_ar: str | None = None


class CaseColumns(SQLModel):
    """Identifiers from a CASE package (see CaseRef), kept so that exporting gives them back."""

    case_identifier: str | None = Field(default=None, index=True, max_length=100)
    case_meta: dict[str, Any] | None = Field(default=None, sa_type=JSON)


class Framework(Row, TitleColumns, CaseColumns, table=True):
    """One version of a framework; published versions are never edited, only succeeded."""

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("code", "version"),)

    code: str = Field(index=True, max_length=100)
    version: int = Field(default=1, ge=1)
    status: FrameworkStatus = Field(
        default=FrameworkStatus.DRAFT, sa_type=str_enum(FrameworkStatus), index=True
    )
    based_on_id: int | None = Field(default=None, foreign_key="framework.id")
    description_fr: str | None = None
    description_en: str | None = None
    description_bm: str | None = None
    description_ar: str | None = None
    illustrative: bool = False
    isco08: str | None = Field(default=None, max_length=4, index=True)
    esco_occupation_uri: str | None = None
    eqf_like: int | None = None
    national_label: str | None = None
    min_experience_months: int | None = None
    qualification_rule: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    # File-level settings of the file this version came from, frozen with it: the rules a
    # certificate was decided under must not change when another file is imported.
    schema_version: int = 1
    rating_scale: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    feedback_scale: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    evidence_types: list[str] | None = Field(default=None, sa_type=JSON)
    default_rules: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    retired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FrameworkUnit(Row, TitleColumns, CaseColumns, table=True):
    """A unit (bloc de compétences) of one framework version."""

    __tablename__ = "framework_unit"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    framework_id: int = Field(foreign_key="framework.id", index=True, ondelete="CASCADE")
    position: int
    code: str = Field(max_length=100)
    mandatory: bool = True
    guidance_fr: str | None = None
    guidance_en: str | None = None
    guidance_bm: str | None = None
    guidance_ar: str | None = None
    required_evidence: list[str] = Field(default_factory=list, sa_type=JSON)
    currency_years: int | None = None


class FrameworkElement(Row, TitleColumns, CaseColumns, table=True):
    """An element of a unit: an optional level grouping its criteria."""

    __tablename__ = "framework_element"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    # framework_id on every node table: a whole version loads in one query per table, and
    # codes are unique per version by constraint.
    framework_id: int = Field(foreign_key="framework.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="framework_unit.id", index=True, ondelete="CASCADE")
    position: int
    code: str = Field(max_length=100)


class FrameworkCriterion(Row, TextColumns, CaseColumns, table=True):
    """A performance criterion, under an element or directly under its unit (element_id null)."""

    __tablename__ = "framework_criterion"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    framework_id: int = Field(foreign_key="framework.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="framework_unit.id", index=True, ondelete="CASCADE")
    element_id: int | None = Field(
        default=None, foreign_key="framework_element.id", index=True, ondelete="CASCADE"
    )
    position: int
    code: str = Field(max_length=100)
    critical: bool = False


class FrameworkAlignment(Row, CaseColumns, table=True):
    """A link from the framework or one of its nodes to an outside concept (ISCO, ESCO...)."""

    __tablename__ = "framework_alignment"

    framework_id: int = Field(foreign_key="framework.id", index=True, ondelete="CASCADE")
    # A code rather than a foreign key: codes are unique within a version, and the node may be
    # a unit, an element or a criterion. Null means the framework itself.
    node_code: str | None = Field(default=None, max_length=100)
    position: int
    relation: str = Field(max_length=40)
    uri: str = Field(max_length=2000)
    title: str | None = None


class FrameworkPrerequisite(Row, TextColumns, table=True):
    """Something a candidate must hold that experience cannot replace (a driving licence...)."""

    __tablename__ = "framework_prerequisite"

    framework_id: int = Field(foreign_key="framework.id", index=True, ondelete="CASCADE")
    position: int
    type: str = Field(max_length=60)
