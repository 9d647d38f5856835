"""Shared by every benchmark: timing, peak memory, and the result file in the shape the ledger
issue fixes: {"benchmark": NAME, "figures": {FIGURE: {"value": N, "unit": U}}, "params": {...}}."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
DATA = Path(__file__).parent / "data"  # generated inputs, not committed


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = time.perf_counter() - start


def best_of(repeats: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of several runs (the least disturbed by the machine), with the last answer."""
    best = float("inf")
    answer = None
    for _ in range(repeats):
        start = time.perf_counter()
        answer = work()
        best = min(best, time.perf_counter() - start)
    return best, answer


def generate_apart(script: str, *args: str) -> None:
    """Run a generator (``benchmarks/SCRIPT.py ARGS``) in a process of its own: its memory must not
    count in the peak of the benchmark that needs its file (on a fresh clone the file is made first)."""
    subprocess.run([sys.executable, str(Path(__file__).parent / f"{script}.py"), *args], check=True)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB of 10^6 bytes (the unit the issues name;
    Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def peak_rss_mib() -> float:
    """The same in MiB (2^20 bytes), as ``ps`` and ``top`` show it."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, figures: dict[str, tuple[float, str]], params: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {
        "benchmark": name,
        "figures": {k: {"value": round(v, 6), "unit": u} for k, (v, u) in figures.items()},
        "params": params,
    }
    path.write_text(json.dumps(body, indent=2) + "\n")
    for figure, (value, unit) in figures.items():
        print(f"{name}.{figure} = {value:,.4g} {unit}")
    print(f"wrote {path}")
    return path
