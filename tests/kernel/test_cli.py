"""The `acquis` command as an operator uses it: exit codes, one-line errors, idempotent seeding."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from acquis.audit import AuditEvent
from acquis.auth.models import ApiToken, User
from acquis.config import Settings


def acquis(settings: Settings, *args: str, stdin: str = "", **env_vars: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key, **env_vars}
    return subprocess.run([sys.executable, "-m", "acquis", *args], input=stdin, env=env, capture_output=True,
                          text=True, timeout=120)


def test_users_create_reads_the_password_from_stdin(settings: Settings, session: Session) -> None:
    result = acquis(settings, "users", "create", "--role", "counsellor", "--login", "awa", "--name", "Awa Dembélé",
                    "--password-stdin", stdin="a long password\n")
    assert result.returncode == 0, result.stderr
    user = session.exec(select(User).where(User.login == "awa")).one()
    assert user.name == "Awa Dembélé" and user.role.value == "counsellor"
    assert "a long password" not in user.password_hash


def test_bad_input_exits_2_with_one_line_and_no_traceback(settings: Settings) -> None:
    ok = acquis(settings, "users", "create", "--role", "admin", "--login", "root", "--name", "R", "--password-stdin",
                stdin="long enough pw\n")
    assert ok.returncode == 0
    cases = [
        ("users", "create", "--role", "admin", "--login", "ROOT", "--name", "R", "--password-stdin"),
        ("users", "create", "--role", "king", "--login", "x1", "--name", "R", "--password-stdin"),
        ("users", "create", "--role", "admin", "--login", "x2", "--name", "R", "--password-stdin"),
        ("users", "token", "nobody"),
    ]
    stdins = ["long enough pw\n", "long enough pw\n", "short\n", ""]
    for args, stdin in zip(cases, stdins, strict=True):
        result = acquis(settings, *args, stdin=stdin)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and result.stderr.strip(), args


def test_users_token_gives_a_working_bearer_token(settings: Settings, client: TestClient) -> None:
    acquis(settings, "users", "create", "--role", "registrar", "--login", "reg", "--name", "Moussa",
           "--password-stdin", stdin="long enough pw\n")
    result = acquis(settings, "users", "token", "reg", "--days", "3")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    page = client.get("/", headers={"Authorization": f"Bearer {token}"})
    assert '<h1 id="welcome">Bonjour, Moussa</h1>' in page.text
    revoked = acquis(settings, "users", "revoke-tokens", "reg")
    assert revoked.returncode == 0 and "revoked 1 token" in revoked.stdout
    dead = client.get("/", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    assert dead.status_code == 401


def test_users_token_lasts_the_configured_days_unless_told(settings: Settings, session: Session) -> None:
    acquis(settings, "users", "create", "--role", "registrar", "--login", "reg", "--name", "Moussa",
           "--password-stdin", stdin="long enough pw\n")
    for args in ((), ("--days", "30")):
        assert acquis(settings, "users", "token", "reg", *args, ACQUIS_API_TOKEN_DAYS="7").returncode == 0
    lives = sorted(round((token.expires_at - token.created_at) / timedelta(days=1))
                   for token in session.exec(select(ApiToken)))
    assert lives == [7, 30]


def test_demo_seed_is_idempotent_and_prints_the_accounts(settings: Settings, session: Session) -> None:
    first = acquis(settings, "demo", "--seed-only")
    assert first.returncode == 0, first.stderr
    for login in ("admin", "registrar", "counsellor", "assessor", "assessor2", "assessor3", "candidate", "candidate2"):
        assert f"login: {login} " in first.stdout
    assert "DEMO DATA ONLY" in first.stdout and "acquis-demo" in first.stdout
    token = (settings.data_dir / "sms_incoming_token").read_text().strip()
    assert f"/sms/incoming?token={token}&from=%2B223" in first.stdout and "&text=STATUT" in first.stdout
    events = len(session.exec(select(AuditEvent)).all())
    second = acquis(settings, "demo", "--seed-only")
    assert second.returncode == 0, second.stderr
    assert len(session.exec(select(AuditEvent)).all()) == events
    assert len(session.exec(select(User)).all()) == 8


def test_db_upgrade_twice_is_harmless(settings: Settings) -> None:
    assert acquis(settings, "db", "upgrade").returncode == 0
    again = acquis(settings, "db", "upgrade")
    assert again.returncode == 0 and "up to date" in again.stdout


def test_demo_server_signs_with_the_passphrase_it_generated(settings: Settings, tmp_path: Path) -> None:
    """`acquis demo` generates the key passphrase into the data dir; the server it starts must use it."""
    import time

    import httpx

    from tests.support.postgres import free_port

    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "ACQUIS_KEY_PASSPHRASE"}
    env.update(ACQUIS_DATABASE_URL=settings.database_url, ACQUIS_DATA_DIR=str(tmp_path),
               ACQUIS_PUBLIC_URL=f"http://127.0.0.1:{port}")
    server = subprocess.Popen([sys.executable, "-m", "acquis", "demo", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, response = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/status/1", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert response is not None and response.status_code == 200, response and response.text[:200]
        assert "BitstringStatusListCredential" in response.json()["type"]
        # The SMS services answer on the demo with the token it generated (without one, every call is refused).
        token = (Path(str(tmp_path)) / "sms_incoming_token").read_text().strip()
        phone = "+22370000001"  # the demo candidate's, as `acquis demo` prints it
        status = httpx.get(f"http://127.0.0.1:{port}/sms/incoming",
                           params={"token": token, "from": phone, "text": "STATUT"}, timeout=30)
        assert status.status_code == 200 and "dossier" in status.text, status.text
        wrong = httpx.get(f"http://127.0.0.1:{port}/sms/incoming",
                          params={"token": "wrong", "from": phone, "text": "STATUT"}, timeout=30)
        assert wrong.status_code == 403
    finally:
        server.terminate()
        server.wait(timeout=30)
