"""Content-addressed files under the data dir, written atomically (temp + fsync + rename) and tied to the
transaction that records them: after a crash, `Store.recover` leaves no temp file and no file without its row.

Crash safety rests on flock(2) locks, which the kernel drops when a process dies, even by SIGKILL. Every
temp file is locked by its writer until it is renamed into place, and every transaction that stores files
keeps a journal (one locked file listing their digests) until it commits or rolls back. A temp file or a
journal that nobody holds is therefore abandoned, whatever its age, and removing it is safe with other
workers running. (flock as local file systems give it: each open file holds its own lock. NFS emulates it
with POSIX locks, which are per process: there, two threads of one worker would not see each other's.)
"""

import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from acquis.errors import Invalid, NotFound, TooLarge
from acquis.i18n import N_

CHUNK = 1024 * 1024
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
TEMP_PREFIX = ".tmp-"  # write_atomically's temp files, beside their target
UPLOAD_PREFIX = "upload-"  # Store.put's temp files, in the store's tmp/ folder
JOURNAL_PREFIX = "tx-"
LOCK_NAME = ".lock"
_JOURNALS = "acquis_store_journals"  # key in Session.info: the open transaction's journals, by store root

# Which of these digests rows still point to (the app knows its tables; the store does not).
References = Callable[[Collection[str]], set[str]]


class FileTooLarge(TooLarge):
    """The file is larger than the limit."""


class EmptyFile(Invalid):
    """The file is empty."""

    code = "empty-file"
    default_message = N_("Le fichier est vide.")


class UnknownObject(NotFound):
    """No stored file has this digest."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    created: bool  # False when the same bytes were already stored


@dataclass(frozen=True)
class Recovered:
    """What `Store.recover` removed."""

    temporary: int  # temp files of writers that died
    unreferenced: int  # files stored by transactions that died before committing


def fsync_directory(path: Path) -> None:
    """Make a rename inside `path` durable: without it a power cut can undo the rename."""
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def create_locked(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new file (mode 0600) in `directory`, flock-ed by us for as long as the returned descriptor is open."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    while True:
        fd, name = tempfile.mkstemp(dir=directory, prefix=prefix)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # A sweep may have removed the file between its creation and our lock: then try another name.
        try:
            if os.stat(name).st_ino == os.fstat(fd).st_ino:
                return fd, Path(name)
        except FileNotFoundError:
            pass
        os.close(fd)


@contextmanager
def _lock_if_abandoned(path: Path) -> Iterator[int | None]:
    """The file's descriptor, locked by us, when no live process holds it; else None."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)  # read-write: NFS emulates flock with write locks
    except OSError:
        yield None  # already gone, or not a plain file: nothing of ours
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None  # its writer is alive
            return
        yield fd
    finally:
        os.close(fd)


def remove_if_abandoned(path: Path) -> bool:
    """Remove a temp file whose writer is gone; True if it was removed."""
    with _lock_if_abandoned(path) as fd:
        if fd is None:
            return False
        path.unlink(missing_ok=True)
        return True


def write_atomically(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (bytes, or a stream of them) to `path` (mode 0600): readers see the old file or the whole
    new one, never half."""
    fd, tmp = create_locked(path.parent, TEMP_PREFIX)
    try:
        with os.fdopen(fd, "wb", closefd=False) as out:
            for chunk in [data] if isinstance(data, bytes) else data:
                out.write(chunk)
        os.fsync(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)  # only now: until the rename, the lock keeps sweeps off the temp file
    fsync_directory(path.parent)


class Store:
    """Files named by the SHA-256 of their bytes: the same bytes are stored once, never changed."""

    def __init__(self, root: Path, *, references: References | None = None) -> None:
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"
        self.journals = root / "pending"
        self.lock_path = self.journals / LOCK_NAME  # the store-wide lock (see _locked); kept for good
        self.references = references

    def put(self, chunks: Iterable[bytes], *, max_bytes: int | None = None, session: Session | None = None) -> Stored:
        """Store a stream of bytes; nothing is left on disk when it is refused or interrupted.

        With `session`, the file belongs to that session's transaction: if the transaction does not
        commit, the file is removed again, at once or (if the process dies first) by `recover`.
        """
        digest, size = hashlib.sha256(), 0
        fd, tmp = create_locked(self.tmp, UPLOAD_PREFIX)
        try:
            with os.fdopen(fd, "wb", closefd=False) as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge()
                    digest.update(chunk)
                    out.write(chunk)
            os.fsync(fd)
            if size == 0:
                raise EmptyFile()
            return self._commit(tmp, digest.hexdigest(), size, session)
        finally:
            tmp.unlink(missing_ok=True)  # still locked by us: no sweep can be removing it too
            os.close(fd)

    def put_bytes(self, data: bytes, *, max_bytes: int | None = None, session: Session | None = None) -> Stored:
        return self.put([data], max_bytes=max_bytes, session=session)

    def _commit(self, tmp: Path, sha256: str, size: int, session: Session | None) -> Stored:
        target = self.path_for(sha256)
        journal = _journal(session, self) if session is not None else None
        with self._locked(fcntl.LOCK_SH):
            created = not target.exists()
            if journal is not None:
                # Journaled before the rename: a crash right after it still finds the file listed.
                journal.note(sha256, created=created)
            if created:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
                fsync_directory(target.parent)
        return Stored(sha256, size, created=created)

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        """The store-wide lock: puts share it; removing files takes it alone, so that no put can be
        reusing a file (same bytes) between the check that nobody needs it and its removal."""
        self.journals.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode)
            yield
        finally:
            os.close(fd)

    def path_for(self, sha256: str) -> Path:
        # Only a well-formed digest becomes a path: no caller-controlled text reaches the disk.
        if not SHA256_HEX.match(sha256):
            raise UnknownObject()
        return self.objects / sha256[:2] / sha256[2:]

    def read(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        if not path.is_file():
            raise UnknownObject()
        return path.read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    # --- after a crash -------------------------------------------------------------------------

    def recover(self) -> Recovered:
        """Remove what crashed writers left: temp files, and the files of transactions that died before
        committing (unless a row points to them: the process may have died just after its commit).

        Safe at any time, with other workers running: what a live process holds is never touched.
        Without `references` the journals of dead transactions are kept for a later recover.
        """
        temporary = self.sweep_temporary()
        if self.references is None or not self.journals.is_dir():
            return Recovered(temporary, 0)
        with self._locked(fcntl.LOCK_EX):
            removed = 0
            for path in sorted(self.journals.glob(JOURNAL_PREFIX + "*")):
                with _lock_if_abandoned(path) as fd:
                    if fd is None:
                        continue
                    listed = _read_journal(path)
                    removed += self._remove_unused(listed - self._live_digests(besides=path), self.references)
                    path.unlink(missing_ok=True)
        return Recovered(temporary, removed)

    def sweep_temporary(self) -> int:
        """Remove the temp files whose writers are gone (all of tmp/, and write_atomically's `.tmp-*`
        anywhere in the store, such as thumbnails); returns how many were removed."""
        removed = 0
        for folder, subfolders, names in os.walk(self.root):
            if Path(folder) == self.root:
                subfolders[:] = [name for name in subfolders if name not in ("objects", "pending")]
            for name in names:
                if Path(folder) == self.tmp or name.startswith(TEMP_PREFIX):
                    removed += remove_if_abandoned(Path(folder) / name)
        return removed

    def _live_digests(self, *, besides: Path | None = None) -> set[str]:
        """The digests listed by the journals of transactions still open (their files are in use)."""
        live: set[str] = set()
        for path in self.journals.glob(JOURNAL_PREFIX + "*"):
            if path != besides:
                with _lock_if_abandoned(path) as fd:
                    if fd is None:
                        live |= _read_journal(path)
        return live

    def _remove_unused(self, digests: set[str], references: References | None) -> int:
        """Remove the files of `digests` that no row points to; call with the store-wide lock held alone."""
        if digests and references is not None:
            digests = digests - references(digests)
        removed = 0
        for sha256 in digests:
            path = self.path_for(sha256)
            if path.is_file():
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _discard(self, journal: "_Journal") -> None:
        """A transaction ended without committing: remove the files it created that nothing else uses."""
        with self._locked(fcntl.LOCK_EX):
            self._remove_unused(set(journal.created) - self._live_digests(besides=journal.path), self.references)
        journal.close()


def _read_journal(path: Path) -> set[str]:
    try:
        lines = path.read_text(encoding="ascii", errors="replace").split()
    except FileNotFoundError:
        return set()
    return {line for line in lines if SHA256_HEX.match(line)}


class _Journal:
    """The digests one open transaction stored, in a file it holds locked until the transaction ends."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.fd, self.path = create_locked(store.journals, JOURNAL_PREFIX)
        self.created: list[str] = []

    def note(self, sha256: str, *, created: bool) -> None:
        # Files the transaction reuses are listed too: a concurrent discard must not remove them.
        os.write(self.fd, f"{sha256}\n".encode("ascii"))
        os.fsync(self.fd)
        if created:
            self.created.append(sha256)

    def close(self) -> None:
        """The transaction's outcome is settled: forget the journal (removed while still locked)."""
        self.path.unlink(missing_ok=True)
        os.close(self.fd)

    def abandon(self) -> None:
        """Leave the journal, unlocked, for `Store.recover` to settle."""
        os.close(self.fd)


def _journal(session: Session, store: Store) -> _Journal:
    """The journal of this session's open transaction in this store, opened on its first file."""
    journals: dict[Path, _Journal] | None = session.info.get(_JOURNALS)
    if journals is None:
        journals = session.info[_JOURNALS] = {}
        event.listen(session, "after_commit", _keep)
        event.listen(session, "after_transaction_end", _discard_uncommitted)
    if store.root not in journals:
        journals[store.root] = _Journal(store)
    return journals[store.root]


def _keep(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released (after_commit fires for those too): the outer transaction decides
    for journal in session.info[_JOURNALS].values():
        journal.close()
    session.info[_JOURNALS].clear()


def _discard_uncommitted(session: Session, transaction: Any) -> None:
    # after_commit has already emptied the journals when the transaction committed.
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    journals = session.info[_JOURNALS]
    for journal in journals.values():
        try:
            journal.store._discard(journal)
        except Exception:  # noqa: BLE001 - a rollback must go on: recover settles the journal later
            journal.abandon()
    journals.clear()
