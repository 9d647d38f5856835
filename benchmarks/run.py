"""Run every benchmark, or those named: ``make bench`` / ``make bench BENCH=name``.

Each benchmark is ``benchmarks/NAME.py`` with a ``main(argv)``; it prints its figures with the ratio
to a baseline measured in the same run and writes ``benchmarks/results/NAME.json``.

``--tiny`` (``make bench-tiny``, which CI runs) runs them at their tiny size
(``LTSPLAN_BENCH_SIZE=tiny``: small inputs generated afresh, the same checks of every answer), with
inputs and results in a scratch directory that is removed afterwards, so real figures are left
alone. It fails if a benchmark fails, writes no result, or takes longer than ``TINY_SECONDS``.

    python benchmarks/run.py [--tiny] [--keep] [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
NOT_BENCHMARKS = {"run", "common", "__init__"}
# Far above what a benchmark at its tiny size needs (seconds, even on a busy 2-core machine): one
# that takes longer is running at its full size.
TINY_SECONDS = 300


def available() -> list[str]:
    return sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("generate")
    )


def result_problem(path: Path, name: str, size: str, started: float) -> str | None:
    """What is wrong with the result file a benchmark just wrote, if anything."""
    if not path.exists() or path.stat().st_mtime < started:
        return f"wrote no {path}"
    try:
        body = json.loads(path.read_text())
        figures = body["figures"]
        values = [figure["value"] for figure in figures.values()]
        written_size = body["params"]["size"]
    except (ValueError, KeyError, TypeError) as error:
        return f"{path} is not a result file ({type(error).__name__}: {error})"
    if body.get("benchmark") != name:
        return f"{path} names the benchmark {body.get('benchmark')!r}"
    if not values or not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return f"{path} has no figures, or one that is not a finite number"
    if written_size != size:
        return f"{path} says it ran at size {written_size!r}, not {size!r}: take sizes from common.sized"
    return None


def run(name: str, env: dict[str, str], results: Path, size: str, limit: float | None) -> str | None:
    """Run one benchmark in a process of its own; what went wrong, or None."""
    print(f"== {name}", flush=True)
    started = time.time()
    # A session of its own, so that a benchmark out of time goes with what it started (a server).
    process = subprocess.Popen([sys.executable, str(HERE / f"{name}.py")], env=env, start_new_session=True)
    try:
        code = process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return f"took longer than {limit:.0f} s at size {size} (does it take its sizes from common.sized?)"
    except BaseException:  # Ctrl+C: stop the benchmark and its server too
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if code != 0:
        return f"exited with status {code}"
    problem = result_problem(results / f"{name}.json", name, size, started)
    if problem is None:
        print(f"   {name}: {time.time() - started:.1f} s", flush=True)
    return problem


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (default: all)")
    parser.add_argument(
        "--tiny", action="store_true", help="tiny inputs, results in a scratch directory (CI)"
    )
    parser.add_argument("--keep", action="store_true", help="with --tiny: keep the scratch directory")
    args = parser.parse_args(argv)
    names = args.names or available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}",
            file=sys.stderr,
        )
        return 2
    # Stopped from outside: unwind, so that the benchmark running (in a session of its own) goes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(128 + signal.SIGHUP))
    env = dict(os.environ)
    scratch = None
    if args.tiny:
        scratch = Path(tempfile.mkdtemp(prefix="ltsplan-bench-tiny-"))
        env.update(
            LTSPLAN_BENCH_SIZE="tiny",
            LTSPLAN_BENCH_DATA=str(scratch / "data"),
            LTSPLAN_BENCH_RESULTS=str(scratch / "results"),
        )
    size = env.get("LTSPLAN_BENCH_SIZE", "").strip().lower() or "full"
    results = Path(env.get("LTSPLAN_BENCH_RESULTS") or HERE / "results")
    failures: dict[str, str] = {}
    try:
        for name in names:
            problem = run(name, env, results, size, TINY_SECONDS if args.tiny else None)
            if problem:
                failures[name] = problem
                print(f"FAILED {name}: {problem}", file=sys.stderr, flush=True)
    finally:
        if scratch is not None:
            if args.keep:
                print(f"inputs and results kept in {scratch}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)
    if failures:
        print(f"{len(failures)} of {len(names)} benchmark(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    print(f"{len(names)} benchmark(s) ran at size {size}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
