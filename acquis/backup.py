"""Backups that restore: a consistent snapshot of the database, the stored files its rows name, the encrypted
issuer keys and the data dir's secrets, with a manifest of every file's SHA-256; taken while the server serves.

Layout of a backup folder (the target of `create`, kept off the server):

    DIR/files/ab/cdef...           every stored file once, by SHA-256, shared by all snapshots: a second backup
                                   into the same folder copies only the files that are new since the last one
    DIR/snapshots/<UTC time>/      one per backup: database.sqlite3 or database.pgdump, keys/, secrets/ and
                                   manifest.json, written last (a snapshot without it was cut short)

Consistency: the database is copied first (SQLite: the online backup API; PostgreSQL: pg_dump on a snapshot
exported by a transaction that stays open while the file list and row counts are read in it); then the files
its rows name. Files are stored before their rows commit and never change, so every file a snapshot names is
already in the store; files of later transactions are left out, as their rows are.
"""

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from acquis import dumps
from acquis.config import PASSPHRASE_FILE, SECRET_FILE, Settings
from acquis.db import utcnow
from acquis.dumps import Contents, FileColumns
from acquis.errors import Invalid, NotFound
from acquis.i18n import N_, gettext
from acquis.storage import CHUNK, TEMP_PREFIX, Store, remove_if_abandoned, write_atomically

FORMAT, FORMAT_VERSION = "acquis-backup", 1
FILES, SNAPSHOTS, MANIFEST = "files", "snapshots", "manifest.json"
WRITING = ".writing"  # flock-ed by `create` until the manifest is written: tells "in progress" from "cut short"
ROOT_LOCK = ".lock"  # creates share it, prune takes it alone (it must not remove what a create is copying)
SQLITE_DUMP, PG_DUMP = "database.sqlite3", "database.pgdump"
KEYS_DIR = "keys"  # certificates.keystore.KEYS_DIR: the encrypted issuer keys in the data dir
SECRETS_DIR = "secrets"

Progress = Callable[[int, int], None]  # files copied so far, files to copy


class NoBackup(NotFound):
    """The folder holds no backup."""

    code = "no-backup"
    default_message = N_("Aucune sauvegarde dans ce dossier.")


# --- create --------------------------------------------------------------------------------------------------


def create_backup(settings: Settings, target: Path, references: FileColumns, *,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Write a new snapshot into the backup folder `target` and return its manifest.

    Files named by rows but absent from the store (or holding other bytes) cannot be copied: the snapshot is
    still written, listing them under "missing", for the caller to report."""
    root = Path(target).resolve()
    (root / FILES).mkdir(mode=0o700, parents=True, exist_ok=True)
    (root / SNAPSHOTS).mkdir(mode=0o700, exist_ok=True)
    with _root_locked(root, fcntl.LOCK_SH):
        for leftover in (root / FILES).glob(f"*/{TEMP_PREFIX}*"):
            remove_if_abandoned(leftover)  # a copy cut short by an earlier create that was killed
        started = utcnow()
        snapshot = _new_snapshot(root, started.strftime("%Y%m%dT%H%M%S.%fZ"))
        with _writing(snapshot), _removed_on_error(snapshot):
            database, contents = _dump_database(settings, snapshot, references)
            entries = [database, *_copy_data_dir(settings, snapshot)]
            objects, copied, missing = _copy_objects(Store(settings.data_dir / "files"), root / FILES,
                                                     contents.named, progress)
            manifest = _checksummed({
                "format": FORMAT, "format_version": FORMAT_VERSION, "acquis_version": _version(),
                "engine": "sqlite" if settings.is_sqlite else "postgresql", "migration_head": contents.head,
                "started_at": started.isoformat(), "finished_at": utcnow().isoformat(),
                "tables": contents.tables, "files": entries, "objects": objects, "missing": missing,
                "copied": copied, "references": [dumps.column_name(column) for column in references],
                "secrets": _secrets_state(settings)})
            write_atomically(snapshot / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    manifest["snapshot"] = str(snapshot)
    return manifest


def _new_snapshot(root: Path, name: str) -> Path:
    snapshot = root / SNAPSHOTS / name
    snapshot.mkdir(mode=0o700)  # fails rather than mixing two backups, however unlikely in one microsecond
    return snapshot


@contextmanager
def _root_locked(root: Path, mode: int) -> Iterator[None]:
    fd = os.open(root / ROOT_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)


@contextmanager
def _removed_on_error(snapshot: Path) -> Iterator[None]:
    """A create that fails takes its unfinished snapshot away (one that is killed leaves it for verify to see)."""
    try:
        yield
    except BaseException:
        shutil.rmtree(snapshot, ignore_errors=True)
        raise


@contextmanager
def _writing(snapshot: Path) -> Iterator[None]:
    """Hold the snapshot's "being written" lock; the kernel drops it if we are killed."""
    fd = os.open(snapshot / WRITING, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
        (snapshot / WRITING).unlink()
    finally:
        os.close(fd)


def being_written(snapshot: Path) -> bool:
    """True while a live `create` holds the snapshot's lock."""
    try:
        fd = os.open(snapshot / WRITING, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _version() -> str:
    try:
        return importlib.metadata.version("acquis")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _secrets_state(settings: Settings) -> dict[str, bool]:
    """Which secrets a restore gets from the backup; the others must come from where the operator keeps them."""
    secret_file = settings.data_dir / SECRET_FILE
    in_backup = secret_file.is_file() and secret_file.read_text().strip() == settings.secret_key
    return {"secret_key": in_backup and not settings.id_number_key, "key_passphrase":
            (settings.data_dir / PASSPHRASE_FILE).is_file()}


def warnings(manifest: dict[str, Any]) -> list[str]:
    """What the operator must know about the secrets of this backup."""
    said = []
    if not manifest["secrets"]["secret_key"]:
        said.append(gettext(
            "ACQUIS_SECRET_KEY ou ACQUIS_ID_NUMBER_KEY vient de l'environnement : la sauvegarde ne le contient pas. "
            "Gardez-le à part, en lieu sûr : sans lui, les numéros de pièce d'identité restaurés sont illisibles."))
    if manifest["secrets"]["key_passphrase"]:
        said.append(gettext(
            "La sauvegarde contient la phrase secrète des clés générée par « acquis demo » (key_passphrase) : "
            "qui détient la sauvegarde peut signer des certificats. Démonstration seulement : en production, "
            "définissez ACQUIS_KEY_PASSPHRASE."))
    return said


# --- the database ----------------------------------------------------------------------------------------


def _dump_database(settings: Settings, snapshot: Path, references: FileColumns) -> tuple[dict[str, Any], Contents]:
    name, dump = (SQLITE_DUMP, dumps.dump_sqlite) if settings.is_sqlite else (PG_DUMP, dumps.dump_postgresql)
    contents = dump(settings.database_url, snapshot / name, references)
    return _entry(name, *hash_file(snapshot / name)), contents


# --- files -----------------------------------------------------------------------------------------------


def _copy_data_dir(settings: Settings, snapshot: Path) -> list[dict[str, Any]]:
    """The encrypted issuer keys and the data dir's secret files (see `warnings` for what that means)."""
    entries = []
    keys = settings.data_dir / KEYS_DIR
    for key in sorted(keys.glob("*.pem")) if keys.is_dir() else []:
        entries.append(_entry(f"{KEYS_DIR}/{key.name}", *copy_file(key, snapshot / KEYS_DIR / key.name)))
    for name in (SECRET_FILE, PASSPHRASE_FILE):
        if (settings.data_dir / name).is_file():
            copied = copy_file(settings.data_dir / name, snapshot / SECRETS_DIR / name)
            entries.append(_entry(f"{SECRETS_DIR}/{name}", *copied))
    return entries


def _copy_objects(store: Store, files: Path, named: dict[str, str],
                  progress: Progress | None) -> tuple[dict[str, int], int, list[str]]:
    """Copy the named files not yet in the backup; returns {digest: size}, how many were copied, and what
    could not be (one line each)."""
    objects, copied, missing = {}, 0, []
    if progress:
        progress(0, len(named))
    for done, (digest, column) in enumerate(sorted(named.items()), start=1):
        target = object_path(files, digest)
        if target.is_file():  # content-addressed: the same name holds the same bytes (verify rechecks them)
            objects[digest] = target.stat().st_size
        else:
            try:
                size, sha256 = copy_file(store.path_for(digest), target)
            except (FileNotFoundError, NotFound):
                missing.append(gettext("%(digest)s (%(column)s) : absent du stockage") % {
                    "digest": digest, "column": column})
            else:
                if sha256 == digest:
                    objects[digest], copied = size, copied + 1
                else:
                    target.unlink()
                    missing.append(gettext("%(digest)s (%(column)s) : le fichier stocké a changé") % {
                        "digest": digest, "column": column})
        if progress:
            progress(done, len(named))
    return objects, copied, missing


def object_path(files: Path, digest: str) -> Path:
    return files / digest[:2] / digest[2:]


def copy_file(source: Path, target: Path) -> tuple[int, str]:
    """Copy atomically (mode 0600), hashing on the way; returns the size and SHA-256 of what was copied."""
    digest, size = hashlib.sha256(), 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        for chunk in _read(source):
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    write_atomically(target, chunks())  # its folder is made (mode 0700) with the temp file
    return size, digest.hexdigest()


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as reading:
        while chunk := reading.read(CHUNK):
            yield chunk


def hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    for chunk in _read(path):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _entry(name: str, size: int, sha256: str) -> dict[str, Any]:
    """A manifest entry: a file of the snapshot, by its path inside it."""
    return {"path": name, "size": size, "sha256": sha256}


def _checksummed(manifest: dict[str, Any]) -> dict[str, Any]:
    return {**manifest, "checksum": manifest_checksum(manifest)}


def manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {key: value for key, value in manifest.items() if key not in ("checksum", "snapshot")}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


# --- retention -------------------------------------------------------------------------------------------


def snapshots(root: Path) -> list[Path]:
    """The snapshots of a backup folder, oldest first (their names are UTC times)."""
    folder = Path(root) / SNAPSHOTS
    return sorted(path for path in folder.iterdir() if path.is_dir()) if folder.is_dir() else []


def prune(root: Path, *, keep: int) -> list[Path]:
    """Keep the `keep` newest complete snapshots; remove the others, the ones cut short, and the files no kept
    snapshot names. Waits for the creates in progress. Returns the snapshots removed."""
    if keep < 1:
        raise Invalid(gettext("Gardez au moins une sauvegarde."))
    root = Path(root).resolve()
    if not (root / SNAPSHOTS).is_dir():
        raise NoBackup()
    with _root_locked(root, fcntl.LOCK_EX):  # no create is running now: a snapshot without manifest is dead
        complete = [path for path in snapshots(root) if (path / MANIFEST).is_file()]
        kept = complete[-keep:]
        removed = [path for path in snapshots(root) if path not in kept]
        for path in removed:
            shutil.rmtree(path)
        needed: set[str] = set()
        for path in kept:
            try:
                needed |= set(json.loads((path / MANIFEST).read_text())["objects"])
            except (ValueError, KeyError, TypeError):
                return removed  # a manifest we cannot read: keep every file rather than guess
        for stored in (root / FILES).glob("*/*"):
            if stored.parent.name + stored.name not in needed:
                stored.unlink()
    return removed
