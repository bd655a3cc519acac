"""What drawing a stranger's PDF would cost, told from its structure before a page is drawn (run it in
acquis.sandbox: parsing is bounded there, drawing would not be here).

Two things make a small PDF expensive to draw: an image declaring billions of pixels (a page of zeros compresses
a thousandfold), and form XObjects drawing each other over and over (twelve levels drawing the next one eight
times each is 8**11 drawings in 3 KB). Both are visible without drawing anything."""

from typing import Any

import pikepdf

from acquis.sandbox import FileTooComplex

MAX_IMAGE_PIXELS = 60_000_000  # what any caller allows of a photo; a page scanned at 600 dpi is 35
MAX_DRAWINGS = 2_000  # form XObjects one page draws, counting what those draw in turn
MAX_FORM_DEPTH = 32
DO = pikepdf.Operator("Do")


def check(pdf: pikepdf.Pdf, *, pages: int) -> None:
    """FileTooComplex if an image declares too many pixels, or a form of the first `pages` pages expands
    into too many drawings."""
    for item in pdf.objects:
        if isinstance(item, pikepdf.Stream) and item.get("/Subtype") == pikepdf.Name.Image:
            _check_image(item.get("/Width"), item.get("/Height"))
    costs: dict[tuple[int, int], int] = {}
    for page in list(pdf.pages)[:pages]:
        _drawings(page.obj, _resources(page.obj), costs, depth=0)


def _check_image(width: Any, height: Any) -> None:
    try:
        pixels = int(width) * int(height)
    except (TypeError, ValueError):  # no size, or not a number: Pdfium refuses to draw it
        return
    if pixels > MAX_IMAGE_PIXELS:
        raise FileTooComplex()


def _drawings(content: pikepdf.Object, resources: Any, costs: dict[tuple[int, int], int], *, depth: int) -> int:
    """How many forms drawing `content` draws, each form's count computed once (the drawings of a page or a
    form share the forms they name)."""
    if depth > MAX_FORM_DEPTH:
        raise FileTooComplex()
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    total = 0
    for instruction in pikepdf.parse_content_stream(content, "Do INLINE IMAGE"):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            _check_image(instruction.iimage.width, instruction.iimage.height)
            continue
        if instruction.operator != DO or not instruction.operands or not isinstance(xobjects, pikepdf.Dictionary):
            continue
        form = xobjects.get(str(instruction.operands[0]))
        if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == pikepdf.Name.Form:
            total += 1 + _form_drawings(form, resources, costs, depth=depth)
        if total > MAX_DRAWINGS:
            raise FileTooComplex()
    return total


def _form_drawings(form: pikepdf.Stream, inherited: Any, costs: dict[tuple[int, int], int], *, depth: int) -> int:
    key = form.objgen
    if key not in costs:
        costs[key] = MAX_DRAWINGS + 1  # meanwhile: a form that draws itself never ends
        costs[key] = _drawings(form, form.get("/Resources", inherited), costs, depth=depth + 1)
    return costs[key]


def _resources(page: pikepdf.Dictionary) -> Any:
    """A page's resources, which it may inherit from the page tree above it."""
    node: Any = page
    for _ in range(MAX_FORM_DEPTH):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if "/Resources" in node:
            return node.get("/Resources")
        node = node.get("/Parent")
    return None
