"""In Chromium on a phone-sized screen, the whole assessment: the registrar assigns the assessor, who declares
no conflict and scores every criterion of the mason framework (one critical criterion only on a photo); a
moderator agrees; two jury members decide "partial"; the candidate sees the validated units and the gap plan."""

import pytest
from playwright.sync_api import Browser, Page
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import service
from tests.support.assessors import cast, choose, declare, score_unit
from tests.support.browser import fits_the_phone as browser_fits
from tests.support.browser import log_in, log_out, screenshot
from tests.support.web import UserFactory

pytestmark = pytest.mark.browser

PHOTO_ONLY = "MAC-U1-E1-C1"


def fits_the_phone(page: Page) -> None:
    assert browser_fits(page)


def test_from_assignment_to_a_partial_decision_the_candidate_sees_in_the_portal(
        browser: Browser, live_url: str, session: Session, settings: Settings, users: UserFactory,
        database_url: str) -> None:
    account = users(Role.CANDIDATE, login="candidate", name="Seydou Konaté")
    c = cast(session, settings, users, account=account)
    units = service.units(session, c.dossier)
    db = database_url.split(":")[0].split("+")[0]
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740})
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))

    # The registrar assigns the assessor from the dossier page.
    log_in(page, live_url, "registrar")
    page.goto(f"{live_url}/dossiers/{c.dossier.id}")
    page.click("#manage-assessment")  # the panel comes from assessors/, loaded by URL
    choose(page, "assess", "assessor")
    fits_the_phone(page)
    log_out(page)

    # The assessor declares no conflict, reads the portfolio, plans, records a session, scores everything.
    log_in(page, live_url, "assessor")
    page.click("#assessments-link")
    declare(page, live_url, "assess")
    page.click("#open-portfolio")
    fits_the_phone(page)
    page.check(f"#relevance-{c.photo_id} input[value=relevant]")
    page.wait_for_selector(f"#relevance-{c.photo_id}[data-relevance=relevant]")
    page.click("#to-plan")
    for unit in units:
        page.click(f"#save-plan-{unit.id}")
        page.wait_for_selector(f"#plan-{unit.id}[data-planned=yes]")
    page.click("#schedule")
    page.fill("#session-place", "Centre de formation de Kayes")
    page.check("#identity-checked")
    page.click("#record-session")
    page.wait_for_selector("#sessions li[id^=session-]")
    for unit in units:
        page.click(f"#score-{unit.code}")
        score_unit(page, photo_only=PHOTO_ONLY, photo_id=c.photo_id)
        fits_the_phone(page)
        if unit.code == "MAC-U1":
            assert page.get_attribute("#unit-result .result", "data-result") == "not_yet_competent"
            screenshot(page, f"assessment-scoring-{db}")
        page.click("text=← Évaluation")
    page.click("#finish")
    fits_the_phone(page)
    trace = page.inner_text("#result-MAC-U1")
    assert "Pas encore compétent" in trace and "Critère critique sans preuve directe" in trace
    assert PHOTO_ONLY in trace
    assert "Compétent" in page.inner_text("#result-MAC-U2")
    log_out(page)

    # The registrar names the moderator and the jury (the moderator and the registrar, who presides).
    log_in(page, live_url, "registrar")
    page.goto(f"{live_url}/dossiers/{c.dossier.id}/assignments")
    choose(page, "moderate", "assessor2")
    choose(page, "jury", "assessor2")
    choose(page, "jury", "registrar", president=True)
    log_out(page)

    # The moderator agrees, then votes as a jury member.
    log_in(page, live_url, "assessor2")
    declare(page, live_url, "moderate")
    fits_the_phone(page)
    page.check("#agree")
    page.click("#moderate-submit")
    declare(page, live_url, "jury")
    assert page.is_disabled("#vote-MAC-U1 input[value=yes]")
    fits_the_phone(page)
    page.click("#vote-submit")
    page.wait_for_selector("#members li[data-voted=yes]")
    log_out(page)

    # The president votes and records the decision.
    log_in(page, live_url, "registrar")
    declare(page, live_url, "jury")
    page.click("#vote-submit")
    page.fill("#reasons", "Le bloc 1 (sécurité) n'a pas été observé directement.")
    page.fill("#feedback", "Revenez montrer le port des équipements de protection sur un chantier.")
    page.click("#decide-submit")
    assert page.get_attribute("#decision [data-outcome]", "data-outcome") == "partial"
    log_out(page)

    # The candidate's portal shows the validated units and the gap plan.
    log_in(page, live_url, "candidate")
    page.goto(f"{live_url}/portal/dossiers/{c.dossier.id}")
    page.wait_for_selector("#gap-plan")
    validated = page.inner_text("#validated-units")
    for code in ("MAC-U2", "MAC-U3", "MAC-U4", "MAC-U5"):
        assert code in validated
    assert "MAC-U1" not in validated
    assert "MAC-U1" in page.inner_text("#gap-plan") and PHOTO_ONLY in page.inner_text("#gap-plan")
    assert "Validation partielle" in page.inner_text("#decision")
    fits_the_phone(page)
    screenshot(page, f"assessment-portal-{db}")
    assert hosts == {live_url.split("/")[2]}, "a page loaded something from another host"
    context.close()
