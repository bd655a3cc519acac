"""Bulk batches whose PDFs two processes render: every certificate's printed QR and attached credential verify,
and the render processes end with the server that started them, however it ends."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pypdfium2
from sqlmodel import Session

from acquis.config import Settings
from acquis.db import utcnow
from certificates import credential, keystore, online_verification, pdf, scanning, service
from tests.support.certificates import issue_request, with_key


def test_a_batch_rendered_by_two_processes_prints_certificates_that_verify(session: Session,
                                                                          settings: Settings) -> None:
    with_key(session, settings)
    two = settings.model_copy(update={"pdf_workers": 2})
    names = [f"Fatoumata Diarra {i} Ŋɔni" for i in range(6)]
    issued = service.issue_many(session, [issue_request(decision_ref=f"jury-9/{i}", holder_name=name)
                                          for i, name in enumerate(names)], by=None, settings=two)
    session.commit()

    # The PDFs came from two render processes, not from this one.
    workers = pdf._POOLS[2]._processes
    assert len(workers) == 2 and os.getpid() not in workers
    trust = keystore.trust_list(session, settings=settings)
    for cert, name in zip(issued, names, strict=True):
        printed = service.pdf_bytes(cert, store=service.store_for(settings))
        seen = online_verification.verify_presented(session, scanning.read_bytes(printed), settings=settings)
        assert seen["verdict"] == "valid" and seen["certificate"]["holder_name"] == name
        assert seen["certificate"]["number"] == cert.number
        attached = pypdfium2.PdfDocument(printed).get_attachment(0).get_data()
        proof = credential.verify(json.loads(bytes(attached)), trust, now=utcnow(),
                                  issuer_id=keystore.issuer_url(settings))
        assert proof["verdict"] == "valid" and proof["certificate"]["number"] == cert.number


# A server that starts its render processes, says their pids, and waits to be killed.
SERVER = """
import sys
from certificates import pdf
pool = pdf._pool(2)
list(pool.map(abs, [1, 2, 3, 4]))
print(*pool._processes, flush=True)
sys.stdin.read()
"""


def running(pid: int) -> bool:
    """Whether the process exists and has not ended (a zombie has ended; only its parent has not looked)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_render_processes_end_when_their_server_is_killed() -> None:
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=Path(__file__).resolve().parents[2],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    workers = [int(pid) for pid in server.stdout.readline().split()]
    assert len(workers) == 2 and all(running(pid) for pid in workers)
    server.kill()  # SIGKILL: no clean-up runs in the server
    server.wait()
    deadline = time.monotonic() + 60  # a patience, not a measurement: they end within milliseconds
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(running(pid) for pid in workers), "render processes outlived their server"
