"""The admins' jobs page: each scheduled job's last run and next one, and a button to run it now."""

import logging
import threading
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine

from acquis import audit, dates, jobs
from acquis.auth.guard import AdminDep
from acquis.config import Settings
from acquis.db import SessionDep, utcnow
from acquis.deps import SettingsDep
from acquis.i18n import gettext
from acquis.web import render

log = logging.getLogger("acquis.jobs")

router = APIRouter()


@router.get("/jobs", name="list_jobs")
def list_jobs(request: Request, session: SessionDep, user: AdminDep, settings: SettingsDep,
              started: str | None = None) -> Response:
    registered: list[jobs.Job] = request.app.state.jobs
    return render(request, "acquis/jobs.html", states=jobs.states(session, registered),
                  runs=jobs.recent_runs(session), titles={job.name: job.title for job in registered},
                  started=started if started in {job.name for job in registered} else None,
                  scheduler_on=settings.jobs, when=dates.utc_minute, schedule_text=schedule_text)


@router.post("/jobs/run", name="run_job")
def run_job(request: Request, session: SessionDep, user: AdminDep, settings: SettingsDep,
            job: Annotated[str, Form()]) -> Response:
    """Start the job now in the background (a backup may take minutes); the page shows it running."""
    chosen = jobs.find(request.app.state.jobs, job)
    now = utcnow()
    engine = request.app.state.engine
    if not jobs.claim(session, chosen, now=now, scheduled=False):
        raise jobs.JobRunning()
    audit.record(session, actor=user, action="job.started", entity_type="job", entity_id=chosen.name)
    session.commit()
    threading.Thread(target=_execute, args=(engine, settings, chosen, now, user.id), name=f"acquis-job-{chosen.name}",
                     daemon=True).start()
    return RedirectResponse(request.url_for("list_jobs").include_query_params(started=chosen.name), status_code=303)


def _execute(engine: Engine, settings: Settings, job: jobs.Job, now: datetime, by_id: int | None) -> None:
    try:
        jobs.execute(engine, settings, job, now=now, scheduled=False, by_id=by_id)
    except Exception:  # noqa: BLE001 - a thread's exception would go nowhere: the lease expires, the log says why
        log.exception("job run by hand could not be recorded")


def schedule_text(schedule: jobs.Schedule) -> str:
    """"tous les jours à 02:00 UTC", "toutes les 6 heures"."""
    day = timedelta(days=1)
    if schedule.every == day:
        minutes = int(schedule.at.total_seconds()) // 60
        return gettext("tous les jours à %(time)s UTC") % {"time": f"{minutes // 60:02d}:{minutes % 60:02d}"}
    if schedule.every % timedelta(hours=1) == timedelta(0):
        return gettext("toutes les %(hours)d heures") % {"hours": schedule.every // timedelta(hours=1)}
    return gettext("toutes les %(minutes)d minutes") % {"minutes": schedule.every // timedelta(minutes=1)}
