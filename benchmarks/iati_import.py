"""IATI import into SQLite: MB of XML per second and peak memory, against raw lxml parsing.

``python benchmarks/iati_import.py`` (default: a 1 GiB generated file) or ``--size-mb 100`` for a
quick run. The file is written by ``generate_iati.py`` into ``benchmarks/data/`` (not committed)
and reused when present. Baseline, measured in the same run on the same file: lxml ``iterparse``
of every activity, freed as it goes, storing nothing (``parse_only_mb_per_s``).

Figures: ``mb_per_s`` (the file's MB, 10^6 bytes, ÷ seconds of ``import_file`` into a fresh SQLite
file: parse, map, validate, normalise money, write versions, sources, actors, plans and totals, in
one transaction), ``peak_mb`` (the process's peak resident memory, MB), the same two in MiB
(``mib_per_s``, ``peak_mib``), ``parse_only_mb_per_s`` and their ratio. The import's answer is
checked: the entries and plans it inserted are those the generator counted as it wrote the file.
Targets (``meets_target``): ``mb_per_s`` at least 0.3 × ``parse_only_mb_per_s`` and ``peak_mb``
under 300, also with ``--busy`` (another process keeps one core busy throughout, the baseline's
parse included; recorded in ``params.busy``). A missed target is reported; a wrong count fails.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from benchmarks.common import DATA, TINY, generate_apart, peak_rss_mb, peak_rss_mib, sized, write_result
from benchmarks.generate_iati import counts_path


def parse_only(path: Path) -> float:
    """Seconds to iterparse every activity of the file and free it, keeping nothing."""
    start = time.perf_counter()
    for _, element in etree.iterparse(
        str(path),
        events=("end",),
        tag="iati-activity",
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
    ):
        element.clear(keep_tail=False)
        parent = element.getparent()
        while element.getprevious() is not None:
            del parent[0]
    return time.perf_counter() - start


RATIO_TARGET = 0.3
PEAK_TARGET_MB = 300.0


@contextmanager
def one_core_busy(busy: bool) -> Iterator[None]:
    """Another process spinning on one core for as long as this lasts (when ``busy``)."""
    if not busy:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--size-mb", type=float, default=sized(1024.0, 2.0), help="file size in MiB (default 1024)"
    )
    parser.add_argument(
        "--busy", action="store_true", help="keep one core busy with another process while measuring"
    )
    args = parser.parse_args(argv)

    path = DATA / f"iati-{args.size_mb:g}mb.xml"
    if not (path.exists() and counts_path(path).exists()):
        print(f"generating {path} …", flush=True)
        generate_apart("generate_iati", "--size-mb", f"{args.size_mb:g}", "--out", str(path))
    size_mb = path.stat().st_size / 2**20

    from ltsplan.ledger.imports import import_file
    from ltsplan.ledger.money import shipped_rates
    from ltsplan.store.db import open_database

    expected = json.loads(counts_path(path).read_text())
    shipped_rates()  # the ECB table is read once per process; not part of the import

    target = DATA / "iati_import.db"
    target.unlink(missing_ok=True)
    database = open_database(f"sqlite:///{target}")
    with one_core_busy(args.busy):
        parse_seconds = parse_only(path)
        start = time.perf_counter()
        outcome = import_file(database, path)
        seconds = time.perf_counter() - start
    database.dispose()
    peak, peak_mib = peak_rss_mb(), peak_rss_mib()
    found = {"entries": outcome.summary.entries.inserted, "plans": outcome.summary.plans.inserted}
    wrong = {k: (v, expected[k]) for k, v in found.items() if v != expected[k]}
    if wrong:
        raise SystemExit(f"the import inserted {found}, the generator wrote {expected}: {wrong}")

    size_bytes = path.stat().st_size
    mb_per_s = size_bytes / 1e6 / seconds  # MB of 10^6 bytes, the unit; MiB/s beside it
    parse_mb_per_s = size_bytes / 1e6 / parse_seconds
    summary = outcome.summary
    write_result(
        "iati_import",
        {
            "mb_per_s": (mb_per_s, "MB/s"),
            "peak_mb": (peak, "MB"),
            "mib_per_s": (size_mb / seconds, "MiB/s"),
            "peak_mib": (peak_mib, "MiB"),
            "parse_only_mb_per_s": (parse_mb_per_s, "MB/s"),
            "ratio_to_parse_only": (mb_per_s / parse_mb_per_s, "x"),
            "seconds": (seconds, "s"),
        },
        {
            "file_mb": round(size_mb, 1),
            "database": "sqlite",
            "entries_inserted": summary.entries.inserted,
            "plans_inserted": summary.plans.inserted,
            "activities": expected["activities"],
            "generator": "benchmarks/generate_iati.py (seed 2023)",
            "busy": "another process keeps one core busy" if args.busy else False,
        },
        target={
            "target_ratio_to_parse_only": RATIO_TARGET,
            "target_peak_mb": PEAK_TARGET_MB,
            "meets_target": mb_per_s >= RATIO_TARGET * parse_mb_per_s and peak < PEAK_TARGET_MB,
        },
    )
    print(
        f"{size_mb:,.0f} MiB: {summary.entries.inserted:,} entries and {summary.plans.inserted:,} plans "
        f"in {seconds:,.1f} s; {mb_per_s / parse_mb_per_s:.2f}× the speed of parsing alone"
        + ("; another process kept one core busy" if args.busy else "")
    )
    if (mb_per_s < RATIO_TARGET * parse_mb_per_s or peak >= PEAK_TARGET_MB) and not TINY:
        print(
            f"TARGET MISSED: {mb_per_s / parse_mb_per_s:.2f}× parsing alone (target ≥ {RATIO_TARGET}), "
            f"peak {peak:,.0f} MB (target < {PEAK_TARGET_MB:.0f})",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
