"""What in an evidence PDF would act when it is opened: found by parsing the document as a reader does.

Searching the bytes misses what a reader still understands: names written with escapes (/J#61vaScript), a
comment right after a name (/JS%...), objects compressed inside object streams, and actions that are not
scripts, such as a web address called on opening. The parser (qpdf, through pikepdf) reads every object of
the file, those inside object streams included, with names unescaped; each is walked with what it holds."""

from typing import Any

import pikepdf

SCRIPT, LAUNCH, URI_ON_OPEN, ATTACHMENT, XFA = "script", "launch", "uri-on-open", "attachment", "xfa"
# Actions refused wherever they are: they run code or programs, or bring data in.
ACTIONS = {"/JavaScript": SCRIPT, "/Launch": LAUNCH, "/ImportData": LAUNCH, "/RichMediaExecute": SCRIPT}
# Actions refused when they start by themselves (on opening, on a page or a field event), not on a click:
# they tell someone that, when and where the file was opened, or open another document.
AUTOMATIC = frozenset({"/URI", "/SubmitForm", "/GoToR", "/GoToE"})
MAX_DEPTH = 64  # direct objects nested in one object; qpdf itself reads no deeper than 500
MAX_CHAIN = 256  # actions chained by /Next


def active_content(pdf: pikepdf.Pdf) -> str | None:
    """The first kind of active content found (SCRIPT, LAUNCH, URI_ON_OPEN, ATTACHMENT, XFA), or None."""
    for item in pdf.objects:
        found = _walk(item, depth=0)
        if found:
            return found
    return None


def _walk(item: Any, *, depth: int) -> str | None:
    """An object and the direct objects it holds; referenced objects are walked in their own turn."""
    if depth > MAX_DEPTH:
        return SCRIPT  # nothing honest nests this deep: refuse rather than leave part of the file unread
    if isinstance(item, pikepdf.Stream):
        found, children = _in_dictionary(item), list(item.stream_dict.values())
    elif isinstance(item, pikepdf.Dictionary):
        found, children = _in_dictionary(item), list(item.values())
    elif isinstance(item, pikepdf.Array):
        found, children = None, list(item)
    else:
        return None
    for child in children:
        if found:
            break
        if isinstance(child, pikepdf.Object) and not child.is_indirect:
            found = _walk(child, depth=depth + 1)
    return found


def _in_dictionary(item: Any) -> str | None:
    if "/JS" in item or "/JavaScript" in item:
        return SCRIPT
    kind = item.get("/S")
    if isinstance(kind, pikepdf.Name) and str(kind) in ACTIONS:
        return ACTIONS[str(kind)]
    if "/EmbeddedFiles" in item or "/EF" in item or item.get("/Type") == pikepdf.Name("/EmbeddedFile") \
            or item.get("/Subtype") == pikepdf.Name("/FileAttachment"):
        return ATTACHMENT
    if "/XFA" in item:
        return XFA
    triggers = [item.get("/OpenAction")] if "/OpenAction" in item else []
    additional = item.get("/AA")
    if isinstance(additional, pikepdf.Dictionary):
        triggers += list(additional.values())
    return URI_ON_OPEN if any(_starts_by_itself(action) for action in triggers) else None


def _starts_by_itself(action: Any) -> bool:
    """An automatic action, or one chained after it (/Next), that calls out; followed through references."""
    pending, seen = [action], 0
    while pending:
        seen += 1
        if seen > MAX_CHAIN:
            return True  # a chain longer than any reader follows: refused
        action = pending.pop()
        if isinstance(action, pikepdf.Array):
            pending.extend(action)
        elif isinstance(action, pikepdf.Dictionary):
            kind = action.get("/S")
            if isinstance(kind, pikepdf.Name) and str(kind) in AUTOMATIC:
                return True
            if "/Next" in action:
                pending.append(action.get("/Next"))
    return False
