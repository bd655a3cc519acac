"""Read framework files (YAML, CSV, CASE JSON) into one checked tree, or refuse them whole."""

from pathlib import Path
from typing import Any, Literal

import yaml

from validation.frameworks.case_reader import read_case
from validation.frameworks.csv_reader import read_csv
from validation.frameworks.inputs import FrameworkFile, NodePath
from validation.frameworks.reading import (
    MAX_BYTES,
    FrameworkFileInvalid,
    Places,
    checked,
    line_of,
    refuse,
    text_of,
)

__all__ = ["FrameworkFileInvalid", "read", "read_case", "read_csv", "read_yaml"]

Format = Literal["yaml", "csv", "case"]
FORMATS: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".json": "case"}


def read(
    path_or_bytes: Path | str | bytes, *, source: str | None = None, format: Format | None = None
) -> FrameworkFile:
    """A file's frameworks, the format chosen by `format` or else by the file name's extension."""
    if isinstance(path_or_bytes, bytes):
        data, source = path_or_bytes, source or "upload"
    else:
        path = Path(path_or_bytes)
        source = source or path.name
        data = _read_file(path, source)
    if format is None and (format := FORMATS.get(Path(source).suffix.lower())) is None:
        raise refuse(source, "line 1", "unknown file type: expected .yaml, .yml, .csv or .json")
    reader = {"yaml": read_yaml, "csv": read_csv, "case": read_case}[format]
    return reader(data, source=source)


def _read_file(path: Path, source: str) -> bytes:
    try:
        # Check the size before reading: a mistaken multi-gigabyte file must not fill memory.
        if path.stat().st_size > MAX_BYTES:
            raise refuse(source, "line 1", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
        return path.read_bytes()
    except OSError as exc:
        raise refuse(source, "line 1", f"cannot read the file ({exc.strerror})") from None


def read_yaml(data: bytes, *, source: str) -> FrameworkFile:
    """The frameworks of a YAML file shaped like the demo file."""
    text = text_of(data, source)
    try:
        _refuse_aliases(text, source)
        raw, places = _parsed(text, source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "line 1"
        problem = exc.problem or ""
        said = f"{exc.context}, {problem}" if problem.startswith("but") else problem or exc.context
        raise refuse(source, where, f"YAML syntax: {said}") from None
    except yaml.reader.ReaderError as exc:
        raise refuse(source, line_of(text, exc.position), f"YAML: {exc.reason}") from None
    except RecursionError:
        # Thousands of nested brackets exhaust the parser's stack; no framework is that deep.
        raise refuse(source, "line 1", "nested too deeply") from None
    if raw is None:
        raise refuse(source, "line 1", "the file is empty")
    return checked(raw, places, source)


def _parsed(text: str, source: str) -> tuple[Any, Places]:
    """The document's data, and the line each part of it came from."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        return loader.construct_document(node), _places(node, source)
    finally:
        loader.dispose()


def _refuse_aliases(text: str, source: str) -> None:
    # An alias makes one node appear in many places; a few nested ones ("billion laughs") expand
    # to billions of values once validated. The canonical format never needs them.
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AliasToken):
            where = f"line {token.start_mark.line + 1}"
            raise refuse(source, where, "YAML aliases (*name) are not allowed")


def _places(root: yaml.Node, source: str) -> Places:
    """The line of every mapping key and list item, refusing duplicate keys."""
    places: Places = {(): "line 1"}
    stack: list[tuple[yaml.Node, NodePath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        places.setdefault(path, f"line {node.start_mark.line + 1}")
        if isinstance(node, yaml.MappingNode):
            children = _keyed(node, path, places, source)
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*path, i)) for i, item in enumerate(node.value)]
        else:
            children = []
        stack.extend(reversed(children))  # reversed: visit in reading order
    return places


def _keyed(
    node: yaml.MappingNode, path: NodePath, places: Places, source: str
) -> list[tuple[yaml.Node, NodePath]]:
    children = []
    for key, value in node.value:
        where = f"line {key.start_mark.line + 1}"
        if not isinstance(key, yaml.ScalarNode):
            raise refuse(source, where, "a key must be plain text")
        # PyYAML keeps the last of two equal keys: the first would vanish without a word.
        if (*path, key.value) in places:
            raise refuse(source, where, f"duplicate key {key.value!r}")
        places[(*path, key.value)] = where
        children.append((value, (*path, key.value)))
    return children
