"""In Chromium: a registrar logs in and out through the real pages, in French and in English."""

import pytest
from playwright.sync_api import Browser

from acquis.auth.models import Role
from tests.support.browser import fits_the_phone as browser_fits
from tests.support.browser import screenshot
from tests.support.web import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

TEXTS = {
    "fr": {"login": "Se connecter", "logout": "Se déconnecter", "hello": "Bonjour", "wrong": "incorrect"},
    "en": {"login": "Log in", "logout": "Log out", "hello": "Hello", "wrong": "Wrong login"},
}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_registrar_logs_in_and_out(browser: Browser, live_url: str, users: UserFactory, lang: str,
                                   database_url: str) -> None:
    users(Role.REGISTRAR, name="Moussa Keïta")
    text = TEXTS[lang]
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740})
    page = context.new_page()
    requested_hosts: set[str] = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page.goto(f"{live_url}/login")
    if lang == "en":
        page.click("text=English")
    assert page.locator("html").get_attribute("lang") == lang

    page.fill("#login", "registrar")
    page.fill("#password", "not the password")
    page.click(f"button:has-text('{text['login']}')")
    assert text["wrong"] in page.locator("#login-error").inner_text()

    page.fill("#password", PASSWORD)
    page.click(f"button:has-text('{text['login']}')")
    assert f"{text['hello']}, Moussa Keïta" in page.locator("#welcome").inner_text()
    # Readable on a 360-px phone: nothing wider than the screen.
    assert browser_fits(page)
    screenshot(page, f"login-{lang}-{database_url.split(':')[0].split('+')[0]}")

    page.click(f"button:has-text('{text['logout']}')")
    assert page.url.endswith("/login")
    assert page.locator("#welcome").count() == 0
    assert requested_hosts == {live_url.split("/")[2]}, "a page loaded something from another host"
    context.close()
