"""What an uploaded file is, decided by its bytes (never its name or declared type); thumbnails.

Pictures and PDFs are opened only in a worker held to a memory and time budget (acquis.sandbox): a
decompression bomb or a PDF that never finishes drawing costs the server a refusal, nothing more."""

import io
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pikepdf
from PIL import ImageOps, UnidentifiedImageError

from acquis import images, pdf_cost, sandbox
from acquis.errors import AcquisError, Invalid
from acquis.i18n import N_, gettext
from acquis.storage import CHUNK, EmptyFile, FileTooLarge, Store, write_atomically
from validation.dossiers import pdf_content

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
THUMBNAIL = (320, 320)
SECONDS = 20  # to check a file or make a thumbnail: a 25 MB PDF's every object, a 60-megapixel photo
MAX_NAME = 200
UNSAFE_NAME = re.compile(r"[/\\\x00]|%2f|%5c|%00", re.IGNORECASE)
# Control characters, and the bidirectional overrides and isolates that would show "gpj.exe" as "exe.jpg".
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Why a PDF is refused, by the kind of active content found in it (validation/dossiers/pdf_content.py).
ACTIVE_REASONS = {
    pdf_content.SCRIPT: N_("Ce PDF contient du code (JavaScript) : il est refusé. Envoyez un scan ou une photo "
                           "du document."),
    pdf_content.LAUNCH: N_("Ce PDF lance un programme ou importe des données : il est refusé. Envoyez un scan ou "
                           "une photo du document."),
    pdf_content.URI_ON_OPEN: N_("Ce PDF appelle une adresse internet dès qu'il est ouvert : il est refusé. Envoyez "
                                "un scan ou une photo du document."),
    pdf_content.ATTACHMENT: N_("Ce PDF contient des fichiers joints : il est refusé. Envoyez chaque document "
                               "séparément."),
    pdf_content.XFA: N_("Ce PDF est un formulaire XFA, qui exécute du code : il est refusé. Imprimez-le en PDF "
                        "ordinaire, ou envoyez un scan ou une photo."),
}


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


class ProtectedPdf(Invalid):
    """A PDF that opens only with a password: nobody could read it."""

    code = "protected-pdf"
    default_message = N_("Ce PDF est protégé par un mot de passe : envoyez-le sans protection.")


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
    if media_type in IMAGES or media_type == "application/pdf":
        file.seek(0)
        sandbox.run(check_content, file.read(), media_type, seconds=SECONDS)
    file.seek(0)
    return Examined(media_type, size, name)


def check_content(data: bytes, media_type: str) -> None:
    """In a worker: a whole picture of a size that decodes safely, or a PDF that does nothing by itself."""
    if media_type == "application/pdf":
        _check_pdf(data)
        return
    file = io.BytesIO(data)
    formats = (PIL_FORMATS[media_type],)
    try:
        with images.opened(file, formats=formats) as image:
            if image.format != formats[0]:
                raise DamagedFile()
            image.verify()
        file.seek(0)
        # Decoded at a reduced size where the format allows it (JPEG): enough to prove it is whole.
        with images.opened(file, formats=formats, draft=("RGB", THUMBNAIL)) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise DamagedFile() from None


def _check_pdf(data: bytes) -> None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            found = pdf_content.active_content(pdf)
            if found:
                raise ActiveContent(gettext(ACTIVE_REASONS[found]))
            # Nobody draws it here, but an assessor's viewer will: no gigapixel image, no endless forms.
            pdf_cost.check(pdf, pages=len(pdf.pages))
    except pikepdf.PasswordError:
        raise ProtectedPdf() from None
    except pikepdf.PdfError:
        raise DamagedFile() from None


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
        write_atomically(target, sandbox.run(thumbnail, str(source), seconds=SECONDS))
        return target


def thumbnail(path: str) -> bytes:
    """In a worker: the JPEG thumbnail of a stored picture, its decoding bounded like the upload's check."""
    try:
        with images.opened(path, formats=tuple(PIL_FORMATS.values()), draft=("RGB", THUMBNAIL)) as image:
            image.thumbnail(THUMBNAIL)  # in place: the full-size picture is never copied
            small = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        raise DamagedFile() from None
    encoded = io.BytesIO()
    small.save(encoded, "JPEG", quality=70, optimize=True)
    return encoded.getvalue()
