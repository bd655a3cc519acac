"""In Chromium on a phone-sized screen, the whole assessment: the registrar assigns the assessor, who declares
no conflict and scores every criterion of the mason framework (one critical criterion only on a photo); a
moderator agrees; two jury members decide "partial"; the candidate sees the validated units and the gap plan."""

import pytest
from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from assessors import scoring, service
from tests.assessors_support import cast
from tests.browser import fits_the_phone as browser_fits
from tests.browser import screenshot
from tests.support import PASSWORD, UserFactory

pytestmark = pytest.mark.browser

PHOTO_ONLY = "MAC-U1-E1-C1"


def log_in(page: object, live_url: str, login: str) -> None:
    page.goto(f"{live_url}/login")  # type: ignore[attr-defined]
    page.fill("#login", login)  # type: ignore[attr-defined]
    page.fill("#password", PASSWORD)  # type: ignore[attr-defined]
    page.click("main button.primary")  # type: ignore[attr-defined]
    page.wait_for_selector("#welcome")  # type: ignore[attr-defined]


def log_out(page: object) -> None:
    page.click("text=Se déconnecter")  # type: ignore[attr-defined]


def fits_the_phone(page: object) -> None:
    assert browser_fits(page)


def declare(page: object, live_url: str, purpose: str) -> None:
    """From the work list, sign the pending declaration for this role: no conflict."""
    page.goto(f"{live_url}/assessments")  # type: ignore[attr-defined]
    page.click(f"li[data-purpose={purpose}] a[id^=declare-]")  # type: ignore[attr-defined]
    page.check("#no-conflict")  # type: ignore[attr-defined]
    page.click("#sign")  # type: ignore[attr-defined]


def choose(page: object, purpose: str, login: str, *, president: bool = False) -> None:
    """On the registrar's control page, designate `login` for the role."""
    section = f"#suggest-{purpose}"
    page.check(f"{section} input[data-login={login}]")  # type: ignore[attr-defined]
    if president:
        page.check(f"{section} #president")  # type: ignore[attr-defined]
    page.click(f"#assign-{purpose}")  # type: ignore[attr-defined]
    page.wait_for_selector(f"#assigned li[data-purpose={purpose}]")  # type: ignore[attr-defined]


def score_unit(page: object, criteria: list[tuple[int, str]], photo_id: int) -> None:
    """Every criterion met, citing the session, except the critical one cited only on the photo; each
    click is saved by its own request (the state shows the saved version)."""
    for criterion_id, code in criteria:
        form = f"#criterion-{criterion_id}"
        if code == PHOTO_ONLY:
            page.check(f"{form} input[name=evidence_ids][value='{photo_id}']")  # type: ignore[attr-defined]
        else:
            page.check(f"{form} input[name=session_ids]")  # type: ignore[attr-defined]
        page.wait_for_selector(f"{form}-state [data-version='1']")  # type: ignore[attr-defined]
        page.check(f"{form} input[name=verdict][value=met]")  # type: ignore[attr-defined]
        page.wait_for_selector(f"{form}-state [data-version='2'][data-verdict=met]")  # type: ignore[attr-defined]


def test_from_assignment_to_a_partial_decision_the_candidate_sees_in_the_portal(
        browser: object, live_url: str, session: Session, settings: Settings, users: UserFactory,
        database_url: str) -> None:
    account = users(Role.CANDIDATE, login="candidate", name="Seydou Konaté")
    c = cast(session, settings, users, account=account)
    units = service.units(session, c.dossier)
    criteria = {u.code: [(k.id, k.code) for k in scoring.criteria_of(session, u.id)] for u in units}  # type: ignore[arg-type]
    db = database_url.split(":")[0].split("+")[0]
    context = browser.new_context(locale="fr-ML", viewport={"width": 360, "height": 740})  # type: ignore[attr-defined]
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
        score_unit(page, criteria[unit.code], c.photo_id)
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
