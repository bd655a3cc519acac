"""Files from strangers parsed in worker processes held to a memory, CPU and time budget.

A PDF of nested drawings or a small file declaring a gigapixel image costs seconds and gigabytes to whoever
parses it. Here the parsing happens in a child process whose address space is capped (RLIMIT_AS), whose CPU
time is capped per call (RLIMIT_CPU) and that the caller kills when its wall-clock time is up: the worst a
file does is FileTooComplex (422) while the server answers everyone else. A few workers stay started (their
imports cost more than most calls) and at most that many calls run at once in each server process; the
others wait their turn, a bounded time, then get Busy (503). Workers end with the process that started them.

Calls cross the pipe as pickles (the parent is trusted), results come back as JSON: a worker that a hostile
file managed to subvert could send a pickle that runs code in the server, JSON it cannot."""

import atexit
import base64
import ctypes
import json
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from acquis import i18n
from acquis.errors import AcquisError, Invalid
from acquis.i18n import N_

MEMORY_BYTES = 512 * 1024 * 1024  # each worker's address space, libraries included (they take about 100 MB)
WORKERS = 2  # calls running at once per server process: the 2-core machines Acquis runs on, kept responsive
WAIT_SECONDS = 10.0  # longest wait for a free worker before Busy
START_SECONDS = 60.0  # a worker's start and the first import of a module: generous, it is no file's doing
MAX_REPLY_BYTES = 64 * 1024 * 1024
_FRAME = struct.Struct(">Q")
_STARTED = b"S"


class FileTooComplex(Invalid):
    """Reading the file would take more memory or time than any honest file of its kind needs."""

    code = "file-too-complex"
    default_message = N_("Ce fichier demande trop de mémoire ou de temps pour être lu : il est refusé. Envoyez une "
                         "version plus simple (un PDF ordinaire, une photo ou un scan).")


class Busy(AcquisError):
    """Every worker is taken by other files: try again in a moment."""

    status_code = 503
    code = "busy"
    default_message = N_("Le serveur lit déjà d'autres fichiers : réessayez dans une minute.")


class WorkerFailed(RuntimeError):
    """The function raised something other than an Acquis error: a bug, with the worker's traceback."""


def run(function: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """`function(*args)` in a worker, within `seconds` of wall-clock and CPU time and MEMORY_BYTES of memory.

    `function` is a module-level function (the worker imports its module); its result must be bytes or
    JSON-able. The AcquisError it raises is raised here, with its message in the caller's language."""
    request = pickle.dumps((function, args, seconds, i18n.current_language.get()))
    if not _POOL.slots.acquire(timeout=WAIT_SECONDS):
        raise Busy()
    try:
        worker = _POOL.take()
        try:
            reply = worker.call(request, seconds=seconds)
        except _Overrun:
            worker.kill()
            raise FileTooComplex() from None
        except BaseException:
            worker.kill()  # interrupted mid-call: its pipe may hold half a reply
            raise
        if reply.get("retire"):
            worker.kill()
        else:
            _POOL.give_back(worker)
    finally:
        _POOL.slots.release()
    return _result(reply)


def _result(reply: dict[str, Any]) -> Any:
    if "bytes" in reply:
        return base64.b64decode(reply["bytes"])
    if "value" in reply:
        return reply["value"]
    if "error" in reply:
        raise _error_class(reply["error"])(str(reply.get("message", "")) or None)
    raise WorkerFailed(str(reply.get("crash", "the worker sent no result")))


def _error_class(name: str) -> type[AcquisError]:
    # Only a class the server already has: a name from the worker never makes the server import anything.
    module, _, qualname = str(name).partition(":")
    found = getattr(sys.modules.get(module), qualname, None)
    if isinstance(found, type) and issubclass(found, AcquisError):
        return found
    return FileTooComplex


class _Overrun(Exception):
    """The worker ran out of time, died (memory or CPU limit, crash) or sent too much."""


class _Worker:
    def __init__(self, spawner: ThreadPoolExecutor) -> None:
        # Started from the pool's own thread, which lives as long as the process: a worker asks the kernel to
        # end it when the thread that started it ends (PR_SET_PDEATHSIG), and a request's thread may end sooner.
        self.process = spawner.submit(
            subprocess.Popen, [sys.executable, "-m", "acquis.sandbox", str(os.getpid()), str(MEMORY_BYTES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True).result()

    def alive(self) -> bool:
        return self.process.poll() is None

    def call(self, request: bytes, *, seconds: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(_FRAME.pack(len(request)) + request)
        except OSError:  # it died while idle
            raise _Overrun() from None
        self._read(1, deadline=time.monotonic() + START_SECONDS)
        deadline = time.monotonic() + seconds
        (length,) = _FRAME.unpack(self._read(_FRAME.size, deadline=deadline))
        if length > MAX_REPLY_BYTES:
            raise _Overrun()
        reply = json.loads(self._read(length, deadline=deadline))
        return reply if isinstance(reply, dict) else {}

    def _read(self, size: int, *, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd, parts, missing = self.process.stdout.fileno(), [], size
        while missing:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            part = os.read(fd, min(missing, 1 << 20)) if ready else b""
            if not part:  # out of time, or end of file: the worker is gone
                raise _Overrun()
            parts.append(part)
            missing -= len(part)
        return b"".join(parts)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


class _Pool:
    """The idle workers of this process, and the slots that bound how many calls run at once."""

    def __init__(self) -> None:
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []
        self.slots = threading.BoundedSemaphore(WORKERS)
        self.spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")

    def take(self) -> _Worker:
        with self.lock:
            if self.owner != os.getpid():  # a forked copy of a process has neither its parent's workers nor threads
                self.owner, self.idle = os.getpid(), []
                self.spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")
            while self.idle:
                worker = self.idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
            spawner = self.spawner
        return _Worker(spawner)

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            self.idle.append(worker)

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            worker.kill()


_POOL = _Pool()
atexit.register(_POOL.close)


# --- inside a worker -----------------------------------------------------------------------------------


def _serve(parent: int, memory: int) -> None:
    """Answer calls one at a time until the parent closes the pipe or ends."""
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # a library's print must not corrupt the replies: stdout now goes to the log
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _end_with(parent)
    requests = sys.stdin.buffer
    while (request := _read_frame(requests)) is not None:
        reply, retire = _answer(request, replies)
        body = json.dumps(reply).encode()
        replies.write(_FRAME.pack(len(body)) + body)
        if retire:
            os._exit(0)


def _answer(request: bytes, replies: IO[bytes]) -> tuple[dict[str, Any], bool]:
    function, args, seconds, language = pickle.loads(request)  # imports the function's module
    replies.write(_STARTED)
    used = resource.getrusage(resource.RUSAGE_SELF)
    # The kernel ends the process (SIGXCPU) past this much CPU: even a parent that stopped waiting is safe.
    limit = int(used.ru_utime + used.ru_stime + seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (limit, resource.RLIM_INFINITY))
    i18n.current_language.set(language)
    try:
        value = function(*args)
    except AcquisError as error:
        return {"error": f"{type(error).__module__}:{type(error).__qualname__}", "message": error.message}, False
    except (MemoryError, RecursionError):
        # Past the memory limit the process may be in any state: answer, then leave for a fresh worker.
        return {"error": "acquis.sandbox:FileTooComplex", "message": FileTooComplex().message}, True
    except Exception:
        return {"crash": traceback.format_exc()}, True
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}, False
    return {"value": value}, False


def _read_frame(source: IO[bytes]) -> bytes | None:
    header = source.read(_FRAME.size)
    if len(header) < _FRAME.size:
        return None
    (length,) = _FRAME.unpack(header)
    return source.read(length)


def _end_with(parent: int) -> None:
    """End this worker as soon as the server that started it ends, even mid-call (killed, out of memory).

    The kernel does it (Linux's PR_SET_PDEATHSIG): a thread watching the parent would need the GIL, which a
    library drawing a hostile file may hold for as long as it draws."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
            raise OSError(ctypes.get_errno(), "prctl")
    except (AttributeError, OSError):  # not Linux: check the parent every second instead
        threading.Thread(target=_poll_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it ended before the kernel was asked
        os._exit(0)


def _poll_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    from acquis import sandbox  # the module itself, not this __main__ copy: one FileTooComplex class

    sandbox._serve(int(sys.argv[1]), int(sys.argv[2]))
