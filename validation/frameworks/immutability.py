"""Published and retired versions never change: any flush that would alter one is refused."""

from typing import Any

from sqlalchemy import event, inspect
from sqlmodel import Session

from acquis.errors import Conflict
from acquis.i18n import N_
from validation.frameworks.models import (
    Framework,
    FrameworkAlignment,
    FrameworkCriterion,
    FrameworkElement,
    FrameworkPrerequisite,
    FrameworkStatus,
    FrameworkUnit,
)


class VersionImmutable(Conflict):
    """The version is published or retired: dossiers and certificates rely on it as it is."""

    code = "framework-version-immutable"
    default_message = N_("Cette version est publiée ou retirée : elle ne change plus. "
                         "Créez une nouvelle version pour la modifier.")


NODE_TABLES = (FrameworkUnit, FrameworkElement, FrameworkCriterion, FrameworkAlignment, FrameworkPrerequisite)
# Retiring a published version is the only change it may still undergo.
RETIRING = frozenset({"status", "retired_at"})


def status_before(framework: Framework) -> FrameworkStatus | None:
    """The status the database holds for this version (None while it is not yet inserted)."""
    state = inspect(framework)
    if state.transient or state.pending:
        return None
    history = state.attrs.status.history
    return history.deleted[0] if history.deleted else framework.status


def changed_columns(row: Any) -> set[str]:
    return {attr.key for attr in inspect(row).attrs if attr.history.has_changes()}


# Defence in depth: the services refuse such edits first; this catches any code path that forgets,
# so a certificate's version cannot drift even through a bug.
@event.listens_for(Session, "before_flush")
def refuse_changes_to_fixed_versions(session: Session, _context: object, _instances: object) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        if isinstance(row, Framework):
            _check_framework(session, row)
        elif isinstance(row, NODE_TABLES):
            framework = session.get(Framework, row.framework_id)
            fixed = framework is not None and status_before(framework) not in (None, FrameworkStatus.DRAFT)
            if fixed and (row in session.new or row in session.deleted or changed_columns(row)):
                raise VersionImmutable()


def _check_framework(session: Session, framework: Framework) -> None:
    before = status_before(framework)
    if before in (None, FrameworkStatus.DRAFT):
        return
    if framework in session.deleted:
        raise VersionImmutable()
    changed = changed_columns(framework)
    retiring = before == FrameworkStatus.PUBLISHED and framework.status == FrameworkStatus.RETIRED
    if changed and not (retiring and changed <= RETIRING):
        raise VersionImmutable()
