"""Real servers for the benchmarks: a subprocess until the block ends, and the load client driving it."""

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serving(command: list[str], *, env: dict[str, str], port: int, ready: str) -> Iterator[subprocess.Popen[bytes]]:
    """A server process until the block ends, once `ready` answers 200."""
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(process, port, ready)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(process: subprocess.Popen[bytes], port: int, path: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode()[-2000:] if process.stderr else ""
            raise RuntimeError(f"server exited: {error}")
        try:
            status, _ = fetch(port, path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"nothing answered {path} on port {port}")


def fetch(port: int, path: str, *, cookie: str = "") -> tuple[int, str]:
    """One GET on a fresh connection: status and body (for the checks before the load)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        extra = f"Cookie: {cookie}\r\n" if cookie else ""
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head[9:12]), body.decode("utf-8", "replace")


def load(port: int, paths: list[str], **spec: Any) -> dict[str, Any]:
    """Drive the server with benchmarks/latency.py (a process of its own); every answer must be a 200."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.latency"], input=json.dumps(
        {"port": port, "paths": paths, **spec}), cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(out.stdout)
    if set(result["statuses"]) != {"200"}:
        raise RuntimeError(f"{paths[0]} answered {result['statuses']}")
    return result
