"""Idle dossiers: warned first, then lapsed, after the days the settings say (run by `acquis dossiers lapse`)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from acquis import audit
from acquis.config import Settings
from validation.dossiers import messages, service
from validation.dossiers.models import Dossier
from validation.dossiers.status import LAPSABLE, DossierStatus


@dataclass
class LapseReport:
    warned: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)


def lapse_idle_dossiers(session: Session, *, now: datetime, settings: Settings) -> LapseReport:
    """Warn dossiers idle for (lapse - warning) days; lapse those warned at least `warning` days ago
    and idle for the full lapse period. A warning always comes first, even if this ran late."""
    report = LapseReport()
    warning = timedelta(days=settings.dossier_lapse_warning_days)
    lapse_after = timedelta(days=settings.dossier_lapse_days)
    idle_since = now - max(lapse_after - warning, timedelta(0))
    rows = session.exec(select(Dossier).where(col(Dossier.status).in_([s.value for s in LAPSABLE]),
                                              Dossier.last_activity_at <= idle_since).order_by(col(Dossier.id))).all()
    for dossier in rows:
        if dossier.lapse_warned_at is None:
            dossier.lapse_warned_at = now
            session.add(dossier)
            audit.record(session, actor=None, action="dossier.lapse_warned", entity_type="dossier",
                         entity_id=dossier.id, detail={"status": dossier.status.value})
            report.warned.append(dossier.id)
            lapses_on = lapse_date(dossier, settings=settings)
            assert lapses_on is not None  # just warned, and lapsable
            messages.lapse_warning(session, service.candidate_of(session, dossier), dossier_id=dossier.id,
                                   lapses_on=lapses_on.date(), warned_at=now)
        elif dossier.lapse_warned_at <= now - warning and dossier.last_activity_at <= now - lapse_after:
            service.transition(session, dossier, DossierStatus.LAPSED, by=None, now=now,
                               reason=None, detail={"idle_days": (now - dossier.last_activity_at).days})
            report.lapsed.append(dossier.id)
    session.flush()
    return report


def lapse_date(dossier: Dossier, *, settings: Settings) -> datetime | None:
    """When a warned dossier lapses if nothing happens, for the candidate's page."""
    if dossier.lapse_warned_at is None or dossier.status not in LAPSABLE:
        return None
    return max(dossier.last_activity_at + timedelta(days=settings.dossier_lapse_days),
               dossier.lapse_warned_at + timedelta(days=settings.dossier_lapse_warning_days))
