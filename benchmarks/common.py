"""Shared by every benchmark: its size, timing, peak memory, and the result file in the shape the
ledger issue fixes: {"benchmark": NAME, "figures": {FIGURE: {"value": N, "unit": U}}, "params": {...}}
(``params.size`` says which size ran; a benchmark with a target adds it and ``meets_target``).

Every benchmark runs at two sizes (``LTSPLAN_BENCH_SIZE``): ``full``, the size its target names,
and ``tiny``, small inputs through the same code and the same checks of every answer, which CI runs
(``benchmarks/run.py --tiny``) so that a broken benchmark cannot land. A benchmark takes its sizes
from ``sized(full, tiny)`` and its paths from ``DATA`` and ``RESULTS``, which ``run.py --tiny``
points at a scratch directory so that real inputs and figures are left alone.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
HERE = Path(__file__).parent
SIZE_VARIABLE = "LTSPLAN_BENCH_SIZE"
SIZES = ("full", "tiny")


def _size() -> str:
    size = os.environ.get(SIZE_VARIABLE, "").strip().lower() or "full"
    if size not in SIZES:
        raise SystemExit(f"${SIZE_VARIABLE} is '{size}'; use {' or '.join(SIZES)}")
    return size


SIZE = _size()
TINY = SIZE == "tiny"
# Generated inputs (not committed) and result files; run.py --tiny points both at a scratch directory.
DATA = Path(os.environ.get("LTSPLAN_BENCH_DATA") or HERE / "data")
RESULTS = Path(os.environ.get("LTSPLAN_BENCH_RESULTS") or HERE / "results")


def sized(full: T, tiny: T) -> T:
    """The value for the size running: ``full`` for the figures a target names, ``tiny`` for CI."""
    return tiny if TINY else full


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


def write_result(
    name: str,
    figures: dict[str, tuple[float, str]],
    params: dict[str, Any],
    target: dict[str, Any] | None = None,
) -> Path:
    """Write ``RESULTS/NAME.json``; ``target`` (e.g. ``{"target_p95_ms": 100, "meets_target": False}``)
    goes beside the figures. A figure that is not a finite number is refused: it would be no figure."""
    broken = [k for k, (v, _) in figures.items() if not math.isfinite(v)]
    if broken:
        raise ValueError(f"{name}: {', '.join(broken)} is not a finite number")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    body = {
        "benchmark": name,
        "figures": {k: {"value": round(v, 6), "unit": u} for k, (v, u) in figures.items()},
        "params": {**params, "size": SIZE},
        **(target or {}),
    }
    scratch = path.with_suffix(".json.partial")
    scratch.write_text(json.dumps(body, indent=2) + "\n")
    scratch.replace(path)  # a reader never sees half a file
    for figure, (value, unit) in figures.items():
        print(f"{name}.{figure} = {value:,.4g} {unit}")
    print(f"wrote {path}")
    return path
