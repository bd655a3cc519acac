"""The FastAPI app factory: composes the kernel and the domain packages into one app."""

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import MetaData
from sqlmodel import SQLModel

from acquis import audit, views
from acquis.auth import models as auth_models
from acquis.auth import views as auth_views
from acquis.auth.guard import verify_csrf
from acquis.config import Settings
from acquis.db import make_engine, make_read_engine
from acquis.storage import Store
from acquis.web import STATIC_DIR, ShellMiddleware, install_error_handlers, make_templates
from validation.frameworks import models as framework_models

# The table modules, imported so SQLModel.metadata knows every table.
TABLE_MODULES = (auth_models, audit, framework_models)


def metadata() -> MetaData:
    """Every table of every package (for Alembic and the tests)."""
    return SQLModel.metadata


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
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    app.state.read_engine = make_read_engine(settings, app.state.engine)
    app.state.templates = make_templates()
    app.state.store = Store(settings.data_dir / "files")
    app.add_middleware(ShellMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in (views.router, auth_views.router):
        app.include_router(router)
    return app
