"""What a framework file or an editor sends: the tree every format reads into and writes from."""

from collections.abc import Iterator
from typing import Annotated, Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

# Bounds on every text keep a hostile or broken file from filling pages and the database;
# control characters are invisible on a page and make files unreadable (a NUL looks binary).
SINGLE_LINE = r"^[^\x00-\x1f\x7f-\x9f]+$"
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"  # tabs and line breaks allowed
IDENTIFIER = r"^[a-z][a-z0-9_]{0,59}$"
URI = r"^(https?|urn):\S+$"
ISCO08 = r"^\d{1,4}$"
PATTERN_RULES = {
    SINGLE_LINE: "control characters are not allowed",
    PRINTABLE: "control characters are not allowed",
    IDENTIFIER: "use lower_case_words",
    URI: "expected an http(s) or urn URI",
    ISCO08: "expected an ISCO-08 code of 1 to 4 digits",
}
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=SINGLE_LINE)
]
RequiredText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000, pattern=PRINTABLE)
]
MaybeText = (
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000, pattern=PRINTABLE)] | None
)
EvidenceType = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
Uri = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=URI)]
Relation = Literal["exactMatchOf", "isRelatedTo"]
Kind = Literal["unit", "element", "criterion"]


class Input(BaseModel):
    # Unknown keys are refused, so a typo ("titel") is reported instead of silently dropped.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class Text(Input):
    """A text in French (required) and English, with room for Bambara and Arabic."""

    fr: RequiredText
    en: MaybeText = None
    bm: MaybeText = None
    ar: MaybeText = None

    def columns(self, prefix: str) -> dict[str, str | None]:
        """The table columns holding this text: `title` gives title_fr, title_en, ..."""
        return {f"{prefix}_{lang}": getattr(self, lang) for lang in ("fr", "en", "bm", "ar")}


class CaseRef(Input):
    """Identifiers a node had in a CASE package, kept so that exporting gives them back."""

    identifier: Code
    uri: MaybeText = None
    changed: MaybeText = None  # lastChangeDateTime, as found
    item_type: MaybeText = None  # CFItemType: information only, never drives the tree
    link: Code | None = None  # identifier of the isChildOf association placing the item
    link_uri: MaybeText = None
    target: MaybeText = None  # for an alignment: identifier of the destination node


class CaseDocument(CaseRef):
    """What a CASE CFDocument said about the framework, kept for the next export."""

    creator: MaybeText = None
    publisher: MaybeText = None
    language: MaybeText = None
    version: MaybeText = None
    adoption_status: MaybeText = None


class AlignmentIn(Input):
    """A link to an outside concept: an ISCO group, an ESCO occupation or skill..."""

    relation: Relation = "exactMatchOf"
    uri: Uri
    title: MaybeText = None
    case: CaseRef | None = None


class CriterionIn(Input):
    """An observable performance criterion; `critical` ones need direct, current evidence."""

    code: Code
    critical: bool = False
    fr: RequiredText
    en: MaybeText = None
    bm: MaybeText = None
    ar: MaybeText = None
    alignments: list[AlignmentIn] = pydantic.Field(default_factory=list)
    case: CaseRef | None = None

    @property
    def text(self) -> Text:
        return Text(fr=self.fr, en=self.en, bm=self.bm, ar=self.ar)


class ElementIn(Input):
    """A named group of criteria inside a unit."""

    code: Code
    title: Text
    criteria: list[CriterionIn] = pydantic.Field(min_length=1)
    alignments: list[AlignmentIn] = pydantic.Field(default_factory=list)
    case: CaseRef | None = None


class UnitIn(Input):
    """A unit (bloc de compétences): holds elements, or criteria directly, never both."""

    code: Code
    mandatory: bool = True
    title: Text
    elements: list[ElementIn] = pydantic.Field(default_factory=list)
    criteria: list[CriterionIn] = pydantic.Field(default_factory=list)
    evidence_guidance: Text | None = None
    required_evidence: list[EvidenceType] = pydantic.Field(default_factory=list)
    currency_years: int | None = pydantic.Field(default=None, ge=1, le=50)
    alignments: list[AlignmentIn] = pydantic.Field(default_factory=list)
    case: CaseRef | None = None

    @model_validator(mode="after")
    def _one_kind_of_children(self) -> "UnitIn":
        if self.elements and self.criteria:
            raise _error("a unit holds elements or criteria, not both", ("criteria", 0))
        return self


class LevelIn(Input):
    eqf_like: int | None = pydantic.Field(default=None, ge=1, le=8)
    national_label: MaybeText = None


class PrerequisiteIn(Input):
    type: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    fr: RequiredText
    en: MaybeText = None
    bm: MaybeText = None
    ar: MaybeText = None


class QualificationRuleIn(Input):
    mandatory_units: list[Code] = pydantic.Field(default_factory=list)
    optional_required: int = pydantic.Field(default=0, ge=0)


Node = UnitIn | ElementIn | CriterionIn
NodePath = tuple[str | int, ...]


class FrameworkIn(Input):
    """One framework as a file describes it; codes are unique within it, order is kept."""

    code: Code
    version: int | None = pydantic.Field(default=None, ge=1)
    illustrative: bool = False
    title: Text
    description: Text | None = None
    isco08: Annotated[str, StringConstraints(pattern=ISCO08)] | None = None
    esco_occupation_uri: Uri | None = None
    level_indicative: LevelIn | None = None
    min_experience_months: int | None = pydantic.Field(default=None, ge=0, le=600)
    prerequisites: list[PrerequisiteIn] = pydantic.Field(default_factory=list)
    units: list[UnitIn] = pydantic.Field(min_length=1)
    qualification_rule: QualificationRuleIn | None = None
    alignments: list[AlignmentIn] = pydantic.Field(default_factory=list)
    case: CaseDocument | None = None

    def nodes(self) -> Iterator[tuple[NodePath, Kind, Node, str]]:
        """Every unit, element and criterion in reading order, with its path and parent code."""
        for u, unit in enumerate(self.units):
            yield ("units", u), "unit", unit, self.code
            for c, criterion in enumerate(unit.criteria):
                yield ("units", u, "criteria", c), "criterion", criterion, unit.code
            for e, element in enumerate(unit.elements):
                yield ("units", u, "elements", e), "element", element, unit.code
                for c, criterion in enumerate(element.criteria):
                    path = ("units", u, "elements", e, "criteria", c)
                    yield path, "criterion", criterion, element.code

    @model_validator(mode="after")
    def _codes_are_unique(self) -> "FrameworkIn":
        seen = {self.code}
        for path, _, node, _ in self.nodes():
            if node.code in seen:
                raise _error("duplicate code {code}", (*path, "code"), code=node.code)
            seen.add(node.code)
        return self

    @model_validator(mode="after")
    def _qualification_names_units(self) -> "FrameworkIn":
        units = {unit.code for unit in self.units}
        rule = self.qualification_rule
        for i, code in enumerate(rule.mandatory_units if rule else []):
            if code not in units:
                path = ("qualification_rule", "mandatory_units", i)
                raise _error("qualification_rule names unknown unit {code}", path, code=code)
        return self


class FrameworkFile(Input):
    """A whole file: file-level settings, then one framework or more."""

    schema_version: Literal[1] = 1
    rating_scale: dict[str, Any] | None = None
    feedback_scale: dict[str, Any] | None = None
    evidence_types: list[EvidenceType] | None = None
    default_rules: dict[str, Any] | None = None
    frameworks: list[FrameworkIn] = pydantic.Field(min_length=1)

    @model_validator(mode="after")
    def _frameworks_are_unique(self) -> "FrameworkFile":
        seen: set[tuple[str, int | None]] = set()
        for i, framework in enumerate(self.frameworks):
            key = (framework.code, framework.version)
            if key in seen:
                raise _error("framework {code} appears twice", ("frameworks", i), code=key[0])
            seen.add(key)
        return self

    @model_validator(mode="after")
    def _evidence_is_declared(self) -> "FrameworkFile":
        if self.evidence_types is None:
            return self
        for f, framework in enumerate(self.frameworks):
            for u, unit in enumerate(framework.units):
                for e, kind in enumerate(unit.required_evidence):
                    if kind not in self.evidence_types:
                        path = ("frameworks", f, "units", u, "required_evidence", e)
                        raise _error("evidence type {kind} is not declared", path, kind=kind)
        return self


def _error(message: str, at: NodePath, **values: str) -> PydanticCustomError:
    """A rule broken at `at` (a path below the validated model), for the file readers to locate."""
    return PydanticCustomError("rule", message, {**values, "at": at})
