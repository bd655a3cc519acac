"""In Chromium on a phone-sized screen: a counsellor builds a dossier, the registrar admits it."""

import re

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from acquis.auth.models import Role
from tests.support.browser import consent_and_jobs, log_in, log_out, new_dossier_with_evidence, screenshot
from tests.support.browser import fits_the_phone as browser_fits
from tests.support.dossiers import jpeg, publish_framework, register_candidate
from tests.support.web import UserFactory
from validation.dossiers.seed import sample_pdf, sample_wav

pytestmark = pytest.mark.browser

JOBS = (("SA", "Riyad", "Al-Bina Contracting", "Maçon coffreur", "2014-02-01", "2018-12-31"),
        ("CI", "Abidjan", "Chantier Cocody", "Maçon", "2019-03-01", "2021-06-30"))
EVIDENCE = (("photo_of_work", "mur.jpg", "image/jpeg", jpeg(11, size=(640, 480))),
            ("payslip", "paie.pdf", "application/pdf", sample_pdf("Bulletin de salaire Riyad")),
            ("oral_narrative", "recit.wav", "audio/wav", sample_wav(5)))


def fits_the_phone(page: Page) -> None:
    assert browser_fits(page)


def test_counsellor_builds_a_dossier_and_registrar_declares_it_admissible(
        browser: Browser, live_url: str, session: Session, users: UserFactory, database_url: str) -> None:
    users(Role.COUNSELLOR, name="Fatoumata Diarra")
    users(Role.REGISTRAR, name="Moussa Keïta")
    publish_framework(session)
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740})
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    log_in(page, live_url, "counsellor")

    page.goto(f"{live_url}/candidates/new")
    login, code = register_candidate(page, {
        "family_name": "Coulibaly", "given_names": "Bakary", "birth_date": "1986-07-14", "id_number": "AB 456 789",
        "phone": "76 45 45 45", "region": "Kayes", "commune": "Diéma"})
    assert re.fullmatch(r"\d{10}", code)
    assert login == "+22376454545"
    consent_and_jobs(page, JOBS)
    assert "Arabie saoudite" in page.inner_text("#timeline") and "Côte d’Ivoire" in page.inner_text("#timeline")
    fits_the_phone(page)
    screenshot(page, f"dossier-candidate-{database_url.split(':')[0].split('+')[0]}")

    dossier_url = new_dossier_with_evidence(page, EVIDENCE)
    assert page.locator("#evidence-list li[id^=evidence-]").count() == 3
    page.click("form[data-move=submitted] button")
    page.wait_for_selector("#dossier-status [data-status=submitted]")
    fits_the_phone(page)
    log_out(page)

    log_in(page, live_url, "registrar")
    page.goto(dossier_url)
    page.click("form[data-move=intake_review] button")
    page.wait_for_selector("#dossier-status [data-status=intake_review]")
    page.click("#decide")
    assert page.locator("#checks li[data-passed=yes]").count() == 4
    page.check("input[name=decision][value=admissible]")
    page.click("#decide-submit")
    page.wait_for_selector("#dossier-status [data-status=admissible]")
    assert "Recevable" in page.inner_text("#dossier-status")
    fits_the_phone(page)
    screenshot(page, f"dossier-admissible-{database_url.split(':')[0].split('+')[0]}")
    assert hosts == {live_url.split("/")[2]}, "a page loaded something from another host"
    context.close()
