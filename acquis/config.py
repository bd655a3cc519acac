"""Settings: the only module that reads the environment (the ACQUIS_* variables of docs/contract.md)."""

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_FILE = "secret_key"
PASSPHRASE_FILE = "key_passphrase"
SMS_TOKEN_FILE = "sms_incoming_token"


class Settings(BaseSettings):
    """Everything configurable, read once from ACQUIS_* variables and passed around as a value."""

    model_config = SettingsConfigDict(env_prefix="ACQUIS_", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    public_url: str = "http://127.0.0.1:8000"
    # The edge (acquis/hosts.py); both comma-separated. Served: the public URL's host, loopback and these names.
    allowed_hosts: str = ""
    trusted_proxies: str = ""  # addresses or networks (10.0.0.0/8) whose X-Forwarded-For/-Proto count; none by default
    secret_key: str = ""
    key_passphrase: str = ""
    demo_password: str = "acquis-demo"

    issuer_code: str = "ML-ANPE"
    issuer_name_fr: str = "Agence nationale pour l'emploi (démonstration)"
    issuer_name_en: str = "National Employment Agency (demo)"

    session_hours: int = 12
    api_token_days: int = 90
    login_free_failures: int = 5  # failed logins of one login from one client before waits begin
    login_client_free_failures: int = 20  # failed logins from one client, whatever the login, before waits begin
    login_max_delay_seconds: int = 900
    password_hash_concurrency: int = 2  # argon2 computations at once per process (each ~64 MB and a core)
    password_hash_wait_seconds: float = 10.0  # how long a login waits for one before "busy, retry"
    register_per_client_per_hour: int = 20  # anonymous self-registrations (/register) per client address
    evidence_max_bytes: int = 25 * 1024 * 1024
    # Candidate dossiers (validation/dossiers): ID numbers, phones, idle dossiers.
    id_number_key: str = ""  # encrypts ID document numbers; derived from secret_key when empty
    phone_country_code: str = "223"  # prefix for local numbers typed without one (Mali)
    dossier_lapse_days: int = 180  # idle days before a dossier waiting for the candidate lapses
    dossier_lapse_warning_days: int = 30  # the warning comes this many days before the lapse
    # Assessment (assessors/): which dossiers a second assessor moderates, and the appeal window.
    moderation_sample_rate: float = 0.15  # share of the other dossiers moderated at random (0 to 1)
    moderation_borderline_unmet: int = 1  # a unit stopped by at most this many criteria is borderline (0: off)
    appeal_window_days: int = 30  # days after the jury's decision during which the candidate may appeal
    # Certificates (certificates/): how long one stays valid after the jury's decision.
    certificate_validity_years: int = 0  # 0: certificates never expire
    pdf_workers: int = 0  # processes rendering a bulk batch's PDFs side by side; 0: one per core available
    # Operations (acquis/jobs.py, acquis/metrics.py, acquis/telemetry.py).
    jobs: bool = True  # run the scheduled jobs inside the server; off: run them with `acquis jobs run` (cron)
    jobs_tick_seconds: float = 60  # how often each worker looks for a due job
    backup_dir: Path | None = None  # the nightly backup's folder; none: no nightly backup
    backup_keep: int = Field(default=7, ge=1)  # snapshots the nightly backup keeps
    metrics_token: str = ""  # bearer token for /metrics from elsewhere than the machine itself
    log_format: Literal["text", "json"] = "text"  # the server's log lines; json: one JSON object per line
    # SMS through Kannel (acquis/sms/). No URL: messages wait in the outbox, listed on the SMS page (the demo).
    sms_url: str = ""  # Kannel's sendsms, e.g. http://127.0.0.1:13013/cgi-bin/sendsms
    sms_username: str = ""  # a sendsms-user of kannel.conf
    sms_password: str = ""
    sms_from: str = "ACQUIS"  # the sender shown on phones (the operator may impose its own)
    # Protects /sms/incoming and /sms/delivery (empty: both always answer 403); URL-safe, as Kannel's URLs carry it.
    sms_incoming_token: str = Field(default="", pattern=r"^[A-Za-z0-9_-]*$")
    sms_quiet_hours: str = Field(default="21-7", pattern=r"^(off|([01]?[0-9]|2[0-3])-([01]?[0-9]|2[0-3]))$")
    # Set by `acquis serve --workers N` for its workers (prometheus_client's own variable, hence no prefix).
    prometheus_multiproc_dir: str = Field(default="", validation_alias="PROMETHEUS_MULTIPROC_DIR")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def pdf_processes(self) -> int:
        """How many processes render PDFs in bulk: `pdf_workers`, else the cores this process may use."""
        if self.pdf_workers > 0:
            return self.pdf_workers
        try:
            return len(os.sched_getaffinity(0))  # what taskset, cgroups' cpusets or a container allow
        except AttributeError:  # not Linux
            return os.cpu_count() or 1

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the data dir created and defaults filled in.

    The secret key is generated into the data dir on first run, so that sessions survive a
    restart without anyone having to invent a secret by hand.
    """
    settings = Settings(**overrides)
    return complete(settings)


def complete(settings: Settings) -> Settings:
    """Fill the derived defaults (database URL, secret key) of an explicitly built Settings."""
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    updates: dict[str, object] = {"data_dir": data_dir}
    if not settings.database_url:
        updates["database_url"] = f"sqlite:///{data_dir / 'acquis.db'}"
    if not settings.secret_key:
        updates["secret_key"] = read_or_create_secret(data_dir / SECRET_FILE)
    return settings.model_copy(update=updates)


def with_demo_passphrase(settings: Settings) -> tuple[Settings, bool]:
    """For `acquis demo` only: a key passphrase generated into the data dir when none is set.

    Returns the settings and whether the passphrase came from that file (the caller warns).
    """
    if settings.key_passphrase:
        return settings, False
    passphrase = read_or_create_secret(settings.data_dir / PASSPHRASE_FILE)
    return settings.model_copy(update={"key_passphrase": passphrase}), True


def with_demo_sms_token(settings: Settings) -> Settings:
    """For `acquis demo` only: the SMS callbacks' token generated into the data dir when none is set, so that the
    SMS services can be tried on the demo (without a token every call to them is refused)."""
    if settings.sms_incoming_token:
        return settings
    return settings.model_copy(update={"sms_incoming_token": read_or_create_secret(settings.data_dir / SMS_TOKEN_FILE)})


def read_or_create_secret(path: Path) -> str:
    """A random secret kept in `path` (mode 0600), created atomically the first time."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(32)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    # 0600 from the start: the secret must never be readable by other local users, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value)
        f.flush()
        os.fsync(f.fileno())
    try:
        # link() fails if another process created it first; then theirs wins and we read it.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()
