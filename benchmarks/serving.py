"""The QR's verify page as `acquis serve` serves it, against the smallest FastAPI page on the same uvicorn.

Both servers run as real subprocesses (one worker each, the same uvicorn settings), one after the
other, loaded by the same client (benchmarks/latency.py, its own process) with the same connections
for the same time; each gets `ROUNDS` turns, alternating, and keeps its best, so that a burst of
other work on the machine during one turn does not decide the figure.
"""

import os
import sys
from pathlib import Path

from acquis.cli import database, seed_demo
from acquis.config import load_settings
from benchmarks import servers
from benchmarks.report import Figure
from benchmarks.servers import serving
from certificates import service
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 32
SECONDS = 5.0
ROUNDS = 2
SECRET, PASSPHRASE = "bench-secret", "bench-passphrase"


def environment(data_dir: Path, port: int) -> dict[str, str]:
    """The ACQUIS_* variables of a server on a SQLite database in `data_dir` (acquis/config.py reads them)."""
    return {**os.environ, "ACQUIS_DATA_DIR": str(data_dir), "ACQUIS_DATABASE_URL": "",
            "ACQUIS_SECRET_KEY": SECRET, "ACQUIS_KEY_PASSPHRASE": PASSPHRASE,
            "ACQUIS_PUBLIC_URL": f"http://127.0.0.1:{port}"}


def seeded_verify_path(data_dir: Path, port: int) -> str:
    """Seed the demo data (real certificates) into `data_dir`; the path of a valid certificate's verify page."""
    settings = load_settings(data_dir=data_dir, secret_key=SECRET, key_passphrase=PASSPHRASE,
                             public_url=f"http://127.0.0.1:{port}")
    with database(settings) as session:
        seed_demo(session, settings)
        session.commit()
        valid = [cert for cert in service.all_certificates(session) if service.effective_status(cert) == "issued"]
        url = service.verify_url(valid[0], settings=settings)
    return url.removeprefix(f"http://127.0.0.1:{port}")


def load(port: int, path: str) -> float:
    """Requests per second the load client got."""
    return float(servers.load(port, [path], connections=CONNECTIONS, seconds=SECONDS, warmup=1.0)["rps"])


def verify_page(tmp: Path) -> Figure:
    """`acquis serve --workers 1` on the /V/ page ÷ the minimal FastAPI page, requests per second."""
    acquis_port, minimal_port = free_port(), free_port()
    data_dir = tmp / "serving"
    path = seeded_verify_path(data_dir, acquis_port)
    env = environment(data_dir, acquis_port)
    acquis = [sys.executable, "-m", "acquis", "serve", "--workers", "1", "--port", str(acquis_port)]
    # The same uvicorn with `acquis serve`'s settings (uvicorn.run defaults, one worker, proxy headers).
    minimal = [sys.executable, "-m", "uvicorn", "benchmarks.minimal:app", "--workers", "1", "--proxy-headers",
               "--port", str(minimal_port)]
    measured, baseline = 0.0, 0.0
    with serving(acquis, port=acquis_port, env=env, ready=path), \
            serving(minimal, port=minimal_port, env=env, ready="/"):
        for _ in range(ROUNDS):
            baseline = max(baseline, load(minimal_port, "/"))
            measured = max(measured, load(acquis_port, path))
    return Figure(f"/V/ page, `acquis serve` 1 worker ÷ minimal FastAPI page ({CONNECTIONS} connections)", "≥ 0.5",
                  measured, baseline, unit="rps")
