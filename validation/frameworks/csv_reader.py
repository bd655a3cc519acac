"""Read the flat CSV format (one row per node) into the framework tree, line by line."""

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from validation.frameworks.inputs import FrameworkFile, NodePath
from validation.frameworks.reading import Places, checked, refuse, text_of

COLUMNS = (
    "framework_code",
    "parent_code",
    "code",
    "node_type",
    "title_fr",
    "title_en",
    "statement_fr",
    "statement_en",
    "mandatory",
    "critical",
    "required_evidence",
    "currency_years",
    "isco08",
    "esco_uri",
)
# The columns each kind of row may fill (besides framework_code, code, node_type). A value
# anywhere else is refused: silently dropping it would lose what the author meant.
USED = {
    "framework": {"title_fr", "title_en", "statement_fr", "statement_en", "isco08", "esco_uri"},
    "unit": {"parent_code", "title_fr", "title_en", "statement_fr", "statement_en", "mandatory"}
    | {"required_evidence", "currency_years"},
    "element": {"parent_code", "title_fr", "title_en"},
    "criterion": {"parent_code", "statement_fr", "statement_en", "critical"},
}
PARENTS = {"unit": {"framework"}, "element": {"unit"}, "criterion": {"unit", "element"}}
ARTICLES = {"unit": "a unit", "element": "an element", "criterion": "a criterion"}
LISTS = {"unit": "units", "element": "elements", "criterion": "criteria"}
# English, French and spreadsheet spellings (Excel writes TRUE/FALSE, or VRAI/FAUX in French).
BOOLEANS = dict.fromkeys(("true", "yes", "oui", "vrai", "1"), True) | dict.fromkeys(
    ("false", "no", "non", "faux", "0"), False
)
EVIDENCE_SEPARATOR = "|"
# A cell starting with one of these is run as a formula by spreadsheets ("CSV injection"): the
# CSV writer puts a quote before it, and reading takes the quote off again. A leading quote is
# itself escaped the same way, so that text starting with one comes back unchanged.
ESCAPED_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass
class Row:
    line: int
    cells: dict[str, str]

    @property
    def kind(self) -> str:
        return self.cells["node_type"].lower()

    @property
    def code(self) -> str:
        return self.cells["code"]


def read_csv(data: bytes, *, source: str) -> FrameworkFile:
    """The frameworks of a CSV file: UTF-8 with or without BOM, comma or semicolon."""
    rows = _rows(text_of(data, source), source)
    groups: dict[str, list[Row]] = {}
    for row in rows:
        _check_cells(row, source)
        groups.setdefault(row.cells["framework_code"], []).append(row)
    places: Places = {(): "line 1"}
    frameworks = [
        _framework(group, ("frameworks", i), places, source)
        for i, group in enumerate(groups.values())
    ]
    return checked({"frameworks": frameworks}, places, source)


def _rows(text: str, source: str) -> list[Row]:
    header_line = text.split("\n", 1)[0]
    # French-locale spreadsheets save with semicolons, others with commas: the header decides.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    try:
        header = _header(next(reader), source)
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(cell.strip() for cell in cells):
                rows.append(_row(header, cells, line, source))
    except csv.Error as exc:
        raise refuse(source, f"line {reader.line_num}", f"CSV syntax: {exc}") from None
    if not rows:
        raise refuse(source, "line 2", "no rows under the header")
    return rows


def _header(cells: list[str], source: str) -> list[str]:
    header = [cell.strip().lower() for cell in cells]
    while header and not header[-1]:
        header.pop()  # spreadsheets pad the header with empty cells too
    for name in header:
        if name not in COLUMNS:
            raise refuse(source, "line 1", f"unknown column {name!r}")
        if header.count(name) > 1:
            raise refuse(source, "line 1", f"column {name!r} appears twice")
    if missing := [name for name in COLUMNS if name not in header]:
        raise refuse(source, "line 1", f"missing columns: {', '.join(missing)}")
    return header


def _row(header: list[str], cells: list[str], line: int, source: str) -> Row:
    # Spreadsheets pad rows with empty cells or trim trailing ones; only content counts.
    if any(cell.strip() for cell in cells[len(header) :]):
        raise refuse(source, f"line {line}", f"{len(cells)} cells, the header has {len(header)}")
    values = dict(zip(header, (_undefused(cell.strip()) for cell in cells), strict=False))
    return Row(line, {name: values.get(name, "") for name in COLUMNS})


def _undefused(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(ESCAPED_STARTS) else cell


def _check_cells(row: Row, source: str) -> None:
    where = f"line {row.line}"
    if row.kind not in USED:
        rule = f"unknown node_type {row.kind!r} (framework, unit, element or criterion)"
        raise refuse(source, where, rule)
    for name in ("framework_code", "code"):
        if not row.cells[name]:
            raise refuse(source, where, f"{name} is empty")
    if row.kind == "framework" and row.code != row.cells["framework_code"]:
        raise refuse(source, where, "a framework row's code must equal its framework_code")
    for name, value in row.cells.items():
        if value and name not in USED[row.kind] | {"framework_code", "code", "node_type"}:
            hint = " (a criterion's text goes in statement_fr)" if name == "title_fr" else ""
            raise refuse(source, where, f"{name} does not apply to {row.kind} rows{hint}")


def _framework(rows: list[Row], path: NodePath, places: Places, source: str) -> dict[str, Any]:
    by_code: dict[str, Row] = {}
    for row in rows:
        if (first := by_code.get(row.code)) is not None:
            rule = f"duplicate code {row.code} (first on line {first.line})"
            raise refuse(source, f"line {row.line}", rule)
        by_code[row.code] = row
    code = rows[0].cells["framework_code"]
    if by_code.get(code) is None or by_code[code].kind != "framework":
        raise refuse(source, f"line {rows[0].line}", f"framework {code} has no framework row")
    parents = {row.code: _parent(row, by_code, source) for row in rows if row.kind != "framework"}
    _refuse_cycles(parents, by_code, source)
    _refuse_misplaced(parents, by_code, source)
    nodes = {row.code: _node(row, source) for row in rows}
    nodes[code]["units"] = []
    for row in rows:
        if row.kind != "framework":
            nodes[parents[row.code]].setdefault(LISTS[row.kind], []).append(nodes[row.code])
    _place(nodes[code], path, {id(nodes[c]): by_code[c].line for c in nodes}, places)
    return nodes[code]


def _parent(row: Row, by_code: dict[str, Row], source: str) -> str:
    where = f"line {row.line}"
    parent = row.cells["parent_code"] or (row.cells["framework_code"] if row.kind == "unit" else "")
    if not parent:
        raise refuse(source, where, f"parent_code is empty on a {row.kind} row")
    if parent not in by_code:
        raise refuse(source, where, f"parent {parent} does not exist")
    return parent


def _refuse_cycles(parents: dict[str, str], by_code: dict[str, Row], source: str) -> None:
    rooted: set[str] = set()  # codes known to lead up to the framework row
    for start in parents:
        trail: dict[str, None] = {}  # the walk up from `start`, in order, with fast lookup
        code = start
        while code in parents and code not in rooted:
            if code in trail:
                steps = list(trail)
                cycle = " → ".join([*steps[steps.index(code) :], code])
                rule = f"cycle: {cycle} (each a child of the next)"
                raise refuse(source, f"line {by_code[code].line}", rule)
            trail[code] = None
            code = parents[code]
        rooted.update(trail)


def _refuse_misplaced(parents: dict[str, str], by_code: dict[str, Row], source: str) -> None:
    for code, parent in parents.items():
        row, above = by_code[code], by_code[parent]
        if above.kind not in PARENTS[row.kind]:
            rule = f"{ARTICLES[row.kind]} cannot sit under {above.kind} {parent}"
            raise refuse(source, f"line {row.line}", rule)


def _node(row: Row, source: str) -> dict[str, Any]:
    cells, where = row.cells, f"line {row.line}"
    if row.kind == "criterion":
        fr, en = cells["statement_fr"], cells["statement_en"] or None
        critical = _bool(cells, "critical", False, where, source)
        return {"code": row.code, "critical": critical, "fr": fr, "en": en}
    node: dict[str, Any] = {"code": row.code, "title": _text(cells, "title")}
    if row.kind == "element":
        return node
    stated = cells["statement_fr"] or cells["statement_en"]
    statement = _text(cells, "statement") if stated else None
    if row.kind == "framework":
        isco, uri = cells["isco08"] or None, cells["esco_uri"] or None
        return node | {"description": statement, "isco08": isco, "esco_occupation_uri": uri}
    evidence = [kind.strip() for kind in cells["required_evidence"].split(EVIDENCE_SEPARATOR)]
    return node | {
        "mandatory": _bool(cells, "mandatory", True, where, source),
        "evidence_guidance": statement,
        "required_evidence": [kind for kind in evidence if kind],
        "currency_years": _int(cells, "currency_years", where, source),
    }


def _text(cells: dict[str, str], prefix: str) -> dict[str, str | None]:
    return {"fr": cells[f"{prefix}_fr"], "en": cells[f"{prefix}_en"] or None}


def _bool(cells: dict[str, str], name: str, default: bool, where: str, source: str) -> bool:
    value = cells[name]
    if not value:
        return default
    if (flag := BOOLEANS.get(value.lower())) is None:
        raise refuse(source, where, f"{name} must be true or false, not {value[:40]!r}")
    return flag


def _int(cells: dict[str, str], name: str, where: str, source: str) -> int | None:
    value = cells[name]
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,4}", value):
        raise refuse(source, where, f"{name} must be a whole number, not {value[:40]!r}")
    return int(value)


def _place(node: dict[str, Any], path: NodePath, lines: dict[int, int], places: Places) -> None:
    """Record the row line of `node` and of everything under it, by path in the tree."""
    places[path] = f"line {lines[id(node)]}"
    for key in ("units", "elements", "criteria"):
        for i, child in enumerate(node.get(key, [])):
            _place(child, (*path, key, i), lines, places)
