"""Response times under load: N keep-alive connections for a fixed time, in a process of its own.

    echo '{"port": 8000, "paths": ["/V/..."], "connections": 8, "seconds": 10}' | python -m benchmarks.latency

prints one JSON object: {"p50": s, "p95": s, "p99": s, "rps": ..., "statuses": {"200": ...}}. Each
connection sends a request, reads the whole response and sends the next one (a closed loop, like
wrk without pipelining), taking the paths in turn, with the session cookie given; each request's
time runs from its first byte sent to its last byte read. Only requests answered inside the window
after the warm-up count. Raw asyncio streams on uvloop: the client shares the machine's cores with
the server, so it should spend as little of them as it can. With `forwarded`, each request comes
from its own X-Forwarded-For address (uvicorn trusts it from 127.0.0.1): employers verifying by
number are many people, each within the per-client rate limit.
"""

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import count
from typing import Any


@dataclass
class Load:
    port: int
    paths: list[str]
    connections: int = 8
    seconds: float = 10.0
    warmup: float = 2.0
    cookie: str = ""
    forwarded: bool = False
    times: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def request(self, number: int) -> bytes:
        head = [f"GET {self.paths[number % len(self.paths)]} HTTP/1.1", f"Host: 127.0.0.1:{self.port}",
                "User-Agent: acquis-bench", "Accept: text/html", "Accept-Language: fr"]
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        if self.forwarded:
            head.append(f"X-Forwarded-For: 10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}")
        return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


def content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise RuntimeError("response without Content-Length: " + head.decode("latin-1")[:200])


async def one_connection(load: Load, numbers: "count[int]", *, counted_from: float, until: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", load.port)
    clock = time.perf_counter
    try:
        while clock() < until:
            started = clock()
            writer.write(load.request(next(numbers)))
            head = await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(content_length(head))
            done = clock()
            if counted_from <= started and done <= until:
                load.times.append(done - started)
                load.statuses[int(head[9:12])] += 1
    finally:
        writer.close()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with `share` of all values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(share * len(ordered) + 0.999999) - 1))]


async def drive(load: Load) -> dict[str, Any]:
    start = time.perf_counter()
    counted_from, until = start + load.warmup, start + load.warmup + load.seconds
    numbers = count()
    await asyncio.gather(*(one_connection(load, numbers, counted_from=counted_from, until=until)
                           for _ in range(load.connections)))
    if not load.times:
        raise RuntimeError("no response inside the measuring window")
    return {"p50": percentile(load.times, 0.50), "p95": percentile(load.times, 0.95),
            "p99": percentile(load.times, 0.99), "mean": sum(load.times) / len(load.times),
            "rps": len(load.times) / load.seconds, "responses": len(load.times),
            "statuses": {str(code): n for code, n in sorted(load.statuses.items())}}


def main() -> None:
    spec = json.load(sys.stdin)  # not an argument: thousands of paths make too long a command line
    try:
        import uvloop  # the server's own event loop (uvicorn[standard]): the lighter client

        result = uvloop.run(drive(Load(**spec)))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        result = asyncio.run(drive(Load(**spec)))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
