"""QR codes of seal texts: alphanumeric mode at error correction M, as PNG or SVG."""

import io
import re

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, QRData

from acquis.errors import Invalid


class NotQrAlphanumeric(Invalid):
    """A seal QR holds only QR alphanumeric characters: 0-9, A-Z, space and $ % * + - . / :"""


QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")
QUIET_ZONE = 4  # modules of white around the code, the minimum ISO/IEC 18004 asks for


def _code(text: str, *, box_size: int = 1, border: int = QUIET_ZONE) -> qrcode.QRCode:
    # Alphanumeric mode packs two characters in 11 bits; byte mode would need 16 and a larger,
    # harder-to-scan code. Refuse text that would silently need byte mode.
    if not QR_ALPHANUMERIC.fullmatch(text):
        raise NotQrAlphanumeric()
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    code.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return code


def qr_version(text: str) -> int:
    """The QR version (1-40) the text needs in alphanumeric mode at error correction M."""
    return int(_code(text).version)


def qr_png(text: str, *, box_size: int = 8, border: int = QUIET_ZONE) -> bytes:
    """The QR code as a black-on-white PNG, `box_size` pixels a module, `border` modules of margin."""
    image = _code(text, box_size=box_size, border=border).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """The QR code as a standalone <svg> element that scales to its box (for HTML and PDF).

    One unit of the viewBox is one module; dark modules are a single path of horizontal runs,
    drawn over a white background that includes the quiet zone. No text inside: the page
    around it gives the label, in the reader's language."""
    matrix = _code(text, border=QUIET_ZONE).get_matrix()
    size = len(matrix)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{_dark_runs(matrix)}"/></svg>'
    )


def _dark_runs(matrix: list[list[bool]]) -> str:
    """SVG path data: one 1-module-high rectangle per horizontal run of dark modules."""
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            start = x
            while x < len(row) and row[x]:
                x += 1
            if x > start:
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(runs)
