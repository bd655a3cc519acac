"""In Chromium on a phone-sized screen: an admin edits a draft, publishes it, and it no longer changes."""

import re

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, expect

from acquis.auth.models import Role
from tests.support.browser import fits_the_phone as browser_fits
from tests.support.browser import screenshot
from tests.support.frameworks import load_demo
from tests.support.web import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def test_admin_edits_a_draft_publishes_it_and_the_published_version_refuses_edits(
    browser: Browser, live_url: str, users: UserFactory, app: FastAPI, database_url: str
) -> None:
    users(Role.ADMIN, login="admin", name="Aminata Traoré")
    load_demo(app)
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"{live_url}/login")
    page.fill("#login", "admin")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Se connecter')")
    page.click("#frameworks-link")
    page.fill("#framework-search", "7112")
    expect(page.locator("#frameworks tbody tr")).to_have_count(1)  # htmx searched as the admin typed
    page.click("#framework-DEMO-MAC-01 a")
    assert page.locator("#framework").get_attribute("data-status") == "published"
    assert page.locator("text=Renommer").count() == 0

    page.click("#new-version")
    page.wait_for_url(re.compile(r"/frameworks/DEMO-MAC-01/2$"))
    assert page.locator("#framework").get_attribute("data-status") == "draft"

    # Rename a criterion: htmx swaps the tree in place, the page does not reload.
    first = page.locator("li.criterion[data-code='MAC-U1-E2-C1']")
    first.locator("summary:has-text('Renommer')").click()
    first.locator("textarea[name=fr]").fill("Calcule les quantités de blocs, ciment et sable sur plan")
    first.locator("button:has-text('Enregistrer')").click()
    page.wait_for_selector("li.criterion[data-code='MAC-U1-E2-C1'] >> text=Calcule les quantités de blocs")
    assert page.url.endswith("/frameworks/DEMO-MAC-01/2"), "an htmx edit keeps the page where it is"

    # Mark it critical.
    page.locator("li.criterion[data-code='MAC-U1-E2-C1'] button:has-text('Marquer critique')").click()
    page.wait_for_selector("li.criterion[data-code='MAC-U1-E2-C1'][data-critical='true']")
    assert "dont 3 critiques" in page.locator("#framework-counts").inner_text()
    assert browser_fits(page), "wider than a 360-px phone"
    screenshot(page, f"framework-draft-{database_url.split(':')[0].split('+')[0]}")

    page.click("#publish")
    page.wait_for_selector("#framework[data-status='published']")
    assert page.locator("text=Renommer").count() == 0 and page.locator("#publish").count() == 0
    assert page.locator("text=Ajouter une unité").count() == 0
    criterion = page.locator("li.criterion[data-code='MAC-U1-E2-C1']")
    assert "Calcule les quantités" in criterion.inner_text() and "critique" in criterion.inner_text()

    # Even a request forged by hand, with a valid session and CSRF token, is refused.
    criterion_id = criterion.get_attribute("id").removeprefix("criterion-")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    forced = page.request.post(f"{live_url}/frameworks/DEMO-MAC-01/2/criterion/{criterion_id}/rename",
                               form={"csrf_token": token, "fr": "Modifié après publication"})
    assert forced.status == 409
    assert "elle ne change plus" in forced.text()
    page.reload()
    assert "Modifié après publication" not in page.content()
    screenshot(page, f"framework-published-{database_url.split(':')[0].split('+')[0]}")
    context.close()
