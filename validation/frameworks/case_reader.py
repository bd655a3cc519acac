"""Read a 1EdTech CASE 1.1 package (CFPackage JSON) into the framework tree."""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from validation.frameworks.case_package import (
    ALIGNMENTS,
    STRUCTURE,
    CFAssociation,
    CFDocument,
    CFItem,
    CFPackage,
    Link,
    is_esco_occupation,
    isco_code,
    own_data,
)
from validation.frameworks.inputs import FrameworkFile, NodePath
from validation.frameworks.reading import Places, checked, refuse, text_of, validated

LANGUAGES = ("en", "bm", "ar")  # French is the fullStatement itself


def read_case(data: bytes, *, source: str) -> FrameworkFile:
    """The framework of a CASE package: top-level items become units, leaves criteria."""
    raw = _json(text_of(data, source), source)
    package = validated(CFPackage, raw, _raw_places(raw), source)
    tree = Tree(package.document.identifier, source)
    tree.fill(package)
    builder = Builder(package, tree, source)
    framework = builder.framework()
    # File-level settings (rating scale, evidence types...) travel in the package's extensions.
    settings = own_data(package.extensions)
    return checked({**settings, "frameworks": [framework]}, builder.places, source)


def _json(text: str, source: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise refuse(source, f"line {exc.lineno}", f"JSON syntax: {exc.msg}") from None
    except RecursionError:
        # Thousands of nested brackets exhaust the parser's stack; no package is that deep.
        raise refuse(source, "line 1", "nested too deeply") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("CFDocument"), dict):
        raise refuse(source, "line 1", "not a CASE package: no CFDocument object")
    return raw


def _raw_places(raw: dict[str, Any]) -> Places:
    """Name each object of the package by its code or identifier, for refusals."""
    places: Places = {(): "line 1", ("CFDocument",): f"item {raw['CFDocument'].get('identifier')}"}
    for key in ("CFItems", "CFAssociations"):
        objects = raw.get(key)
        for i, obj in enumerate(objects if isinstance(objects, list) else []):
            known = obj if isinstance(obj, dict) else {}
            name = known.get("humanCodingScheme") or known.get("identifier") or f"{key}[{i}]"
            places[(key, i)] = f"item {name}"
    return places


@dataclass
class Tree:
    """The isChildOf structure of a package, checked: one parent each, no cycle."""

    root: str
    source: str
    items: dict[str, CFItem] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)
    link: dict[str, CFAssociation] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    alignments: dict[str, list[CFAssociation]] = field(default_factory=dict)

    def name(self, identifier: str) -> str:
        item = self.items.get(identifier)
        return f"item {item.human_coding_scheme or identifier}" if item else f"item {identifier}"

    def fill(self, package: CFPackage) -> None:
        for item in package.items:
            if item.identifier in self.items or item.identifier == self.root:
                raise refuse(self.source, self.name(item.identifier), "duplicate identifier")
            self.items[item.identifier] = item
        uris = {item.uri: item.identifier for item in package.items if item.uri}
        uris |= {package.document.uri: self.root} if package.document.uri else {}
        for association in package.associations:
            origin = _target(association.origin, uris)
            destination = _target(association.destination, uris)
            if association.association_type == STRUCTURE:
                self._place(association, origin, destination)
            elif self._aligns(association, origin, destination):
                self.alignments.setdefault(origin, []).append(association)
        # Some tools leave top-level items without an isChildOf: they belong at the top.
        for orphan in self.items.keys() - self.parent.keys():
            self.parent[orphan] = self.root
        self._refuse_cycles()
        order = {identifier: i for i, identifier in enumerate(self.items)}
        for child, parent in self.parent.items():
            self.children.setdefault(parent, []).append(child)
        for siblings in self.children.values():
            siblings.sort(key=lambda child: (*_sequence(self.link.get(child)), order[child]))

    def _aligns(self, association: CFAssociation, origin: str, destination: str) -> bool:
        # Only links leaving the package are alignments; links between its own items (and
        # every other association type) carry nothing Acquis keeps.
        leaves = destination not in self.items and destination != self.root
        known = origin in self.items or origin == self.root
        kind = association.association_type in ALIGNMENTS
        return kind and leaves and known and bool(association.destination.uri)

    def _place(self, association: CFAssociation, child: str, parent: str) -> None:
        if child not in self.items:
            rule = f"isChildOf from {child}, which is not an item of this package"
            raise refuse(self.source, f"item {association.identifier or child}", rule)
        if parent not in self.items and parent != self.root:
            raise refuse(self.source, self.name(child), f"parent {parent} does not exist")
        if self.parent.get(child, parent) != parent:
            rule = f"two parents ({self.parent[child]} and {parent}); Acquis needs a tree"
            raise refuse(self.source, self.name(child), rule)
        self.parent[child] = parent
        self.link.setdefault(child, association)

    def _refuse_cycles(self) -> None:
        rooted = {self.root}  # identifiers known to lead up to the document
        for start in self.items:
            trail: dict[str, None] = {}  # the walk up from `start`, in order, with fast lookup
            node = start
            while node not in rooted:
                if node in trail:
                    steps = list(trail)
                    loop = [*steps[steps.index(node) :], node]
                    cycle = " → ".join(self.name(step).removeprefix("item ") for step in loop)
                    rule = f"cycle: {cycle} (each a child of the next)"
                    raise refuse(self.source, self.name(node), rule)
                trail[node] = None
                node = self.parent[node]
            rooted.update(trail)


def _target(link: Link, uris: dict[str, str]) -> str:
    """The identifier a link points at; by URI when the identifier is missing or unknown."""
    if link.identifier and link.identifier in uris.values():
        return link.identifier
    return uris.get(link.uri or "") or link.identifier or link.uri or ""


def _sequence(association: CFAssociation | None) -> tuple[bool, int]:
    number = association.sequence_number if association else None
    return (number is None, number or 0)  # numbered siblings first, the rest in package order


class Builder:
    """Turns the checked tree into a tree shaped like the YAML file, noting each node's item."""

    def __init__(self, package: CFPackage, tree: Tree, source: str) -> None:
        self.package, self.tree, self.source = package, tree, source
        self.language = (package.document.language or "").lower()
        self.places: Places = {(): "line 1"}

    def framework(self) -> dict[str, Any]:
        """The framework: the document's data, then its units in reading order."""
        document, path = self.package.document, ("frameworks", 0)
        self.places[path] = f"item {document.identifier}"
        ext = own_data(document.extensions)
        isco, esco = self._occupation(ext)
        units = [
            self._unit(child, (*path, "units", i), f"U{i + 1}")
            for i, child in enumerate(self.tree.children.get(self.tree.root, []))
        ]
        version = document.version or ""
        described = bool(document.description)  # CASE tools often write an empty one
        return ext | {
            "code": ext.get("code") or _code_from(document.title, document.identifier),
            "version": int(version) if version.isdigit() and int(version) > 0 else None,
            "title": self._text(document.title, ext.get("title"), document.language),
            "description": self._text(document.description, ext.get("description"), None)
            if described
            else None,
            "isco08": isco,
            "esco_occupation_uri": esco,
            "units": units,
            "alignments": [_alignment(a) for a in self.tree.alignments.get(self.tree.root, [])],
            "case": _document_kept(document),
        }

    def _occupation(self, ext: dict[str, Any]) -> tuple[str | None, str | None]:
        """The framework's ISCO group and ESCO occupation, from its exact-match alignments."""
        document = self.tree.alignments.get(self.tree.root, [])
        # A package may align one of its items, not the document, with the ISCO group.
        exact = [a.destination.uri for a in [*document, *self._item_alignments()] if _exact(a)]
        isco = ext.get("isco08") or next((isco_code(uri) for uri in exact if isco_code(uri)), None)
        esco = ext.get("esco_occupation_uri")
        esco = esco or next((uri for uri in exact if is_esco_occupation(uri)), None)
        return isco, esco

    def _item_alignments(self) -> list[CFAssociation]:
        return [a for origin in self.tree.items for a in self.tree.alignments.get(origin, [])]

    def _unit(self, identifier: str, path: NodePath, code: str) -> dict[str, Any]:
        node = self._titled(identifier, path, code)
        for i, child in enumerate(self.tree.children.get(identifier, [])):
            # A child with children of its own is an element; a leaf is a criterion.
            kind = "elements" if self.tree.children.get(child) else "criteria"
            build = self._element if kind == "elements" else self._criterion
            siblings = node.setdefault(kind, [])
            siblings.append(build(child, (*path, kind, len(siblings)), f"{node['code']}.{i + 1}"))
        return node

    def _element(self, identifier: str, path: NodePath, code: str) -> dict[str, Any]:
        node = self._titled(identifier, path, code)
        node["criteria"] = []
        for i, child in enumerate(self.tree.children.get(identifier, [])):
            if self.tree.children.get(child):
                rule = "too deep: Acquis frameworks hold units, elements and criteria only"
                raise refuse(self.source, self.tree.name(child), rule)
            child_path = (*path, "criteria", i)
            node["criteria"].append(self._criterion(child, child_path, f"{node['code']}.{i + 1}"))
        return node

    def _criterion(self, identifier: str, path: NodePath, code: str) -> dict[str, Any]:
        item = self.tree.items[identifier]
        self.places[path] = self.tree.name(identifier)
        ext = own_data(item.extensions)
        text = self._text(item.full_statement, ext, item.language)
        return ext | text | self._common(item, code)

    def _titled(self, identifier: str, path: NodePath, code: str) -> dict[str, Any]:
        item = self.tree.items[identifier]
        self.places[path] = self.tree.name(identifier)
        ext = own_data(item.extensions)
        title = self._text(item.full_statement, ext.get("title"), item.language)
        return ext | {"title": title} | self._common(item, code)

    def _common(self, item: CFItem, code: str) -> dict[str, Any]:
        link = self.tree.link.get(item.identifier)
        return {
            "code": item.human_coding_scheme or code,
            "alignments": [_alignment(a) for a in self.tree.alignments.get(item.identifier, [])],
            "case": {
                "identifier": item.identifier,
                "uri": item.uri,
                "changed": item.last_change,
                "item_type": item.item_type,
                "link": link.identifier if link else None,
                "link_uri": link.uri if link else None,
            },
        }

    def _text(self, full: str | None, extra: Any, language: str | None) -> dict[str, Any]:
        """French from the statement, other languages from Acquis's extension data."""
        # Extension data that is not a mapping is ignored: it cannot hold translations.
        given = extra if isinstance(extra, dict) else {}
        text = {lang: given[lang] for lang in LANGUAGES if lang in given}
        # An English-only package gets its statements in English too, so English pages show them.
        if "en" not in text and (language or self.language).lower().startswith("en"):
            text["en"] = full
        return text | {"fr": full or ""}


def _exact(association: CFAssociation) -> bool:
    return association.association_type == ALIGNMENTS[0]


def _alignment(association: CFAssociation) -> dict[str, Any]:
    destination = association.destination
    return {
        "relation": association.association_type,
        "uri": destination.uri,
        "title": destination.title,
        "case": {
            "identifier": association.identifier,
            "uri": association.uri,
            "changed": association.last_change,
            "target": destination.identifier,
        }
        if association.identifier
        else None,
    }


def _document_kept(document: CFDocument) -> dict[str, Any]:
    """What the document said that Acquis has no field for, kept for the next export."""
    return {
        "identifier": document.identifier,
        "uri": document.uri,
        "changed": document.last_change,
        "creator": document.creator,
        "publisher": document.publisher,
        "language": document.language,
        "version": document.version,
        "adoption_status": document.adoption_status,
    }


def _code_from(title: str | None, identifier: str) -> str:
    """A readable framework code from the document title ("Brick laying" -> "BRICK-LAYING")."""
    plain = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    code = "-".join(re.findall(r"[A-Z0-9]+", plain.upper()))[:40].strip("-")
    return code or f"CASE-{identifier[:8].upper()}"
