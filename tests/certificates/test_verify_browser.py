"""In Chromium on a 360-px phone: the page a scanned QR opens says the verdict plainly."""

import pytest
from playwright.sync_api import Browser
from sqlmodel import Session

from acquis.config import Settings
from tests.support.browser import fits_the_phone as browser_fits
from tests.support.browser import screenshot
from tests.support.certificates import issued, tampered

pytestmark = pytest.mark.browser


def test_phone_opening_the_qr_url_reads_the_verdict(browser: Browser, live_url: str, session: Session,
                                                    settings: Settings, database_url: str) -> None:
    cert = issued(session, settings)
    payload = cert.qr_text.rpartition("/V/")[2]
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_url}/V/{payload}")
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-verdict") == "valid"
    assert "Certificat valable" in verdict.inner_text()
    assert "Aminata Kouyaté Traoré Sy" in page.locator("#holder-name").inner_text()
    # Readable on a 360-px phone without JavaScript: nothing wider than the screen.
    assert browser_fits(page)
    screenshot(page, f"verify-valid-{database_url.split(':')[0].split('+')[0]}")

    page.goto(f"{live_url}/V/{tampered(cert.qr_text).rpartition('/V/')[2]}")
    assert page.locator("#verdict").get_attribute("data-verdict") == "invalid"
    assert page.locator("#holder-name").count() == 0
    context.close()
