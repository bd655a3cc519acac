"""QR codes of short upper-case texts (certificate seals, paper form codes): alphanumeric mode at error
correction M, as PNG or SVG."""

import io
import re

import zxingcpp
from PIL import Image, ImageOps

from acquis.errors import Invalid


class NotQrAlphanumeric(Invalid):
    """An Acquis QR holds only QR alphanumeric characters: 0-9, A-Z, space and $ % * + - . / :"""


QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")
QUIET_ZONE = 4  # modules of white around the code, the minimum ISO/IEC 18004 asks for


def _modules(text: str) -> Image.Image:
    """The code's modules, one pixel each (0 dark, 255 light), without the quiet zone.

    zxing-cpp's encoder (C++, already here to read QR photos) picks the mode, the smallest version
    for level M and the mask by the standard's penalty rules, some twenty times faster than the
    pure-Python `qrcode`, whose mask search was a tenth of the cost of issuing a certificate.
    On seal texts it uses alphanumeric mode and the same version as `qrcode` (tests/kernel/test_qr.py)."""
    # Alphanumeric mode packs two characters in 11 bits; byte mode would need 16 and a larger,
    # harder-to-scan code. Refuse text that would silently need byte mode.
    if not QR_ALPHANUMERIC.fullmatch(text):
        raise NotQrAlphanumeric()
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    # zxing-cpp's Image is one byte a pixel, row by row; it describes itself by the array interface.
    return Image.fromarray(zxingcpp.write_barcode_to_image(code, scale=1, add_quiet_zones=False))


def qr_version(text: str) -> int:
    """The QR version (1-40) the text needs in alphanumeric mode at error correction M."""
    return (_modules(text).width - 17) // 4


def qr_png(text: str, *, box_size: int = 8, border: int = QUIET_ZONE) -> bytes:
    """The QR code as a black-on-white PNG, `box_size` pixels a module, `border` modules of margin."""
    image = ImageOps.expand(_modules(text), border=border, fill=255)
    image = image.resize((image.width * box_size, image.height * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.convert("1").save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(text: str) -> str:
    """The QR code as a standalone <svg> element that scales to its box (for HTML and PDF).

    One unit of the viewBox is one module; dark modules are a single path of horizontal runs,
    drawn over a white background that includes the quiet zone. No text inside: the page
    around it gives the label, in the reader's language."""
    modules = _modules(text)
    size = modules.width + 2 * QUIET_ZONE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{_dark_runs(modules, offset=QUIET_ZONE)}"/></svg>'
    )


def _dark_runs(modules: Image.Image, *, offset: int) -> str:
    """SVG path data: one 1-module-high rectangle per horizontal run of dark modules."""
    runs = []
    width, pixels = modules.width, modules.tobytes()
    for y in range(modules.height):
        row = pixels[y * width:(y + 1) * width]
        x = 0
        while x < width:
            if row[x]:  # light
                x += 1
                continue
            start = x
            while x < width and not row[x]:
                x += 1
            runs.append(f"M{start + offset} {y + offset}h{x - start}v1h-{x - start}z")
    return "".join(runs)
