"""Write frameworks as YAML (the canonical shape), flat CSV or a CASE 1.1 package."""

import codecs
import csv
import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import yaml

from validation.frameworks.case_package import (
    ALIGNMENTS,
    EXTENSION,
    ISCO_PREFIX,
    STRUCTURE,
    CFAssociation,
    CFDocument,
    CFItem,
    CFPackage,
    Link,
    derived_id,
)
from validation.frameworks.csv_reader import COLUMNS, ESCAPED_STARTS, EVIDENCE_SEPARATOR
from validation.frameworks.importers import Format
from validation.frameworks.inputs import (
    AlignmentIn,
    CriterionIn,
    ElementIn,
    FrameworkFile,
    FrameworkIn,
    Kind,
    Node,
    NodePath,
    Text,
    UnitIn,
)

SETTINGS = ("rating_scale", "feedback_scale", "evidence_types", "default_rules")
ITEM_TYPES = {"unit": "Unit", "element": "Element", "criterion": "Performance criterion"}
MAP, SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def write(file: FrameworkFile, *, format: Format, changed_at: datetime | None = None) -> bytes:
    """The file in `format`; a CASE package holds exactly one framework."""
    if format == "case":
        return write_case(file, changed_at=changed_at)
    return write_yaml(file) if format == "yaml" else write_csv(file)


# --- YAML ----------------------------------------------------------------------------------------


class Flow(dict[str, Any]):
    """A mapping written on one line, as the demo file writes titles and criteria."""


class FlowList(list[Any]):
    """A list written on one line: `[practical_task, photo_of_work]`."""


class Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as the demo file does.
        return super().increase_indent(flow, False)


Dumper.add_representer(Flow, lambda d, v: d.represent_mapping(MAP, v, flow_style=True))
Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence(SEQ, v, flow_style=True))


def write_yaml(file: FrameworkFile) -> bytes:
    """The demo file's shape: its keys in its order, empty values left out."""
    document: dict[str, Any] = {"schema_version": file.schema_version}
    for key in SETTINGS:
        if (value := getattr(file, key)) is not None:
            document[key] = FlowList(value) if key == "evidence_types" else value
    document["frameworks"] = [_framework_yaml(framework) for framework in file.frameworks]
    header = "# ILLUSTRATIVE DEMO DATA, NOT AN OFFICIAL STANDARD\n"
    text = yaml.dump(document, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=4096)
    return ((header if any(f.illustrative for f in file.frameworks) else "") + text).encode()


def _framework_yaml(framework: FrameworkIn) -> dict[str, Any]:
    level, rule = framework.level_indicative, framework.qualification_rule
    return _present(
        code=framework.code,
        version=framework.version,
        illustrative=framework.illustrative or None,
        title=_text(framework.title),
        description=_text(framework.description),
        isco08=framework.isco08,
        esco_occupation_uri=framework.esco_occupation_uri,
        alignments=_alignments(framework.alignments),
        level_indicative=Flow(_present(**level.model_dump())) if level else None,
        min_experience_months=framework.min_experience_months,
        prerequisites=[Flow(_present(**p.model_dump())) for p in framework.prerequisites],
        units=[_unit_yaml(unit) for unit in framework.units],
        qualification_rule=Flow(
            mandatory_units=FlowList(rule.mandatory_units), optional_required=rule.optional_required
        )
        if rule
        else None,
    )


def _unit_yaml(unit: UnitIn) -> dict[str, Any]:
    return _present(
        code=unit.code,
        mandatory=unit.mandatory,
        title=_text(unit.title),
        alignments=_alignments(unit.alignments),
        elements=[_element_yaml(element) for element in unit.elements],
        criteria=[_criterion_yaml(criterion) for criterion in unit.criteria],
        evidence_guidance=_text(unit.evidence_guidance),
        required_evidence=FlowList(unit.required_evidence),
        currency_years=unit.currency_years,
    )


def _element_yaml(element: ElementIn) -> dict[str, Any]:
    return _present(
        code=element.code,
        title=_text(element.title),
        alignments=_alignments(element.alignments),
        criteria=[_criterion_yaml(criterion) for criterion in element.criteria],
    )


def _criterion_yaml(criterion: CriterionIn) -> Flow:
    fields = _present(code=criterion.code, critical=criterion.critical or None)
    alignments = _present(alignments=_alignments(criterion.alignments))
    return Flow(fields | (_text(criterion.text) or {}) | alignments)


def _alignments(alignments: list[AlignmentIn]) -> list[Flow]:
    return [Flow(_present(relation=a.relation, uri=a.uri, title=a.title)) for a in alignments]


def _text(text: Text | None) -> Flow | None:
    return Flow(_present(**text.model_dump())) if text else None


def _present(**fields: Any) -> dict[str, Any]:
    """The fields that hold something: no None, no empty list."""
    return {key: value for key, value in fields.items() if value is not None and value != []}


# --- CSV -----------------------------------------------------------------------------------------


def write_csv(file: FrameworkFile) -> bytes:
    """One row per node, framework first, then every unit followed by what it holds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for framework in file.frameworks:
        writer.writerow(_csv_cells(framework.code, _framework_row(framework)))
        for _, kind, node, parent in framework.nodes():
            cells = {"node_type": kind, "parent_code": parent, "code": node.code}
            writer.writerow(_csv_cells(framework.code, cells | _node_row(node)))
    # Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark.
    return codecs.BOM_UTF8 + out.getvalue().encode()


def _framework_row(framework: FrameworkIn) -> dict[str, str]:
    return {
        "node_type": "framework",
        "code": framework.code,
        **_csv_text("title", framework.title),
        **_csv_text("statement", framework.description),
        "isco08": framework.isco08 or "",
        "esco_uri": framework.esco_occupation_uri or "",
    }


def _node_row(node: Node) -> dict[str, str]:
    if isinstance(node, CriterionIn):
        return {"critical": _flag(node.critical), **_csv_text("statement", node.text)}
    if isinstance(node, ElementIn):
        return _csv_text("title", node.title)
    return {
        **_csv_text("title", node.title),
        **_csv_text("statement", node.evidence_guidance),
        "mandatory": _flag(node.mandatory),
        "required_evidence": EVIDENCE_SEPARATOR.join(node.required_evidence),
        "currency_years": "" if node.currency_years is None else str(node.currency_years),
    }


def _csv_cells(framework_code: str, cells: dict[str, str]) -> list[str]:
    values = {"framework_code": framework_code, **cells}
    return [_defused(values.get(name) or "") for name in COLUMNS]


def _csv_text(prefix: str, text: Text | None) -> dict[str, str]:
    return {f"{prefix}_fr": text.fr, f"{prefix}_en": text.en or ""} if text else {}


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _defused(value: str) -> str:
    # A leading quote makes spreadsheets show the text instead of running it; the CSV reader
    # removes it again, so the round trip gives the same framework.
    return "'" + value if value.startswith(ESCAPED_STARTS) else value


# --- CASE ----------------------------------------------------------------------------------------


def write_case(file: FrameworkFile, *, changed_at: datetime | None = None) -> bytes:
    """A CFPackage: kept CASE identifiers come back; the others are derived from the framework
    code, version and node code, so every export of a version gives the same ones.

    `changed_at` stamps what has no kept lastChangeDateTime (default: now).
    """
    if len(file.frameworks) != 1:
        raise ValueError("a CASE package holds exactly one framework")
    stamp = (changed_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    package = CaseWriter(file.frameworks[0], stamp).package()
    settings = {key: value for key in SETTINGS if (value := getattr(file, key)) is not None}
    if settings:
        package.extensions = {EXTENSION: {"schema_version": file.schema_version, **settings}}
    # default=str: YAML may hold dates in the free-form settings; JSON has no date type.
    return (json.dumps(package.dump(), ensure_ascii=False, indent=2, default=str) + "\n").encode()


class CaseWriter:
    """Builds the package of one framework: document, items in reading order, associations."""

    def __init__(self, framework: FrameworkIn, stamp: str) -> None:
        self.framework, self.stamp = framework, stamp
        kept = framework.case
        identifier = kept.identifier if kept else self._id()
        uri = (kept.uri if kept else None) or f"urn:uuid:{identifier}"
        self.document_link = Link(title=framework.title.fr, identifier=identifier, uri=uri)
        self.links = {framework.code: self.document_link}

    def _id(self, *parts: str) -> str:
        return derived_id(self.framework.code, self.framework.version, *parts)

    def package(self) -> CFPackage:
        items, associations, aligned = [], [], []
        for path, kind, node, parent in self.framework.nodes():
            items.append(self._item(kind, node))
            associations.append(self._child_of(path, node, parent))
            aligned += [(node.code, alignment) for alignment in node.alignments]
        associations += self._occupations()
        associations += [self._alignment(self.framework.code, a) for a in self.framework.alignments]
        associations += [self._alignment(code, alignment) for code, alignment in aligned]
        return CFPackage(document=self._document(), items=items, associations=associations)

    def _document(self) -> CFDocument:
        framework, kept, link = self.framework, self.framework.case, self.document_link
        extra = _present(
            code=framework.code,
            illustrative=framework.illustrative or None,
            title=_translations(framework.title) or None,
            description=_translations(framework.description) or None,
            level_indicative=framework.level_indicative.model_dump(exclude_none=True)
            if framework.level_indicative
            else None,
            min_experience_months=framework.min_experience_months,
            prerequisites=[p.model_dump(exclude_none=True) for p in framework.prerequisites],
            qualification_rule=_dump(framework.qualification_rule),
        )
        return CFDocument(
            identifier=link.identifier or "",
            uri=link.uri,
            creator=(kept.creator if kept else None) or "Acquis",
            title=framework.title.fr,
            last_change=(kept.changed if kept else None) or self.stamp,
            publisher=kept.publisher if kept else None,
            description=framework.description.fr if framework.description else None,
            language=(kept.language if kept else None) or "fr",
            version=str(framework.version) if framework.version else (kept.version if kept else None),
            adoption_status=kept.adoption_status if kept else None,
            case_version="1.1",
            extensions={EXTENSION: extra},
        )

    def _item(self, kind: Kind, node: Node) -> CFItem:
        kept = node.case
        identifier = kept.identifier if kept else self._id(node.code)
        text = node.text if isinstance(node, CriterionIn) else node.title
        uri = (kept.uri if kept else None) or f"urn:uuid:{identifier}"
        self.links[node.code] = Link(title=text.fr, identifier=identifier, uri=uri)
        return CFItem(
            identifier=identifier,
            uri=uri,
            full_statement=text.fr,
            human_coding_scheme=node.code,
            item_type=(kept.item_type if kept else None) or ITEM_TYPES[kind],
            last_change=(kept.changed if kept else None) or self.stamp,
            document=self.document_link,
            extensions={EXTENSION: data} if (data := _item_data(node)) else None,
        )

    def _child_of(self, path: NodePath, node: Node, parent: str) -> CFAssociation:
        kept = node.case
        identifier = (kept.link if kept else None) or self._id(node.code, STRUCTURE)
        return CFAssociation(
            identifier=identifier,
            uri=(kept.link_uri if kept else None) or f"urn:uuid:{identifier}",
            association_type=STRUCTURE,
            sequence_number=int(path[-1]) + 1,
            origin=self.links[node.code],
            destination=self.links[parent],
            last_change=(kept.changed if kept else None) or self.stamp,
            document=self.document_link,
        )

    def _occupations(self) -> list[CFAssociation]:
        """The framework's ISCO group and ESCO occupation, unless an alignment already says so."""
        framework = self.framework
        alignments = [*framework.alignments]
        alignments += [a for _, _, node, _ in framework.nodes() for a in node.alignments]
        said = {a.uri for a in alignments if a.relation == ALIGNMENTS[0]}
        isco = f"{ISCO_PREFIX}{framework.isco08}" if framework.isco08 else None
        targets = {isco: f"ISCO-08 {framework.isco08}", framework.esco_occupation_uri: "ESCO occupation"}
        return [
            self._alignment(framework.code, AlignmentIn(uri=uri, title=title))
            for uri, title in targets.items()
            if uri and uri not in said
        ]

    def _alignment(self, code: str, alignment: AlignmentIn) -> CFAssociation:
        kept = alignment.case
        identifier = kept.identifier if kept else self._id(code, alignment.relation, alignment.uri)
        target = kept.target if kept else None
        target = target or str(uuid.uuid5(uuid.NAMESPACE_URL, alignment.uri))
        return CFAssociation(
            identifier=identifier,
            uri=(kept.uri if kept else None) or f"urn:uuid:{identifier}",
            association_type=alignment.relation,
            origin=self.links[code],
            destination=Link(title=alignment.title, identifier=target, uri=alignment.uri),
            last_change=(kept.changed if kept else None) or self.stamp,
            document=self.document_link,
        )


def _item_data(node: Node) -> dict[str, Any]:
    """What CASE has no field for, kept in the item's extensions for the next import."""
    if isinstance(node, CriterionIn):
        return {"critical": node.critical, **_translations(node.text)}
    if isinstance(node, ElementIn):
        return _present(title=_translations(node.title) or None)
    return _present(
        title=_translations(node.title) or None,
        mandatory=node.mandatory,
        evidence_guidance=_dump(node.evidence_guidance),
        required_evidence=node.required_evidence,
        currency_years=node.currency_years,
    )


def _translations(text: Text | None) -> dict[str, str]:
    """Every language but French, which the statement itself carries."""
    return _present(**text.model_dump(exclude={"fr"})) if text else {}


def _dump(model: Any) -> dict[str, Any] | None:
    return model.model_dump(exclude_none=True) if model is not None else None
