"""Ledger analytics on columnar frames (pure): totals by any dimensions, fulfilment, lags.

Measures (docs/ledger.md says the same):
- announced: commitments still at the announced stage (not yet a firm pledge);
- pledged:   commitments at committed, allocated or delivered (the Kiel tracker's "commitments");
- allocated: commitments at allocated or delivered (the Kiel tracker's "allocations");
- delivered: delivery records (what arrived or was disbursed);
- fulfilment = delivered ÷ pledged; allocation rate = allocated ÷ pledged.

Money arrives as whole cents (``eur_cents``, ``usd_cents``) and is summed as such.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ltsplan.ledger.model import ALLOCATED_STAGES, PLEDGED_STAGES

DIMENSIONS = (
    "donor",
    "recipient",
    "year",
    "month",
    "category",
    "subtype",
    "dataset",
    "stage",
    "kind",
)
MEASURES = ("announced", "pledged", "allocated", "delivered")


def measure_columns(value: str) -> list[pl.Expr]:
    """Split a summed ``value`` column by stage and kind into the four measures."""
    commitment = pl.col("kind") == "commitment"
    return [
        pl.when(commitment & (pl.col("stage") == "announced"))
        .then(pl.col(value))
        .otherwise(0.0)
        .alias("announced"),
        pl.when(commitment & pl.col("stage").is_in(PLEDGED_STAGES))
        .then(pl.col(value))
        .otherwise(0.0)
        .alias("pledged"),
        pl.when(commitment & pl.col("stage").is_in(ALLOCATED_STAGES))
        .then(pl.col(value))
        .otherwise(0.0)
        .alias("allocated"),
        pl.when(pl.col("kind") == "delivery").then(pl.col(value)).otherwise(0.0).alias("delivered"),
    ]


def cents_column(value: str) -> str:
    """The sums' column of whole cents for a currency's figure ("eur" → "eur_cents")."""
    return f"{value}_cents"


REPORTS_DELIVERIES = "reports_deliveries"


def units(cents: pl.Expr) -> pl.Expr:
    """Whole cents as currency units, to the cent (a division alone may leave a residue in the
    last bits, 1635364201.0900002, which tables and files would show)."""
    return (cents / 100).round(2)


def totals(sums: pl.DataFrame, by: list[str], value: str, missing: str) -> pl.DataFrame:
    """From sums by (by + kind + stage), one row per group with the four measures and rates.

    Money is summed in whole cents (exact in any order) and shown in units at the end. Where the
    sums say which rows come from data that reports deliveries (``reports_deliveries``), a group
    none of whose data reports them has no delivered figure and no fulfilment: "not reported" is
    not 0 %, and fulfilment is delivered over what was pledged in data that do report them. A rate
    over a pledged total of less than a cent is not computed."""
    amount = cents_column(value)
    if sums.is_empty():
        schema = {**{b: pl.Utf8 for b in by}, **dict.fromkeys(MEASURES, pl.Float64)}
        return pl.DataFrame(schema=schema).with_columns(
            pl.lit(None, dtype=pl.Float64).alias("fulfilment"),
            pl.lit(None, dtype=pl.Float64).alias("allocation_rate"),
            pl.lit(0, dtype=pl.Int64).alias("entries"),
            pl.lit(0, dtype=pl.Int64).alias("not_converted"),
            pl.lit(0, dtype=pl.Int64).alias("quantity_only"),
        )
    tracked = pl.col(REPORTS_DELIVERIES) if REPORTS_DELIVERIES in sums.columns else pl.lit(True)
    reported = tracked.any().alias("_reported")
    # Fulfilment is delivered over what was pledged in data that report deliveries: a tracker
    # that counts no deliveries must not dilute the share of a dataset that does.
    pledged_tracked = pl.col("pledged").filter(tracked).sum().alias("_pledged_tracked")
    quantity_only = (
        pl.col("no_amount").sum().cast(pl.Int64) if "no_amount" in sums.columns else pl.lit(0, dtype=pl.Int64)
    ).alias("quantity_only")
    grouped = (
        sums.with_columns(measure_columns(amount))
        .group_by(by or pl.lit(1).alias("_all"), maintain_order=False)
        .agg(
            *[pl.col(m).sum() for m in MEASURES],
            pl.col("entries").sum().cast(pl.Int64),
            pl.col(missing).sum().cast(pl.Int64).alias("not_converted"),
            quantity_only,
            reported,
            pledged_tracked,
        )
    )
    if not by:
        grouped = grouped.drop("_all")
    live = grouped.filter(pl.col("entries") != 0)
    pledged = pl.col("pledged") >= 1  # at least a cent
    delivered = pl.when(pl.col("_reported")).then(pl.col("delivered"))
    rates = live.with_columns(
        pl.when(pl.col("_pledged_tracked") >= 1)
        .then(delivered / pl.col("_pledged_tracked"))
        .alias("fulfilment"),
        pl.when(pledged).then(pl.col("allocated") / pl.col("pledged")).alias("allocation_rate"),
        *[units(pl.col(m)).alias(m) for m in MEASURES if m != "delivered"],
        units(delivered).alias("delivered"),
    )
    ordered = [*by, *MEASURES, "fulfilment", "allocation_rate", "entries", "not_converted", "quantity_only"]
    return rates.select(ordered).sort(by or "pledged")


LAG_QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


def lag_distribution(counts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Days from commitment to delivery as a distribution per group, from ``counts``: deliveries by
    ``by`` and lag (``lag_days``, null when a date is missing: counted, not measured). Quantiles
    interpolate linearly between the order statistics, as ``Expr.quantile(q, "linear")`` does over
    the deliveries one by one, read off the running count instead of a sort of every delivery."""
    keys = by or ["_all"]
    ordered = counts.with_columns(pl.lit(0).alias("_all")) if not by else counts
    measured = ordered.filter(pl.col("lag_days").is_not_null()).sort([*keys, "lag_days"])
    lag = measured.get_column("lag_days").cast(pl.Float64).to_numpy()
    running = measured.get_column("deliveries").cum_sum().to_numpy()
    groups = (
        measured.with_row_index("_row")
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col("_row").first().alias("_first"),
            pl.col("deliveries").sum().alias("_measured"),
            (pl.col("lag_days") * pl.col("deliveries")).sum().alias("_lag_days"),
            pl.col("lag_days").min().alias("min"),
            pl.col("lag_days").max().alias("max"),
        )
    )
    first = groups.get_column("_first").cast(pl.Int64).to_numpy()
    n = groups.get_column("_measured").to_numpy()
    before = np.where(first > 0, running[np.maximum(first - 1, 0)], 0)

    def nth(rank: np.ndarray) -> np.ndarray:
        """The lag of each group's delivery of 0-based ``rank`` in lag order."""
        return lag[np.searchsorted(running, before + rank, side="right")]

    quantiles = {}
    for name, q in LAG_QUANTILES.items():
        position = q * (n - 1)
        low = np.floor(position)
        below, above = nth(low), nth(np.minimum(low + 1, n - 1))
        quantiles[name] = below + (position - low) * (above - below)
    distribution = groups.with_columns(
        *(pl.Series(name, values) for name, values in quantiles.items()),
        (pl.col("_lag_days") / pl.col("_measured")).alias("mean"),
    )
    every = ordered.group_by(keys).agg(pl.col("deliveries").sum().cast(pl.UInt32))
    columns = ["deliveries", "min", *LAG_QUANTILES, "max", "mean"]
    joined = every.join(distribution, on=keys, how="left", nulls_equal=True).select(*keys, *columns)
    if not by:  # one row, as for any aggregate over nothing: no deliveries, no figures
        whole = joined.drop("_all")
        if whole.is_empty():
            whole = pl.DataFrame([(0, *[None] * (len(columns) - 1))], schema=whole.schema, orient="row")
        return whole
    return joined.sort(by)


def cumulative_series(sums: pl.DataFrame, value: str) -> pl.DataFrame:
    """Pledged, allocated and delivered by month, and their running totals (for the chart)."""
    monthly = (
        sums.with_columns(measure_columns(cents_column(value)))
        .group_by("year", "month")
        .agg(*[units(pl.col(m).sum()) for m in ("pledged", "allocated", "delivered")])
        .with_columns(pl.date(pl.col("year"), pl.col("month"), 1).alias("period"))
        .sort("period")
    )
    series = monthly.select(
        "period",
        "pledged",
        "allocated",
        "delivered",
        pl.col("pledged").cum_sum().alias("pledged_cumulative"),
        pl.col("allocated").cum_sum().alias("allocated_cumulative"),
        pl.col("delivered").cum_sum().alias("delivered_cumulative"),
    )
    reported = REPORTS_DELIVERIES not in sums.columns or bool(sums.get_column(REPORTS_DELIVERIES).any())
    if reported:
        return series
    # No data behind the series report deliveries: no line at zero, but none at all.
    nothing = pl.lit(None, dtype=pl.Float64)
    return series.with_columns(nothing.alias("delivered"), nothing.alias("delivered_cumulative"))
