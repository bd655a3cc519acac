"""QR codes: a typical certificate fits a small code, and phones read back the exact text."""

import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import qrcode
import zxingcpp
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_ALPHA_NUM, QRData

from acquis import qr
from certificates import keys, numbers, seal

PUBLIC_URL = "https://acquis.anpe.ml"


def demo_qr_text(holder_name: str, expires_on: date | None) -> str:
    """The QR text of a typical demo certificate: 5 units, a fresh number and key."""
    claims = seal.Claims(
        number=numbers.new_number("ML-ANPE", 2025), holder_name=holder_name,
        birth_date=date(1988, 11, 23), framework_code="DEMO-MAC-01", framework_version=1,
        units=(0, 1, 2, 3, 4), decision="full", issued_on=date(2025, 6, 14),
        expires_on=expires_on, issuer_code="ML-ANPE",
    )
    return seal.qr_text(PUBLIC_URL, seal.sign(claims, keys.generate_private_key()))


def version_by_qrcode_library(text: str) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(QRData(text.encode("ascii"), mode=MODE_ALPHA_NUM))
    code.make(fit=True)
    return code.version


@pytest.mark.parametrize("holder_name", ["Aminata Kouyaté Traoré Sy", "Oumar Abdoulaye Coulibaly"])
@pytest.mark.parametrize("expires_on", [None, date(2030, 6, 13)])
def test_typical_demo_certificate_fits_a_version_10_qr_at_level_m(holder_name, expires_on):
    assert len(holder_name) == 25
    text = demo_qr_text(holder_name, expires_on)
    assert re.fullmatch(r"[0-9A-Z $%*+\-./:]+", text)
    assert len(text) <= 311  # version 10-M holds 311 alphanumeric characters
    assert version_by_qrcode_library(text) <= 10
    assert qr.qr_version(text) == version_by_qrcode_library(text)


def test_png_scans_back_to_the_exact_qr_text():
    text = demo_qr_text("Aminata Kouyaté Traoré Sy", date(2030, 6, 13))
    png = qr.qr_png(text, box_size=4, border=4)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    modules = 17 + 4 * version_by_qrcode_library(text) + 2 * 4
    assert image.size == (modules * 4, modules * 4)
    found = scan(image)
    assert [barcode.text for barcode in found] == [text]


def test_svg_scans_back_to_the_exact_qr_text():
    text = demo_qr_text("Oumar Abdoulaye Coulibaly", None)
    svg = ET.fromstring(qr.qr_svg(text))
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    size = int(svg.attrib["viewBox"].split()[2])
    assert size == 17 + 4 * qr.qr_version(text) + 2 * qr.QUIET_ZONE
    found = scan(rasterize(svg, size, scale=4))
    assert [barcode.text for barcode in found] == [text]


def scan(image: Image.Image) -> list:
    """What a phone's QR scanner reads; other symbologies would find false 1-D barcodes."""
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))


def rasterize(svg: ET.Element, size: int, scale: int) -> Image.Image:
    """Paint the SVG's one-module-high runs, the only shapes qr_svg draws, onto a bitmap."""
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    path = svg.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path.attrib["d"]):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle([left, top, left + int(width) * scale - 1, top + scale - 1], fill=0)
    return image


@pytest.mark.parametrize("text", ["https://acquis.anpe.ml/V/AAAA", "HTTPS://X/V/A_B", ""])
def test_text_outside_the_alphanumeric_set_is_refused(text):
    with pytest.raises(qr.NotQrAlphanumeric):
        qr.qr_png(text)
