"""What staff send about an accreditation, a profile, a plan, a session and a judgement, checked at the edge."""

from datetime import date
from typing import Annotated

import pydantic
from pydantic import StringConstraints, model_validator

from acquis.i18n import gettext
from assessors.models import Method
from assessors.rules import Verdict
from validation.dossiers.inputs import DATES_REVERSED, SINGLE_LINE, Input, LongText

# Staff forms follow the dossiers' rules: unknown fields refused, an empty field "not given", no control characters.
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300, pattern=SINGLE_LINE)]


class AccreditationCreate(Input):
    framework_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _dates_in_order(self) -> "AccreditationCreate":
        if self.valid_until < self.valid_from:
            raise ValueError(gettext(DATES_REVERSED))
        return self


class ProfileUpdate(Input):
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]] = pydantic.Field(
        default_factory=list, max_length=10)
    region: Line = ""


class PlanInput(Input):
    method: Method
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] = "fr"
    accommodations: LongText = ""
    scheduled_on: date | None = None
    scheduled_time: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] | None = None
    place: Line = ""


class SessionInput(Input):
    method: Method
    held_on: date
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300,
                                            pattern=SINGLE_LINE)]
    unit_ids: list[int] = pydantic.Field(min_length=1, max_length=100)
    present_ids: list[int] = pydantic.Field(default_factory=list, max_length=20)
    identity_checked: bool = False
    note: LongText = ""


class JudgementInput(Input):
    verdict: Verdict | None = None
    evidence_ids: list[int] = pydantic.Field(default_factory=list, max_length=200)
    session_ids: list[int] = pydantic.Field(default_factory=list, max_length=50)
    comment: LongText = ""
    version: int = pydantic.Field(default=0, ge=0)
