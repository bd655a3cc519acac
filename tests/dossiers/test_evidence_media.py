"""Evidence files are what their bytes say: allowed types only, safe names, whole images, thumbnails."""

import io
from pathlib import Path

import pytest
from PIL import Image

from acquis.storage import EmptyFile, FileTooLarge, Store, UnknownObject
from tests.support.dossiers import jpeg, png
from validation.dossiers import media
from validation.dossiers.seed import sample_pdf, sample_wav


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "WEBP")
    return out.getvalue()


ALLOWED = {
    "image/jpeg": jpeg(), "image/png": png(), "image/webp": webp(), "application/pdf": sample_pdf("Bulletin"),
    "video/mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64,
    "audio/mp4": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + b"\x00" * 64,
    "video/webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64,
    "audio/mpeg": b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 32,
    "audio/ogg": b"OggS\x00\x02" + b"\x00" * 64, "audio/wav": sample_wav(1),
}
REFUSED = {
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "html": b"<html><script>alert(1)</script></html>",
    "windows executable": b"MZ\x90\x00" + b"\x00" * 64,
    "linux executable": b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
    "zip": b"PK\x03\x04" + b"\x00" * 64,
    "heic photo": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 64,
    "matroska": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska" + b"\x00" * 64,
    "gif": b"GIF89a" + b"\x00" * 64,
    "text": "Reçu de paiement".encode(),
    "aac without layer III": b"\xff\xf1\x50\x80" + b"\x00" * 64,
}


@pytest.mark.parametrize("media_type", ALLOWED)
def test_allowed_types_are_recognised_by_their_bytes(media_type: str) -> None:
    examined = media.examine(io.BytesIO(ALLOWED[media_type]), filename="whatever.bin", max_bytes=10**6)
    assert examined.media_type == media_type


@pytest.mark.parametrize("name", REFUSED)
def test_everything_else_is_refused(name: str) -> None:
    with pytest.raises(media.UnsupportedType):
        media.examine(io.BytesIO(REFUSED[name]), filename="photo.jpg", max_bytes=10**6)


def test_a_pdf_that_runs_code_is_refused() -> None:
    action = b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"
    hostile = sample_pdf("x").replace(b"/Type /Catalog", action)
    with pytest.raises(media.ActiveContent):
        media.examine(io.BytesIO(hostile), filename="a.pdf", max_bytes=10**6)


def test_a_damaged_image_is_refused() -> None:
    with pytest.raises(media.DamagedFile):
        media.examine(io.BytesIO(png()[:30]), filename="a.png", max_bytes=10**6)


def test_size_limits_come_from_the_caller() -> None:
    with pytest.raises(FileTooLarge):
        media.examine(io.BytesIO(jpeg()), filename="a.jpg", max_bytes=100)
    with pytest.raises(EmptyFile):
        media.examine(io.BytesIO(b""), filename="a.jpg", max_bytes=100)


@pytest.mark.parametrize("name", ["../etc/passwd", "..\\win.ini", "a/b.jpg", "..%2fx.jpg", "x\x00.jpg", ".."])
def test_names_with_a_path_are_refused(name: str) -> None:
    with pytest.raises(media.UnsafeFileName):
        media.safe_name(name)


def test_names_are_kept_as_plain_text_only() -> None:
    assert media.safe_name("fiche de paie\tjuin.pdf") == "fiche de paiejuin.pdf"
    assert media.safe_name("e\u0301te\u0301.jpg") == "été.jpg"
    long = media.safe_name("x" * 300 + ".jpeg")
    assert len(long) == 200 and long.endswith(".jpeg")


def test_thumbnails_are_small_jpegs_made_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "files")
    stored = store.put_bytes(jpeg(size=(1600, 1200)))
    thumbnails = media.Thumbnails(tmp_path / "files" / "thumbnails", store)
    path = thumbnails.path(stored.sha256)
    with Image.open(path) as image:
        assert image.format == "JPEG" and max(image.size) <= 320
    assert thumbnails.path(stored.sha256) == path
    with pytest.raises(UnknownObject):
        thumbnails.path("../../etc/passwd")
