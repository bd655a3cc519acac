"""The `acquis` command line: a composition root, like acquis.main."""

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import quote

import typer
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from acquis import audit, backup_commands, jobs_commands, metrics, migrate, telemetry
from acquis.auth import service as auth_service
from acquis.auth.models import Role, User, UserCreate
from acquis.config import SMS_TOKEN_FILE, Settings, load_settings, with_demo_passphrase, with_demo_sms_token
from acquis.db import make_engine
from acquis.errors import AcquisError
from acquis.main import STORE_REFERENCES, create_app, metadata, scheduled_jobs
from acquis.sms import commands as sms_commands
from acquis.storage import Store
from assessors import seed as assessor_seed
from certificates import commands as certificate_commands
from certificates import seed as certificate_seed
from validation.dossiers import commands as dossier_commands
from validation.dossiers import seed as dossier_seed
from validation.dossiers.models import Candidate
from validation.frameworks import commands as framework_commands
from validation.frameworks import transfer as framework_transfer

app = typer.Typer(help="Acquis: skills validation and verifiable certificates.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")

USAGE_ERROR = 2
NOT_VALID = 1
Validated = TypeVar("Validated", bound=BaseModel)


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """One line on stderr, no traceback, the contract's exit code."""
    typer.echo(f"acquis: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def database(settings: Settings | None = None) -> Iterator[Session]:
    """A migrated database session; user errors become a one-line message and exit code 2."""
    settings = settings or load_settings()
    engine = make_engine(settings)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            yield session
    except AcquisError as error:
        fail(error.message)
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (idempotent)."""
    with database():
        pass
    typer.echo("database is up to date")


@users_app.command("create")
def users_create(
    role: Annotated[Role, typer.Option(help="admin, registrar, counsellor, assessor or candidate")],
    login: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Create an account; without --password-stdin the password is asked for twice."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    data = _validated(UserCreate, login=login, name=name, role=role, password=password)
    with database() as session:
        user = auth_service.create_user(session, data, by=None)
        session.commit()
        typer.echo(f"created {user.role.value} {user.login}")


@users_app.command("token")
def users_token(login: str, days: Annotated[int | None, typer.Option(
        min=1, max=3650, help="Days the token lasts (default: ACQUIS_API_TOKEN_DAYS, 90).")] = None) -> None:
    """Print a new bearer token for the JSON API (shown once, stored hashed)."""
    settings = load_settings()
    with database(settings) as session:
        user = auth_service.get_by_login(session, login)
        token = auth_service.issue_api_token(session, user, days=days or settings.api_token_days, by=None)
        session.commit()
    typer.echo(token)


@users_app.command("revoke-tokens")
def users_revoke_tokens(login: str) -> None:
    """Revoke every API token of an account (for a lost laptop or a leaked script)."""
    with database() as session:
        user = auth_service.get_by_login(session, login)
        count = auth_service.revoke_api_tokens(session, user, by=None)
        session.commit()
        typer.echo(f"revoked {count} token(s) of {user.login}")


@users_app.command("passwd")
def users_passwd(
    login: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
) -> None:
    """Set a new password (asked for twice); every session of the account ends."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else typer.prompt(
        "New password", hide_input=True, confirmation_prompt=True)
    settings = load_settings()
    with database(settings) as session:
        user = auth_service.get_by_login(session, login)
        auth_service.set_password(session, user, password, by=None, settings=settings)
        session.commit()
        typer.echo(f"password changed for {user.login}; its sessions are closed")


@users_app.command("deactivate")
def users_deactivate(login: str) -> None:
    """The account can no longer log in: its sessions end and its API tokens are revoked."""
    with database() as session:
        user = auth_service.deactivate(session, auth_service.get_by_login(session, login), by=None)
        session.commit()
        typer.echo(f"deactivated {user.login}")


@users_app.command("role")
def users_role(login: str, role: Annotated[Role, typer.Option(help="the account's new role")]) -> None:
    """Give an account another role (revoking the one it had); its sessions end."""
    with database() as session:
        user = auth_service.change_role(session, auth_service.get_by_login(session, login), role, by=None)
        session.commit()
        typer.echo(f"{user.login} is now {user.role.value}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain; exit 1 naming the first broken event."""
    with database() as session:
        broken = audit.verify(session)
    if broken:
        fail(f"audit chain broken at event {broken.seq}: {broken.reason}", NOT_VALID)
    typer.echo("audit chain intact")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the web app (migrates SQLite first; exit 2 on a schema behind or ahead of this release's code)."""
    import uvicorn

    settings = load_settings()
    require_current_schema(settings)
    # uvicorn's access log is off: telemetry.RequestMiddleware writes one without /V/ payloads or addresses.
    # Its proxy headers too: it would trust X-Forwarded-For from 127.0.0.1; acquis.hosts trusts ACQUIS_TRUSTED_PROXIES.
    # A worker imports the whole app before it answers uvicorn's health check: seconds on a busy machine, where
    # uvicorn's default 5 s would kill and restart it again and again.
    with metrics.multiprocess_dir(settings, workers):
        uvicorn.run("acquis.asgi:app", host=host, port=port, workers=workers, proxy_headers=False, access_log=False,
                    log_config=telemetry.log_config(settings), timeout_worker_healthcheck=60)


def require_current_schema(settings: Settings) -> None:
    """Exit 2 naming the command to run unless the database is at this code's migration. SQLite is migrated here;
    PostgreSQL only by `acquis db upgrade`, a release step: instances starting together must not race to migrate,
    and a server that started anyway would fail on its first query."""
    engine = make_engine(settings)
    try:
        revision = migrate.applied(engine)
        if settings.is_sqlite and not migrate.is_ahead(revision):
            migrate.upgrade(engine)
            revision = migrate.head()
    except SQLAlchemyError as error:
        fail(f"cannot reach the database: {str(error).splitlines()[0]}")
    finally:
        engine.dispose()
    problem = migrate.schema_problem(revision)
    if problem:
        fail(problem)


@app.command("demo")
def demo(
    seed_only: Annotated[bool, typer.Option("--seed-only", help="seed and exit")] = False,
    reset: Annotated[bool, typer.Option("--reset", help="drop every table and file of the demo first")] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Seed demo data (idempotent: a rerun changes nothing) and serve it."""
    settings, generated = with_demo_passphrase(load_settings())
    settings = with_demo_sms_token(settings)
    if reset:
        reset_demo(settings)
    with database(settings) as session:
        accounts = seed_demo(session, settings)
        session.commit()
        phone = session.exec(select(Candidate.phone).join(User, col(User.id) == Candidate.user_id)
                             .where(User.login == "candidate")).first()
    announce_demo(accounts, settings, generated_passphrase=generated, candidate_phone=phone)
    if not seed_only:
        import uvicorn

        # The app gets these settings as a value: the passphrase generated for the demo lives in the
        # data dir, not in the environment the import-string app of `acquis serve` would read.
        uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False, access_log=False,
                    log_config=telemetry.log_config(settings))


def seed_demo(session: Session, settings: Settings) -> list[tuple[str, str]]:
    """Every package's demo data, in dependency order; returns the demo accounts (login, role)."""
    framework_transfer.seed_demo(session)
    users = auth_service.ensure_demo_users(session, password=settings.demo_password)
    store = Store(settings.data_dir / "files")  # no app here: the one store the demo's files go to
    dossier_seed.seed_demo(session, settings, store=store)
    assessor_seed.seed_demo(session, settings, store=store)
    certificate_seed.seed_demo(session, settings)
    return [(user.login, user.role.value) for user in users]


def reset_demo(settings: Settings) -> None:
    engine = make_engine(settings)
    try:
        metadata().drop_all(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        engine.dispose()
    shutil.rmtree(settings.data_dir / "files", ignore_errors=True)


def announce_demo(accounts: list[tuple[str, str]], settings: Settings, *, generated_passphrase: bool,
                  candidate_phone: str | None = None) -> None:
    rule = "=" * 72
    typer.echo(rule)
    typer.echo("DEMO DATA ONLY: these accounts and this data are for trying Acquis out.")
    typer.echo(f"Open {settings.public_url}/login and use one of these accounts:")
    for login, role in accounts:
        typer.echo(f"  {role:<11} login: {login:<11} password: {settings.demo_password}")
    if candidate_phone:
        incoming = f"{settings.public_url}/sms/incoming?token={settings.sms_incoming_token}&from="
        if not settings.sms_url:
            typer.echo("No SMS gateway (ACQUIS_SMS_URL): text messages wait in the outbox; staff see them at /sms.")
        typer.echo(f"The SMS services as Kannel calls them (token: ACQUIS_SMS_INCOMING_TOKEN, or generated into "
                   f"{settings.data_dir}/{SMS_TOKEN_FILE}):")
        typer.echo(f"  {incoming}{quote(candidate_phone)}&text=STATUT")
    if generated_passphrase:
        typer.echo(f"WARNING: the issuer key passphrase was generated into {settings.data_dir}/key_passphrase;")
        typer.echo("         set ACQUIS_KEY_PASSPHRASE yourself for any real use.")
    typer.echo(rule)


def _validated(model: type[Validated], **values: Any) -> Validated:
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}")


framework_commands.register(app, database=database)
certificate_commands.register(app, database=database, fail=fail)
dossier_commands.register(app, database=database, fail=fail)
backup_commands.register(app, fail=fail, references=STORE_REFERENCES)
jobs_commands.register(app, database=database, fail=fail, jobs_of=scheduled_jobs)
sms_commands.register(app, database=database, fail=fail)


def main() -> None:
    app()
