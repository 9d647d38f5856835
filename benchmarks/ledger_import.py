"""Benchmark ``ledger_import``: load N transactions (5 million by default) from a native ledger CSV
through the import path — ``import_file(..., fmt="csv")``: read, validate, write in one
transaction — into a fresh database. Target: under 30 s for 5 million.

Figures: ``seconds`` and ``rows_per_s`` for the import; the baseline ``read_only_seconds`` (Polars
just reading the same CSV, all columns as text) and their ratio; ``reader_seconds`` (the native
reader alone, without the database) shows how the time splits between reading and writing;
``peak_rss`` is the import's alone: it runs in a process of its own, as the baseline and the
reader do, so neither generating the input nor reading it twice counts. Targets: ``seconds`` at
most 10 × ``read_only_seconds`` of the same run, ``peak_rss`` under 600 MB.

    .venv/bin/python benchmarks/ledger_import.py [--rows N] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parent))

from common import DATA, TINY, generate_apart, peak_rss_mb, sized, timed, write_result
from generate_ledger_csv import path_for

from ltsplan.ledger.formats import read_csv
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import open_database

BASELINE = """
import sys, time
import polars as pl
start = time.perf_counter()
frame = pl.read_csv(sys.argv[1], infer_schema=False)
print(time.perf_counter() - start, frame.height)
"""


def read_only_seconds(path: Path, rows: int) -> float:
    """Polars reading the whole file (every column as text), in a process of its own so that its
    memory does not count in the import's peak."""
    result = subprocess.run(
        [sys.executable, "-c", BASELINE, str(path)], capture_output=True, text=True, check=True
    )
    seconds, height = result.stdout.split()
    assert int(height) == rows, (height, rows)
    return float(seconds)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=sized(5_000_000, 20_000), help="transactions to load (default 5,000,000)"
    )
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file beside the data)")
    args = parser.parse_args(argv)

    path = path_for(args.rows)
    if not path.exists():
        print(f"generating {path} …", flush=True)
        generate_apart("generate_ledger_csv", str(args.rows))
    size = path.stat().st_size

    baseline = {"seconds": read_only_seconds(path, args.rows)}
    reading = {"seconds": apart("read", path, args.rows)["seconds"]}

    with tempfile.TemporaryDirectory(dir=DATA) as scratch:
        url = args.db or f"sqlite:///{Path(scratch) / 'bench.db'}"
        imported = apart("import", path, args.rows, url, scratch)

    seconds = imported["seconds"]
    figures = {
        "seconds": (seconds, "s"),
        "rows_per_s": (args.rows / seconds, "rows/s"),
        "read_only_seconds": (baseline["seconds"], "s"),
        "ratio_to_read_only": (seconds / baseline["seconds"], "×"),
        "reader_seconds": (reading["seconds"], "s"),
        "peak_rss": (imported["peak_mb"], "MB"),  # the import's process alone
    }
    write_result(
        "ledger_import",
        figures,
        {"rows": args.rows, "file_bytes": size, "database": "sqlite" if not args.db else url.split(":")[0]},
    )
    ratio = seconds / baseline["seconds"]
    print(
        f"import took {ratio:.1f}× as long as Polars reading the file, at {imported['peak_mb']:,.0f} MB peak"
    )
    ok = ratio <= 10 and imported["peak_mb"] < 600
    if not ok:
        print("target missed: seconds <= 10 × read_only_seconds and peak_rss < 600 MB", file=sys.stderr)
    return 0 if ok or TINY else 1


def apart(step: str, path: Path, rows: int, url: str = "", scratch: str = "") -> dict[str, float]:
    """Run one step (``read``: the native reader alone; ``import``: the whole import) in a process
    of its own, and return its time and its own peak memory."""
    result = subprocess.run(
        [sys.executable, __file__, "--step", step, str(path), str(rows), url, scratch],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def step(name: str, path: Path, rows: int, url: str, scratch: str) -> dict[str, float]:
    if name == "read":
        with timed() as reading:
            counted = sum(b.entries.height for b in read_csv(path))
        assert counted == rows, (counted, rows)
        return {"seconds": reading["seconds"], "peak_mb": peak_rss_mb()}
    database = open_database(url)
    try:
        with timed() as importing:
            outcome = import_file(database, path, fmt="csv", report_dir=Path(scratch))
        with database.reading() as connection:
            stored = connection.execute(
                select(func.count()).select_from(ledger_entry).where(ledger_entry.c.retracted_at.is_(None))
            ).scalar_one()
    finally:
        database.dispose()
    assert outcome.summary.entries.inserted == rows and stored >= rows, (outcome.summary, stored)
    return {"seconds": importing["seconds"], "peak_mb": peak_rss_mb()}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--step"]:
        name, given, rows, url, scratch = sys.argv[2:7]
        print(json.dumps(step(name, Path(given), int(rows), url, scratch)))
        raise SystemExit(0)
    raise SystemExit(main(sys.argv[1:]))
