"""`acquis backup create | verify | restore | prune` on SQLite and PostgreSQL: a backup restores into an empty
place with its rows, files and keys; a second one copies only new files; a changed byte or a truncated file is
named by verify and refused by restore; a restore never writes over data."""

import hashlib
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from acquis.backup import snapshots
from acquis.config import Settings
from acquis.db import make_engine
from acquis.storage import Store
from certificates import keystore, online_verification
from certificates.models import Certificate
from tests.support.backup import (
    acquis,
    backed_up,
    evidence_file,
    newest_manifest,
    restore_args,
    restored_settings,
)
from tests.support.certificates import issued
from tests.support.dossiers import png
from validation.dossiers.models import EvidenceFile

pytestmark = pytest.mark.usefixtures("pg_tools")


def test_a_backup_restores_into_an_empty_place_with_its_rows_files_and_keys(
        session: Session, settings: Settings, tmp_path: Path, restore_url: str | None) -> None:
    cert = issued(session, settings)
    photo = evidence_file(session, settings, png(1))
    created = acquis(settings, "backup", "create", str(tmp_path / "backups"))
    assert created.exit_code == 0, created.stderr
    assert "2 stored files (2 new)" in created.stdout

    into = tmp_path / "restored"
    restored = acquis(settings, *restore_args(into, restore_url), str(tmp_path / "backups"))
    assert restored.exit_code == 0, restored.stderr
    # The secret key came from the environment: the backup does not hold it, and says so.
    assert "ACQUIS_SECRET_KEY" in restored.stderr
    copy = restored_settings(into, restore_url, settings, secret_key=settings.secret_key)
    assert acquis(copy, "audit", "verify").exit_code == 0
    for digest in (cert.pdf_sha256, photo):
        assert hashlib.sha256((into / "files" / "objects" / digest[:2] / digest[2:]).read_bytes()).hexdigest() == digest
    engine = make_engine(copy)
    with Session(engine) as again:
        assert online_verification.verify_text(again, cert.qr_text, settings=copy)["verdict"] == "valid"
        # The encrypted key and the passphrase still sign: the restored copy can issue.
        more = issued(again, copy, decision_ref="after-restore")
        assert more.kid == cert.kid and keystore.signing_key(again, settings=copy)
        assert len(again.exec(select(Certificate)).all()) == 2
    engine.dispose()


def test_a_second_backup_into_the_same_folder_copies_only_the_new_files(
        session: Session, settings: Settings, tmp_path: Path) -> None:
    first = evidence_file(session, settings, png(1))
    root = tmp_path / "backups"
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    before = backed_up(root, first).stat()
    second = evidence_file(session, settings, png(2))

    again = acquis(settings, "backup", "create", str(root))
    assert again.exit_code == 0, again.stderr
    assert "2 stored files (1 new)" in again.stdout
    assert backed_up(root, first).stat().st_ino == before.st_ino  # the same copy, not written again
    assert backed_up(root, second).is_file()
    assert set(newest_manifest(root)["objects"]) == {first, second} and len(snapshots(root)) == 2
    assert acquis(settings, "backup", "verify", str(root)).exit_code == 0


def test_a_file_a_row_names_but_the_store_lost_is_reported_by_create_and_by_verify(
        session: Session, settings: Settings, tmp_path: Path) -> None:
    kept, lost = evidence_file(session, settings, png(7)), evidence_file(session, settings, png(8))
    Store(settings.data_dir / "files").path_for(lost).unlink()  # a disk fault, a hand that deleted it
    root = tmp_path / "backups"

    created = acquis(settings, "backup", "create", str(root))
    assert created.exit_code == 1 and f"{lost} (evidence_file.sha256)" in created.stderr
    assert backed_up(root, kept).is_file()  # everything else is in the backup all the same
    checked = acquis(settings, "backup", "verify", str(root))
    assert checked.exit_code == 1 and lost in checked.stderr


def test_one_changed_byte_is_named_by_verify_and_the_backup_is_not_restored(
        session: Session, settings: Settings, tmp_path: Path, restore_url: str | None) -> None:
    digest = evidence_file(session, settings, png(3))
    root = tmp_path / "backups"
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    assert acquis(settings, "backup", "verify", str(root)).exit_code == 0
    damaged = backed_up(root, digest)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))

    assert_named_and_refused(settings, root, damaged, tmp_path / "restored", restore_url)


def test_a_truncated_backup_is_named_by_verify_and_refused_by_restore(
        session: Session, settings: Settings, tmp_path: Path, restore_url: str | None) -> None:
    issued(session, settings)
    root = tmp_path / "backups"
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    snapshot = snapshots(root)[-1]
    dump = next(path for path in snapshot.iterdir() if path.name.startswith("database."))
    dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])  # an upload to remote storage cut short

    assert_named_and_refused(settings, root, dump, tmp_path / "restored", restore_url)


def assert_named_and_refused(settings: Settings, root: Path, damaged: Path, into: Path, url: str | None) -> None:
    """`verify` exits 1 naming the damaged file; `restore` refuses, naming it too, and writes nothing."""
    checked = acquis(settings, "backup", "verify", str(root))
    assert checked.exit_code == 1 and str(damaged) in checked.stderr
    refused = acquis(settings, *restore_args(into, url), str(root))
    assert refused.exit_code == 1 and str(damaged) in refused.stderr
    assert not into.exists()


def test_a_restore_never_writes_over_a_data_dir_or_a_database_that_holds_anything(
        session: Session, settings: Settings, tmp_path: Path) -> None:
    evidence_file(session, settings, png(4))
    root = tmp_path / "backups"
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("do not lose me")

    refused = acquis(settings, *restore_args(occupied, None if settings.is_sqlite else settings.database_url),
                     str(root))
    assert refused.exit_code == 2 and str(occupied) in refused.stderr
    assert [path.name for path in occupied.iterdir()] == ["notes.txt"]
    if not settings.is_sqlite:  # an empty folder, but the live database itself as the target
        onto_live = acquis(settings, *restore_args(tmp_path / "empty", settings.database_url), str(root))
        assert onto_live.exit_code == 2 and "tables" in onto_live.stderr
        assert not (tmp_path / "empty").exists()


def test_prune_keeps_the_newest_backups_and_the_files_they_still_need(
        session: Session, settings: Settings, tmp_path: Path) -> None:
    root = tmp_path / "backups"
    kept = evidence_file(session, settings, png(5))
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    session.delete(session.get(EvidenceFile, kept))  # the file stays in the store; no row names it any more
    session.commit()
    gone = evidence_file(session, settings, png(6))
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    assert acquis(settings, "backup", "create", str(root)).exit_code == 0
    assert backed_up(root, kept).is_file() and backed_up(root, gone).is_file()

    pruned = acquis(settings, "backup", "prune", str(root), "--keep", "2")
    assert pruned.exit_code == 0 and "removed 1 snapshot(s)" in pruned.stdout
    assert len(snapshots(root)) == 2
    assert not backed_up(root, kept).exists() and backed_up(root, gone).is_file()
    assert acquis(settings, "backup", "verify", str(snapshots(root)[0])).exit_code == 0


def test_without_pg_dump_the_backup_stops_naming_the_debian_package(postgres_url: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=postgres_url, secret_key="s")
    no_tools = acquis(settings, "backup", "create", str(tmp_path / "backups"), PATH=str(Path(sys.executable).parent))
    assert no_tools.exit_code == 2
    assert "pg_dump" in no_tools.stderr and "postgresql-client" in no_tools.stderr
    assert snapshots(tmp_path / "backups") == []  # nothing half-made left behind
