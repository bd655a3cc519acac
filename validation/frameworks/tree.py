"""A framework version kept in the tables, read back as the FrameworkIn tree every format shares."""

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from validation.frameworks.inputs import (
    AlignmentIn,
    CaseDocument,
    CaseRef,
    CriterionIn,
    ElementIn,
    FrameworkFile,
    FrameworkIn,
    LevelIn,
    PrerequisiteIn,
    QualificationRuleIn,
    Text,
    UnitIn,
)
from validation.frameworks.models import (
    Framework,
    FrameworkAlignment,
    FrameworkCriterion,
    FrameworkElement,
    FrameworkPrerequisite,
    FrameworkUnit,
)

# What a file says once for all its frameworks; each version keeps its own copy (see Framework).
SETTINGS = ("schema_version", "rating_scale", "feedback_scale", "evidence_types", "default_rules")
LANGS = ("fr", "en", "bm", "ar")


def settings_of(file: FrameworkFile) -> dict[str, Any]:
    return {name: getattr(file, name) for name in SETTINGS}


# --- the tree as rows, in order, for pages and edits ------------------------------------------


@dataclass
class ElementNode:
    row: FrameworkElement
    criteria: list[FrameworkCriterion] = field(default_factory=list)


@dataclass
class UnitNode:
    row: FrameworkUnit
    elements: list[ElementNode] = field(default_factory=list)
    criteria: list[FrameworkCriterion] = field(default_factory=list)

    @property
    def all_criteria(self) -> list[FrameworkCriterion]:
        return self.criteria + [c for element in self.elements for c in element.criteria]


@dataclass
class Outline:
    """One version as its rows: units in order, each with its elements and criteria in order."""

    framework: Framework
    units: list[UnitNode]
    prerequisites: list[FrameworkPrerequisite]
    alignments: list[FrameworkAlignment]

    @property
    def counts(self) -> dict[str, int]:
        criteria = [c for unit in self.units for c in unit.all_criteria]
        return {
            "units": len(self.units),
            "elements": sum(len(unit.elements) for unit in self.units),
            "criteria": len(criteria),
            "critical": sum(c.critical for c in criteria),
        }

    def alignments_of(self, code: str | None) -> list[FrameworkAlignment]:
        return [a for a in self.alignments if a.node_code == code]


def outline(session: Session, framework: Framework) -> Outline:
    """The rows of one version, in one query per table."""
    fid = framework.id

    def rows(table: Any) -> list[Any]:
        statement = select(table).where(table.framework_id == fid).order_by(col(table.position), col(table.id))
        return list(session.exec(statement))

    units = {row.id: UnitNode(row) for row in rows(FrameworkUnit)}
    elements = {row.id: ElementNode(row) for row in rows(FrameworkElement)}
    for element in elements.values():
        units[element.row.unit_id].elements.append(element)
    for criterion in rows(FrameworkCriterion):
        holder = elements[criterion.element_id] if criterion.element_id else units[criterion.unit_id]
        holder.criteria.append(criterion)
    alignments = list(session.exec(
        select(FrameworkAlignment).where(FrameworkAlignment.framework_id == fid)
        .order_by(col(FrameworkAlignment.node_code).is_not(None), col(FrameworkAlignment.position),
                  col(FrameworkAlignment.id))
    ))
    return Outline(framework, list(units.values()), rows(FrameworkPrerequisite), alignments)


# --- rows to tree ------------------------------------------------------------------------------


def read(session: Session, framework: Framework, *, check: bool = True) -> FrameworkIn:
    """The version as a FrameworkIn; `check=False` accepts an unfinished draft (for pages, diffs)."""
    data = tree_data(outline(session, framework))
    return FrameworkIn.model_validate(data) if check else _construct(data)


def file_of(session: Session, frameworks: list[Framework]) -> FrameworkFile:
    """A file holding these versions, with the file-level settings of the first."""
    first = frameworks[0]
    settings = {name: getattr(first, name) for name in SETTINGS}
    trees = [read(session, framework) for framework in frameworks]
    return FrameworkFile.model_validate({**settings, "frameworks": trees})


def tree_data(tree: Outline) -> dict[str, Any]:
    """The version as the YAML-shaped data FrameworkIn validates."""
    f = tree.framework
    level = {"eqf_like": f.eqf_like, "national_label": f.national_label}
    return {
        "code": f.code,
        "version": f.version,
        "illustrative": f.illustrative,
        "title": _text(f, "title"),
        "description": _text(f, "description"),
        "isco08": f.isco08,
        "esco_occupation_uri": f.esco_occupation_uri,
        "level_indicative": level if any(v is not None for v in level.values()) else None,
        "min_experience_months": f.min_experience_months,
        "prerequisites": [{"type": p.type, **_langs(p, "text")} for p in tree.prerequisites],
        "units": [_unit_data(unit, tree) for unit in tree.units],
        "qualification_rule": f.qualification_rule,
        "alignments": _alignments(tree, None),
        "case": _case(f),
    }


def _unit_data(unit: UnitNode, tree: Outline) -> dict[str, Any]:
    row = unit.row
    return {
        "code": row.code,
        "mandatory": row.mandatory,
        "title": _text(row, "title"),
        "elements": [
            {"code": e.row.code, "title": _text(e.row, "title"), "alignments": _alignments(tree, e.row.code),
             "criteria": [_criterion_data(c, tree) for c in e.criteria], "case": _case(e.row)}
            for e in unit.elements
        ],
        "criteria": [_criterion_data(c, tree) for c in unit.criteria],
        "evidence_guidance": _text(row, "guidance"),
        "required_evidence": list(row.required_evidence or []),
        "currency_years": row.currency_years,
        "alignments": _alignments(tree, row.code),
        "case": _case(row),
    }


def _criterion_data(row: FrameworkCriterion, tree: Outline) -> dict[str, Any]:
    return {"code": row.code, "critical": row.critical, **_langs(row, "text"),
            "alignments": _alignments(tree, row.code), "case": _case(row)}


def _alignments(tree: Outline, code: str | None) -> list[dict[str, Any]]:
    return [{"relation": a.relation, "uri": a.uri, "title": a.title, "case": _case(a)}
            for a in tree.alignments_of(code)]


def _langs(row: object, prefix: str) -> dict[str, str | None]:
    return {lang: getattr(row, f"{prefix}_{lang}") for lang in LANGS}


def _text(row: object, prefix: str) -> dict[str, str | None] | None:
    text = _langs(row, prefix)
    return text if text["fr"] else None


def _case(row: Any) -> dict[str, Any] | None:
    if not row.case_identifier:
        return None
    return {"identifier": row.case_identifier, **(row.case_meta or {})}


def _construct(data: dict[str, Any]) -> FrameworkIn:
    """FrameworkIn built without validation: an unfinished draft still shows and compares."""

    def text(value: dict[str, Any] | None) -> Text | None:
        return Text.model_construct(**value) if value else None

    def criterion(value: dict[str, Any]) -> CriterionIn:
        return CriterionIn.model_construct(**{**value, "alignments": [], "case": None})

    def element(value: dict[str, Any]) -> ElementIn:
        return ElementIn.model_construct(**{**value, "title": text(value["title"]), "alignments": [], "case": None,
                                            "criteria": [criterion(c) for c in value["criteria"]]})

    def unit(value: dict[str, Any]) -> UnitIn:
        return UnitIn.model_construct(**{
            **value, "title": text(value["title"]), "evidence_guidance": text(value["evidence_guidance"]),
            "elements": [element(e) for e in value["elements"]], "criteria": [criterion(c) for c in value["criteria"]],
            "alignments": [], "case": None})

    level, rule = data["level_indicative"], data["qualification_rule"]
    return FrameworkIn.model_construct(**{
        **data, "title": text(data["title"]), "description": text(data["description"]),
        "level_indicative": LevelIn.model_construct(**level) if level else None,
        "prerequisites": [PrerequisiteIn.model_construct(**p) for p in data["prerequisites"]],
        "qualification_rule": QualificationRuleIn.model_construct(**rule) if rule else None,
        "units": [unit(u) for u in data["units"]],
        "alignments": [AlignmentIn.model_construct(**{**a, "case": None}) for a in data["alignments"]],
        "case": None})


# --- tree to rows ------------------------------------------------------------------------------


def framework_columns(tree: FrameworkIn, settings: dict[str, Any]) -> dict[str, Any]:
    """The Framework columns holding what `tree` says about the framework itself."""
    level, rule = tree.level_indicative, tree.qualification_rule
    return {
        **tree.title.columns("title"),
        **_text_or_none(tree.description, "description"),
        "illustrative": tree.illustrative,
        "isco08": tree.isco08,
        "esco_occupation_uri": tree.esco_occupation_uri,
        "eqf_like": level.eqf_like if level else None,
        "national_label": level.national_label if level else None,
        "min_experience_months": tree.min_experience_months,
        "qualification_rule": rule.model_dump() if rule else None,
        **_case_columns(tree.case),
        **settings,
    }


def add_nodes(session: Session, framework: Framework, tree: FrameworkIn) -> None:
    """Insert the units, elements, criteria, alignments and prerequisites of `tree`, in order."""
    fid = framework.id
    assert fid is not None, "flush the framework first"
    session.add_all(
        FrameworkPrerequisite.model_validate({"framework_id": fid, "position": i, "type": p.type,
                                              **_text_columns(p, "text")})
        for i, p in enumerate(tree.prerequisites)
    )
    add_alignments(session, fid, None, tree.alignments)
    for u, unit in enumerate(tree.units):
        unit_row = FrameworkUnit.model_validate({"framework_id": fid, "position": u, **unit_columns(unit)})
        session.add(unit_row)
        session.flush()  # the unit's id, for its elements and criteria
        add_alignments(session, fid, unit.code, unit.alignments)
        for c, criterion in enumerate(unit.criteria):
            add_criterion(session, unit_row, None, c, criterion)
        for e, element in enumerate(unit.elements):
            element_row = FrameworkElement.model_validate({
                "framework_id": fid, "unit_id": unit_row.id, "position": e, "code": element.code,
                **element.title.columns("title"), **_case_columns(element.case)})
            session.add(element_row)
            session.flush()
            add_alignments(session, fid, element.code, element.alignments)
            for c, criterion in enumerate(element.criteria):
                add_criterion(session, unit_row, element_row, c, criterion)
    session.flush()


def unit_columns(unit: UnitIn) -> dict[str, Any]:
    return {"code": unit.code, "mandatory": unit.mandatory, **unit.title.columns("title"),
            **_text_or_none(unit.evidence_guidance, "guidance"), "required_evidence": list(unit.required_evidence),
            "currency_years": unit.currency_years, **_case_columns(unit.case)}


def add_criterion(session: Session, unit: FrameworkUnit, element: FrameworkElement | None, position: int,
                  criterion: CriterionIn) -> FrameworkCriterion:
    row = FrameworkCriterion.model_validate({
        "framework_id": unit.framework_id, "unit_id": unit.id, "element_id": element.id if element else None,
        "position": position, "code": criterion.code, "critical": criterion.critical,
        **criterion.text.columns("text"), **_case_columns(criterion.case)})
    session.add(row)
    add_alignments(session, unit.framework_id, criterion.code, criterion.alignments)
    return row


def add_alignments(session: Session, framework_id: int, code: str | None, alignments: list[AlignmentIn]) -> None:
    session.add_all(
        FrameworkAlignment.model_validate({"framework_id": framework_id, "node_code": code, "position": i,
                                           "relation": a.relation, "uri": a.uri, "title": a.title,
                                           **_case_columns(a.case)})
        for i, a in enumerate(alignments)
    )


def _text_or_none(text: Text | None, prefix: str) -> dict[str, Any]:
    return text.columns(prefix) if text else {f"{prefix}_{lang}": None for lang in LANGS}


def _text_columns(model: BaseModel, prefix: str) -> dict[str, Any]:
    return {f"{prefix}_{lang}": getattr(model, lang) for lang in LANGS}


def _case_columns(ref: CaseRef | CaseDocument | None) -> dict[str, Any]:
    if ref is None:
        return {"case_identifier": None, "case_meta": None}
    return {"case_identifier": ref.identifier, "case_meta": ref.model_dump(exclude={"identifier"}, exclude_none=True)}


def delete_nodes(session: Session, framework: Framework) -> None:
    """Remove every node of a (draft) version, children first, keeping the version's row."""
    fid = framework.id
    for table in (FrameworkAlignment, FrameworkPrerequisite, FrameworkCriterion, FrameworkElement, FrameworkUnit):
        for row in session.exec(select(table).where(table.framework_id == fid)):
            session.delete(row)
        # Flush table by table: the unit of work does not order deletes of unrelated mappers.
        session.flush()
