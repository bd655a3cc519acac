"""The restore drill, on SQLite and PostgreSQL: the demo, backed up while evidence keeps being uploaded and
certificates issued, restores into a fresh place where every certificate verifies, every file is there with its
hash, the audit chain holds, and the rows are a state the database really had. A backup killed midway is named
by verify and refused by restore."""

import io
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from acquis.auth.models import User
from acquis.backup import FILES, create_backup, snapshots
from acquis.cli import seed_demo
from acquis.config import Settings, complete
from acquis.db import make_engine
from acquis.main import STORE_REFERENCES
from acquis.storage import Store
from certificates import issuing, online_verification, service
from certificates.models import Certificate, CertificateStatus
from tests.support.backup import (
    acquis,
    evidence_file,
    restore_args,
    restored_settings,
)
from tests.support.certificates import issued
from tests.support.dossiers import jpeg, png
from tests.support.resilience import PATIENCE, assert_store_matches_rows, wait_for
from validation.dossiers import evidence, identity
from validation.dossiers import service as dossier_service
from validation.dossiers.inputs import EvidenceCreate
from validation.dossiers.models import Candidate, Dossier, Evidence, EvidenceFile, EvidenceKind
from validation.dossiers.status import DossierStatus

pytestmark = pytest.mark.usefixtures("pg_tools")

State = tuple[frozenset[int], frozenset[str]]  # the evidence ids and certificate numbers the database holds
VERDICTS = {CertificateStatus.ISSUED: "valid", CertificateStatus.REVOKED: "revoked",
            CertificateStatus.SUPERSEDED: "superseded"}


class Writer(threading.Thread):
    """Uploads evidence to the demo candidate's open dossier and issues certificates, one commit after the
    other, recording the state the database holds after each commit."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        self.settings, self.stop = settings, threading.Event()
        self.error: BaseException | None = None
        self.states: list[State] = []
        self.changed = threading.Condition()

    def commits(self) -> int:
        with self.changed:
            return len(self.states) - 1

    def wait_for_commits(self, count: int) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.states) - 1 >= count or self.error, timeout=PATIENCE):
                raise AssertionError(f"the writer never reached {count} commits")

    def run(self) -> None:
        engine = make_engine(self.settings)
        try:
            with Session(engine) as session:
                self._record(session)
                step = 0
                while not self.stop.is_set():
                    self._upload(session, step) if step % 2 == 0 else self._issue(session, step)
                    session.commit()
                    self._record(session)
                    # Let other writers in, as real traffic does: on SQLite every transaction takes the write lock
                    # at BEGIN, and a loop that begins again at once can starve a waiting writer past its busy
                    # timeout (SQLite's waiters poll every 100 ms), which a loaded machine made happen.
                    session.rollback()
                    self.stop.wait(0.15)
                    step += 1
        except BaseException as error:  # noqa: BLE001 - reported by the test's thread
            self.error = error
            with self.changed:
                self.changed.notify_all()
        finally:
            engine.dispose()

    def _record(self, session: Session) -> None:
        held = held_state(session)
        with self.changed:
            self.states.append(held)
            self.changed.notify_all()

    def _upload(self, session: Session, step: int) -> None:
        counsellor = session.exec(select(User).where(User.login == "counsellor")).one()
        dossier = session.exec(select(Dossier).where(Dossier.status == DossierStatus.PORTFOLIO_IN_PROGRESS)
                               .order_by(col(Dossier.id))).first()
        assert dossier is not None and dossier.id is not None
        unit = dossier_service.units(session, dossier.id)[0]
        evidence.add(session, dossier.id, EvidenceCreate(kind=EvidenceKind.PHOTO_OF_WORK, description=f"Mur {step}",
                                                         unit_ids=[unit.id], country="SA"),
                     file=io.BytesIO(jpeg(step, size=(64 + step, 48))), filename="mur.jpg", by=counsellor,
                     store=Store(self.settings.data_dir / "files"), settings=self.settings)

    def _issue(self, session: Session, step: int) -> None:
        registrar = session.exec(select(User).where(User.login == "registrar")).one()
        full = session.exec(select(Certificate).where(Certificate.status == CertificateStatus.ISSUED,
                                                      Certificate.decision == "full")).first()
        assert full is not None
        request = issuing.request_for(session, int(full.decision_ref), settings=self.settings)
        service.issue(session, request.model_copy(update={"decision_ref": f"drill/{step}"}), by=registrar,
                      settings=self.settings)


def held_state(session: Session) -> State:
    session.expire_all()
    return (frozenset(session.exec(select(Evidence.id)).all()),
            frozenset(session.exec(select(Certificate.number)).all()))


def test_restore_drill_the_demo_backed_up_while_evidence_and_certificates_keep_coming(
        settings: Settings, tmp_path: Path, restore_url: str | None) -> None:
    # As `make demo` runs it: the secret key generated into the data dir (the backup must carry it).
    live = complete(settings.model_copy(update={"secret_key": ""}))
    engine = make_engine(live)
    with Session(engine) as session:
        seed_demo(session, live)
        session.commit()
    writer = Writer(live)
    writer.start()
    writer.wait_for_commits(1)
    in_flight = Session(engine)  # an upload whose file is stored while its row is not committed yet
    pending = Store(live.data_dir / "files").put_bytes(png(99), session=in_flight)
    seen: list[int] = []

    def copying(done: int, total: int) -> None:
        # The database is copied; before its files are, the live database moves on: the backup must hold
        # the snapshot's files and no other.
        if done == 0:
            seen.append(writer.commits())
            writer.wait_for_commits(seen[0] + 1)

    manifest = create_backup(live, tmp_path / "backups", STORE_REFERENCES, progress=copying)
    in_flight.add(EvidenceFile(sha256=pending.sha256, size=pending.size, media_type="image/png"))
    in_flight.commit()
    in_flight.close()
    writer.wait_for_commits(writer.commits() + 1)
    writer.stop.set()
    writer.join(PATIENCE)
    assert writer.error is None, writer.error
    assert manifest["missing"] == [] and seen

    into = tmp_path / "restored"
    restored = acquis(live, *restore_args(into, restore_url), str(tmp_path / "backups"))
    assert restored.exit_code == 0, restored.stderr
    copy = restored_settings(into, restore_url, live)
    assert copy.secret_key == live.secret_key
    assert acquis(copy, "audit", "verify").exit_code == 0
    copy_engine = make_engine(copy)
    with Session(copy_engine) as session, Session(engine) as original:
        held = held_state(session)
        assert held in writer.states, "the backup holds a state the database never had"
        assert held != writer.states[-1] and held != writer.states[0]  # taken mid-stream, with writes around it
        assert pending.sha256 not in {row.sha256 for row in session.exec(select(EvidenceFile))}
        assert_store_matches_rows(session, copy)  # no row without its file, no file without its row, right hashes
        for cert in session.exec(select(Certificate)):
            verdict = online_verification.verify_text(session, cert.qr_text, settings=copy)["verdict"]
            assert verdict == VERDICTS[cert.status]
            assert Store(copy.data_dir / "files").read(cert.pdf_sha256).startswith(b"%PDF-")
        for candidate in original.exec(select(Candidate)):
            again = session.get(Candidate, candidate.id)
            assert again is not None
            assert identity.decrypt(copy, again.id_number_encrypted) == identity.decrypt(
                live, candidate.id_number_encrypted)
        assert issued(session, copy, decision_ref="after-restore").pdf_size > 0  # the restored key still signs
    copy_engine.dispose()
    engine.dispose()


def test_a_backup_killed_midway_is_named_by_verify_and_refused_by_restore(
        session: Session, settings: Settings, tmp_path: Path) -> None:
    issued(session, settings)
    digests = sorted(evidence_file(session, settings, png(seed)) for seed in range(3))
    session.expire_all()
    named = sorted({*digests, *session.exec(select(Certificate.pdf_sha256))})
    # The last file the backup copies hangs, as on a failing disk: the backup is killed while it waits.
    last = Store(settings.data_dir / "files").path_for(named[-1])
    content = last.read_bytes()
    last.unlink()
    os.mkfifo(last)
    root = tmp_path / "backups"
    env = {**os.environ, "ACQUIS_DATABASE_URL": settings.database_url, "ACQUIS_DATA_DIR": str(settings.data_dir),
           "ACQUIS_SECRET_KEY": settings.secret_key, "ACQUIS_KEY_PASSPHRASE": settings.key_passphrase}
    backing_up = subprocess.Popen([sys.executable, "-m", "acquis", "backup", "create", str(root)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(list((root / FILES).glob("*/[0-9a-f]*"))) == len(named) - 1,
                 what="all files but the last copied", pause=0.05)
        assert backing_up.poll() is None
    finally:
        backing_up.send_signal(signal.SIGKILL)
        backing_up.wait(PATIENCE)

    checked = acquis(settings, "backup", "verify", str(root))
    assert checked.exit_code == 1 and str(snapshots(root)[-1]) in checked.stderr
    refused = acquis(settings, *restore_args(tmp_path / "restored", None), str(root))
    assert refused.exit_code == 1 and str(snapshots(root)[-1]) in refused.stderr
    assert not (tmp_path / "restored").exists()

    last.unlink()
    last.write_bytes(content)
    again = acquis(settings, "backup", "create", str(root))
    assert again.exit_code == 0 and f"{len(named)} stored files (1 new)" in again.stdout  # the killed run's copies
    assert acquis(settings, "backup", "verify", str(root)).exit_code == 0
    assert "removed 1 snapshot(s)" in acquis(settings, "backup", "prune", str(root), "--keep", "1").stdout
