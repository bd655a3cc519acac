"""Assessors and the assessment: accreditation, assignments and declarations, desk review, plans,
sessions, criterion judgements and unit results, moderation, jury, appeals, gap plans."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from acquis.db import Row, UTCDateTime, str_enum, utcnow
from acquis.json_columns import TypedJSON
from assessors.jury_records import DecidedUnit, SittingMember
from assessors.rules import Outcome, Verdict
from validation.dossiers.models import AccessPurpose

# --- enums -------------------------------------------------------------------------------------


class Declaration(StrEnum):
    PENDING = "pending"
    NO_CONFLICT = "no_conflict"
    CONFLICT = "conflict"


class Relevance(StrEnum):
    RELEVANT = "relevant"
    PARTLY = "partly"
    NOT_RELEVANT = "not_relevant"


class Method(StrEnum):
    """How a unit is assessed; the values of the assessment methods are evidence kinds."""

    DESK = "desk"
    OBSERVATION = "direct_observation"
    PRACTICAL_TASK = "practical_task"
    INTERVIEW = "interview"
    ORAL_TEST = "oral_test"


class Source(StrEnum):
    SCREEN = "screen"
    PAPER = "paper"


class ModerationOutcome(StrEnum):
    AGREE = "agree"
    QUERY = "query"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --- registry ----------------------------------------------------------------------------------


class AssessorProfile(SQLModel, table=True):
    """What the registrar matches dossiers on: the languages an assessor speaks and their region."""

    __tablename__ = "assessor_profile"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    languages: list[str] = _json_list()
    region: str = Field(default="", max_length=120)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Accreditation(Row, table=True):
    """An assessor may assess one framework (by code, every version) from one day until another."""

    __tablename__ = "assessor_accreditation"

    user_id: int = Field(foreign_key="app_user.id", index=True)
    framework_code: str = Field(max_length=100, index=True)
    valid_from: date
    valid_until: date
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    def valid_on(self, day: date) -> bool:
        return self.withdrawn_at is None and self.valid_from <= day <= self.valid_until


# --- assignment --------------------------------------------------------------------------------


class Assignment(Row, table=True):
    """One person given one role on one dossier: assessor, moderator or jury member (the president has
    the casting vote). Nothing of the dossier opens before their no-conflict declaration."""

    __tablename__ = "assessment_assignment"
    # A person's open assignments straight from the index (the work list), not by reading every
    # assignment they ever had: thousands for an assessor after a few years.
    __table_args__ = (Index("ix_assessment_assignment_user_open", "user_id", "ended_at"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    user_id: int = Field(foreign_key="app_user.id")
    purpose: AccessPurpose = Field(sa_type=str_enum(AccessPurpose))
    president: bool = False
    round: int = 1
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    assigned_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    declaration: Declaration = Field(default=Declaration.PENDING, sa_type=str_enum(Declaration))
    conflict_details: str | None = Field(default=None, sa_type=Text)
    declared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DossierAssessment(SQLModel, table=True):
    """The assessment of a dossier as a whole: its round (an upheld appeal starts a new one) and why it
    is moderated."""

    __tablename__ = "dossier_assessment"

    dossier_id: int = Field(foreign_key="dossier.id", primary_key=True)
    round: int = 1
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    moderation_reasons: list[str] = _json_list()


# --- desk review, plans, sessions --------------------------------------------------------------


class EvidenceReview(Row, table=True):
    """The assessor's reading of one item of the frozen portfolio."""

    __tablename__ = "evidence_review"
    __table_args__ = (UniqueConstraint("evidence_id", "round"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    evidence_id: int = Field(foreign_key="evidence.id")
    round: int = 1
    relevance: Relevance = Field(sa_type=str_enum(Relevance))
    reviewed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UnitFlag(Row, table=True):
    """More evidence asked for one unit, shown to the candidate with the flag that sent the dossier back."""

    __tablename__ = "unit_flag"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    unit_id: int = Field(foreign_key="framework_unit.id")
    status_change_id: int = Field(foreign_key="dossier_status_change.id", index=True)
    reason: str = Field(sa_type=Text)
    flagged_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    flagged_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class UnitPlan(Row, table=True):
    """How, when and where one unit will be assessed (the convocation prints it)."""

    __tablename__ = "unit_plan"
    __table_args__ = (UniqueConstraint("dossier_id", "unit_id", "round"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    unit_id: int = Field(foreign_key="framework_unit.id")
    round: int = 1
    method: Method = Field(sa_type=str_enum(Method))
    language: str = Field(default="fr", max_length=10)
    accommodations: str = Field(default="", sa_type=Text)
    scheduled_on: date | None = None
    scheduled_time: str | None = Field(default=None, max_length=5)  # HH:MM, local (Mali is on UTC)
    place: str = Field(default="", max_length=300)
    planned_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AssessmentSession(Row, table=True):
    """A sitting with the candidate: what was done, when, where, who was there, identity checked.
    A session with an observation or a practical task is direct evidence for the criteria citing it."""

    __tablename__ = "assessment_session"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    method: Method = Field(sa_type=str_enum(Method))
    unit_ids: list[int] = _json_list()
    held_on: date
    place: str = Field(max_length=300)
    present_ids: list[int] = _json_list()
    identity_checked: bool = False
    note: str = Field(default="", sa_type=Text)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --- scoring -----------------------------------------------------------------------------------


class CriterionJudgement(Row, table=True):
    """Met / not yet met / not observed for one criterion, the evidence cited, a comment. `version`
    grows with every save: a save made on an older version by someone else is refused."""

    __tablename__ = "criterion_judgement"
    __table_args__ = (UniqueConstraint("dossier_id", "criterion_id", "round"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    unit_id: int = Field(foreign_key="framework_unit.id")
    criterion_id: int = Field(foreign_key="framework_criterion.id")
    verdict: Verdict | None = Field(default=None, sa_type=str_enum(Verdict))
    evidence_ids: list[int] = _json_list()
    session_ids: list[int] = _json_list()
    comment: str = Field(default="", sa_type=Text)
    version: int = 0
    source: Source = Field(default=Source.SCREEN, sa_type=str_enum(Source))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    confirmed_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class UnitResult(Row, table=True):
    """A unit's result, computed by assessors.rules, never typed; the rule trace is kept with it."""

    __tablename__ = "unit_result"
    __table_args__ = (UniqueConstraint("dossier_id", "unit_id", "round"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    unit_id: int = Field(foreign_key="framework_unit.id")
    competent: bool = False
    carried: bool = False  # validated by an earlier decision: kept for good, not assessed again
    trace: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PaperChecklist(Row, table=True):
    """A paper observation checklist keyed in afterwards; it counts once a second person confirms it."""

    __tablename__ = "paper_checklist"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    unit_id: int = Field(foreign_key="framework_unit.id")
    session_id: int = Field(foreign_key="assessment_session.id")
    verdicts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", sa_type=Text)
    keyed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    keyed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- moderation, jury, appeal, gap plan --------------------------------------------------------


class Moderation(Row, table=True):
    """One moderation round: why it was needed, the moderator's answer and comment (kept for good)."""

    __tablename__ = "moderation"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    reasons: list[str] = _json_list()
    moderator_id: int | None = Field(default=None, foreign_key="app_user.id")
    outcome: ModerationOutcome | None = Field(default=None, sa_type=str_enum(ModerationOutcome))
    comment: str = Field(default="", sa_type=Text)
    unit_ids: list[int] = _json_list()  # the units a query is about
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class JuryVote(Row, table=True):
    """One member's vote on validating one unit."""

    __tablename__ = "jury_vote"
    __table_args__ = (UniqueConstraint("dossier_id", "round", "user_id", "unit_id"),)

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    user_id: int = Field(foreign_key="app_user.id")
    unit_id: int = Field(foreign_key="framework_unit.id")
    validate_unit: bool
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class JuryDecision(Row, table=True):
    """The jury's decision: per unit and overall, with reasons and feedback, and a copy of the members,
    votes and unit traces as they stood (the procès-verbal prints it)."""

    __tablename__ = "jury_decision"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    round: int = 1
    outcome: Outcome = Field(sa_type=str_enum(Outcome))
    decided_on: date
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reasons: str = Field(sa_type=Text)
    feedback: str = Field(default="", sa_type=Text)
    president_id: int = Field(foreign_key="app_user.id")
    members: list[SittingMember] = Field(default_factory=list,
                                         sa_column=Column(TypedJSON(list[SittingMember]), nullable=False))
    units: list[DecidedUnit] = Field(default_factory=list,
                                     sa_column=Column(TypedJSON(list[DecidedUnit]), nullable=False))
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ValidatedUnit(Row, table=True):
    """A unit validated for a candidate, kept for good: a later dossier for the same framework starts with it."""

    __tablename__ = "validated_unit"
    __table_args__ = (UniqueConstraint("candidate_id", "framework_code", "unit_code"),)

    candidate_id: int = Field(foreign_key="candidate.id", index=True)
    framework_code: str = Field(max_length=100)
    unit_code: str = Field(max_length=100)
    unit_id: int = Field(foreign_key="framework_unit.id")
    decision_id: int = Field(foreign_key="jury_decision.id")
    validated_on: date


class Appeal(Row, table=True):
    """The candidate's appeal against a decision, and the appeals officer's answer."""

    __tablename__ = "appeal"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    decision_id: int = Field(foreign_key="jury_decision.id", unique=True)
    grounds: str = Field(sa_type=Text)
    lodged_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lodged_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    officer_id: int | None = Field(default=None, foreign_key="app_user.id")
    outcome: AppealOutcome | None = Field(default=None, sa_type=str_enum(AppealOutcome))
    reason: str = Field(default="", sa_type=Text)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AppealWaiver(Row, table=True):
    """The candidate's written waiver of the appeal window of one decision (a final certificate sooner)."""

    __tablename__ = "appeal_waiver"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    decision_id: int = Field(foreign_key="jury_decision.id", unique=True)
    statement: str = Field(sa_type=Text)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")


class GapPlan(Row, table=True):
    """After a partial or no validation: the missing units and what to do for each."""

    __tablename__ = "gap_plan"

    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    decision_id: int = Field(foreign_key="jury_decision.id", unique=True)
    items: list[dict[str, Any]] = _json_list()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
