"""Helpers for the crash tests: the real `acquis serve` as a process group that can be stopped and killed,
dossiers open to evidence or decided, and what the file store and the database must agree on."""

import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlmodel import Session, col, select

from acquis.auth.models import Role
from acquis.config import Settings
from acquis.storage import Store
from assessors import drive
from certificates.models import Certificate
from tests.support.assessors import Cast, accredit, decided
from tests.support.dossiers import jpeg, make_candidate, publish_framework
from tests.support.postgres import free_port
from tests.support.web import UserFactory
from validation.dossiers import evidence, portfolio, service
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import Consent, Dossier, EvidenceFile, EvidenceKind

ACQUIS = Path(sys.executable).with_name("acquis")
PATIENCE = 60.0  # seconds before a wait gives up: far beyond what any step takes, even on a busy machine
UNIT = "MAC-U2"  # one unit of three ordinary criteria: the quickest dossier to take to its jury


def wait_for(condition: Callable[[], object], *, what: str, pause: float = 0.0005) -> None:
    """Poll until `condition()` is true; fail the test naming `what` if it never becomes so."""
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(pause)


class Server:
    """`acquis serve` in a process group of its own, so that its children (PDF workers) die with it."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The server's own TMPDIR, where Starlette spools request bodies. Short: the PDF workers' forkserver
        # puts a Unix socket in it, whose path may not pass 107 bytes (pytest's folders are deeper than that).
        self.tmp = Path(tempfile.mkdtemp(prefix="acquis-spool-"))
        self.log = settings.data_dir / f"server-{self.port}.log"
        self.env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url,
                    "ACQUIS_DATA_DIR": str(settings.data_dir), "ACQUIS_SECRET_KEY": settings.secret_key,
                    "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase, "ACQUIS_PUBLIC_URL": settings.public_url,
                    "TMPDIR": str(self.tmp)}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Server":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([str(ACQUIS), "serve", "--port", str(self.port)], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self._healthy, what=f"the server answers /healthz (log: {self.log})", pause=0.05)
        return self

    def _healthy(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def pause(self) -> None:
        """SIGSTOP the whole group: it stays exactly where it is until it is killed."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL the whole group, as the out-of-memory killer or a power cut ends it, and reap the server."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)
        self.process = None

    def open_files(self) -> list[str]:
        """What the server process has open (a request body spooled to disk shows here)."""
        assert self.process is not None
        found = []
        for fd in Path(f"/proc/{self.process.pid}/fd").iterdir():
            with suppress(OSError):  # closed while we looked
                found.append(os.readlink(fd))
        return found


@contextmanager
def serving(settings: Settings) -> Iterator[Server]:
    """A started server, killed at the end whatever happens (restart it with `start()`)."""
    server = Server(settings)
    try:
        yield server.start()
    finally:
        server.kill()
        shutil.rmtree(server.tmp, ignore_errors=True)


@contextmanager
def row_locked(settings: Settings, table: str, row_id: int) -> Iterator[None]:
    """On PostgreSQL, hold one row's lock meanwhile: a transaction that writes the row waits for us. SQLite
    has no row locks (a write transaction holds the whole database from its start): nothing is held there."""
    if settings.is_sqlite:
        yield
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE"), {"id": row_id})
            try:
                yield
            finally:
                connection.rollback()
    finally:
        engine.dispose()


# --- the people and their dossiers ----------------------------------------------------------------------


def crew(session: Session, users: UserFactory) -> Cast:
    """The people of an assessment and the bricklayer framework, before any dossier."""
    admin, registrar, counsellor = users(Role.ADMIN), users(Role.REGISTRAR), users(Role.COUNSELLOR)
    assessor = users(Role.ASSESSOR, login="assessor", name="Bakary Coulibaly")
    moderator = users(Role.ASSESSOR, login="assessor2", name="Oumou Sangaré")
    framework = publish_framework(session)
    for person in (assessor, moderator):
        accredit(session, person, framework.code, by=admin)
    return Cast(admin, registrar, counsellor, assessor, moderator, framework, None, 0)  # type: ignore[arg-type]  # no dossier yet: frozen() gives each its own


def open_dossier(session: Session, settings: Settings, c: Cast, index: int) -> Dossier:
    """Candidate number `index`'s dossier on one unit, admitted: its portfolio is open to evidence."""
    candidate = make_candidate(session, settings, by=c.counsellor, phone=f"76 40 {index // 100:02d} {index % 100:02d}",
                               id_number=f"RS {index:07d}", family_name=f"Traoré {index}")
    unit = next(u for u in service.framework_units(session, c.framework.id) if u.code == UNIT)
    dossier = service.create(session, candidate.id, framework_id=c.framework.id,
                             unit_ids=[unit.id], by=c.counsellor)
    drive.admitted(session, dossier.id, counsellor=c.counsellor, registrar=c.registrar)
    session.commit()
    return dossier


def frozen(session: Session, settings: Settings, c: Cast, index: int) -> Cast:
    """The crew on a new one-unit dossier with one photo of work, its portfolio submitted (frozen)."""
    dossier = open_dossier(session, settings, c, index)
    unit = service.units(session, dossier.id)[0]
    photo = evidence.add(session, dossier.id, EvidenceCreate(
        kind=EvidenceKind.PHOTO_OF_WORK, description="Mur en blocs", unit_ids=[unit.id], country="SA"),
        file=io.BytesIO(jpeg(index)), filename="mur.jpg", by=c.counsellor, store=Store(settings.data_dir / "files"),
        settings=settings)
    portfolio.submit(session, dossier.id, by=c.counsellor)
    session.commit()
    return replace(c, dossier=dossier, photo_id=photo.evidence.id)


def decided_dossiers(session: Session, settings: Settings, users: UserFactory, count: int) -> dict[int, int]:
    """`count` one-unit dossiers, each assessed (every criterion met), moderated if chosen, and decided by a jury
    of the moderator and the registrar: their ids, each with its decision's id."""
    c = crew(session, users)
    return {one.dossier.id: decided(session, settings, one)
            for one in (frozen(session, settings, c, index) for index in range(count))}


# --- what the store and the database must agree on ------------------------------------------------------


def objects(settings: Settings) -> set[str]:
    """The digests of the files in the store."""
    root = Store(settings.data_dir / "files").objects
    return {path.parent.name + path.name for path in root.glob("*/*")} if root.is_dir() else set()


def leftovers(settings: Settings) -> list[Path]:
    """Files in the store that are neither stored objects, thumbnails nor the store's lock: temp files and
    the journals of transactions (none may outlive a restart), or anything else."""
    store = Store(settings.data_dir / "files")
    thumbnails = store.root / "thumbnails"
    return sorted(path for path in store.root.rglob("*") if path.is_file() and path != store.lock_path
                  and not path.is_relative_to(store.objects) and not path.is_relative_to(thumbnails))


def named_by_rows(session: Session) -> set[str]:
    """The digests the database names: certificates' PDFs, evidence files, consent scans."""
    session.expire_all()
    named = set(session.exec(select(Certificate.pdf_sha256))) | set(session.exec(select(EvidenceFile.sha256)))
    return named | {sha for sha in session.exec(select(Consent.scan_sha256)) if sha}


def assert_store_matches_rows(session: Session, settings: Settings) -> None:
    """Every stored file is named by a row, every named file is there with the bytes its digest says,
    every certificate has its seal, QR and credential, thumbnails belong to stored files, and nothing else
    (no temp file, no journal) is left in the store or in the server's spool folder."""
    store, stored, named = Store(settings.data_dir / "files"), objects(settings), named_by_rows(session)
    assert stored == named, {"files without a row": stored - named, "rows without their file": named - stored}
    for sha256 in stored:
        assert hashlib.sha256(store.read(sha256)).hexdigest() == sha256, f"{sha256} holds other bytes"
    for cert in session.exec(select(Certificate)):
        assert cert.seal and cert.qr_text and cert.credential and cert.pdf_size > 0, cert.number
    thumbnails = store.root / "thumbnails"
    for thumbnail in thumbnails.glob("*/*") if thumbnails.is_dir() else []:
        assert thumbnail.name.removesuffix(".jpg") in stored, f"a thumbnail of no stored file: {thumbnail}"
    assert leftovers(settings) == [], f"left in the store: {leftovers(settings)}"


def certificates(session: Session) -> list[Certificate]:
    session.expire_all()
    return list(session.exec(select(Certificate).order_by(col(Certificate.id))))
