"""When a unit validated on one version of a framework counts on another version of it.

The rule: the same framework (its code), the same unit code, and the same competence: the unit's French title,
and its elements and criteria by code, French text, criticality and place (which element holds a criterion).
French is the reference text; a translation added or corrected does not change what was proved, nor do the
settings of how a unit is assessed or counted (mandatory, required evidence, currency, guidance). A unit
changed in any of those respects is a new competence: validated on the older version, it is assessed again.
"""

from collections.abc import Hashable, Iterable

from sqlmodel import Session, col, select

from validation.frameworks.models import FrameworkCriterion, FrameworkElement, FrameworkUnit


def competences(session: Session, unit_ids: Iterable[int]) -> dict[int, Hashable]:
    """Each unit's competence as one comparable value (equal values: the same competence), by unit id."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    units = session.exec(select(FrameworkUnit).where(col(FrameworkUnit.id).in_(wanted))).all()
    elements = session.exec(select(FrameworkElement).where(col(FrameworkElement.unit_id).in_(wanted))).all()
    criteria = session.exec(select(FrameworkCriterion).where(col(FrameworkCriterion.unit_id).in_(wanted))).all()
    element_codes = {element.id: element.code for element in elements}
    found: dict[int, Hashable] = {}
    for unit in units:
        found[unit.id] = (
            unit.code, unit.title_fr,
            tuple(sorted((e.code, e.title_fr) for e in elements if e.unit_id == unit.id)),
            tuple(sorted((c.code, element_codes.get(c.element_id) if c.element_id else None, c.text_fr, c.critical)
                         for c in criteria if c.unit_id == unit.id)))
    return found


def same_competence(session: Session, pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of these (unit id, unit id) pairs, those whose two units are the same competence."""
    wanted = list(pairs)
    known = competences(session, {unit_id for pair in wanted for unit_id in pair})
    return {(a, b) for a, b in wanted if a == b or (a in known and known.get(a) == known.get(b))}
