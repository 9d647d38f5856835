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

import math
from datetime import date
from typing import Any

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


def measure_masks(sums: pl.DataFrame) -> dict[str, np.ndarray]:
    """Which rows of sums by stage and kind count in each of the four measures."""
    kinds, stages = sums.get_column("kind").to_list(), sums.get_column("stage").to_list()
    commitment = np.array([k == "commitment" for k in kinds], dtype=bool)
    return {
        "announced": commitment & np.array([s == "announced" for s in stages], dtype=bool),
        "pledged": commitment & np.array([s in PLEDGED_STAGES for s in stages], dtype=bool),
        "allocated": commitment & np.array([s in ALLOCATED_STAGES for s in stages], dtype=bool),
        "delivered": np.array([k == "delivery" for k in kinds], dtype=bool),
    }


def cents_column(value: str) -> str:
    """The sums' column of whole cents for a currency's figure ("eur" → "eur_cents")."""
    return f"{value}_cents"


REPORTS_DELIVERIES = "reports_deliveries"


def totals(sums: pl.DataFrame, by: list[str], value: str, missing: str) -> pl.DataFrame:
    """From sums by (by + kind + stage), one row per group with the four measures and rates,
    ordered by ``by`` (empty values first; by pledged when ``by`` is empty).

    Money is summed in whole cents (exact in any order) and shown in units at the end. Where the
    sums say which rows come from data that reports deliveries (``reports_deliveries``), a group
    none of whose data reports them has no delivered figure and no fulfilment: "not reported" is
    not 0 %, and fulfilment is delivered over what was pledged in data that do report them. A rate
    over a pledged total of less than a cent is not computed.

    Computed over NumPy arrays: the sums are a few hundred rows, and each Polars operation on them
    would cost some 150 µs."""
    if sums.is_empty():
        schema = {**{b: pl.Utf8 for b in by}, **dict.fromkeys(MEASURES, pl.Float64)}
        schema.update(fulfilment=pl.Float64, allocation_rate=pl.Float64)
        schema.update(dict.fromkeys(("entries", "not_converted", "quantity_only"), pl.Int64))
        return pl.DataFrame(schema=schema)
    amount = _numbers(sums, cents_column(value))
    measures = measure_masks(sums)
    tracked = (
        _flags(sums.get_column(REPORTS_DELIVERIES))
        if REPORTS_DELIVERIES in sums.columns
        else np.ones(sums.height, dtype=bool)
    )
    keys, group = _groups(sums, by)
    count = len(keys[0]) if by else 1

    def summed(weights: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=weights, minlength=count)

    cents = {m: summed(np.where(chosen, amount, 0.0)) for m, chosen in measures.items()}
    # Fulfilment is delivered over what was pledged in data that report deliveries: a tracker
    # that counts no deliveries must not dilute the share of a dataset that does.
    pledged_tracked = summed(np.where(measures["pledged"] & tracked, amount, 0.0))
    reported = summed(tracked.astype(np.float64)) > 0
    counts = {
        "entries": summed(_numbers(sums, "entries")),
        "not_converted": summed(_numbers(sums, missing)),
        "quantity_only": summed(_numbers(sums, "no_amount"))
        if "no_amount" in sums.columns
        else np.zeros(count),
    }
    live = np.flatnonzero(counts["entries"] != 0)
    pledged, allocated = cents["pledged"][live], cents["allocated"][live]
    shown_tracked, shown_reported = pledged_tracked[live], reported[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        fulfilment = cents["delivered"][live] / shown_tracked
        allocation_rate = allocated / pledged
    columns = [
        pl.Series(b, [values[i] for i in live], dtype=sums.schema[b])
        for b, values in zip(by, keys, strict=True)
    ]
    columns.extend(pl.Series(m, units_of(cents[m][live])) for m in ("announced", "pledged", "allocated"))
    columns.append(_nullable("delivered", units_of(cents["delivered"][live]), shown_reported))
    columns.append(_nullable("fulfilment", fulfilment, shown_reported & (shown_tracked >= 1)))
    columns.append(_nullable("allocation_rate", allocation_rate, pledged >= 1))  # at least a cent
    columns.extend(
        pl.Series(c, counts[c][live].astype(np.int64)) for c in ("entries", "not_converted", "quantity_only")
    )
    return pl.DataFrame(columns)


def units_of(cents: np.ndarray) -> np.ndarray:
    """Whole cents as currency units, to the cent (a division alone may leave a residue in the
    last bits, 1635364201.0900002, which tables and files would show)."""
    return np.round(cents / 100, 2)


def _numbers(frame: pl.DataFrame, column: str) -> np.ndarray:
    """A column of sums as floats (sums of whole numbers: exact below 2^53, in any order); an empty
    sum counts nothing."""
    return np.nan_to_num(frame.get_column(column).to_numpy().astype(np.float64), nan=0.0)


def _flags(column: pl.Series) -> np.ndarray:
    """A boolean column as a NumPy array, an empty value as False (read as it is when none is empty:
    a fill costs a query plan, some 40 µs)."""
    if column.null_count():
        column = column.fill_null(False)
    return column.to_numpy().astype(bool)


def _nullable(name: str, values: np.ndarray, shown: np.ndarray) -> pl.Series:
    return pl.Series(
        name,
        [float(v) if s else None for v, s in zip(values.tolist(), shown.tolist(), strict=True)],
        dtype=pl.Float64,
    )


def _distinct(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(combined, return_inverse=True)``, without its sort when ``combined`` is already
    in order (the copy's counts come by their keys)."""
    if len(combined) and np.all(combined[1:] >= combined[:-1]):
        new = np.concatenate(([True], combined[1:] != combined[:-1]))
        return combined[new], np.cumsum(new) - 1
    found, inverse = np.unique(combined, return_inverse=True)
    return found, inverse.reshape(-1)


# Up to this many rows, a column's values are numbered in Python (a Polars rank costs more for few).
NUMBERED_IN_PYTHON = 2_000


def numbered(column: pl.Series) -> tuple[list[Any], np.ndarray]:
    """The column's distinct values in order (None first, present or not), and each row's number
    among them."""
    if column.len() > NUMBERED_IN_PYTHON:
        # Rows in runs of equal values (the copy's sums come ordered by their keys) are numbered
        # run by run: 0.1 ms for 22,000 donor × lag rows, where a rank (a sort) took 1 ms.
        runs = column.rle_id().to_numpy()
        if runs[-1] >= NUMBERED_IN_PYTHON:
            values = [None, *column.drop_nulls().unique().sort().to_list()]
            return values, column.rank("dense").fill_null(0).cast(pl.Int64).to_numpy()
        starts = np.flatnonzero(np.diff(runs, prepend=-1))
        values, run_codes = numbered(column.gather(starts))
        return values, run_codes[runs]
    given = column.to_list()
    values = [None, *sorted({v for v in given if v is not None})]
    number = {v: i for i, v in enumerate(values)}
    return values, np.array([number[v] for v in given], dtype=np.int64)


def _groups(frame: pl.DataFrame, by: list[str]) -> tuple[list[list[Any]], np.ndarray]:
    """The groups of ``frame``'s rows by the columns ``by``, numbered in their sorted order (empty
    values first, as a sort puts them): each column's value per group, and each row's group."""
    if not by:
        return [], np.zeros(frame.height, dtype=np.int64)
    distinct: list[list[Any]] = []
    codes = []
    for b in by:
        values, code = numbered(frame.get_column(b))
        distinct.append(values)
        codes.append(code)
    if math.prod(len(values) for values in distinct) < 2**62:  # each combination numbered
        combined = np.zeros(frame.height, dtype=np.int64)
        for code, values in zip(codes, distinct, strict=True):
            combined = combined * len(values) + code
        found, group = _distinct(combined)
        found_codes = []
        for values in reversed(distinct):
            found, code = np.divmod(found, len(values))
            found_codes.append(code)
        found_codes.reverse()
    else:  # too many to number in 64 bits: the rows of codes, sorted
        table, group = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
        found_codes = [table[:, i] for i in range(len(by))]
    keys = [[values[i] for i in code.tolist()] for code, values in zip(found_codes, distinct, strict=True)]
    return keys, group.reshape(-1)


LAG_QUANTILES = {"p25": 0.25, "median": 0.5, "p75": 0.75, "p90": 0.9}


def lag_distribution(counts: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Days from commitment to delivery as a distribution per group, from ``counts``: deliveries by
    ``by`` and lag (``lag_days``, null when a date is missing: counted, not measured), ordered by
    ``by`` (empty values first). Quantiles interpolate linearly between the order statistics, as
    ``Expr.quantile(q, "linear")`` does over the deliveries one by one, read off the running count
    instead of a sort of every delivery. Computed over NumPy arrays (see ``totals``)."""
    keys, group = _groups(counts, by)
    size = len(keys[0]) if by else 1
    lag = counts.get_column("lag_days").cast(pl.Float64).to_numpy()
    deliveries = counts.get_column("deliveries").to_numpy().astype(np.float64)
    every = np.bincount(group, weights=deliveries, minlength=size)
    kept = ~np.isnan(lag) & (deliveries != 0)
    group, lag, deliveries = group[kept], lag[kept], deliveries[kept]
    step, rise = np.diff(group), np.diff(lag)
    if not np.all((step > 0) | ((step == 0) & (rise >= 0))):  # not yet by group, then lag
        order = np.lexsort((lag, group))
        group, lag, deliveries = group[order], lag[order], deliveries[order]
    n = np.bincount(group, weights=deliveries, minlength=size)
    lag_days = np.bincount(group, weights=lag * deliveries, minlength=size)
    running = np.cumsum(deliveries)
    if not len(lag):  # nothing measured: every figure is empty, read off one stand-in
        lag, running = np.zeros(1), np.zeros(1)
    first = np.searchsorted(group, np.arange(size), side="left")
    last = np.searchsorted(group, np.arange(size), side="right") - 1
    measured = n > 0
    first, last = np.where(measured, first, 0), np.where(measured, last, 0)
    before = np.where(first > 0, running[np.maximum(first - 1, 0)], 0)

    def nth(rank: np.ndarray) -> np.ndarray:
        """The lag of each group's delivery of 0-based ``rank`` in lag order."""
        found = np.searchsorted(running, before + rank, side="right")
        return lag[np.minimum(found, len(lag) - 1)]  # past the end only where nothing is measured

    columns = [pl.Series(b, values, dtype=counts.schema[b]) for b, values in zip(by, keys, strict=True)]
    columns.append(pl.Series("deliveries", every.astype(np.int64), dtype=pl.UInt32))
    columns.append(_nullable_whole("min", lag[first], measured))
    for name, q in LAG_QUANTILES.items():
        position = q * (n - 1)
        low = np.floor(position)
        below, above = nth(low), nth(np.minimum(low + 1, n - 1))
        columns.append(_nullable(name, below + (position - low) * (above - below), measured))
    columns.append(_nullable_whole("max", lag[last], measured))
    with np.errstate(divide="ignore", invalid="ignore"):
        columns.append(_nullable("mean", lag_days / n, measured))
    return pl.DataFrame(columns)


def _nullable_whole(name: str, values: np.ndarray, shown: np.ndarray) -> pl.Series:
    whole = [int(v) if s else None for v, s in zip(values.tolist(), shown.tolist(), strict=True)]
    return pl.Series(name, whole, dtype=pl.Int64)


def cumulative_series(sums: pl.DataFrame, value: str) -> pl.DataFrame:
    """Pledged, allocated and delivered by month, and their running totals (for the chart).
    Computed over NumPy arrays (see ``totals``)."""
    keys, group = _groups(sums, ["year", "month"])
    size = len(keys[0])
    amount = _numbers(sums, cents_column(value)) if sums.height else np.zeros(0)
    masks = measure_masks(sums) if sums.height else {}
    columns = [
        pl.Series(
            "period",
            [None if y is None or m is None else date(y, m, 1) for y, m in zip(*keys, strict=True)],
            dtype=pl.Date,
        )
    ]
    monthly = {
        m: units_of(np.bincount(group, weights=np.where(masks[m], amount, 0.0), minlength=size))
        if sums.height
        else np.zeros(0)
        for m in ("pledged", "allocated", "delivered")
    }
    reported = REPORTS_DELIVERIES not in sums.columns or bool(sums.get_column(REPORTS_DELIVERIES).any())
    shown = np.full(size, reported)
    columns.extend(pl.Series(m, monthly[m], dtype=pl.Float64) for m in ("pledged", "allocated"))
    # No data behind the series report deliveries: no line at zero, but none at all.
    columns.append(_nullable("delivered", monthly["delivered"], shown))
    columns.extend(
        pl.Series(f"{m}_cumulative", np.cumsum(monthly[m]), dtype=pl.Float64)
        for m in ("pledged", "allocated")
    )
    columns.append(_nullable("delivered_cumulative", np.cumsum(monthly["delivered"]), shown))
    return pl.DataFrame(columns)
