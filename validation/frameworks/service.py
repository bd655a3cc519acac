"""Framework versions: finding them, their life (draft → published → retired), new versions, comparison."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import STAFF, User
from acquis.db import utcnow
from acquis.errors import Conflict, NotFound
from acquis.i18n import N_, _, gettext
from validation.frameworks import tree
from validation.frameworks.diff import FrameworkDiff, compare
from validation.frameworks.immutability import VersionImmutable
from validation.frameworks.inputs import FrameworkIn
from validation.frameworks.models import Framework, FrameworkCriterion, FrameworkStatus, FrameworkUnit
from validation.frameworks.reading import rule_broken

__all__ = ["VersionImmutable"]  # raised here too; re-exported for the views and tests


class FrameworkNotFound(NotFound):
    """No such framework or version, or one the caller may not see (an unpublished draft)."""

    code = "framework-not-found"
    default_message = N_("Référentiel ou version introuvable.")


class DraftIncomplete(Conflict):
    """The draft cannot be published or exported yet: something in it is missing."""

    code = "framework-draft-incomplete"
    default_message = N_("Ce brouillon n'est pas complet.")


class NotADraft(Conflict):
    """Only a draft can be published."""

    code = "framework-not-draft"
    default_message = N_("Seul un brouillon peut être publié.")


class NotPublished(Conflict):
    """Only a published version can be retired."""

    code = "framework-not-published"
    default_message = N_("Seule une version publiée peut être retirée.")


# --- finding versions ------------------------------------------------------------------------------


def sees_drafts(user: User | None) -> bool:
    """Staff review drafts; candidates and integrations see published and retired versions only."""
    return user is None or user.role in STAFF  # None: the command line, run by an operator


def versions(session: Session, code: str, *, user: User | None = None) -> list[Framework]:
    """Every version of a framework the user may see, oldest first."""
    query = select(Framework).where(Framework.code == code).order_by(col(Framework.version))
    if not sees_drafts(user):
        query = query.where(Framework.status != FrameworkStatus.DRAFT)
    return list(session.exec(query))


def get_version(session: Session, code: str, version: int, *, user: User | None = None) -> Framework:
    found = session.exec(select(Framework).where(Framework.code == code, Framework.version == version)).first()
    if found is None or (found.status == FrameworkStatus.DRAFT and not sees_drafts(user)):
        raise FrameworkNotFound(_("Version %(version)s du référentiel %(code)s introuvable.")
                                % {"code": code, "version": version})
    return found


def latest_published(session: Session, code: str) -> Framework:
    """The version in force: the highest published one (publishing retires nothing by itself)."""
    found = session.exec(
        select(Framework).where(Framework.code == code, Framework.status == FrameworkStatus.PUBLISHED)
        .order_by(col(Framework.version).desc())
    ).first()
    if found is None:
        raise FrameworkNotFound(_("Le référentiel %(code)s n'a aucune version publiée.") % {"code": code})
    return found


def current(session: Session, code: str, *, user: User | None = None) -> Framework:
    """The latest published version; else, for those who see drafts, the latest version."""
    try:
        return latest_published(session, code)
    except FrameworkNotFound:
        found = versions(session, code, user=user)
        if not found:
            raise FrameworkNotFound(_("Référentiel %(code)s introuvable.") % {"code": code}) from None
        return found[-1]


@dataclass(frozen=True)
class Listing:
    """One framework in the list: its latest visible version and every version's number and status."""

    latest: Framework
    versions: tuple[Framework, ...]
    counts: dict[str, int]


def search(session: Session, query: str = "", *, user: User | None = None) -> list[Listing]:
    """Frameworks whose code, title (French or English) or ISCO-08 code contains `query`, by code."""
    statement = select(Framework).order_by(col(Framework.code), col(Framework.version))
    if not sees_drafts(user):
        statement = statement.where(Framework.status != FrameworkStatus.DRAFT)
    if query := query.strip()[:100]:
        # autoescape: a % or _ typed in the search box is a character, not a wildcard.
        fields = (Framework.code, Framework.title_fr, Framework.title_en, Framework.isco08)
        statement = statement.where(or_(*(col(f).icontains(query, autoescape=True) for f in fields)))
    grouped: dict[str, list[Framework]] = {}
    for row in session.exec(statement):
        grouped.setdefault(row.code, []).append(row)
    counts = node_counts(session, [rows[-1] for rows in grouped.values()])
    return [Listing(rows[-1], tuple(rows), counts[rows[-1].id]) for rows in grouped.values()]


def node_counts(session: Session, frameworks: list[Framework]) -> dict[int | None, dict[str, int]]:
    """Units and criteria of each version, in two queries."""
    ids = [f.id for f in frameworks]
    result: dict[int | None, dict[str, int]] = {i: {"units": 0, "criteria": 0} for i in ids}
    for table, key in ((FrameworkUnit, "units"), (FrameworkCriterion, "criteria")):
        column = col(table.framework_id)
        rows = session.exec(select(column, func.count()).where(column.in_(ids)).group_by(column))
        for framework_id, number in rows:
            result[framework_id][key] = number
    return result


def summary(framework: Framework, counts: dict[str, int]) -> dict[str, Any]:
    """A version as `acquis frameworks list --json` and the JSON API list it."""
    return {
        "code": framework.code,
        "version": framework.version,
        "status": framework.status.value,
        "title": {"fr": framework.title_fr, "en": framework.title_en},
        "isco08": framework.isco08,
        "esco_occupation_uri": framework.esco_occupation_uri,
        "units": counts["units"],
        "criteria": counts["criteria"],
        "published_at": framework.published_at.isoformat() if framework.published_at else None,
        "retired_at": framework.retired_at.isoformat() if framework.retired_at else None,
    }


def summary_line(entry: dict[str, Any]) -> str:
    """A summary on one line, for `acquis frameworks list`."""
    return (f"{entry['code']}  v{entry['version']}  {entry['status']:<9}  ISCO {entry['isco08'] or '-':<4}  "
            f"{entry['units']} units  {entry['criteria']} criteria  {entry['title']['fr']}")


def summaries(session: Session) -> list[dict[str, Any]]:
    """Every version of every framework, by code then version."""
    rows = list(session.exec(select(Framework).order_by(col(Framework.code), col(Framework.version))))
    counts = node_counts(session, rows)
    return [summary(row, counts[row.id]) for row in rows]


# --- a version's life --------------------------------------------------------------------------------


def checked_tree(session: Session, framework: Framework) -> FrameworkIn:
    """The version as a complete framework, or DraftIncomplete saying what is missing."""
    outline = tree.outline(session, framework)
    if not outline.units:
        raise DraftIncomplete(_("Le référentiel n'a encore aucune unité."))
    for unit in outline.units:
        for element in unit.elements:
            if not element.criteria:
                message = _("L'élément %(code)s n'a encore aucun critère.") % {"code": element.row.code}
                raise DraftIncomplete(message)
    try:
        return FrameworkIn.model_validate(tree.tree_data(outline))
    except ValidationError as error:
        raise DraftIncomplete(f"{gettext(DraftIncomplete.default_message)} {rule_broken(error.errors()[0])}") from None


def create_version(session: Session, data: FrameworkIn, *, settings: dict[str, Any], version: int,
                   based_on: Framework | None) -> Framework:
    """Store `data` as a new draft version (the caller audits why)."""
    row = Framework(code=data.code, version=version, status=FrameworkStatus.DRAFT,
                    based_on_id=based_on.id if based_on else None, **tree.framework_columns(data, settings))
    session.add(row)
    session.flush()
    tree.add_nodes(session, row, data)
    return row


def replace_draft(session: Session, framework: Framework, data: FrameworkIn, *, settings: dict[str, Any]) -> None:
    """Give a draft the content of `data`, keeping its row and number (the caller audits)."""
    refuse_unless_draft(framework)
    tree.delete_nodes(session, framework)
    for name, value in tree.framework_columns(data, settings).items():
        setattr(framework, name, value)
    session.flush()
    tree.add_nodes(session, framework, data)


def refuse_unless_draft(framework: Framework) -> None:
    if framework.status != FrameworkStatus.DRAFT:
        raise VersionImmutable()


def publish(session: Session, framework: Framework, *, by: User | None) -> Framework:
    """Make a complete draft the version in force; earlier published versions stay published."""
    if framework.status != FrameworkStatus.DRAFT:
        raise NotADraft()
    checked_tree(session, framework)
    framework.status, framework.published_at = FrameworkStatus.PUBLISHED, utcnow()
    session.flush()
    record(session, framework, "framework.published", by=by)
    return framework


def retire(session: Session, framework: Framework, *, by: User | None) -> Framework:
    """No new dossier may use this version; dossiers and certificates that did keep it."""
    if framework.status != FrameworkStatus.PUBLISHED:
        raise NotPublished()
    framework.status, framework.retired_at = FrameworkStatus.RETIRED, utcnow()
    session.flush()
    record(session, framework, "framework.retired", by=by)
    return framework


def new_version(session: Session, framework: Framework, *, by: User | None) -> Framework:
    """The draft that edits `framework`: the open draft of its code if there is one, else a copy
    of `framework` numbered after the highest version."""
    all_versions = versions(session, framework.code)
    drafts = [v for v in all_versions if v.status == FrameworkStatus.DRAFT]
    if drafts:
        return drafts[-1]
    data = tree.read(session, framework)
    settings = {name: getattr(framework, name) for name in tree.SETTINGS}
    draft = create_version(session, data, settings=settings, version=all_versions[-1].version + 1,
                           based_on=framework)
    record(session, draft, "framework.version_created", by=by, based_on=framework.version)
    return draft


def compare_versions(session: Session, old: Framework, new: Framework) -> FrameworkDiff:
    """What changed from `old` to `new`; unfinished drafts compare too."""
    return compare(tree.read(session, old, check=False), tree.read(session, new, check=False))


def record(session: Session, framework: Framework, action: str, *, by: User | None, **detail: Any) -> None:
    audit.record(session, actor=by, action=action, entity_type="framework", entity_id=framework.id,
                 detail={"code": framework.code, "version": framework.version, **detail})
