"""One row of `make bench` and the report it writes: docs/performance.md, findings kept by hand below the table."""

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
FINDINGS = "## Findings"  # everything from this heading on is written by people and kept between runs


@dataclass(frozen=True)
class Figure:
    """A measurement beside its baseline from the same run; `unit` says how both are shown."""

    name: str
    goal: str
    measured: float
    baseline: float
    unit: str = "ms"  # "ms" (given in seconds), "rps", "MB", "×"

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline

    def shown(self, value: float) -> str:
        if self.unit == "ms":
            return f"{value * 1e3:.3f} ms"
        if self.unit == "rps":
            return f"{value:,.0f} req/s"
        if self.unit == "MB":
            return f"{value:,.0f} MB"
        return f"{value:.3f} {self.unit}"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def table(figures: list[Figure]) -> str:
    lines = ["| measurement | ratio | goal | measured | baseline |", "|---|---:|---|---:|---:|"]
    lines += [f"| {f.name} | {f.ratio:.2f} | {f.goal} | {f.shown(f.measured)} | {f.shown(f.baseline)} |"
              for f in figures]
    return "\n".join(lines)


def write(figures: list[Figure], path: Path = REPORT) -> str:
    """Print-ready table; rewrites the report's head and keeps its hand-written findings."""
    text = table(figures)
    kept = ""
    if path.exists():
        old = path.read_text()
        if FINDINGS in old:
            kept = "\n" + old[old.index(FINDINGS):]
    path.write_text(
        "# Performance\n\nWritten by `make bench` (benchmarks/run.py): each figure is a ratio to a baseline "
        "measured in the same run on the same machine, so runs on different machines compare.\n\n"
        f"Last run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n\n{text}\n{kept}")
    return text
