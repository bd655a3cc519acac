"""Content-addressed files: stored once, atomically, and nothing left behind on refusal."""

import hashlib
import os
from pathlib import Path

import pytest

from acquis.storage import EmptyFile, FileTooLarge, Store, UnknownObject, create_locked


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_bytes_are_stored_under_their_sha256(tmp_path: Path) -> None:
    store = Store(tmp_path)
    stored = store.put_bytes(b"payslip from Riyadh")
    assert stored.sha256 == hashlib.sha256(b"payslip from Riyadh").hexdigest()
    assert stored.created and stored.size == 19
    assert store.read(stored.sha256) == b"payslip from Riyadh"


def test_same_bytes_twice_are_stored_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first = store.put_bytes(b"photo")
    second = store.put([b"ph", b"oto"])
    assert second.sha256 == first.sha256 and not second.created
    assert len(files_under(tmp_path / "objects")) == 1


def test_too_large_upload_leaves_no_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(FileTooLarge):
        store.put([b"x" * 600, b"x" * 600], max_bytes=1000)
    assert files_under(tmp_path) == []


def test_empty_upload_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with pytest.raises(EmptyFile):
        store.put([])
    assert files_under(tmp_path) == []


def test_interrupted_stream_leaves_no_file(tmp_path: Path) -> None:
    def broken_stream():
        yield b"half of a video"
        raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        Store(tmp_path).put(broken_stream())
    assert files_under(tmp_path) == []


def test_only_digests_become_paths(tmp_path: Path) -> None:
    store = Store(tmp_path)
    for hostile in ("../../etc/passwd", "A" * 64, "", "0" * 63):
        with pytest.raises(UnknownObject):
            store.read(hostile)


def test_sweep_removes_the_leftovers_of_dead_writers_only(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.tmp.mkdir(parents=True)
    (store.tmp / "upload-abandoned").write_bytes(b"x")  # its writer died: nobody holds its lock
    fd, live = create_locked(store.tmp, "upload-")  # a writer at work, in this process or another worker
    try:
        assert store.sweep_temporary() == 1
        assert [p.name for p in store.tmp.iterdir()] == [live.name]
    finally:
        os.close(fd)
    assert store.sweep_temporary() == 1 and list(store.tmp.iterdir()) == []
