"""Content-addressed files under the data dir, written atomically (temp + fsync + rename)."""

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from acquis.errors import Invalid, NotFound, TooLarge
from acquis.i18n import N_

CHUNK = 1024 * 1024
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


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


def fsync_directory(path: Path) -> None:
    """Make a rename inside `path` durable: without it a power cut can undo the rename."""
    dir_fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` (mode 0600): readers see the old file or the whole new one, never half."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        fsync_directory(path.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)


class Store:
    """Files named by the SHA-256 of their bytes: the same bytes are stored once, never changed."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects = root / "objects"
        self.tmp = root / "tmp"

    def put(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> Stored:
        """Store a stream of bytes; nothing is left on disk when it is refused or interrupted."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise FileTooLarge()
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise EmptyFile()
            return self._commit(Path(tmp_name), digest.hexdigest(), size)
        finally:
            Path(tmp_name).unlink(missing_ok=True)

    def put_bytes(self, data: bytes, *, max_bytes: int | None = None) -> Stored:
        return self.put([data], max_bytes=max_bytes)

    def _commit(self, tmp: Path, sha256: str, size: int) -> Stored:
        target = self.path_for(sha256)
        if target.exists():
            return Stored(sha256, size, created=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        fsync_directory(target.parent)
        return Stored(sha256, size, created=True)

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

    def sweep_temporary(self, *, older_than_seconds: float = 3600) -> int:
        """Remove temp files left by a crash; returns how many were removed.

        Only old ones: another worker may be writing a fresh temp file right now.
        """
        if not self.tmp.is_dir():
            return 0
        removed, now = 0, time.time()
        for leftover in self.tmp.iterdir():
            if now - leftover.stat().st_mtime >= older_than_seconds:
                leftover.unlink(missing_ok=True)
                removed += 1
        return removed
