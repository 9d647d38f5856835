"""The analytics computed over NumPy arrays give what Polars gives on random inputs: ``totals`` what
the same rules written as Polars expressions give (groups that cancel out, data that report no
deliveries, pledged totals under a cent, empty dimension values, negative corrections), and
``lag_distribution`` the quantiles of every delivery one by one."""

from __future__ import annotations

import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ltsplan.ledger import analytics
from ltsplan.ledger.model import ALLOCATED_STAGES, PLEDGED_STAGES


def units(cents: pl.Expr) -> pl.Expr:
    return (cents / 100).round(2)


def totals_as_expressions(sums: pl.DataFrame, by: list[str], value: str, missing: str) -> pl.DataFrame:
    """The rules of docs/ledger.md one Polars expression at a time (as analytics.totals was written)."""
    amount = f"{value}_cents"
    commitment = pl.col("kind") == "commitment"
    measures = [
        pl.when(commitment & (pl.col("stage") == "announced"))
        .then(pl.col(amount))
        .otherwise(0.0)
        .alias("announced"),
        pl.when(commitment & pl.col("stage").is_in(PLEDGED_STAGES))
        .then(pl.col(amount))
        .otherwise(0.0)
        .alias("pledged"),
        pl.when(commitment & pl.col("stage").is_in(ALLOCATED_STAGES))
        .then(pl.col(amount))
        .otherwise(0.0)
        .alias("allocated"),
        pl.when(pl.col("kind") == "delivery").then(pl.col(amount)).otherwise(0.0).alias("delivered"),
    ]
    tracked = pl.col("reports_deliveries") if "reports_deliveries" in sums.columns else pl.lit(True)
    quantity_only = (
        pl.col("no_amount").sum().cast(pl.Int64) if "no_amount" in sums.columns else pl.lit(0, dtype=pl.Int64)
    ).alias("quantity_only")
    grouped = (
        sums.with_columns(measures)
        .group_by(by or pl.lit(1).alias("_all"))
        .agg(
            *[pl.col(m).sum() for m in analytics.MEASURES],
            pl.col("entries").sum().cast(pl.Int64),
            pl.col(missing).sum().cast(pl.Int64).alias("not_converted"),
            quantity_only,
            tracked.any().alias("_reported"),
            pl.col("pledged").filter(tracked).sum().alias("_pledged_tracked"),
        )
    )
    live = grouped.filter(pl.col("entries") != 0)
    delivered = pl.when(pl.col("_reported")).then(pl.col("delivered"))
    rates = live.with_columns(
        pl.when(pl.col("_pledged_tracked") >= 1)
        .then(delivered / pl.col("_pledged_tracked"))
        .alias("fulfilment"),
        pl.when(pl.col("pledged") >= 1)
        .then(pl.col("allocated") / pl.col("pledged"))
        .alias("allocation_rate"),
        *[units(pl.col(m)).alias(m) for m in analytics.MEASURES if m != "delivered"],
        units(delivered).alias("delivered"),
    )
    ordered = [
        *by,
        *analytics.MEASURES,
        "fulfilment",
        "allocation_rate",
        "entries",
        "not_converted",
        "quantity_only",
    ]
    return rates.select(ordered).sort(by or "pledged")


def random_sums(rng: random.Random, size: int, reports: bool, no_amount: bool) -> pl.DataFrame:
    """Sums in whole cents whose totals stay below 2^53 (where sums of floats are exact in any order)."""
    rows = []
    for _ in range(size):
        kind = rng.choice(["commitment", "delivery"])
        stage = rng.choice(["announced", *PLEDGED_STAGES]) if kind == "commitment" else "delivered"
        cents = rng.choice(
            [0.0, 1.0, -1.0, float(rng.randint(-(10**8), 10**13)), float(rng.randint(0, 10**13))]
        )
        rows.append(
            {
                "donor": rng.choice(["DEU", "FRA", None, "USA", "Österreich"]),
                "year": rng.choice([2022, 2023, None]),
                "kind": kind,
                "stage": stage,
                "dataset": rng.choice(["kiel", "own"]),
                "entries": rng.choice([-1, 0, 1, 2, 40]),
                "eur_cents": cents,
                "eur_missing": rng.choice([0, 0, 3]),
                **({"no_amount": rng.choice([0, 1])} if no_amount else {}),
                **({"reports_deliveries": rng.random() < 0.7} if reports else {}),
            }
        )
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int64}, infer_schema_length=None)


@pytest.mark.parametrize("seed", range(30))
def test_totals_over_arrays_equal_the_rules_as_polars_expressions(seed: int, numbering: None) -> None:
    rng = random.Random(seed)
    sums = random_sums(rng, rng.choice([1, 5, 60, 400]), reports=seed % 3 != 0, no_amount=seed % 2 == 0)
    for by in ([], ["donor"], ["year", "donor"], ["dataset", "kind", "stage"]):
        got = analytics.totals(sums, by, "eur", "eur_missing")
        expected = totals_as_expressions(sums, by, "eur", "eur_missing")
        assert_frame_equal(got, expected, check_dtypes=False, check_exact=True)


def test_totals_of_no_sums_have_the_columns_and_no_rows() -> None:
    empty = random_sums(random.Random(1), 3, reports=True, no_amount=True).clear()
    got = analytics.totals(empty, ["donor"], "eur", "eur_missing")
    assert got.height == 0
    assert got.columns == totals_as_expressions(empty, ["donor"], "eur", "eur_missing").columns


def test_lag_distribution_equals_the_quantiles_of_each_delivery_one_by_one(numbering: None) -> None:
    rng = random.Random(4)
    for size in (0, 1, 7, 300):
        rows = [
            {
                "donor": rng.choice(["DEU", None, "USA", "Ä"]),
                "category": rng.choice(["military", "financial"]),
                "lag_days": rng.choice([None, -3, 0, rng.randint(0, 900)]),
                "deliveries": rng.randint(1, 4),
            }
            for _ in range(size)
        ]
        counts = pl.DataFrame(
            rows, schema={"donor": pl.Utf8, "category": pl.Utf8, "lag_days": pl.Int64, "deliveries": pl.Int64}
        )
        each = counts.select(pl.exclude("deliveries").repeat_by(pl.col("deliveries"))).explode(pl.all())
        lag = pl.col("lag_days")
        figures = [
            pl.len().cast(pl.UInt32).alias("deliveries"),
            lag.min().alias("min"),
            *(lag.quantile(q, "linear").alias(name) for name, q in analytics.LAG_QUANTILES.items()),
            lag.max().alias("max"),
            lag.mean().alias("mean"),
        ]
        for by in ([], ["donor"], ["category", "donor"]):
            expected = each.group_by(by).agg(figures).sort(by) if by else each.select(figures)
            # Counts as they come, and in order (as the copy gives them: no sort needed).
            for given in (counts, counts.sort([*by, "lag_days"], nulls_last=False)):
                got = analytics.lag_distribution(given, by)
                assert_frame_equal(got, expected, check_dtypes=False, abs_tol=1e-9, rel_tol=1e-12)


@pytest.fixture(
    params=[2_000, 8, 0], ids=["numbered in Python", "numbered run by run, or ranked", "ranked by Polars"]
)
def numbering(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups are numbered the same whichever way a column's values are numbered (at 8, a column in
    order has few enough runs of equal values to number them run by run; one out of order, not)."""
    monkeypatch.setattr(analytics, "NUMBERED_IN_PYTHON", request.param)


def series_as_expressions(sums: pl.DataFrame, value: str) -> pl.DataFrame:
    """``cumulative_series``' rules one Polars expression at a time (as it was written)."""
    amount = pl.col(f"{value}_cents")
    commitment = pl.col("kind") == "commitment"
    chosen = {
        "pledged": commitment & pl.col("stage").is_in(PLEDGED_STAGES),
        "allocated": commitment & pl.col("stage").is_in(ALLOCATED_STAGES),
        "delivered": pl.col("kind") == "delivery",
    }
    monthly = (
        sums.group_by("year", "month")
        .agg(*[units(pl.when(c).then(amount).otherwise(0.0).sum()).alias(m) for m, c in chosen.items()])
        .with_columns(pl.date(pl.col("year"), pl.col("month"), 1).alias("period"))
        .sort("period")
    )
    series = monthly.select(
        "period",
        *chosen,
        *(pl.col(m).cum_sum().alias(f"{m}_cumulative") for m in chosen),
    ).select("period", "pledged", "allocated", "delivered", *(f"{m}_cumulative" for m in chosen))
    if "reports_deliveries" in sums.columns and not sums.get_column("reports_deliveries").any():
        nothing = pl.lit(None, dtype=pl.Float64)
        return series.with_columns(nothing.alias("delivered"), nothing.alias("delivered_cumulative"))
    return series


@pytest.mark.parametrize("seed", range(10))
def test_cumulative_series_over_arrays_equals_the_rules_as_polars_expressions(seed: int) -> None:
    rng = random.Random(seed)
    sums = random_sums(rng, rng.choice([1, 30, 300]), reports=seed % 3 != 0, no_amount=False)
    sums = sums.with_columns(
        pl.Series("month", [rng.randint(1, 12) for _ in range(sums.height)], dtype=pl.Int64),
        pl.Series("year", [rng.choice([2022, 2023]) for _ in range(sums.height)], dtype=pl.Int64),
    )
    if seed == 1:
        sums = sums.with_columns(pl.lit(False).alias("reports_deliveries"))
    if seed == 2:
        sums = sums.clear()
    got = analytics.cumulative_series(sums, "eur")
    assert_frame_equal(got, series_as_expressions(sums, "eur"), check_dtypes=False, check_exact=True)
