"""The FastAPI app factory: composes the kernel and the domain packages into one app."""

from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from acquis import audit, jobs, jobs_views, metrics, telemetry, views
from acquis.auth import models as auth_models
from acquis.auth import views as auth_views
from acquis.auth.guard import verify_csrf
from acquis.config import Settings
from acquis.db import make_engine, make_read_engine
from acquis.hosts import HostMiddleware
from acquis.limits import MULTIPART_OVERHEAD, BodyLimitMiddleware
from acquis.sms import incoming as sms_incoming
from acquis.sms import jobs as sms_jobs
from acquis.sms import models as sms_models
from acquis.sms import sender as sms_sender
from acquis.sms import views as sms_views
from acquis.storage import References, Store
from acquis.web import STATIC_DIR, ShellMiddleware, include_routers, install_error_handlers, make_templates
from assessors import appeal_views as assessors_appeal_views
from assessors import assignment_views as assessors_assignment_views
from assessors import denials as assessors_denials
from assessors import desk_views as assessors_desk_views
from assessors import jobs as assessor_jobs
from assessors import jury_views as assessors_jury_views
from assessors import models as assessor_models
from assessors import moderation_views as assessors_moderation_views
from assessors import registry_views as assessors_registry_views
from assessors import scoring_views as assessors_scoring_views
from certificates import api as certificates_api
from certificates import carried as certificates_carried
from certificates import download_views as certificates_download_views
from certificates import issuing_views as certificates_issuing_views
from certificates import jobs as certificate_jobs
from certificates import models as certificate_models
from certificates import public_document_views as certificates_public_document_views
from certificates import revocation_views as certificates_revocation_views
from certificates import scanning as certificate_scanning
from certificates import sms_lookup as certificate_sms_lookup
from certificates import verification_views as certificates_verification_views
from validation.dossiers import api as dossiers_api
from validation.dossiers import candidate_views as dossiers_candidate_views
from validation.dossiers import candidates as dossier_candidates
from validation.dossiers import code_login_views as dossiers_code_login_views
from validation.dossiers import evidence_views as dossiers_evidence_views
from validation.dossiers import jobs as dossier_jobs
from validation.dossiers import models as dossier_models
from validation.dossiers import paper_code_views as dossiers_paper_code_views
from validation.dossiers import paper_codes as dossier_paper_codes
from validation.dossiers import portal as dossiers_portal
from validation.dossiers import sms_status as dossier_sms_status
from validation.dossiers import views as dossiers_views
from validation.frameworks import api as frameworks_api
from validation.frameworks import models as framework_models
from validation.frameworks import reading as framework_reading
from validation.frameworks import views as frameworks_views

# The table modules, imported so SQLModel.metadata knows every table.
TABLE_MODULES = (auth_models, audit, jobs, framework_models, certificate_models, dossier_models, assessor_models,
                 sms_models, dossier_paper_codes)


# The columns that name files of the store by their SHA-256: a file no row names is garbage.
STORE_REFERENCES = (certificate_models.Certificate.pdf_sha256, dossier_models.EvidenceFile.sha256,
                    dossier_models.Consent.scan_sha256)
IN_CHUNK = 500


def metadata() -> MetaData:
    """Every table of every package (for Alembic and the tests)."""
    return SQLModel.metadata


def store_references(engine: Engine) -> References:
    """Which of some digests rows still name (the store asks before removing a file)."""
    def referenced(digests: Collection[str]) -> set[str]:
        wanted, found = sorted(digests), set[str]()
        with Session(engine) as session:
            for start in range(0, len(wanted), IN_CHUNK):
                chunk = wanted[start:start + IN_CHUNK]
                for column in STORE_REFERENCES:
                    found.update(session.scalars(select(column).where(col(column).in_(chunk))))
        return {digest for digest in found if digest}
    return referenced


def body_limits(settings: Settings) -> dict[str, int]:
    """The routes taking files, by name, and the largest body each accepts (the file and the form around it);
    every other route takes acquis.limits.DEFAULT_BYTES, and JSON bodies at most 1 MB on any route."""
    evidence = settings.evidence_max_bytes + MULTIPART_OVERHEAD
    verify = certificate_scanning.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD
    return {"upload_evidence": evidence, "upload_evidence_api": evidence, "record_consent": evidence,
            "verify_upload": verify, "verify_certificate_api": verify,
            "import_frameworks": framework_reading.MAX_BYTES + MULTIPART_OVERHEAD}


def scheduled_jobs(settings: Settings) -> list[jobs.Job]:
    """Every periodic job of every package, for the scheduler, the jobs page and `acquis jobs`."""
    found = [sms_jobs.SEND, dossier_jobs.LAPSE, assessor_jobs.APPEAL_WINDOWS, certificate_jobs.PUBLIC_DOCUMENTS]
    if settings.backup_dir is not None:
        found.append(jobs.nightly_backup(STORE_REFERENCES))
    return found


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # A crash (SIGKILL, power cut, out of memory) can leave temp files and files stored by a transaction
    # that never committed: each worker clears what no live process holds before it serves.
    app.state.store.recover()
    scheduler = jobs.Scheduler(app.state.engine, app.state.settings, app.state.jobs)
    urgent_sms = sms_sender.UrgentSender(app.state.engine, app.state.settings)
    if app.state.settings.jobs:  # ACQUIS_JOBS=off: cron runs `acquis jobs run NAME` instead
        scheduler.start()
        if app.state.settings.sms_url:
            urgent_sms.start()  # login codes go at once, not at the sms job's next run
    yield
    scheduler.stop()
    urgent_sms.stop()


def create_app(settings: Settings) -> FastAPI:
    """One app per settings value: its own engine, templates and file store."""
    app = FastAPI(
        title="Acquis",
        summary="Skills validation and verifiable certificates",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        # Every state-changing browser request carries a CSRF token; checked once, app-wide.
        dependencies=[Depends(verify_csrf)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.read_engine = make_read_engine(settings, app.state.engine)
    app.state.templates = make_templates()
    app.state.store = Store(settings.data_dir / "files", references=store_references(app.state.read_engine))
    app.state.jobs = scheduled_jobs(settings)
    app.state.held_units = certificates_carried.held_units  # intake lists the units already validated
    app.state.phone_logins = dossier_candidates.login_for_phone  # the login page takes a candidate's phone
    app.state.sms_services = sms_incoming.Services(  # what a text to Acquis answers (STATUT, a certificate number)
        language=dossier_sms_status.language, status=dossier_sms_status.status,
        certificate_number=certificate_sms_lookup.number_in, certificate=certificate_sms_lookup.verdict)
    metrics.watch_pools(app.state.engine, app.state.read_engine)
    app.add_middleware(BodyLimitMiddleware, limits=body_limits)  # before anything reads the body
    app.add_middleware(ShellMiddleware)
    app.add_middleware(HostMiddleware)  # the client and host checked before anything uses them
    app.add_middleware(telemetry.RequestMiddleware)  # outermost: it times and logs every request
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    include_routers(app, certificates_issuing_views.router, certificates_verification_views.router,
                    certificates_revocation_views.router, certificates_download_views.router,
                    certificates_public_document_views.router, certificates_api.router)
    include_routers(app, views.router, auth_views.router, jobs_views.router, metrics.router, sms_views.router)
    include_routers(app, frameworks_views.router, frameworks_api.router)
    include_routers(app, dossiers_candidate_views.router, dossiers_views.router, dossiers_evidence_views.router,
                    dossiers_portal.router, dossiers_api.router, dossiers_paper_code_views.router,
                    dossiers_code_login_views.router)
    include_routers(app, assessors_registry_views.router, assessors_assignment_views.router,
                    assessors_desk_views.router, assessors_scoring_views.router, assessors_moderation_views.router,
                    assessors_jury_views.router, assessors_appeal_views.router)
    assessors_denials.install(app)  # assessors' "not found" answers are audited
    return app
