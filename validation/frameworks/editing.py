"""Editing a draft version node by node: add, rename, reorder, mark critical, delete; each audited."""

from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import ValidationError
from sqlmodel import Session, col, select

from acquis.auth.models import User
from acquis.errors import Invalid
from acquis.i18n import N_, _
from validation.frameworks import service
from validation.frameworks.inputs import ISCO08, Code, Input, Kind, MaybeText, RequiredText, Uri
from validation.frameworks.models import (
    Framework,
    FrameworkAlignment,
    FrameworkCriterion,
    FrameworkElement,
    FrameworkUnit,
)

Row = FrameworkUnit | FrameworkElement | FrameworkCriterion
Added = TypeVar("Added", FrameworkUnit, FrameworkElement, FrameworkCriterion)
Checked = TypeVar("Checked", bound=Input)
TABLES: dict[str, type[Row]] = {"unit": FrameworkUnit, "element": FrameworkElement, "criterion": FrameworkCriterion}
Direction = Literal["up", "down"]


class EditInvalid(Invalid):
    """The edit breaks a rule of framework content; nothing was changed."""

    code = "framework-edit-invalid"
    default_message = N_("Cette modification n'est pas valable.")


# --- what an editor may send (checked at the edge, as file imports are) -----------------------------


class TextIn(Input):
    fr: RequiredText
    en: MaybeText = None


class NodeIn(TextIn):
    code: Code
    critical: bool = False


class DetailsIn(Input):
    title_fr: RequiredText
    title_en: MaybeText = None
    isco08: Annotated[str, pydantic.StringConstraints(strip_whitespace=True, pattern=ISCO08)] | None = None
    esco_occupation_uri: Uri | None = None
    eqf_like: int | None = pydantic.Field(default=None, ge=1, le=8)
    national_label: MaybeText = None
    min_experience_months: int | None = pydantic.Field(default=None, ge=0, le=600)


FIELD_RULES = {
    "fr": N_("le texte en français est obligatoire"),
    "title_fr": N_("le titre en français est obligatoire"),
    "code": N_("le code est obligatoire, sur une seule ligne"),
    "isco08": N_("le code CITP-08 compte de 1 à 4 chiffres"),
    "esco_occupation_uri": N_("l'adresse ESCO est une URI http(s)"),
    "eqf_like": N_("le niveau va de 1 à 8"),
    "min_experience_months": N_("l'expérience minimale va de 0 à 600 mois"),
}


def checked(model: type[Checked], **values: Any) -> Checked:
    """`values` as `model`, empty optional fields as None; or EditInvalid naming the field."""
    cleaned = {name: (None if value == "" and name not in ("fr", "title_fr", "code") else value)
               for name, value in values.items()}
    try:
        return model.model_validate(cleaned)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        rule = FIELD_RULES.get(field, N_("valeur non valable"))
        raise EditInvalid(_("%(field)s : %(rule)s") % {"field": field, "rule": _(rule)}) from None


# --- edits --------------------------------------------------------------------------------------------


def update_details(session: Session, framework: Framework, *, by: User, **values: Any) -> Framework:
    """The framework's titles, occupation codes, level and minimum experience."""
    service.refuse_unless_draft(framework)
    details = checked(DetailsIn, **values)
    for name, value in details.model_dump().items():
        setattr(framework, name, value)
    session.flush()
    service.record(session, framework, "framework.details_updated", by=by)
    return framework


def add_unit(session: Session, framework: Framework, *, by: User, **values: Any) -> FrameworkUnit:
    service.refuse_unless_draft(framework)
    node = checked(NodeIn, **values)
    _refuse_taken(session, framework, node.code)
    row = FrameworkUnit.model_validate({
        "framework_id": framework.id, "position": len(_siblings(session, FrameworkUnit, framework)),
        "code": node.code, "title_fr": node.fr, "title_en": node.en})
    return _added(session, framework, row, "unit", by=by)


def add_element(session: Session, framework: Framework, unit_id: int, *, by: User, **values: Any) -> FrameworkElement:
    service.refuse_unless_draft(framework)
    unit = node(session, framework, "unit", unit_id)
    node_in = checked(NodeIn, **values)
    _refuse_taken(session, framework, node_in.code)
    if _children(session, FrameworkCriterion, unit_id=unit.id, element_id=None):
        raise EditInvalid(_("Cette unité contient déjà des critères : une unité contient des éléments ou des "
                            "critères, pas les deux."))
    siblings = _children(session, FrameworkElement, unit_id=unit.id)
    row = FrameworkElement.model_validate({
        "framework_id": framework.id, "unit_id": unit.id, "position": len(siblings), "code": node_in.code,
        "title_fr": node_in.fr, "title_en": node_in.en})
    return _added(session, framework, row, "element", by=by)


def add_criterion(session: Session, framework: Framework, kind: Kind, parent_id: int, *, by: User,
                  **values: Any) -> FrameworkCriterion:
    """A criterion at the end of a unit (one without elements) or of an element."""
    service.refuse_unless_draft(framework)
    parent = node(session, framework, kind, parent_id)
    node_in = checked(NodeIn, **values)
    _refuse_taken(session, framework, node_in.code)
    if isinstance(parent, FrameworkUnit) and _children(session, FrameworkElement, unit_id=parent.id):
        raise EditInvalid(_("Cette unité contient des éléments : ajoutez le critère sous l'un d'eux."))
    if isinstance(parent, FrameworkCriterion):
        raise EditInvalid(_("Un critère ne contient rien."))
    unit_id = parent.unit_id if isinstance(parent, FrameworkElement) else parent.id
    element_id = parent.id if isinstance(parent, FrameworkElement) else None
    siblings = _children(session, FrameworkCriterion, unit_id=unit_id, element_id=element_id)
    row = FrameworkCriterion.model_validate({
        "framework_id": framework.id, "unit_id": unit_id, "element_id": element_id, "position": len(siblings),
        "code": node_in.code, "critical": node_in.critical, "text_fr": node_in.fr, "text_en": node_in.en})
    return _added(session, framework, row, "criterion", by=by)


def rename(session: Session, framework: Framework, kind: Kind, node_id: int, *, by: User, **values: Any) -> Row:
    """New French and English wording for a unit's or element's title, or a criterion's text."""
    service.refuse_unless_draft(framework)
    row = node(session, framework, kind, node_id)
    text = checked(TextIn, **values)
    prefix = "text" if kind == "criterion" else "title"
    setattr(row, f"{prefix}_fr", text.fr)
    setattr(row, f"{prefix}_en", text.en)
    session.flush()
    service.record(session, framework, "framework.node_renamed", by=by, kind=kind, node=row.code)
    return row


def set_critical(session: Session, framework: Framework, criterion_id: int, *, critical: bool,
                 by: User) -> FrameworkCriterion:
    """Critical criteria need direct, current evidence (observation or practical task)."""
    service.refuse_unless_draft(framework)
    row = node(session, framework, "criterion", criterion_id)
    assert isinstance(row, FrameworkCriterion)
    row.critical = critical
    session.flush()
    service.record(session, framework, "framework.criterion_critical_set", by=by, node=row.code, critical=critical)
    return row


def move(session: Session, framework: Framework, kind: Kind, node_id: int, *, direction: Direction,
         by: User) -> Row:
    """One place up or down among its siblings; at either end it stays where it is."""
    service.refuse_unless_draft(framework)
    row = node(session, framework, kind, node_id)
    siblings = _siblings_of(session, framework, row)
    here = siblings.index(row)
    there = here - 1 if direction == "up" else here + 1
    if 0 <= there < len(siblings):
        siblings[here], siblings[there] = siblings[there], siblings[here]
        _renumber(siblings)
        session.flush()
        service.record(session, framework, "framework.node_moved", by=by, kind=kind, node=row.code,
                       direction=direction)
    return row


def delete(session: Session, framework: Framework, kind: Kind, node_id: int, *, by: User) -> str:
    """Remove a node and everything under it; returns its code."""
    service.refuse_unless_draft(framework)
    row = node(session, framework, kind, node_id)
    siblings = [s for s in _siblings_of(session, framework, row) if s is not row]
    removed = [row, *_descendants(session, row)]
    codes = {r.code for r in removed}
    for alignment in session.exec(select(FrameworkAlignment).where(FrameworkAlignment.framework_id == framework.id)):
        if alignment.node_code in codes:
            session.delete(alignment)
    # Children first: criteria, then elements, then the unit.
    for r in sorted(removed, key=lambda r: list(TABLES.values()).index(type(r)), reverse=True):
        session.delete(r)
        session.flush()
    _renumber(siblings)
    if isinstance(row, FrameworkUnit):
        _forget_in_rule(framework, row.code)
    session.flush()
    service.record(session, framework, "framework.node_deleted", by=by, kind=kind, node=row.code,
                   nodes=len(removed))
    return row.code


# --- finding nodes --------------------------------------------------------------------------------------


def node(session: Session, framework: Framework, kind: Kind, node_id: int) -> Row:
    """A node of this version; a node of another version is not found, like a missing one."""
    row = session.get(TABLES[kind], node_id)
    if not isinstance(row, Row) or row.framework_id != framework.id:
        raise service.FrameworkNotFound()
    return row


def _siblings(session: Session, table: Any, framework: Framework) -> list[Any]:
    statement = select(table).where(table.framework_id == framework.id).order_by(col(table.position), col(table.id))
    return list(session.exec(statement))


def _children(session: Session, table: Any, **parents: int | None) -> list[Any]:
    statement = select(table)
    for name, value in parents.items():
        column = getattr(table, name)
        statement = statement.where(column.is_(None) if value is None else column == value)
    return list(session.exec(statement.order_by(col(table.position), col(table.id))))


def _siblings_of(session: Session, framework: Framework, row: Row) -> list[Any]:
    if isinstance(row, FrameworkUnit):
        return _siblings(session, FrameworkUnit, framework)
    if isinstance(row, FrameworkElement):
        return _children(session, FrameworkElement, unit_id=row.unit_id)
    return _children(session, FrameworkCriterion, unit_id=row.unit_id, element_id=row.element_id)


def _descendants(session: Session, row: Row) -> list[Any]:
    if isinstance(row, FrameworkUnit):
        return [*_children(session, FrameworkElement, unit_id=row.id),
                *_children(session, FrameworkCriterion, unit_id=row.id)]
    if isinstance(row, FrameworkElement):
        return _children(session, FrameworkCriterion, element_id=row.id)
    return []


def _refuse_taken(session: Session, framework: Framework, code: str) -> None:
    """Codes are unique within a version: dossiers, scores and certificates name nodes by code."""
    taken = {framework.code}
    for table in TABLES.values():
        taken.update(session.exec(select(table.code).where(table.framework_id == framework.id)))
    if code in taken:
        raise EditInvalid(_("Le code %(code)s existe déjà dans cette version.") % {"code": code})


def _renumber(rows: list[Any]) -> None:
    for position, row in enumerate(rows):
        if row.position != position:
            row.position = position


def _forget_in_rule(framework: Framework, unit_code: str) -> None:
    rule = framework.qualification_rule
    if rule and unit_code in rule.get("mandatory_units", []):
        # A new dict: the JSON column notices reassignment, not changes made in place.
        framework.qualification_rule = {**rule, "mandatory_units": [c for c in rule["mandatory_units"]
                                                                      if c != unit_code]}


def _added(session: Session, framework: Framework, row: Added, kind: Kind, *, by: User) -> Added:
    session.add(row)
    session.flush()
    service.record(session, framework, f"framework.{kind}_added", by=by, node=row.code)
    return row
