"""The printed certificate: A4, both languages, the QR that scans back to a valid seal, the credential inside."""

import json
from datetime import date

import pypdfium2
import pytest
import zxingcpp
from sqlmodel import Session

from acquis import pdf as acquis_pdf
from acquis.config import Settings
from acquis.db import utcnow
from certificates import keystore, service
from certificates.models import Certificate
from certificates.offline_verification import verify_seal_text
from tests.support.certificates import issued

A4_POINTS = (595.28, 841.89)
MM = 72 / 25.4


@pytest.fixture
def printed(session: Session, settings: Settings) -> tuple[Certificate, bytes]:
    cert = issued(session, settings, holder_name="Ɲɛlɛ Ŋɔni Kouyaté", decision="full",
                  expires_on=date(2031, 6, 30))
    return cert, service.pdf_bytes(cert, store=service.store_for(settings))


def test_qr_scanned_from_the_printed_page_is_the_seal_and_verifies_valid(printed: tuple[Certificate, bytes],
                                                                        session: Session,
                                                                        settings: Settings) -> None:
    cert, data = printed
    document = pypdfium2.PdfDocument(data)
    assert len(document) == 1
    page = document[0]
    assert page.get_size() == pytest.approx(A4_POINTS, abs=0.5)
    image = page.render(scale=150 / 72, grayscale=True).to_pil()  # an office scanner at 150 dpi
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    assert {code.text for code in codes} == {cert.qr_text}
    code = codes[0]
    # At least 35 mm wide on paper (the code's corners in pixels at 150 dpi).
    xs = [point.x for point in (code.position.top_left, code.position.top_right)]
    assert (max(xs) - min(xs)) / 150 * 25.4 >= 35
    result = verify_seal_text(code.text, keystore.trust_list(session, settings=settings), now=utcnow())
    assert result["verdict"] == "valid"


def test_page_shows_both_languages_the_holder_and_the_units_in_words(printed: tuple[Certificate, bytes]) -> None:
    cert, data = printed
    text = pypdfium2.PdfDocument(data)[0].get_textpage().get_text_range()
    for expected in ("Ɲɛlɛ Ŋɔni Kouyaté", "9 mars 1968", "March 9, 1968", "Maçon ou maçonne du bâtiment",
                     "Building bricklayer", "Monter un mur en blocs de béton", "Build a concrete block wall",
                     "7112", "10 juin 2025", "June 10, 2025", "Scannez pour vérifier", "Scan to verify",
                     cert.number):
        assert expected in text, expected
    assert "MAC-U2" not in text  # titles, not codes
    assert "employer_attestation" not in text


def test_pdf_carries_the_signed_credential_and_loads_nothing_from_outside(printed: tuple[Certificate, bytes]) -> None:
    cert, data = printed
    document = pypdfium2.PdfDocument(data)
    assert document.count_attachments() == 1
    attached = bytes(document.get_attachment(0).get_data())
    assert json.loads(attached) == json.loads(cert.credential)
    fetcher = acquis_pdf._weasyprint()[1]()
    with pytest.raises(ValueError):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
