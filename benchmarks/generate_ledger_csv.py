"""A native ledger CSV of N synthetic entries for the import benchmark, written as a person would:
no ids (each is derived from dataset and reference), deliveries naming their commitment by
reference, and every row describing its source in full.

The entries are ``generate_ledger.entries`` (deterministic, realistic); this only writes them in the
native CSV format. ``python benchmarks/generate_ledger_csv.py N`` writes
``benchmarks/data/ledger_N.csv`` (about 270 bytes a row).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))

from common import DATA
from generate_ledger import entries, sources

COLUMNS = [
    "dataset",
    "reference",
    "kind",
    "stage",
    "donor",
    "recipient",
    "category",
    "subtype",
    "event_date",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "value_date",
    "description",
    "commitment_id",
    "source_kind",
    "source_title",
    "source_publisher",
    "source_url",
    "source_date",
    "source_attribution",
    "source_grade",
]
CHUNK = 1_000_000


def path_for(rows: int) -> Path:
    return DATA / f"ledger_{rows}.csv"


def generate(rows: int) -> Path:
    target = path_for(rows)
    target.parent.mkdir(parents=True, exist_ok=True)
    described = pl.DataFrame(
        [(s.id, s.kind, s.title, s.publisher, s.url, s.published, s.attribution, s.grade) for s in sources()],
        schema={
            "source_id": pl.Utf8,
            "source_kind": pl.Utf8,
            "source_title": pl.Utf8,
            "source_publisher": pl.Utf8,
            "source_url": pl.Utf8,
            "source_date": pl.Date,
            "source_attribution": pl.Utf8,
            "source_grade": pl.Utf8,
        },
        orient="row",
    )
    frame = entries(rows)
    references = frame.select("id", "reference")
    frame = (
        frame.join(
            references.rename({"id": "commitment_id", "reference": "_parent"}), on="commitment_id", how="left"
        )
        .with_columns(pl.col("_parent").alias("commitment_id"))
        .join(described, on="source_id", how="left", maintain_order="left")
        .sort("_line")
        .select(COLUMNS)
    )
    partial = target.with_suffix(".partial")
    with partial.open("wb") as handle:
        for start in range(0, frame.height, CHUNK):
            frame.slice(start, CHUNK).write_csv(handle, include_header=start == 0, line_terminator="\n")
    partial.replace(target)
    return target


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: generate_ledger_csv.py N", file=sys.stderr)
        return 2
    target = generate(int(argv[0]))
    print(f"wrote {int(argv[0]):,} entries to {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
