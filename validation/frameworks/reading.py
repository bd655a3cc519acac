"""What every framework file reader shares: text checks, validation, and one-line refusals."""

import codecs
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from acquis.errors import Invalid
from validation.frameworks.inputs import PATTERN_RULES, FrameworkFile, NodePath

# Framework files are small (the demo is 17 kB); the largest public CASE packages are a few MB.
MAX_BYTES = 20 * 1024 * 1024
# A message goes to a terminal and into a web page as it is: keep it to one short line.
MAX_MESSAGE = 300

Places = dict[NodePath, str]
"""Where each part of a parsed file came from: a path in the tree -> "line 12" or "item X"."""

M = TypeVar("M", bound=BaseModel)


class FrameworkFileInvalid(Invalid):
    """The framework file was refused as a whole; nothing in it was kept."""

    code = "framework-file-invalid"


def refuse(source: str, where: str, rule: str) -> FrameworkFileInvalid:
    """The one-line refusal `<source>: <line N | item X>: <rule>`."""
    # Newlines in a file name or a quoted value would break the one-line promise.
    message = " ".join(f"{source}: {where}: {rule}".split())
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    return FrameworkFileInvalid(message)


def line_of(data: bytes | str, offset: int) -> str:
    """The "line N" holding the character or byte at `offset`."""
    before = data[:offset]
    breaks = before.count(b"\n") if isinstance(before, bytes) else before.count("\n")
    return f"line {breaks + 1}"


def text_of(data: bytes, source: str) -> str:
    """The file as text, refusing what is too large, empty, binary or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise refuse(source, "line 1", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    # Spreadsheets save UTF-8 with a byte-order mark; it is not part of the content.
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data.strip():
        raise refuse(source, "line 1", "the file is empty")
    # A NUL byte never occurs in text: this is a binary file (a PDF, an image, a zip...).
    if (nul := data.find(b"\0")) >= 0:
        raise refuse(source, line_of(data, nul), "binary content, not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(source, line_of(data, exc.start), "not UTF-8 text") from None


def validated(model: type[M], raw: Any, places: Places, source: str) -> M:
    """`raw` checked against `model`; the first broken rule is refused with its place."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        at = (first.get("ctx") or {}).get("at", ())
        where = locate(places, (*first["loc"], *at))
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise refuse(source, where, rule_broken(first) + more) from None


def checked(raw: Any, places: Places, source: str) -> FrameworkFile:
    """`raw` (a tree shaped like the YAML file) as a FrameworkFile, or one refusal."""
    return validated(FrameworkFile, raw, places, source)


def locate(places: Places, path: NodePath) -> str:
    """The place of the deepest known part of the file on `path`."""
    for end in range(len(path), -1, -1):
        if (place := places.get(tuple(path[:end]))) is not None:
            return place
    return "line 1"


def rule_broken(error: ErrorDetails) -> str:
    """A validation error said the way a framework author would say it."""
    names = [part for part in error["loc"] if isinstance(part, str)]
    field = names[-1] if names else ""
    kind = error["type"]
    empty = kind in ("missing", "string_too_short")
    under_title = len(names) > 1 and names[-2] == "title"
    if empty and (field == "title" or (field == "fr" and under_title)):
        return "missing French title"
    if empty and field == "fr":
        return "missing French text"
    if kind == "missing":
        return f"missing {field}"
    if kind == "string_too_short":
        return f"{field} is empty"
    if kind == "extra_forbidden":
        return f"unknown key {field!r}"
    if kind == "too_short":
        return f"{field}: none given"
    if kind == "rule":
        return error["msg"]
    if kind == "string_pattern_mismatch":
        pattern = str((error.get("ctx") or {}).get("pattern"))
        return f"{field}: {PATTERN_RULES.get(pattern, error['msg'])}"
    if not names and kind == "model_type":
        return "expected a mapping with a `frameworks` list at the top"
    if not field:
        return f"unexpected content: {error['msg']}"
    return f"{field}: {error['msg']}"
