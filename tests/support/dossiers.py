"""Test helpers for candidate dossiers: a published framework, candidates, dossiers, sample files."""

import io
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image
from sqlmodel import Session

from acquis.auth.models import User
from acquis.auth.service import issue_api_token
from acquis.config import Settings
from acquis.storage import Store
from validation.dossiers import candidates, consents, service, work_history
from validation.dossiers.inputs import CandidateCreate, ConsentCreate, WorkExperienceCreate
from validation.dossiers.models import Candidate, ConsentMethod, ConsentPurpose, Dossier
from validation.frameworks import importers
from validation.frameworks.models import (
    Framework,
    FrameworkCriterion,
    FrameworkElement,
    FrameworkStatus,
    FrameworkUnit,
)

DEMO_FILE = Path(__file__).resolve().parents[2] / "validation" / "data" / "demo-frameworks.yaml"


def publish_framework(session: Session, code: str = "DEMO-MAC-01") -> Framework:
    """One demo framework, inserted as a draft then published (independent of the frameworks service)."""
    data = next(f for f in importers.read(DEMO_FILE).frameworks if f.code == code)
    framework = Framework(code=data.code, version=data.version or 1, status=FrameworkStatus.DRAFT,
                          title_fr=data.title.fr, title_en=data.title.en, isco08=data.isco08,
                          min_experience_months=data.min_experience_months, illustrative=True)
    session.add(framework)
    session.flush()
    for u, unit in enumerate(data.units):
        row = FrameworkUnit(framework_id=framework.id, position=u, code=unit.code, mandatory=unit.mandatory,
                            title_fr=unit.title.fr, title_en=unit.title.en,
                            required_evidence=list(unit.required_evidence), currency_years=unit.currency_years)
        session.add(row)
        session.flush()
        position = 0
        for e, element in enumerate(unit.elements):
            element_row = FrameworkElement(framework_id=framework.id, unit_id=row.id, position=e, code=element.code,
                                           title_fr=element.title.fr, title_en=element.title.en)
            session.add(element_row)
            session.flush()
            for criterion in element.criteria:
                session.add(FrameworkCriterion(framework_id=framework.id, unit_id=row.id, element_id=element_row.id,
                                               position=position, code=criterion.code, critical=criterion.critical,
                                               text_fr=criterion.fr, text_en=criterion.en))
                position += 1
    session.flush()
    framework.status = FrameworkStatus.PUBLISHED  # published versions take no new nodes: publish last
    session.add(framework)
    session.commit()
    return framework


def candidate_data(**overrides: Any) -> CandidateCreate:
    values: dict[str, Any] = {
        "family_name": "Konaté", "given_names": "Seydou", "sex": "male", "birth_date": "1988-04-12",
        "phone": "76 12 34 56", "region": "Kayes", "commune": "Kayes", "id_document_type": "passport",
        "id_number": "AA 1234567", "identity_seen": True}
    return CandidateCreate.model_validate({**values, **overrides})


def make_candidate(session: Session, settings: Settings, *, by: User, consent: bool = True,
                   jobs: int = 1, **overrides: Any) -> Candidate:
    """A candidate registered by `by`, with oral consent to processing and `jobs` years in Riyadh."""
    registration = candidates.register(session, candidate_data(**overrides), by=by, settings=settings)
    candidate = registration.candidate
    if consent:
        consents.record(session, candidate.id, ConsentCreate(purpose=ConsentPurpose.PROCESSING,
                                                             method=ConsentMethod.ORAL), by=by)
    for year in range(jobs):
        work_history.add(session, candidate.id, WorkExperienceCreate(
            country="SA", city="Riyad", employer="Al-Bina", job_title="Maçon", start_date=date(2018 + 2 * year, 1, 1),
            end_date=date(2019 + 2 * year, 6, 30), tasks="Murs en blocs"), by=by)
    session.commit()
    return candidate


def make_dossier(session: Session, settings: Settings, *, by: User, framework: Framework,
                 **overrides: Any) -> Dossier:
    candidate = make_candidate(session, settings, by=by, **overrides)
    dossier = service.create(session, candidate.id, framework_id=framework.id, unit_ids=None, by=by)
    session.commit()
    return dossier


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 120, 80)).save(out, "JPEG")
    return out.getvalue()


def png(seed: int = 0) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (10, seed % 256, 200)).save(out, "PNG")
    return out.getvalue()


def bearer(session: Session, user: User) -> dict[str, str]:
    token = issue_api_token(session, user, days=1, by=None)
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def stored_files(settings: Settings) -> list[Path]:
    """Every file under the evidence store (objects, thumbnails and leftovers alike), but the store's lock."""
    root = settings.data_dir / "files"
    lock = Store(root).lock_path
    return sorted(path for path in root.rglob("*") if path.is_file() and path != lock) if root.exists() else []


# --- on the real pages, in Chromium (any language: by ids and values, never by visible text) ------------

Job = tuple[str, str, str, str, str, str]  # country, city, employer, job title, start, end (ISO dates)


def register_candidate(page: Any, fields: dict[str, str]) -> tuple[str, str]:
    """On the counsellor's registration form: fill `fields` (by element id), identity seen, register; returns
    the login and the one-time code printed on the slip."""
    for field, value in fields.items():
        page.fill(f"#{field}", value)
    page.check("input[name=identity_seen]")
    page.click("#candidate-form button[type=submit]")
    return page.inner_text("#slip-login"), page.inner_text("#slip-password")


def record_oral_consent(page: Any) -> None:
    """On the candidate's page: consent to processing, given orally (htmx swaps the consent card in place)."""
    page.select_option("#consent-purpose", "processing")
    page.select_option("#consent-method", "oral")
    page.click("#consent-form button[type=submit]")
    page.wait_for_selector("#consent-processing[data-given=yes]")


def add_jobs(page: Any, jobs: tuple[Job, ...]) -> None:
    """On the candidate's page, each job abroad through the work form; waits until the timeline shows it."""
    for index, (country, city, employer, title, start, end) in enumerate(jobs):
        if index:
            page.click("#work-history details summary")
        page.select_option("#work-country", country)
        page.fill("#work-city", city)
        page.fill("#work-employer", employer)
        page.fill("#work-job", title)
        page.fill("#work-start", start)
        page.fill("#work-end", end)
        page.fill("#work-tasks", "Je montais les murs et coulais les poteaux.")
        page.click("#work-form button[type=submit]")
        page.locator("#timeline li[id^=job-]").nth(index).wait_for()


def upload_evidence(page: Any, kind: str, name: str, media_type: str, data: bytes, *, first_unit: bool = False) -> None:
    """From a dossier page: add one file (sent by upload.js, with a progress bar), linked to the first unit if
    asked, then follow the link back to the dossier."""
    page.click("#add-evidence")
    page.select_option("#kind", kind)
    page.set_input_files("#file", {"name": name, "mimeType": media_type, "buffer": data})
    page.fill("#description", name)
    if first_unit:
        page.locator("input[name=unit_ids]").first.check()
    page.click("#upload-submit")
    page.wait_for_selector("#evidence-added")
    page.click("#evidence-item > p:first-child a")
    page.wait_for_selector("#evidence-list")
