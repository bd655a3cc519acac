"""Checking and restoring the backups that acquis.backup writes: every hash rechecked, a restore only into an
empty place (never over live data), then migrated up to the schema of the code that restores it."""

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError

from acquis import migrate
from acquis.backup import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    KEYS_DIR,
    MANIFEST,
    PG_DUMP,
    SECRETS_DIR,
    SNAPSHOTS,
    SQLITE_DUMP,
    WRITING,
    NoBackup,
    being_written,
    copy_file,
    hash_file,
    manifest_checksum,
    object_path,
    snapshots,
)
from acquis.config import Settings
from acquis.db import make_engine
from acquis.dumps import connected, read_contents, restore_postgresql, sqlite_contents, sqlite_path
from acquis.errors import Conflict, Invalid
from acquis.i18n import N_, gettext

# The only paths a manifest may name inside its snapshot: a restore writes nothing anywhere else.
SNAPSHOT_PATH = re.compile(rf"^({re.escape(SQLITE_DUMP)}|{re.escape(PG_DUMP)}|{KEYS_DIR}/[A-Za-z0-9_-]+\.pem"
                           rf"|{SECRETS_DIR}/(secret_key|key_passphrase))$")


class BackupInvalid(Invalid):
    """The backup is incomplete or damaged: it is not restored."""

    code = "backup-invalid"
    default_message = N_("La sauvegarde est incomplète ou abîmée.")


class TargetNotEmpty(Conflict):
    """A restore writes only into an empty data dir and an empty database."""

    code = "target-not-empty"
    default_message = N_("La cible de la restauration n'est pas vide.")


class EngineMismatch(Invalid):
    """A SQLite backup restores into SQLite, a PostgreSQL one into PostgreSQL."""

    code = "engine-mismatch"
    default_message = N_("Cette sauvegarde ne se restaure pas dans ce type de base de données.")


class SchemaTooNew(Conflict):
    """The backup's schema comes from a newer Acquis than the one restoring it."""

    code = "schema-too-new"
    default_message = N_("Cette sauvegarde vient d'une version plus récente d'Acquis.")


@dataclass(frozen=True)
class Checked:
    """What `verify` found: the first problem (one line naming the file), or None when the backup is intact."""

    snapshot: Path
    manifest: dict[str, Any] | None
    bad: str | None
    missing: list[str]  # files rows named that were not in the store when the backup was taken


@dataclass(frozen=True)
class Restored:
    snapshot: Path
    into: Path
    database_url: str
    head_before: str | None
    head_after: str | None
    manifest: dict[str, Any]


# --- verify ----------------------------------------------------------------------------------------------


def find_snapshot(path: Path) -> Path:
    """`path` itself when it is a snapshot; in a backup folder, its newest snapshot not being written now."""
    path = Path(path).resolve()
    if (path / MANIFEST).exists() or (path / WRITING).exists() or path.parent.name == SNAPSHOTS:
        return path
    candidates = [snapshot for snapshot in snapshots(path) if not being_written(snapshot)]
    if not candidates:
        raise NoBackup(gettext("Aucune sauvegarde dans %(path)s.") % {"path": path})
    return candidates[-1]


def verify(path: Path) -> Checked:
    """Recheck a snapshot: its manifest, then the size and SHA-256 of every file it names."""
    snapshot = find_snapshot(path)
    manifest, bad = _manifest(snapshot)
    if manifest is None:
        return Checked(snapshot, None, bad, [])
    try:
        bad = _first_bad_file(snapshot, manifest) or _rows_differ(snapshot, manifest)
        missing = [str(line) for line in manifest["missing"]]
    except (KeyError, TypeError, AttributeError):
        return Checked(snapshot, None, gettext("%(path)s : manifeste incomplet.") % {"path": snapshot / MANIFEST}, [])
    return Checked(snapshot, manifest, bad, missing)


def _manifest(snapshot: Path) -> tuple[dict[str, Any] | None, str | None]:
    path = snapshot / MANIFEST
    if not path.is_file():
        if being_written(snapshot):
            return None, gettext("%(path)s : sauvegarde en cours d'écriture.") % {"path": snapshot}
        return None, gettext("%(path)s : sauvegarde interrompue avant la fin (pas de manifest.json) : "
                             "elle est incomplète.") % {"path": snapshot}
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return None, gettext("%(path)s : manifeste illisible.") % {"path": path}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, gettext("%(path)s : pas un manifeste de sauvegarde Acquis.") % {"path": path}
    if manifest.get("format_version") != FORMAT_VERSION:
        return None, gettext("%(path)s : format de sauvegarde %(version)s inconnu de cette version d'Acquis.") % {
            "path": path, "version": manifest.get("format_version")}
    if manifest.get("checksum") != manifest_checksum(manifest):
        return None, gettext("%(path)s : manifeste modifié (somme de contrôle fausse).") % {"path": path}
    return manifest, None


def _first_bad_file(snapshot: Path, manifest: dict[str, Any]) -> str | None:
    for entry in manifest["files"]:
        if not SNAPSHOT_PATH.match(entry["path"]):
            return gettext("%(path)s : le manifeste nomme un fichier inattendu : %(name)s") % {
                "path": snapshot / MANIFEST, "name": entry["path"]}
        if problem := _check(snapshot / entry["path"], entry["size"], entry["sha256"]):
            return problem
    files = snapshot.parent.parent / FILES
    for digest, size in sorted(manifest["objects"].items()):
        if problem := _check(object_path(files, digest), size, digest):
            return problem
    return None


def _check(path: Path, size: int, sha256: str) -> str | None:
    if not path.is_file():
        return gettext("%(path)s : fichier manquant.") % {"path": path}
    actual_size, actual = hash_file(path)
    if actual_size != size:
        return gettext("%(path)s : %(actual)d octets au lieu de %(expected)d (fichier tronqué ?).") % {
            "path": path, "actual": actual_size, "expected": size}
    if actual != sha256:
        return gettext("%(path)s : contenu modifié (SHA-256 différent).") % {"path": path}
    return None


def _rows_differ(snapshot: Path, manifest: dict[str, Any]) -> str | None:
    """A SQLite snapshot is opened and counted again (a PostgreSQL dump is checked by its hash alone)."""
    if manifest["engine"] != "sqlite":
        return None
    dump = snapshot / SQLITE_DUMP
    try:
        tables = sqlite_contents(dump, []).tables
    except sa.exc.DatabaseError:
        tables = {}
    if tables != manifest["tables"]:
        return gettext("%(path)s : ses tables ne sont pas celles du manifeste.") % {"path": dump}
    return None


# --- restore ---------------------------------------------------------------------------------------------


def restore(path: Path, *, into: Path, database_url: str | None = None) -> Restored:
    """Restore a verified snapshot into the empty data dir `into` and an empty database (default: SQLite in
    `into`), then migrate it to this code's schema. What it wrote is removed again if it fails."""
    checked = verify(path)
    if checked.bad or checked.manifest is None:
        raise BackupInvalid(gettext("Restauration refusée : %(problem)s") % {"problem": checked.bad})
    manifest, into = checked.manifest, Path(into).resolve()
    url = database_url or f"sqlite:///{into / 'acquis.db'}"
    _check_target(manifest, into, url)
    into.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _restore_files(checked.snapshot, manifest, into)
        _restore_database(checked.snapshot, manifest, url)
        head_after = _migrated(url, into, manifest)
    except BaseException:
        _undo(into, url)
        raise
    return Restored(checked.snapshot, into, url, manifest["migration_head"], head_after, manifest)


def _check_target(manifest: dict[str, Any], into: Path, url: str) -> None:
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise TargetNotEmpty(gettext("%(path)s n'est pas vide : une restauration n'écrase jamais de données.")
                             % {"path": into})
    engine_name = "sqlite" if url.startswith("sqlite") else "postgresql"
    if engine_name != manifest["engine"]:
        raise EngineMismatch(gettext("Cette sauvegarde contient une base %(engine)s : restaurez-la dans une base "
                                     "%(engine)s.") % {"engine": manifest["engine"]})
    _known_revision(manifest["migration_head"])
    if engine_name == "sqlite":
        if sqlite_path(url).exists():
            raise TargetNotEmpty(gettext("%(path)s existe déjà : une restauration n'écrase jamais de données.")
                                 % {"path": sqlite_path(url)})
        return
    with connected(url) as connection:
        tables = sa.inspect(connection).get_table_names()
    if tables:
        raise TargetNotEmpty(gettext("La base %(database)s contient déjà des tables : une restauration n'écrase "
                                     "jamais de données.") % {"database": sa.make_url(url).database})


def _known_revision(head: str | None) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    try:
        if head is not None:
            ScriptDirectory.from_config(config).get_revision(head)
    except CommandError:
        message = gettext("Le schéma de cette sauvegarde (%(head)s) est plus récent que cette version d'Acquis : "
                          "restaurez-la avec la version qui l'a écrite.")
        raise SchemaTooNew(message % {"head": head}) from None


def _restore_files(snapshot: Path, manifest: dict[str, Any], into: Path) -> None:
    files = snapshot.parent.parent / FILES
    for digest in sorted(manifest["objects"]):
        _copy_checked(object_path(files, digest), into / "files" / "objects" / digest[:2] / digest[2:], digest)
    for entry in manifest["files"]:
        folder, _, name = entry["path"].rpartition("/")
        if folder == KEYS_DIR:
            _copy_checked(snapshot / entry["path"], into / KEYS_DIR / name, entry["sha256"])
        elif folder == SECRETS_DIR:
            _copy_checked(snapshot / entry["path"], into / name, entry["sha256"])


def _copy_checked(source: Path, target: Path, sha256: str) -> None:
    # Hashed again on the way: a file damaged since `verify` read it is not restored silently.
    if copy_file(source, target)[1] != sha256:
        raise BackupInvalid(gettext("Restauration refusée : %(path)s : contenu modifié (SHA-256 différent).")
                            % {"path": source})


def _restore_database(snapshot: Path, manifest: dict[str, Any], url: str) -> None:
    entry = next(entry for entry in manifest["files"] if entry["path"] in (SQLITE_DUMP, PG_DUMP))
    if manifest["engine"] == "sqlite":
        _copy_checked(snapshot / SQLITE_DUMP, sqlite_path(url), entry["sha256"])
        return
    restore_postgresql(snapshot / PG_DUMP, url)


def _migrated(url: str, into: Path, manifest: dict[str, Any]) -> str | None:
    """Check the restored rows against the manifest, then migrate; returns the schema revision reached."""
    engine = make_engine(Settings(data_dir=into, database_url=url))
    try:
        with engine.connect() as connection:
            if read_contents(connection, []).tables != manifest["tables"]:
                raise BackupInvalid(gettext("Restauration refusée : la base restaurée n'a pas les lignes du "
                                            "manifeste."))
        migrate.upgrade(engine)
        with engine.connect() as connection:
            return read_contents(connection, []).head
    finally:
        engine.dispose()


def _undo(into: Path, url: str) -> None:
    """Empty the data dir again (it was empty before) and remove a SQLite database we wrote. A PostgreSQL
    database is left to pg_restore's single transaction (a failure after it leaves the tables: drop them)."""
    for child in into.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    if url.startswith("sqlite"):
        sqlite_path(url).unlink(missing_ok=True)
