"""Pictures from strangers, refused by their declared size before a pixel is decoded (run it in acquis.sandbox).

A PNG of a few hundred kilobytes may declare 60 megapixels of 16-bit colour: the header is read, the pixels
are not, until the size and what decoding it would take in memory are known to fit."""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from PIL import Image

from acquis.i18n import N_, gettext
from acquis.sandbox import FileTooComplex

MAX_PIXELS = 60_000_000  # already more than any phone's photo; a scan of an A4 page at 600 dpi is 35
MAX_DECODED_BYTES = 160 * 1024 * 1024  # 40 megapixels of colour, as Pillow holds them (4 bytes a pixel)

# Pillow's own guard, in every process that opens an image: past MAX_PIXELS a warning (an error in `opened`),
# past twice that an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class TooManyPixels(FileTooComplex):
    """The picture is larger than decoding it safely allows."""

    default_message = N_("Cette photo est trop grande pour être lue (%(megapixels)s mégapixels au plus) : "
                         "réduisez-la avant de l'envoyer, par exemple en choisissant une taille moyenne à "
                         "l'envoi depuis le téléphone, ou en faisant une capture d'écran de la photo.")

    @classmethod
    def beyond(cls, pixels: int) -> "TooManyPixels":
        return cls(gettext(cls.default_message) % {"megapixels": pixels // 1_000_000})


def pixel_bytes(mode: str) -> int:
    """What one pixel takes in Pillow's memory: colour modes are padded to four bytes."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


@contextmanager
def opened(source: IO[bytes] | str, *, formats: tuple[str, ...], max_pixels: int = MAX_PIXELS,
           max_bytes: int = MAX_DECODED_BYTES, draft: tuple[str, tuple[int, int]] | None = None,
           ) -> Iterator[Image.Image]:
    """The image, its header read and nothing decoded; TooManyPixels if it declares more than `max_pixels`,
    or if decoding it (at JPEG's reduced `draft` size, when given) would take more than `max_bytes`."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source, formats=formats)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise TooManyPixels.beyond(max_pixels) from None
    with image:
        if image.width * image.height > max_pixels:
            raise TooManyPixels.beyond(max_pixels)
        if draft is not None and image.format == "JPEG":
            image.draft(*draft)  # JPEG decodes at 1/2, 1/4 or 1/8 of its size for free
        if image.width * image.height * pixel_bytes(image.mode) > max_bytes:
            raise TooManyPixels.beyond(max_bytes // 4)
        yield image
