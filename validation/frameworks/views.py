"""Framework pages: the list and search, a version's tree, comparison, import, export, publication."""

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from acquis.auth.guard import AdminDep, UserDep
from acquis.auth.models import Role, User
from acquis.db import SessionDep
from acquis.errors import AcquisError
from acquis.web import render, show_refusal
from validation.frameworks import editing, labels, service, transfer, tree
from validation.frameworks.importers import Format
from validation.frameworks.inputs import Kind
from validation.frameworks.models import Framework, FrameworkStatus
from validation.frameworks.reading import MAX_BYTES

router = APIRouter()

PAGE, TREE = "validation/frameworks/framework.html", "validation/frameworks/_framework_tree.html"
LABELS: dict[str, Any] = {"status_labels": labels.STATUS_LABELS, "kind_labels": labels.KIND_LABELS,
                          "field_labels": labels.FIELD_LABELS}
Text = Annotated[str, Form(max_length=5000)]


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN


# --- list, search, import -------------------------------------------------------------------------------


@router.get("/frameworks", name="list_frameworks")
def list_frameworks(request: Request, session: SessionDep, user: UserDep, q: str = "") -> Response:
    """Every framework the user may see; `q` searches codes, titles and ISCO-08 codes."""
    return _list(request, session, user, q=q)


@router.post("/frameworks/import", name="import_frameworks")
def import_frameworks(request: Request, session: SessionDep, user: AdminDep, file: Annotated[UploadFile, File()],
                      publish: Annotated[bool, Form()] = False) -> Response:
    """A YAML, CSV or CASE file, taken whole or refused whole (see validation/frameworks/transfer.py)."""
    data = file.file.read(MAX_BYTES + 1)
    try:
        imported = transfer.import_upload(session, data, filename=file.filename, publish=publish, by=user)
    except AcquisError as problem:
        return show_refusal(session, problem, lambda problem: _list(
            request, session, user, status_code=problem.status_code, import_error=problem.message))
    session.commit()
    return _list(request, session, user, imported=imported)


def _list(request: Request, session: Session, user: User, *, q: str = "", status_code: int = 200,
          **context: Any) -> Response:
    listings = service.search(session, q, user=user)
    return render(request, "validation/frameworks/framework_list.html", "validation/frameworks/_framework_rows.html",
                  status_code=status_code, listings=listings, q=q, is_admin=_is_admin(user), **LABELS, **context)


# --- one version ----------------------------------------------------------------------------------------


@router.get("/frameworks/{code}", name="show_current_framework")
def show_current_framework(request: Request, session: SessionDep, user: UserDep, code: str) -> Response:
    """The version in force (the latest published), or the latest draft before any is published."""
    framework = service.current(session, code, user=user)
    return RedirectResponse(_url(request, framework), status_code=303)


@router.get("/frameworks/{code}/compare", name="compare_framework_versions")
def compare_framework_versions(request: Request, session: SessionDep, user: UserDep, code: str,
                               old: int | None = None, new: int | None = None) -> Response:
    """Units, elements and criteria added, removed or changed from one version to another."""
    versions = service.versions(session, code, user=user)
    if not versions:
        raise service.FrameworkNotFound()
    newer = service.get_version(session, code, new, user=user) if new else versions[-1]
    older = service.get_version(session, code, old, user=user) if old else _before(versions, newer)
    changes = service.compare_versions(session, older, newer)
    return render(request, "validation/frameworks/framework_compare.html", code=code, versions=versions, old=older,
                  new=newer, changes=changes, **LABELS)


def _before(versions: list[Framework], framework: Framework) -> Framework:
    earlier = [v for v in versions if v.version < framework.version]
    return earlier[-1] if earlier else framework


@router.get("/frameworks/{code}/{version:int}", name="show_framework")
def show_framework(request: Request, session: SessionDep, user: UserDep, code: str, version: int) -> Response:
    framework = service.get_version(session, code, version, user=user)
    return _page(request, session, framework, user)


def _page(request: Request, session: Session, framework: Framework, user: User, *, status_code: int = 200,
          error: str | None = None) -> Response:
    outline = tree.outline(session, framework)
    editable = _is_admin(user) and framework.status == FrameworkStatus.DRAFT
    versions = service.versions(session, framework.code, user=user)
    return render(request, PAGE, TREE, status_code=status_code, framework=framework, outline=outline,
                  versions=versions, previous=_before(versions, framework), editable=editable,
                  is_admin=_is_admin(user), error=error, **LABELS)


@router.get("/frameworks/{code}/{version:int}/export", name="export_framework")
def export_framework(session: SessionDep, user: UserDep, code: str, version: int, format: Format = "yaml") -> Response:
    """The version as a YAML, CSV or CASE 1.1 file to download."""
    framework = service.get_version(session, code, version, user=user)
    data = transfer.export(session, [code], version=version, format=format, user=user)
    name = transfer.file_name(framework, format)
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=transfer.MEDIA_TYPES[format], headers={"Content-Disposition": disposition})


# --- a version's life (admin) ----------------------------------------------------------------------------


@router.post("/frameworks/{code}/{version:int}/publish", name="publish_framework")
def publish_framework(request: Request, session: SessionDep, user: AdminDep, code: str, version: int) -> Response:
    framework = service.publish(session, service.get_version(session, code, version, user=user), by=user)
    session.commit()
    return RedirectResponse(_url(request, framework), status_code=303)


@router.post("/frameworks/{code}/{version:int}/retire", name="retire_framework")
def retire_framework(request: Request, session: SessionDep, user: AdminDep, code: str, version: int) -> Response:
    framework = service.retire(session, service.get_version(session, code, version, user=user), by=user)
    session.commit()
    return RedirectResponse(_url(request, framework), status_code=303)


@router.post("/frameworks/{code}/{version:int}/new-version", name="create_framework_version")
def create_framework_version(request: Request, session: SessionDep, user: AdminDep, code: str,
                             version: int) -> Response:
    """Editing a published version: its next draft (the open draft if there is one)."""
    draft = service.new_version(session, service.get_version(session, code, version, user=user), by=user)
    session.commit()
    return RedirectResponse(_url(request, draft), status_code=303)


def _url(request: Request, framework: Framework, anchor: str = "") -> str:
    url = str(request.url_for("show_framework", code=framework.code, version=framework.version))
    return f"{url}#{anchor}" if anchor else url


# --- editing a draft (admin) ----------------------------------------------------------------------------
# Each edit answers htmx with the refreshed tree, and a plain form with a redirect to the page.


def _edit(request: Request, session: Session, user: User, code: str, version: int,
          change: Callable[[Framework], Any]) -> Response:
    framework = service.get_version(session, code, version, user=user)
    try:
        changed = change(framework)
    except editing.EditInvalid as problem:
        htmx = request.headers.get("HX-Request") == "true"
        # htmx swaps only 2xx answers: the refusal must still reach the editor's screen.
        return show_refusal(session, problem, lambda problem: _page(
            request, session, framework, user, status_code=200 if htmx else problem.status_code,
            error=problem.message))
    session.commit()
    if request.headers.get("HX-Request") == "true":
        return _page(request, session, framework, user)
    kind = next((kind for kind, table in editing.TABLES.items() if isinstance(changed, table)), None)
    anchor = f"{kind}-{changed.id}" if kind else "framework-tree"
    return RedirectResponse(_url(request, framework, anchor), status_code=303)


@router.post("/frameworks/{code}/{version:int}/details", name="update_framework_details")
def update_framework_details(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                             title_fr: Text = "", title_en: Text = "", isco08: Text = "",
                             esco_occupation_uri: Text = "", eqf_like: Text = "", national_label: Text = "",
                             min_experience_months: Text = "") -> Response:
    values = {"title_fr": title_fr, "title_en": title_en, "isco08": isco08, "eqf_like": eqf_like,
              "esco_occupation_uri": esco_occupation_uri, "national_label": national_label,
              "min_experience_months": min_experience_months}
    return _edit(request, session, user, code, version,
                 lambda f: editing.update_details(session, f, by=user, **values))


@router.post("/frameworks/{code}/{version:int}/units", name="add_framework_unit")
def add_framework_unit(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                       node_code: Text = "", fr: Text = "", en: Text = "") -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.add_unit(session, f, code=node_code, fr=fr, en=en, by=user))


@router.post("/frameworks/{code}/{version:int}/unit/{node_id:int}/elements", name="add_framework_element")
def add_framework_element(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                          node_id: int, node_code: Text = "", fr: Text = "", en: Text = "") -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.add_element(session, f, node_id, code=node_code, fr=fr, en=en, by=user))


@router.post("/frameworks/{code}/{version:int}/{kind}/{node_id:int}/criteria", name="add_framework_criterion")
def add_framework_criterion(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                            kind: Kind, node_id: int, node_code: Text = "", fr: Text = "", en: Text = "",
                            critical: Annotated[bool, Form()] = False) -> Response:
    return _edit(request, session, user, code, version, lambda f: editing.add_criterion(
        session, f, kind, node_id, code=node_code, fr=fr, en=en, critical=critical, by=user))


@router.post("/frameworks/{code}/{version:int}/{kind}/{node_id:int}/rename", name="rename_framework_node")
def rename_framework_node(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                          kind: Kind, node_id: int, fr: Text = "", en: Text = "") -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.rename(session, f, kind, node_id, fr=fr, en=en, by=user))


@router.post("/frameworks/{code}/{version:int}/{kind}/{node_id:int}/move", name="move_framework_node")
def move_framework_node(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                        kind: Kind, node_id: int, direction: Annotated[editing.Direction, Form()]) -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.move(session, f, kind, node_id, direction=direction, by=user))


@router.post("/frameworks/{code}/{version:int}/criterion/{node_id:int}/critical", name="mark_framework_criterion")
def mark_framework_criterion(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                             node_id: int, critical: Annotated[bool, Form()] = False) -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.set_critical(session, f, node_id, critical=critical, by=user))


@router.post("/frameworks/{code}/{version:int}/{kind}/{node_id:int}/delete", name="delete_framework_node")
def delete_framework_node(request: Request, session: SessionDep, user: AdminDep, code: str, version: int,
                          kind: Kind, node_id: int) -> Response:
    return _edit(request, session, user, code, version,
                 lambda f: editing.delete(session, f, kind, node_id, by=user))
