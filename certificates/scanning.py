"""What a verifier hands in: a PDF, a photo of the QR, a credential JSON or text; the QR read back."""

import io
from dataclasses import dataclass
from typing import Any, Literal

import pikepdf
import pypdfium2
import zxingcpp
from PIL import Image, UnidentifiedImageError

from acquis import images, pdf_cost, sandbox, untrusted
from acquis.errors import Invalid, TooLarge
from acquis.i18n import N_

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger ones are decompression bombs, not QR photos
PDF_DPI = 200  # a 42-mm QR of version 10 gets about 5 pixels a module
PDF_PAGES = 2
SECONDS = 10  # to read a QR: a certificate's page takes a fraction of a second, a photo about one
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class NoQrCode(Invalid):
    """No readable QR code in the file."""

    code = "no-qr-code"
    default_message = N_("Aucun code QR lisible dans ce fichier : reprenez la photo de plus près, bien à plat.")


class UnsupportedFile(Invalid):
    """Not a PDF, PNG, JPEG or credential JSON."""

    code = "unsupported-file"
    default_message = N_("Envoyez le certificat en PDF, une photo de son code QR (PNG ou JPEG) ou son fichier JSON.")


class UploadTooLarge(TooLarge):
    """The uploaded file is larger than a certificate or a photo can be."""

    code = "upload-too-large"


@dataclass(frozen=True)
class Presented:
    """One thing to verify: the text of a QR (or a verify URL), or a parsed credential JSON."""

    kind: Literal["text", "credential"]
    text: str = ""
    document: Any = None


def read_bytes(data: bytes) -> Presented:
    """What a file holds, by its content (never its name): QR text from a PDF or photo, or a credential."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge()
    if data.startswith(b"%PDF-"):
        return Presented("text", text=qr_text_in_pdf(data))
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")):
        return Presented("text", text=qr_text_in_image(data))
    if data.lstrip()[:1] == b"{":
        try:
            return Presented("credential", document=untrusted.parse_json(data))  # size and depth bounded
        except untrusted.JsonUnreadable:
            raise UnsupportedFile() from None
    raise UnsupportedFile()


def qr_text_in_image(data: bytes) -> str:
    """The QR text in a photo, read in a worker held to a memory and time budget (acquis.sandbox)."""
    return str(sandbox.run(_read_image, data, seconds=SECONDS))


def qr_text_in_pdf(data: bytes) -> str:
    """The QR text on the first pages of a PDF, drawn in a worker held to a memory and time budget."""
    return str(sandbox.run(_read_pdf, data, seconds=SECONDS))


def _read_image(data: bytes) -> str:
    try:
        # The declared size is checked before any pixel is decoded: a small file can claim a huge image.
        with images.opened(io.BytesIO(data), formats=("PNG", "JPEG"), max_pixels=MAX_PIXELS,
                           draft=("L", (4096, 4096))) as image:
            return _qr_text(image.convert("L"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UnsupportedFile() from None


def _read_pdf(data: bytes) -> str:
    try:
        with pikepdf.open(io.BytesIO(data)) as parsed:
            pdf_cost.check(parsed, pages=PDF_PAGES)  # gigapixel images, forms drawing forms: refused undrawn
        document = pypdfium2.PdfDocument(data)
    except (pikepdf.PdfError, pypdfium2.PdfiumError):
        raise UnsupportedFile() from None
    try:
        for index in range(min(len(document), PDF_PAGES)):
            try:
                return _qr_text(_draw(document[index]))
            except NoQrCode:
                continue
    finally:
        document.close()
    raise NoQrCode()


def _draw(page: pypdfium2.PdfPage) -> Image.Image:
    width, height = page.get_size()
    # Bounded like a photo: a crafted page size must not become a gigapixel bitmap.
    scale = min(PDF_DPI / 72, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
    try:
        image: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
        return image
    except pypdfium2.PdfiumError:  # no memory for the bitmap, within the worker's limit
        raise sandbox.FileTooComplex() from None


def _qr_text(image: Image.Image) -> str:
    found = [result.text for result in zxingcpp.read_barcodes(image, formats=QR_ONLY)]
    # Prefer an Acquis seal when a photo shows several codes.
    for text in found:
        if "/V/" in text.upper():
            return text
    if found:
        return found[0]
    raise NoQrCode()
