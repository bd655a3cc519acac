"""Work abroad: the candidate's jobs, as a timeline, and how many months of experience they make."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from acquis import audit
from acquis.auth.models import User
from acquis.errors import NotFound
from validation.dossiers import access, consents
from validation.dossiers.candidates import CountryUnknown
from validation.dossiers.countries import is_country
from validation.dossiers.inputs import WorkExperienceCreate
from validation.dossiers.models import ConsentPurpose, WorkExperience

DAYS_PER_MONTH = 365.25 / 12


class WorkExperienceNotFound(NotFound):
    """No such job in a candidate file the caller may see."""

    code = "not-found"


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date


def add(session: Session, candidate_id: int, data: WorkExperienceCreate, *, by: User) -> WorkExperience:
    candidate = access.get_candidate(session, candidate_id, user=by)
    consents.require(session, candidate.id, ConsentPurpose.PROCESSING)
    if not is_country(data.country):
        raise CountryUnknown()
    job = WorkExperience.model_validate({**data.model_dump(), "candidate_id": candidate.id, "created_by_id": by.id})
    session.add(job)
    session.flush()
    audit.record(session, actor=by, action="work_experience.added", entity_type="candidate",
                 entity_id=candidate.id, detail={"work_experience": job.id})
    return job


def remove(session: Session, job_id: int, *, by: User) -> None:
    job = session.get(WorkExperience, job_id)
    if job is None:
        raise WorkExperienceNotFound()
    access.get_candidate(session, job.candidate_id, user=by)
    audit.record(session, actor=by, action="work_experience.removed", entity_type="candidate",
                 entity_id=job.candidate_id, detail={"work_experience": job.id})
    session.delete(job)
    session.flush()


def timeline(session: Session, candidate_id: int) -> list[WorkExperience]:
    """Most recent first, as a timeline reads."""
    return list(session.exec(select(WorkExperience).where(WorkExperience.candidate_id == candidate_id)
                             .order_by(col(WorkExperience.start_date).desc(), col(WorkExperience.id).desc())))


def months(jobs: list[WorkExperience], *, today: date) -> int:
    """Whole months of experience; overlapping jobs count once (no double counting)."""
    periods = sorted(Period(job.start_date, min(job.end_date or today, today)) for job in jobs
                     if job.start_date <= today)
    total, current = 0, None
    for period in periods:
        if current and period.start <= current.end + timedelta(days=1):
            current = Period(current.start, max(current.end, period.end))
            continue
        if current:
            total += (current.end - current.start).days + 1
        current = period
    if current:
        total += (current.end - current.start).days + 1
    return int(total / DAYS_PER_MONTH)


def job_months(job: WorkExperience, *, today: date) -> int:
    return months([job], today=today)
