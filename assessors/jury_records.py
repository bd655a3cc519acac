"""What a jury decision keeps as JSON, typed: each unit's row (result, trace, votes), each member as they sat,
the moderation notes. The keys are those of the rows already stored: the procès-verbal and the certificates
read them back as they were written."""

from typing import Any

from typing_extensions import TypedDict


class ModerationNote(TypedDict):
    """A moderation round that concerned the unit (a round naming no unit concerns every unit)."""

    outcome: str | None
    comment: str
    units: list[int]
    moderator_id: int | None


class DecidedUnit(TypedDict):
    """One unit of the dossier as the jury decided it: the assessment's result and trace, and the vote."""

    unit_id: int
    code: str
    title_fr: str
    title_en: str | None
    competent: bool
    carried: bool  # validated by an earlier decision: no vote, validated
    trace: dict[str, Any]  # the rule trace of the unit's result (assessors/rules.py), or where it was carried from
    moderation: list[ModerationNote]
    evidence_kinds: list[str]  # the evidence kinds counted for its criteria
    methods: list[str]  # the assessment sessions' methods counted for its criteria
    validated: bool
    votes_for: int
    votes_against: int
    casting: bool  # the president's vote broke a tie


class SittingMember(TypedDict):
    """A jury member as they sat on the day of the decision."""

    user_id: int
    name: str
    role: str
    president: bool
    accredited: bool
    declared_at: str | None  # ISO 8601
