"""What an uploaded file is, decided by its bytes (never its name or declared type); thumbnails."""

import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from acquis.errors import AcquisError, Invalid
from acquis.i18n import N_
from acquis.storage import CHUNK, EmptyFile, FileTooLarge, Store, write_atomically

EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf",
    "video/mp4": "mp4", "video/webm": "webm",
    "audio/mp4": "m4a", "audio/mpeg": "mp3", "audio/ogg": "ogg", "audio/wav": "wav",
}
IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# ISO base media (MP4) brands: audio-only M4A/M4B, and the usual video ones. HEIC, QuickTime
# and 3GP share the container but are not on the allowed list.
M4A_BRANDS = frozenset({b"M4A ", b"M4B "})
MP4_BRANDS = frozenset({b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
                        b"M4V ", b"M4VH", b"M4VP", b"dash", b"MSNV"})
HEAD = 64
MAX_PIXELS = 60_000_000  # a 60-megapixel photo is already larger than any phone takes
THUMBNAIL = (320, 320)
MAX_NAME = 200
# PDF actions that run code or other programs when the file is opened.
PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile)[\s/<>\[\]()]")
UNSAFE_NAME = re.compile(r"[/\\\x00]|%2f|%5c|%00", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class UnsupportedType(AcquisError):
    """The bytes are not one of the allowed types, whatever the name or the declared type says."""

    status_code = 415
    code = "unsupported-type"
    default_message = N_("Type de fichier refusé : envoyez une photo (JPEG, PNG, WebP), un PDF, une vidéo "
                         "(MP4, WebM) ou un son (M4A, MP3, OGG, WAV).")


class ActiveContent(UnsupportedType):
    """A PDF that runs code when opened."""

    code = "active-content"
    default_message = N_("Ce PDF contient du code (JavaScript ou programme) : il est refusé. Envoyez un scan "
                         "ou une photo du document.")


class DamagedFile(Invalid):
    """The header says image, but the picture cannot be read."""

    code = "damaged-file"
    default_message = N_("Le fichier est abîmé ou incomplet : il ne peut pas être lu.")


class UnsafeFileName(Invalid):
    """A file name with a path in it (../, slashes): refused, never cleaned into something else."""

    code = "unsafe-file-name"
    default_message = N_("Nom de fichier refusé : il ne doit contenir ni chemin ni barre oblique.")


@dataclass(frozen=True)
class Examined:
    media_type: str
    size: int
    name: str  # the original name, as sanitised text only


def sniff(head: bytes) -> str | None:
    """The media type the first bytes announce, or None when it is not an allowed type."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE"):
        return "image/webp" if head[8:12] == b"WEBP" else "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio/mp4" if brand in M4A_BRANDS else "video/mp4" if brand in MP4_BRANDS else None
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:HEAD]:
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or _mp3_frame(head):
        return "audio/mpeg"
    return None


def _mp3_frame(head: bytes) -> bool:
    # An MPEG audio frame: 11 sync bits, a defined version, and layer III.
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and \
        (head[1] >> 3) & 3 != 1 and (head[1] >> 1) & 3 == 1


def safe_name(filename: str | None) -> str:
    """The original name as plain text for display; a name carrying a path is refused outright."""
    if not filename:
        return ""
    if UNSAFE_NAME.search(filename) or filename.strip() in {".", ".."}:
        raise UnsafeFileName()
    name = CONTROL.sub("", unicodedata.normalize("NFC", filename)).strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_NAME - len(extension) - 1] + dot + extension) if dot and len(extension) < 10 \
            else name[:MAX_NAME]
    return name


def examine(file: BinaryIO, *, filename: str | None, max_bytes: int) -> Examined:
    """Check an upload before anything is stored: name, size, type by content, readable content."""
    name = safe_name(filename)
    file.seek(0, os.SEEK_END)
    size = file.tell()
    if size > max_bytes:
        raise FileTooLarge()
    if size == 0:
        raise EmptyFile()
    file.seek(0)
    media_type = sniff(file.read(HEAD))
    if media_type is None:
        raise UnsupportedType()
    if media_type in IMAGES:
        _check_image(file, media_type)
    elif media_type == "application/pdf":
        _check_pdf(file)
    file.seek(0)
    return Examined(media_type, size, name)


def _check_image(file: BinaryIO, media_type: str) -> None:
    file.seek(0)
    try:
        with Image.open(file) as image:
            if image.format != PIL_FORMATS[media_type] or image.width * image.height > MAX_PIXELS:
                raise DamagedFile()
            image.verify()
        file.seek(0)
        with Image.open(file) as image:
            image.draft("RGB", THUMBNAIL)  # decode at a reduced size: enough to prove it is whole
            image.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        raise DamagedFile() from None


def _check_pdf(file: BinaryIO) -> None:
    file.seek(0)
    overlap = b""
    for chunk in chunks(file):
        # Search across chunk borders too, so that a name cut in two is still found.
        if PDF_ACTIVE.search(overlap + chunk):
            raise ActiveContent()
        overlap = chunk[-32:]


def chunks(file: BinaryIO) -> Iterator[bytes]:
    while chunk := file.read(CHUNK):
        yield chunk


class Thumbnails:
    """Small JPEG copies of image evidence for slow connections, made on first request and kept."""

    def __init__(self, root: Path, store: Store) -> None:
        self.root = root
        self.store = store

    def path(self, sha256: str) -> Path:
        source = self.store.path_for(sha256)  # validates the digest: no caller text reaches the disk
        target = self.root / sha256[:2] / f"{sha256}.jpg"
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(source) as image:
            image.draft("RGB", THUMBNAIL)
            small = ImageOps.exif_transpose(image).convert("RGB")
            small.thumbnail(THUMBNAIL)
        encoded = io.BytesIO()
        small.save(encoded, "JPEG", quality=70, optimize=True)
        write_atomically(target, encoded.getvalue())
        return target
