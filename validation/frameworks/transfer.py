"""Framework files into and out of the database: the one path the command line and the web share.

Importing a framework whose code is known (what a registrar expects, documented in the CLI help):

- the file names a version that exists: the same content is "unchanged" (importing twice is
  harmless); other content replaces it if it is a draft, and is refused if it is published or
  retired, since published versions never change;
- the file names a new version: it is created, as a draft;
- the file names no version (CSV never does): it is compared with the latest version; the same
  content is "unchanged", other content replaces the latest if it is a draft, else becomes the
  next version, as a draft.

`publish=True` then publishes what the file left as a draft. A file is imported whole or not at
all: the caller commits only when every framework of every file went in.
"""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from acquis.auth.models import User
from acquis.errors import Conflict, Invalid
from acquis.i18n import N_, _
from validation.frameworks import importers, service, tree
from validation.frameworks.case_package import ISCO_PREFIX
from validation.frameworks.exporters import write, write_csv, write_yaml
from validation.frameworks.importers import Format
from validation.frameworks.inputs import FrameworkFile, FrameworkIn
from validation.frameworks.models import Framework, FrameworkStatus
from validation.frameworks.reading import refuse, rule_broken

DEMO_FILE = Path(__file__).resolve().parents[1] / "data" / "demo-frameworks.yaml"


class FileFormat(StrEnum):
    """The formats `acquis frameworks export --format` writes."""

    YAML = "yaml"
    CSV = "csv"
    CASE = "case"


EXTENSIONS: dict[Format, str] = {"yaml": "yaml", "csv": "csv", "case": "json"}
MEDIA_TYPES: dict[Format, str] = {"yaml": "application/yaml", "csv": "text/csv", "case": "application/json"}


class ImportConflict(Conflict):
    """The file would change a published or retired version."""

    code = "framework-import-conflict"
    default_message = N_("Ce fichier modifierait une version publiée.")


class ExportRefused(Invalid):
    """The export asked for cannot be written as one file."""

    code = "framework-export-refused"
    default_message = N_("Cet export n'est pas possible.")


@dataclass(frozen=True)
class Imported:
    """What importing one framework of a file did: created, replaced or unchanged."""

    source: str
    code: str
    version: int
    outcome: str
    status: str

    def line(self) -> str:
        return f"{self.source}: {self.code} v{self.version}: {self.outcome} ({self.status})"


# --- import -----------------------------------------------------------------------------------------


def import_files(session: Session, paths: list[Path], *, publish: bool, by: User | None) -> list[Imported]:
    """Every framework of every file, or a refusal naming the file, the place and the rule.

    All files are read and checked before anything is written.
    """
    files = [(path.name, importers.read(path)) for path in paths]
    return [done for name, file in files for done in _import(session, name, file, publish=publish, by=by)]


def import_upload(session: Session, data: bytes, *, filename: str | None, publish: bool,
                  by: User | None) -> list[Imported]:
    """An uploaded file, the format chosen by its name's extension."""
    # Only the last part of the name: a browser may send a path, and it only labels messages.
    name = Path((filename or "").replace("\\", "/")).name or "upload"
    return _import(session, name, importers.read(data, source=name), publish=publish, by=by)


def _import(session: Session, source: str, file: FrameworkFile, *, publish: bool,
            by: User | None) -> list[Imported]:
    fmt: Format = importers.FORMATS.get(Path(source).suffix.lower(), "yaml")
    settings = tree.settings_of(file)
    results = []
    for data in file.frameworks:
        row, outcome = _import_framework(session, source, fmt, data, settings, by=by)
        if publish and row.status == FrameworkStatus.DRAFT:
            service.publish(session, row, by=by)
        results.append(Imported(source, row.code, row.version, outcome, row.status.value))
    return results


def _import_framework(session: Session, source: str, fmt: Format, data: FrameworkIn, settings: dict[str, Any], *,
                      by: User | None) -> tuple[Framework, str]:
    existing = service.versions(session, data.code)
    if data.version is None:
        target = existing[-1] if existing else None
    else:
        target = next((row for row in existing if row.version == data.version), None)
    if target is None:
        number = data.version or 1
        based_on = max((row for row in existing if row.version < number), key=lambda r: r.version, default=None)
        row = service.create_version(session, data, settings=settings, version=number, based_on=based_on)
        service.record(session, row, "framework.imported", by=by, format=fmt, outcome="created")
        return row, "created"
    if fmt == "csv":
        data, settings = _carried_over(session, source, target, data)
    if _same(session, target, data, settings, fmt):
        return target, "unchanged"
    if target.status == FrameworkStatus.DRAFT:
        service.replace_draft(session, target, data, settings=settings)
        service.record(session, target, "framework.imported", by=by, format=fmt, outcome="replaced")
        return target, "replaced"
    if data.version is not None:
        rule = _("la version %(version)s est publiée et diffère de ce fichier ; retirez « version » pour "
                 "l'importer comme nouvelle version")
        raise ImportConflict(str(refuse(source, f"item {data.code}", rule % {"version": data.version})))
    row = service.create_version(session, data, settings=settings, version=existing[-1].version + 1, based_on=target)
    service.record(session, row, "framework.imported", by=by, format=fmt, outcome="created")
    return row, "created"


def _carried_over(session: Session, source: str, previous: Framework,
                  data: FrameworkIn) -> tuple[FrameworkIn, dict[str, Any]]:
    """A CSV update keeps what CSV has no column for (level, prerequisites, rule...) from the
    version it updates; a spreadsheet edit must not silently drop them."""
    try:
        before = tree.read(session, previous)
    except ValidationError:
        before = tree.read(session, previous, check=False)  # an unfinished draft: keep what it has
    rule = before.qualification_rule
    if rule and not set(rule.mandatory_units) <= {unit.code for unit in data.units}:
        rule = None  # it names a unit the spreadsheet removed
    kept = data.model_copy(update={
        "illustrative": before.illustrative, "level_indicative": before.level_indicative,
        "min_experience_months": before.min_experience_months, "prerequisites": before.prerequisites,
        "qualification_rule": rule, "alignments": before.alignments, "case": before.case,
        "esco_occupation_uri": data.esco_occupation_uri or before.esco_occupation_uri,
    })
    settings = {name: getattr(previous, name) for name in tree.SETTINGS}
    try:
        FrameworkFile.model_validate({**settings, "frameworks": [kept.model_dump()]})
    except ValidationError as error:
        raise refuse(source, f"item {data.code}", rule_broken(error.errors()[0])) from None
    return kept, settings


def _same(session: Session, row: Framework, data: FrameworkIn, settings: dict[str, Any], fmt: Format) -> bool:
    """Whether the version already says what the file says, in the terms of the file's format."""
    try:
        stored = tree.read(session, row)
    except ValidationError:
        return False  # an unfinished draft differs from any valid file
    kept = {name: getattr(row, name) for name in tree.SETTINGS}

    def text(framework: FrameworkIn, file_settings: dict[str, Any]) -> bytes:
        # A CASE package states the ISCO group and ESCO occupation as alignments too: the same fact.
        implied = {f"{ISCO_PREFIX}{framework.isco08}", framework.esco_occupation_uri}
        alignments = [a for a in framework.alignments if not (a.relation == "exactMatchOf" and a.uri in implied)]
        unversioned = framework.model_copy(update={"version": None, "alignments": alignments})
        file = FrameworkFile.model_construct(**{**file_settings, "frameworks": [unversioned]})
        return write_csv(file) if fmt == "csv" else write_yaml(file)

    return text(stored, kept) == text(data, settings)


# --- export -----------------------------------------------------------------------------------------


def export(session: Session, codes: list[str], *, version: int | None = None, format: Format,
           user: User | None = None) -> bytes:
    """One or more frameworks as one file: a version asked for, else the latest published one (or,
    before any is published, the latest draft). CASE packages hold one framework each."""
    rows = chosen(session, codes, version=version, user=user)
    if format == "case" and len(rows) > 1:
        raise ExportRefused(_("Un paquet CASE contient un seul référentiel : exportez-les un par un."))
    file = file_of(session, rows)
    # The version's own date stamps what has no date of its own: exporting the same version twice
    # gives the same bytes.
    stamp = rows[0].published_at or rows[0].created_at
    return write(file, format=format, changed_at=stamp)


def chosen(session: Session, codes: list[str], *, version: int | None, user: User | None) -> list[Framework]:
    if not codes:
        raise ExportRefused(_("Indiquez au moins un code de référentiel."))
    if version is not None and len(codes) > 1:
        raise ExportRefused(_("Une version précise ne se demande que pour un seul référentiel."))
    if version is not None:
        return [service.get_version(session, codes[0], version, user=user)]
    return [service.current(session, code, user=user) for code in codes]


def file_of(session: Session, rows: list[Framework]) -> FrameworkFile:
    """The versions as one file; they must share their file-level settings (scales, evidence...)."""
    settings = [{name: getattr(row, name) for name in tree.SETTINGS} for row in rows]
    if any(other != settings[0] for other in settings[1:]):
        raise ExportRefused(_("Ces référentiels n'ont pas les mêmes réglages de fichier : exportez-les un par un."))
    frameworks = [service.checked_tree(session, row) for row in rows]
    return FrameworkFile.model_validate({**settings[0], "frameworks": frameworks})


def save(path: Path, data: bytes) -> None:
    """Write an export where the operator asked (`-o FILE`)."""
    try:
        path.write_bytes(data)
    except OSError as error:
        raise ExportRefused(_("%(path)s : écriture impossible (%(reason)s)")
                            % {"path": path, "reason": error.strerror}) from None


def file_name(framework: Framework, format: Format) -> str:
    return f"{framework.code}-v{framework.version}.{EXTENSIONS[format]}"


# --- demo -------------------------------------------------------------------------------------------


def seed_demo(session: Session) -> list[Framework]:
    """Import and publish the demo frameworks not in the database yet; a second run does nothing,
    and a demo framework someone has since edited is left as it is."""
    file = importers.read(DEMO_FILE)
    settings = tree.settings_of(file)
    added = []
    for data in file.frameworks:
        if service.versions(session, data.code):
            continue
        row = service.create_version(session, data, settings=settings, version=data.version or 1, based_on=None)
        service.record(session, row, "framework.imported", by=None, format="yaml", outcome="created")
        added.append(service.publish(session, row, by=None))
    return added
