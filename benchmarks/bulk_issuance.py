"""Bulk issuance on 2 cores ÷ on 1 core: `acquis certificates issue --all-decided` over 1,000 jury decisions.

One real decision is made through the whole assessment (tests/support/assessors.py); the others are
dossiers registered through the services (tests/support/dossiers.py) that carry a copy of its decision,
which is all that issuing reads. The same database is copied for each run, and the real command runs
as a subprocess pinned to one core, then to two (os.sched_setaffinity): its PDF workers default to the
cores it may use (ACQUIS_PDF_WORKERS unset), so this is the speed-up a registrar gets from a second core.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import Session

from acquis import migrate
from acquis.config import Settings, complete
from acquis.db import make_engine
from assessors.models import JuryDecision
from benchmarks.report import Figure
from certificates import keystore
from tests.support.assessors import cast, decided
from tests.support.dossiers import candidate_data
from tests.support.web import UserFactory
from validation.dossiers import candidates, consents
from validation.dossiers import service as dossiers
from validation.dossiers.inputs import ConsentCreate
from validation.dossiers.models import ConsentMethod, ConsentPurpose
from validation.dossiers.status import DossierStatus

ROOT = Path(__file__).resolve().parent.parent
DECISIONS = 1000
COPY_FIELDS = ("round", "outcome", "decided_on", "reasons", "feedback", "president_id", "members", "units")


def settings_for(data_dir: Path) -> Settings:
    return complete(Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir}/acquis.db",
                             secret_key="bench-secret", key_passphrase="bench-passphrase"))


def seed_pending(settings: Settings, count: int) -> None:
    """`count` decided dossiers waiting for their certificate, and the issuer key to sign them."""
    engine = make_engine(settings)
    migrate.upgrade(engine)  # the real schema, as `acquis db upgrade` leaves it (the command checks it)
    with Session(engine) as session:
        c = cast(session, settings, UserFactory(session))
        model = session.get(JuryDecision, decided(session, settings, c))
        assert model is not None
        for i in range(1, count):
            # An office record without a login: an argon2 hash per candidate would make seeding take minutes.
            candidate = candidates.register(session, candidate_data(family_name=f"Traoré {i}", phone=f"7{i:07d}",
                                            id_number=f"BK {i:07d}"), by=c.counsellor, settings=settings,
                                            with_account=False).candidate
            consents.record(session, candidate.id, ConsentCreate(purpose=ConsentPurpose.PROCESSING,
                                                                 method=ConsentMethod.ORAL), by=c.counsellor)
            dossier = dossiers.create(session, candidate.id, framework_id=c.framework.id, unit_ids=None,
                                      by=c.counsellor)
            dossier.status = DossierStatus.DECIDED
            session.add(dossier)
            session.add(JuryDecision(dossier_id=dossier.id, **{f: getattr(model, f) for f in COPY_FIELDS}))
            if i % 100 == 0:
                session.commit()
        session.commit()
        keystore.generate(session, settings=settings)
        session.commit()
    engine.dispose()


def issue_all(template: Path, run_dir: Path, cores: set[int], count: int) -> float:
    """Seconds `acquis certificates issue --all-decided` takes on a copy of the template, on these cores."""
    shutil.copytree(template, run_dir)
    settings = settings_for(run_dir)
    env = {**os.environ, "ACQUIS_DATA_DIR": str(run_dir), "ACQUIS_DATABASE_URL": settings.database_url,
           "ACQUIS_SECRET_KEY": settings.secret_key, "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase}
    env.pop("ACQUIS_PDF_WORKERS", None)
    command = [sys.executable, "-m", "acquis", "certificates", "issue", "--all-decided"]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          preexec_fn=lambda: os.sched_setaffinity(0, cores))
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or f"done: {count} certificate(s) issued" not in done.stdout:
        raise RuntimeError(f"bulk issuance failed: {done.stdout[-500:]} {done.stderr[-2000:]}")
    return elapsed


def bulk_issuance(tmp: Path, count: int = DECISIONS) -> Figure:
    """Issuing the same decisions with two cores against one; as a speed-up, higher is better."""
    template = tmp / "bulk-template"
    seed_pending(settings_for(template), count)
    cores = sorted(os.sched_getaffinity(0))
    one = issue_all(template, tmp / "bulk-1", set(cores[:1]), count)
    two = issue_all(template, tmp / "bulk-2", set(cores[:2]), count)
    # Figure's ratio is measured ÷ baseline: give it the speed (certificates per second) of each.
    return Figure(f"bulk issuance of {count:,} certificates, 2 cores ÷ 1 core (speed-up)", "≥ 1.7",
                  count / two, count / one, unit="cert/s")
