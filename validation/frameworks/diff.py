"""Compare two versions of a framework: units, elements and criteria added, removed or changed."""

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from validation.frameworks.inputs import CriterionIn, ElementIn, FrameworkIn, Kind, Node, Text

FRAMEWORK_FIELDS = (
    "title",
    "description",
    "isco08",
    "esco_occupation_uri",
    "level_indicative",
    "min_experience_months",
    "prerequisites",
    "qualification_rule",
    "illustrative",
)


@dataclass(frozen=True)
class Change:
    """One node that differs: `fields` names what changed (empty when added or removed)."""

    kind: Kind
    code: str
    label: str  # French title or text, for display
    parent: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class FrameworkDiff:
    """What changed from one version to the next, each list in reading order."""

    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    changed: tuple[Change, ...]
    framework_fields: tuple[str, ...]  # framework-level fields that changed

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.framework_fields)


def compare(old: FrameworkIn, new: FrameworkIn) -> FrameworkDiff:
    """Nodes are matched by code, unique within a version; a node that changes kind (an
    element become a criterion) counts as removed and added."""
    before, after = _flat(old), _flat(new)
    added = [_change(entry) for code, entry in after.items() if _kind(before, code) != entry[0]]
    removed = [_change(entry) for code, entry in before.items() if _kind(after, code) != entry[0]]
    changed = [
        _change(entry, fields)
        for code, entry in after.items()
        if _kind(before, code) == entry[0] and (fields := _changed_fields(before[code], entry))
    ]
    framework_fields = tuple(
        field
        for field in FRAMEWORK_FIELDS
        if _value(getattr(old, field)) != _value(getattr(new, field))
    )
    return FrameworkDiff(tuple(added), tuple(removed), tuple(changed), framework_fields)


Entry = tuple[Kind, Node, str]  # kind, node, parent code


def _flat(framework: FrameworkIn) -> dict[str, Entry]:
    return {node.code: (kind, node, parent) for _, kind, node, parent in framework.nodes()}


def _kind(entries: dict[str, Entry], code: str) -> Kind | None:
    return entries[code][0] if code in entries else None


def _change(entry: Entry, fields: tuple[str, ...] = ()) -> Change:
    kind, node, parent = entry
    label = node.fr if isinstance(node, CriterionIn) else node.title.fr
    return Change(kind=kind, code=node.code, label=label, parent=parent, fields=fields)


def _changed_fields(old: Entry, new: Entry) -> tuple[str, ...]:
    moved = ("parent",) if old[2] != new[2] else ()
    before, after = _compared(old[1]), _compared(new[1])
    return (*moved, *(name for name in before if _value(before[name]) != _value(after[name])))


def _compared(node: Node) -> dict[str, Any]:
    """The fields of a node that a reviewer compares between versions.

    Position among siblings is left out: one insertion would mark every later sibling changed.
    """
    if isinstance(node, CriterionIn):
        return {"text": node.text, "critical": node.critical}
    if isinstance(node, ElementIn):
        return {"title": node.title}
    return {
        "title": node.title,
        "mandatory": node.mandatory,
        "required_evidence": node.required_evidence,
        "currency_years": node.currency_years,
        "evidence_guidance": node.evidence_guidance,
    }


def _value(value: Any) -> Any:
    """A value reduced to what a reader sees: no CASE identifiers, no empty translations."""
    if isinstance(value, Text):
        return tuple(getattr(value, lang) or "" for lang in ("fr", "en", "bm", "ar"))
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, BaseModel):
        return value.model_dump(exclude={"case"})
    return value
