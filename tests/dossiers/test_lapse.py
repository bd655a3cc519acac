"""Idle dossiers are warned first, then lapse; the timers are settings; a lapsed dossier can be reopened."""

import os
import subprocess
import sys
from datetime import timedelta

from sqlmodel import Session

from acquis.auth.models import Role
from acquis.config import Settings
from acquis.db import utcnow
from tests.support.dossiers import make_dossier, publish_framework
from tests.support.web import UserFactory
from validation.dossiers import service
from validation.dossiers.lapse import lapse_idle_dossiers
from validation.dossiers.models import Dossier
from validation.dossiers.status import DossierStatus


def test_an_idle_dossier_is_warned_then_lapses_then_reopens_where_it_was(
        session: Session, settings: Settings, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    settings = settings.model_copy(update={"dossier_lapse_days": 60, "dossier_lapse_warning_days": 10})
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    busy = make_dossier(session, settings, by=counsellor, framework=publish_framework(session, "DEMO-ELB-01"),
                        phone="76 55 44 33", id_number="ZZ998877")
    start = utcnow()
    assert lapse_idle_dossiers(session, now=start + timedelta(days=49), settings=settings).warned == []
    report = lapse_idle_dossiers(session, now=start + timedelta(days=50), settings=settings)
    assert report.warned == [dossier.id, busy.id] and report.lapsed == []
    service.touch(session, busy, now=start + timedelta(days=55))  # someone worked on it: no lapse
    # Even long after, the warning must have had its days before the lapse.
    late = lapse_idle_dossiers(session, now=start + timedelta(days=59), settings=settings)
    assert late.lapsed == []
    report = lapse_idle_dossiers(session, now=start + timedelta(days=61), settings=settings)
    assert report.lapsed == [dossier.id]
    session.commit()
    assert session.get(Dossier, dossier.id).status == DossierStatus.LAPSED
    assert session.get(Dossier, busy.id).status == DossierStatus.DRAFT
    assert service.history(session, dossier.id)[-1].actor_kind == "system"
    service.reopen(session, dossier.id, by=counsellor)
    session.commit()
    assert session.get(Dossier, dossier.id).status == DossierStatus.DRAFT


def test_dossiers_waiting_for_the_registrar_never_lapse(session: Session, settings: Settings,
                                                        users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    service.move(session, dossier.id, DossierStatus.SUBMITTED, by=counsellor)
    session.commit()
    far = utcnow() + timedelta(days=10 * 365)
    assert lapse_idle_dossiers(session, now=far, settings=settings).warned == []


def test_the_lapse_command_reports_what_it_did(settings: Settings, session: Session, users: UserFactory) -> None:
    counsellor = users(Role.COUNSELLOR)
    dossier = make_dossier(session, settings, by=counsellor, framework=publish_framework(session))
    env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key, "ACQUIS_DOSSIER_LAPSE_DAYS": "30",
           "ACQUIS_DOSSIER_LAPSE_WARNING_DAYS": "7"}
    when = (utcnow() + timedelta(days=25)).isoformat()
    result = subprocess.run([sys.executable, "-m", "acquis", "dossiers", "lapse", "--now", when], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"warned 1 dossier(s): {dossier.id}" in result.stdout and "lapsed 0" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "acquis", "dossiers", "lapse", "--now", "yesterday"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--now" in bad.stderr
