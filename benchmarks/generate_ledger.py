"""Synthetic ledger entries for the benchmarks: deterministic (a fixed seed), column-wise, realistic.

About 45 donors (states and the EU) with their home currencies (some amounts in UAH, which the ECB
does not quote), 2022–2026, the three categories with their sub-types, commitments at every stage
and deliveries linked to an earlier commitment of the same donor, category and sub-type.

``python benchmarks/generate_ledger.py N OUT.parquet`` writes N entries; the benchmarks call
``entries(n, seed)`` and ``batches(...)`` directly.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from ltsplan.ledger.model import CATEGORIES, LedgerBatch, conform
from ltsplan.provenance.model import Source
from ltsplan.store.ids import record_id_expr

SEED = 20230614
DATASET = "bench"
HOME_CURRENCY = {
    "USA": "USD",
    "GBR": "GBP",
    "POL": "PLN",
    "JPN": "JPY",
    "CAN": "CAD",
    "NOR": "NOK",
    "SWE": "SEK",
    "DNK": "DKK",
    "CHE": "CHF",
    "CZE": "CZK",
    "AUS": "AUD",
    "KOR": "KRW",
    "TUR": "TRY",
    "HUN": "HUF",
    "ROU": "RON",
    "ISL": "ISK",
    "NZL": "NZD",
}
EURO_DONORS = [
    "DEU",
    "FRA",
    "ITA",
    "ESP",
    "NLD",
    "BEL",
    "AUT",
    "FIN",
    "IRL",
    "PRT",
    "GRC",
    "SVK",
    "SVN",
    "EST",
    "LVA",
    "LTU",
    "LUX",
    "HRV",
    "CYP",
    "MLT",
    "BGR",
]
DONORS = [
    *HOME_CURRENCY,
    *EURO_DONORS,
    "EU",
    "NATO",
    "EIB-GROUP",
    "IMF-FUND",
    "WORLD-BANK",
    "UN-OCHA",
    "CEB-BANK",
][:45]
# Bigger donors give more often: weights fall with the donor's position.
DONOR_WEIGHTS = 1.0 / np.arange(1, len(DONORS) + 1) ** 0.8
CATEGORY_WEIGHTS = {"military": 0.5, "financial": 0.3, "humanitarian": 0.2}
START = date(2022, 1, 1)
END = date(2026, 12, 31)
UAH_SHARE = 0.03
COMMITMENT_SHARE = 0.4


def sources() -> list[Source]:
    return [
        Source(
            kind="official document",
            title=f"Support announcements of {donor}",
            publisher=donor,
            reliability="B",
            credibility=2,
        )
        for donor in DONORS
    ]


def entries(n: int, seed: int = SEED) -> pl.DataFrame:
    """``n`` entries in the ledger's entry shape (ids derived from dataset and reference)."""
    rng = np.random.default_rng(seed)
    n_commitments = max(1, int(n * COMMITMENT_SHARE))
    n_deliveries = n - n_commitments

    donor_index = rng.choice(len(DONORS), size=n_commitments, p=DONOR_WEIGHTS / DONOR_WEIGHTS.sum())
    categories = list(CATEGORY_WEIGHTS)
    category_index = rng.choice(
        len(categories), size=n_commitments, p=[CATEGORY_WEIGHTS[c] for c in categories]
    )
    subtype_pick = rng.integers(0, 12, size=n_commitments)
    span = (END - START).days
    day = rng.integers(0, span - 30, size=n_commitments)
    stage = rng.choice(
        np.array(["announced", "committed", "allocated", "delivered"]),
        size=n_commitments,
        p=[0.15, 0.35, 0.3, 0.2],
    )
    amount = np.round(rng.lognormal(mean=15.0, sigma=1.6, size=n_commitments), 2)

    # Each delivery belongs to a commitment, delivered a gamma-distributed lag later (months).
    parent = rng.integers(0, n_commitments, size=n_deliveries)
    lag = np.round(rng.gamma(shape=2.0, scale=70.0, size=n_deliveries)).astype(np.int64) + 1
    delivery_day = np.minimum(day[parent] + lag, span)
    share = rng.uniform(0.05, 0.6, size=n_deliveries)

    kind = np.concatenate([np.full(n_commitments, "commitment"), np.full(n_deliveries, "delivery")])
    all_donor = np.concatenate([donor_index, donor_index[parent]])
    all_category = np.concatenate([category_index, category_index[parent]])
    all_subtype = np.concatenate([subtype_pick, subtype_pick[parent]])
    all_day = np.concatenate([day, delivery_day])
    all_stage = np.concatenate([stage, np.full(n_deliveries, "delivered")])
    all_amount = np.concatenate([amount, np.round(amount[parent] * share, 2)])
    reference = np.arange(n)
    parent_reference = np.concatenate([np.full(n_commitments, -1), parent])
    uah = rng.random(n) < UAH_SHARE

    donors = pl.Series(DONORS)
    home = [HOME_CURRENCY.get(d, "EUR") for d in DONORS]
    subtype_table = pl.DataFrame(
        {
            "category": [c for c in categories for _ in range(12)],
            "subtype_pick": [i for _ in categories for i in range(12)],
            "subtype": [CATEGORIES[c][i % len(CATEGORIES[c])] for c in categories for i in range(12)],
        },
        schema={"category": pl.Utf8, "subtype_pick": pl.Int64, "subtype": pl.Utf8},
    )
    frame = pl.DataFrame(
        {
            "kind": kind,
            "stage": all_stage,
            "donor_index": all_donor,
            "category": pl.Series(categories).gather(all_category),
            "subtype_pick": all_subtype,
            "amount": all_amount,
            "uah": uah,
            "reference_no": reference,
            "parent_no": parent_reference,
        }
    )
    offset = (START - date(1970, 1, 1)).days
    frame = frame.with_columns(
        (pl.lit(offset, dtype=pl.Int32) + pl.Series(all_day, dtype=pl.Int32))
        .cast(pl.Date)
        .alias("event_date")
    )
    frame = frame.join(subtype_table, on=["category", "subtype_pick"], how="left", maintain_order="left")
    source_ids = pl.Series([s.id for s in sources()])
    reference_text = pl.format("B-{}", pl.col("reference_no"))
    frame = frame.select(
        record_id_expr(DATASET, reference_text).alias("id"),
        pl.lit(DATASET).alias("dataset"),
        "kind",
        "stage",
        donors.gather(frame.get_column("donor_index")).alias("donor"),
        pl.lit("UKR").alias("recipient"),
        "category",
        "subtype",
        "event_date",
        pl.col("event_date").alias("period_start"),
        pl.col("event_date").dt.offset_by("1y").alias("period_end"),
        pl.when(pl.col("uah")).then(pl.col("amount") * 40).otherwise(pl.col("amount")).alias("amount"),
        pl.when(pl.col("uah"))
        .then(pl.lit("UAH"))
        .otherwise(pl.Series(home).gather(frame.get_column("donor_index")))
        .alias("currency"),
        pl.col("event_date").alias("value_date"),
        pl.format("{} support, package {}", pl.col("category"), pl.col("reference_no")).alias("description"),
        pl.when(pl.col("parent_no") >= 0)
        .then(record_id_expr(DATASET, pl.format("B-{}", pl.col("parent_no"))))
        .alias("commitment_id"),
        reference_text.alias("reference"),
        source_ids.gather(frame.get_column("donor_index")).alias("source_id"),
        (pl.col("reference_no") + 2).alias("_line"),
    )
    return conform(frame, keep_meta=True)


def batches(frame: pl.DataFrame, size: int) -> Iterator[LedgerBatch]:
    """The frame cut into import-sized batches, each citing the sources."""
    cited = sources()
    for start in range(0, frame.height, size):
        yield LedgerBatch(entries=frame.slice(start, size), sources=cited)


def revise(frame: pl.DataFrame, share: float, seed: int = SEED) -> pl.DataFrame:
    """A later correction of some entries: the same ids, amounts changed (a realistic revision)."""
    rng = np.random.default_rng(seed + 1)
    picked = np.flatnonzero(rng.random(frame.height) < share)
    factor = pl.Series(rng.uniform(0.5, 1.5, size=picked.size))
    return frame[picked].with_columns((pl.col("amount") * factor).round(2).alias("amount"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: generate_ledger.py N OUT.parquet", file=sys.stderr)
        return 2
    n, out = int(argv[0]), Path(argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    entries(n).write_parquet(out)
    print(f"wrote {n:,} entries to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
