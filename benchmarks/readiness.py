"""Benchmark ``readiness``: the roll-up of 2,000 force elements × 1,000 requirements (a target on
every pair: 2,000,000 targets, about 3,000,000 assessments) on 36 month-ends, column-wise, against
a plain per-element Python loop over the same inputs in the same run; the two must agree.

Figures: ``seconds`` (index the frames and roll up all 36 dates, every figure every rule needs, the
tree included), ``rollup_seconds`` (the 36-date sweep alone), ``loop_seconds`` and ``speedup``.
Usage: python benchmarks/readiness.py [--elements N] [--requirements R] [--months M] [--share S]
"""

from __future__ import annotations

import argparse
import bisect
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import peak_rss_mb, sized, write_result
from benchmarks.generate_readiness import START, generate
from ltsplan.readiness.programmes import month_ends
from ltsplan.readiness.rollup import EPOCH, prepare
from ltsplan.readiness.scores import rollup


def loop_rollup(
    inputs: dict[str, pl.DataFrame], dates: list[date]
) -> dict[tuple[date, str], tuple[int, float, float]]:
    """The same rules, one element and one target at a time: (met, lowest, weighted) per date and
    element, rolled up the tree."""
    elements = inputs["elements"].to_dicts()
    children: dict[str | None, list[str]] = {}
    for e in elements:
        children.setdefault(e["parent"], []).append(e["code"])
    history: dict[tuple[str, str], list[tuple[int, int, float, int]]] = {}
    for element, requirement, value, assessed, expires, method in (
        inputs["assessments"]
        .select("element", "requirement", "value", "assessed_on", "expires_on", "method")
        .iter_rows()
    ):
        day = (assessed - EPOCH).days
        exp = (expires - EPOCH).days if expires is not None else 10**9
        history.setdefault((element, requirement), []).append(
            (day, method == "external evaluation", value, exp)
        )
    for entries in history.values():
        entries.sort(key=lambda e: (e[0], e[1]))
    targets: dict[str, list[tuple[str, float, float, bool]]] = {}
    for element, requirement, goal, weight, mandatory in (
        inputs["targets"].select("element", "requirement", "target_value", "weight", "mandatory").iter_rows()
    ):
        targets.setdefault(element, []).append((requirement, goal, weight, mandatory))
    days = [(d - EPOCH).days for d in dates]
    own: dict[str, list[list[float]]] = {}
    for element, goals in targets.items():
        per_date = [[0.0, 1.0, 0.0, 0.0] for _ in days]  # met, lowest, Σ weight·attainment, Σ weight
        for requirement, goal, weight, _mandatory in goals:
            entries = history.get((element, requirement), [])
            entry_days = [e[0] for e in entries]
            for i, day in enumerate(days):
                at = bisect.bisect_right(entry_days, day) - 1
                attainment, met = 0.0, False
                if at >= 0 and entries[at][3] > day:
                    value = entries[at][2]
                    met = value >= goal
                    attainment = 1.0 if met else (min(1.0, max(0.0, value / goal)) if goal > 0 else 0.0)
                row = per_date[i]
                row[0] += met
                row[1] = min(row[1], attainment)
                row[2] += weight * attainment
                row[3] += weight
        own[element] = per_date
    answer: dict[tuple[date, str], tuple[int, float, float]] = {}

    def subtree(code: str) -> list[list[float]]:
        rows = [list(r) for r in own.get(code, [[0.0, float("inf"), 0.0, 0.0] for _ in days])]
        for child in children.get(code, []):
            for mine, theirs in zip(rows, subtree(child), strict=True):
                mine[0] += theirs[0]
                mine[1] = min(mine[1], theirs[1])
                mine[2] += theirs[2]
                mine[3] += theirs[3]
        for when, row in zip(dates, rows, strict=True):
            answer[(when, code)] = (int(row[0]), row[1], row[2] / row[3] if row[3] else float("nan"))
        return rows

    sys.setrecursionlimit(10_000)
    for root in children.get(None, []):
        subtree(root)
    return answer


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, default=sized(2000, 60))
    parser.add_argument("--requirements", type=int, default=sized(1000, 40))
    parser.add_argument("--months", type=int, default=sized(36, 6))
    parser.add_argument("--share", type=float, default=1.0)
    args = parser.parse_args(argv)
    inputs = generate(args.elements, args.requirements, args.months, args.share)
    dates = month_ends(START, date(START.year + (args.months - 1) // 12, (args.months - 1) % 12 + 1, 1))[
        : args.months
    ]
    best_total = best_sweep = float("inf")
    frame = pl.DataFrame()
    for _ in range(3):
        start = time.perf_counter()
        prepared = prepare(inputs["elements"], inputs["targets"], inputs["assessments"])
        middle = time.perf_counter()
        frame = rollup(prepared, dates, rule="weighted")
        end = time.perf_counter()
        best_total, best_sweep = min(best_total, end - start), min(best_sweep, end - middle)
    start = time.perf_counter()
    expected = loop_rollup(inputs, dates)
    loop_seconds = time.perf_counter() - start
    got = {
        (d, k): (m, lo, w)
        for d, k, m, lo, w in frame.select("date", "key", "met", "lowest", "weighted").iter_rows()
    }
    assert set(got) == set(expected), "the two answers cover different elements or dates"
    for key, (met, lowest, weighted) in expected.items():
        g_met, g_lowest, g_weighted = got[key]
        assert g_met == met, (key, g_met, met)
        assert np.isclose(g_lowest, lowest), (key, g_lowest, lowest)
        assert np.isclose(g_weighted, weighted, rtol=1e-9, atol=1e-9), (key, g_weighted, weighted)
    write_result(
        "readiness",
        {
            "seconds": (best_total, "s"),
            "rollup_seconds": (best_sweep, "s"),
            "loop_seconds": (loop_seconds, "s"),
            "speedup": (loop_seconds / best_total, "x"),
            "peak_rss": (peak_rss_mb(), "MB"),
        },
        {
            "elements": args.elements,
            "requirements": args.requirements,
            "targets": inputs["targets"].height,
            "assessments": inputs["assessments"].height,
            "dates": len(dates),
            "agree": True,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
