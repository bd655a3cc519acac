"""The whole journey in Chromium, in French and in English, through the real pages only: a counsellor
registers a returning migrant (oral consent, work in Saudi Arabia and Côte d'Ivoire, evidence); the registrar
admits the dossier and assigns an assessor, who declares no conflict and scores every criterion; a moderator
agrees; a jury of two decides; the registrar issues the certificate; the candidate downloads it on a phone;
an employer with no account opens the URL of its QR code and reads "valid", then "revoked" once the registrar
has revoked it.

Only the accounts, the published framework, the accreditations and the issuer key exist beforehand."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, ViewportSize
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from certificates.scanning import qr_text_in_pdf
from tests.support.assessors import accredit, choose, declare, score_unit
from tests.support.browser import (
    consent_and_jobs,
    fits_the_phone,
    log_in,
    log_out,
    new_dossier_with_evidence,
    screenshot,
    serving,
)
from tests.support.certificates import with_key
from tests.support.dossiers import jpeg, publish_framework, register_candidate
from tests.support.postgres import free_port
from tests.support.web import UserFactory
from validation.dossiers.seed import sample_pdf

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
DESK: ViewportSize = {"width": 1024, "height": 768}
LOCALES = {"fr": "fr-ML", "en": "en-GB"}
CANDIDATE = {"family_name": "Traoré", "given_names": "Awa", "birth_date": "1987-05-21", "id_number": "ML 0042 7781",
             "phone": "76 21 43 65", "region": "Kayes", "commune": "Nioro du Sahel"}
HOLDER = "Awa TRAORÉ"  # the name as on her passport: family name in capitals
JOBS = (("SA", "Djeddah", "Red Sea Builders", "Maçonne", "2013-01-15", "2018-06-30"),
        ("CI", "Abidjan", "Chantier du Plateau", "Maçonne coffreuse", "2018-09-01", "2022-12-31"))
EVIDENCE = (("photo_of_work", "chantier.jpg", "image/jpeg", jpeg(23, size=(320, 240))),
            ("payslip", "bulletin.pdf", "application/pdf", sample_pdf("Bulletin de salaire, Djeddah")))
NEW_PASSWORD = "mon-mot-de-passe-2025"
TEXTS = {
    "fr": {"slip": "Compte du candidat prêt", "saudi": "Arabie saoudite", "ivory": "Côte d’Ivoire",
           "admissible": "Recevable", "portfolio": "Portfolio déposé", "competent": "Compétent", "agreed": "Accord",
           "full": "Validation totale", "issued": "Valide", "choose": "Choisissez votre propre mot de passe",
           "valid": "Certificat valable", "revoked": "Certificat révoqué", "revoked_status": "Révoqué"},
    "en": {"slip": "The candidate's account is ready", "saudi": "Saudi Arabia", "ivory": "Côte d’Ivoire",
           "admissible": "Admissible", "portfolio": "Portfolio submitted", "competent": "Competent", "agreed": "Agreed",
           "full": "Full validation", "issued": "Valid", "choose": "Choose your own password",
           "valid": "Valid certificate", "revoked": "Certificate revoked", "revoked_status": "Revoked"},
}


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    """The QR codes point at the test server, as they point at the real one in production."""
    return settings.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})


@pytest.fixture
def live_url(app: FastAPI, port: int) -> Iterator[str]:
    with serving(app, port) as url:
        yield url


@dataclass
class Story:
    """Where the journey runs and in which language; screenshots named after both."""

    url: str
    lang: str
    db: str

    @property
    def says(self) -> dict[str, str]:
        return TEXTS[self.lang]

    def shot(self, page: Page, step: str) -> None:
        screenshot(page, f"journey-{self.lang}-{self.db}-{step}")


def the_office_before_the_journey(session: Session, settings: Settings, users: UserFactory) -> None:
    """Accounts with their roles, the mason framework published, two assessors accredited, an issuer key."""
    admin = users(Role.ADMIN)
    users(Role.REGISTRAR, name="Moussa Keïta")
    users(Role.COUNSELLOR, name="Fatoumata Diarra")
    framework = publish_framework(session)
    for login, name in (("assessor", "Bakary Coulibaly"), ("assessor2", "Oumou Sangaré")):
        accredit(session, users(Role.ASSESSOR, login=login, name=name), framework.code, by=admin)
    with_key(session, settings)


def open_dossier(page: Page, dossier_id: int) -> None:
    """Staff reach a dossier from their home page, through the list of dossiers."""
    page.click("a.brand")
    page.click("#dossiers-link")
    page.click(f"#dossier-row-{dossier_id} a")
    page.wait_for_selector("#dossier-title")


def counsellor_registers_the_candidate(page: Page, s: Story) -> tuple[str, str]:
    """In the office: identity seen, oral consent, two jobs abroad; returns the slip (login and one-time code)."""
    log_in(page, s.url, "counsellor")
    page.click("a[href$='/candidates/new']")
    slip = register_candidate(page, CANDIDATE)
    assert s.says["slip"] in page.inner_text("#registered")
    consent_and_jobs(page, JOBS)
    timeline = page.inner_text("#timeline")
    assert s.says["saudi"] in timeline and s.says["ivory"] in timeline
    s.shot(page, "1-candidate")
    return slip


def counsellor_opens_a_dossier_with_evidence(page: Page, s: Story) -> int:
    """The mason dossier, a photo of work (linked to the first unit) and a payslip, submitted; returns its id."""
    dossier_url = new_dossier_with_evidence(page, EVIDENCE, linked_kind="photo_of_work")
    dossier_id = int(dossier_url.rstrip("/").rsplit("/", 1)[1])
    assert page.locator("#evidence-list li[id^=evidence-]").count() == len(EVIDENCE)
    page.click("form[data-move=submitted] button")
    page.wait_for_selector("#dossier-status [data-status=submitted]")
    s.shot(page, "1-dossier-submitted")
    log_out(page)
    return dossier_id


def registrar_admits(page: Page, s: Story, dossier_id: int) -> None:
    log_in(page, s.url, "registrar")
    open_dossier(page, dossier_id)
    page.click("form[data-move=intake_review] button")
    page.wait_for_selector("#dossier-status [data-status=intake_review]")
    page.click("#decide")
    page.check("input[name=decision][value=admissible]")
    page.click("#decide-submit")
    page.wait_for_selector("#dossier-status [data-status=admissible]")
    assert s.says["admissible"] in page.inner_text("#dossier-status")
    s.shot(page, "2-admissible")
    log_out(page)


def counsellor_submits_the_portfolio(page: Page, s: Story, dossier_id: int) -> None:
    """The portfolio is started, then submitted: frozen and hashed for the assessor."""
    log_in(page, s.url, "counsellor")
    open_dossier(page, dossier_id)
    page.click("form[data-move=portfolio_in_progress] button")
    page.wait_for_selector("#dossier-status [data-status=portfolio_in_progress]")
    page.click("#submit-portfolio")
    page.wait_for_selector("#dossier-status [data-status=portfolio_submitted]")
    assert s.says["portfolio"] in page.inner_text("#dossier-status")
    log_out(page)


def registrar_assigns_the_assessor(page: Page, s: Story, dossier_id: int) -> None:
    log_in(page, s.url, "registrar")
    open_dossier(page, dossier_id)
    page.click("#manage-assessment")
    choose(page, "assess", "assessor")
    assert "Bakary Coulibaly" in page.inner_text("#assigned li[data-purpose=assess]")
    s.shot(page, "2-assessor-assigned")
    log_out(page)


def assessor_scores_every_criterion(page: Page, s: Story, dossier_id: int) -> None:
    """No conflict declared; the portfolio read; every unit planned; a session held (identity checked); every
    criterion met on that session."""
    log_in(page, s.url, "assessor")
    declare(page, s.url, "assess")
    page.click("#open-portfolio")
    page.click("#to-plan")
    for unit in [str(b.get_attribute("id")).removeprefix("save-plan-") for b in page.locator("[id^=save-plan-]").all()]:
        page.click(f"#save-plan-{unit}")
        page.wait_for_selector(f"#plan-{unit}[data-planned=yes]")
    page.click("#schedule")
    page.fill("#session-place", "Centre de formation de Kayes")
    page.check("#identity-checked")
    page.click("#record-session")
    page.wait_for_selector("#sessions li[id^=session-]")
    for link in [a.get_attribute("id") for a in page.locator("a[id^=score-]").all()]:
        page.click(f"#{link}")
        score_unit(page)
        # As the assessor sees it on opening the unit again: the result the server computed from what was saved
        # (the live update after each save is tested by tests/assessors/test_browser.py; once in CI, under load,
        # the journey found the result card without its badge after the last save — not yet explained).
        page.reload()
        try:
            result = page.get_attribute("#unit-result .result", "data-result")
        except PlaywrightTimeout:
            s.shot(page, f"unit-result-missing-{link}")  # to explain the rare case seen under load in CI
            raise
        assert result == "competent"
        page.click(f"main a[href$='/assessments/{dossier_id}']")
    s.shot(page, "3-scored")
    page.click("#finish")
    results = page.locator("section[id^=result-]")
    assert results.count() == 5 and all(s.says["competent"] in text for text in results.all_inner_texts())
    log_out(page)


def registrar_names_moderator_and_jury(page: Page, s: Story, dossier_id: int) -> None:
    """The second assessor moderates and sits on the jury; the registrar presides it."""
    log_in(page, s.url, "registrar")
    open_dossier(page, dossier_id)
    page.click("#manage-assessment")
    choose(page, "moderate", "assessor2")
    choose(page, "jury", "assessor2")
    choose(page, "jury", "registrar", president=True)
    log_out(page)


def moderator_agrees_and_votes(page: Page, s: Story) -> None:
    log_in(page, s.url, "assessor2")
    declare(page, s.url, "moderate")
    page.check("#agree")
    page.click("#moderate-submit")
    declare(page, s.url, "jury")
    assert s.says["agreed"] in page.inner_text("#moderations")
    page.click("#vote-submit")
    page.wait_for_selector("#members li[data-voted=yes]")
    s.shot(page, "4-moderated-and-voted")
    log_out(page)


def president_decides_and_registrar_issues(page: Page, s: Story, dossier_id: int) -> None:
    """The registrar votes, records the jury's decision as its president, then issues the certificate."""
    log_in(page, s.url, "registrar")
    declare(page, s.url, "jury")
    page.click("#vote-submit")
    page.fill("#reasons", "Tous les critères sont satisfaits, observés en situation de travail.")
    page.click("#decide-submit")
    assert page.get_attribute("#decision [data-outcome]", "data-outcome") == "full"
    assert s.says["full"] in page.inner_text("#decision")
    s.shot(page, "4-decided")
    open_dossier(page, dossier_id)
    page.click("#issue-certificate")
    issued = page.locator("#certificate-list li[data-status=issued]")
    assert s.says["issued"] in issued.inner_text()
    s.shot(page, "5-issued")
    log_out(page)


def candidate_downloads_on_the_phone(page: Page, s: Story, slip: tuple[str, str], dossier_id: int) -> bytes:
    """First login with the slip, a password of her own, then the certificate: returns the PDF's bytes and leaves
    the page on the holder's certificate, with its share link."""
    log_in(page, s.url, *slip)
    page.click("#portal-link")
    assert s.says["choose"] in page.inner_text("#choose-password")
    assert page.locator("#current").count() == 0  # the slip's code, spent by this login, is not asked again
    page.fill("#new", NEW_PASSWORD)
    page.fill("#again", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    page.click(f"#my-dossier-{dossier_id} a.button")
    certificate = page.locator("#portal-certificates #certificate-list li[data-status=issued]")
    assert s.says["issued"] in certificate.inner_text()
    s.shot(page, "6-candidate-certificate")
    assert fits_the_phone(page)
    with page.expect_download() as download:
        page.click("#portal-certificates a[href$='.pdf']")
    return Path(download.value.path()).read_bytes()


def verdict_on(page: Page) -> tuple[str, str]:
    """What the verify page says: the verdict's code and its words."""
    verdict = page.locator("#verdict")
    return str(verdict.get_attribute("data-verdict")), verdict.inner_text()


def registrar_revokes(page: Page, s: Story, number: str) -> None:
    log_in(page, s.url, "registrar")
    page.click("#certificates-link")
    row = f"#certificate-{number}"
    page.fill(f"{row} input[name=reason]", "Attestation d'employeur falsifiée, signalée par l'ambassade.")
    page.click(f"{row} button[type=submit]")
    assert page.get_attribute(f"{row} td[data-status]", "data-status") == "revoked"
    assert s.says["revoked_status"] in page.inner_text(f"{row} td[data-status]")
    s.shot(page, "8-revoked")
    log_out(page)


# Each language once and each engine once (the journey costs about 50 s a run): French on SQLite, English on
# PostgreSQL.
@pytest.mark.parametrize(("database_url", "lang"), [("sqlite", "fr"), ("postgresql", "en")],
                         indirect=["database_url"])
def test_from_registration_to_a_revoked_certificate_through_the_pages(
        browser: Browser, live_url: str, session: Session, settings: Settings, users: UserFactory,
        database_url: str, lang: str) -> None:
    the_office_before_the_journey(session, settings, users)
    s = Story(live_url, lang, database_url.split(":")[0].split("+")[0])
    office = browser.new_context(locale=LOCALES["fr"], viewport=DESK)
    desk = office.new_page()
    desk.goto(f"{live_url}/login")
    if lang == "en":
        desk.click("a[hreflang=en]")  # the office's language switch; the choice is remembered
    assert desk.get_attribute("html", "lang") == lang

    # 1-5: the office, from registration to the certificate.
    slip = counsellor_registers_the_candidate(desk, s)
    dossier_id = counsellor_opens_a_dossier_with_evidence(desk, s)
    registrar_admits(desk, s, dossier_id)
    counsellor_submits_the_portfolio(desk, s, dossier_id)
    registrar_assigns_the_assessor(desk, s, dossier_id)
    assessor_scores_every_criterion(desk, s, dossier_id)
    registrar_names_moderator_and_jury(desk, s, dossier_id)
    moderator_agrees_and_votes(desk, s)
    president_decides_and_registrar_issues(desk, s, dossier_id)

    # 6: the candidate, on her phone, in her browser's language.
    phone = browser.new_context(locale=LOCALES[lang], viewport=PHONE, accept_downloads=True)
    mine = phone.new_page()
    pdf = candidate_downloads_on_the_phone(mine, s, slip, dossier_id)
    assert pdf.startswith(b"%PDF")
    number = mine.inner_text("#certificate-list li[id^=certificate-] strong")
    share_link = mine.get_attribute("#certificate-list a.share-link", "href")
    qr_url = qr_text_in_pdf(pdf)  # what an employer's phone camera reads off the printed certificate
    assert qr_url.lower().startswith(f"{live_url}/v/")
    assert share_link is not None and share_link.rpartition("/V/")[2] == qr_url.rpartition("/V/")[2]
    phone.close()

    # 7: an employer with no account scans the QR.
    employer = browser.new_context(locale=LOCALES[lang], viewport=PHONE)
    scan = employer.new_page()
    scan.goto(qr_url)
    verdict, words = verdict_on(scan)
    assert verdict == "valid" and s.says["valid"] in words
    assert scan.inner_text("#holder-name") == HOLDER
    assert fits_the_phone(scan)
    s.shot(scan, "7-employer-valid")

    # 8: the registrar revokes it; the employer looks again.
    registrar_revokes(desk, s, number)
    scan.reload()
    verdict, words = verdict_on(scan)
    assert verdict == "revoked" and s.says["revoked"] in words
    s.shot(scan, "8-employer-revoked")
    employer.close()
    office.close()
