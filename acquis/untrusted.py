"""JSON from strangers (uploads, request bodies, files given to the CLI), parsed with a size and a depth bound."""

import json
import re
from itertools import accumulate
from typing import Any

from acquis.errors import Invalid, TooLarge
from acquis.i18n import N_, gettext

MAX_JSON_BYTES = 1024 * 1024  # credentials, trust lists and API bodies weigh a few kilobytes
MAX_JSON_DEPTH = 64  # an Open Badges credential nests about eight levels

# A JSON string (its quotes and escapes): brackets inside one do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Opening brackets become +1 and closing ones -1, read as signed bytes.
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


class JsonUnreadable(Invalid):
    """The content is not JSON (bad syntax, not UTF-8)."""

    code = "json-unreadable"
    default_message = N_("Ce fichier n'est pas un JSON lisible.")


class JsonTooDeep(Invalid):
    """Brackets nested deeper than any document Acquis reads: refused before parsing."""

    code = "json-too-deep"
    default_message = N_("Ce JSON est imbriqué trop profondément (%(depth)s niveaux au plus).")


class JsonTooLarge(TooLarge):
    """More bytes than any document Acquis reads."""

    code = "json-too-large"
    default_message = N_("Ce JSON est trop volumineux (%(size)s Kio au plus).")


JSON_ERRORS = (JsonUnreadable, JsonTooDeep, JsonTooLarge)


def parse_json(data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The parsed value; JsonTooLarge, JsonTooDeep or JsonUnreadable (4xx, exit 2) for anything else.

    The bounds are checked before parsing: Python's parser recurses once per level, and 30,000 nested
    brackets (60 KB) would raise RecursionError there or in whatever walks the result afterwards."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise JsonTooLarge(gettext(JsonTooLarge.default_message) % {"size": max_bytes // 1024})
    if nesting_depth(raw) > max_depth:
        raise JsonTooDeep(gettext(JsonTooDeep.default_message) % {"depth": max_depth})
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise JsonUnreadable() from None


def nesting_depth(raw: bytes) -> int:
    """How deep the brackets of a JSON text nest (at most, for a text that is not valid JSON), in linear time."""
    steps = _STRING.sub(b"", raw).translate(_STEPS, _NOT_BRACKETS)
    return max(accumulate(memoryview(steps).cast("b")), default=0)
