"""Milestone status and gap lists (pure: no I/O).

Rules (docs/readiness.md), for a milestone with due date ``due`` seen on day D, where *share* is the
fraction of its targets met (rollup.py's definition of met, expiry included):

- **met**: share on D is 1 (every target met), whatever the due date.
- **late**: not met and D is after ``due``.
- **on track**: not met, D is on or before ``due``, and the trend reaches every target by ``due``:
  the least-squares line through share on D and on the month-ends of the ``TREND_MONTHS`` months
  before D, extended from share on D to ``due``, reaches 1.
- **at risk**: every other case (not met, not late, and the trend falls short, is flat or falling,
  or there is no history to draw it from; a milestone without targets is at risk too).

A gap is a target of the milestone not met on D. Gap lists are worst first: the largest gap
(1 − attainment) first; at equal gaps mandatory targets before optional ones, then the heavier
weight, then element and requirement for a stable order.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

TREND_MONTHS = 6


def trend_dates(on: date) -> list[date]:
    """D and the month-ends of the TREND_MONTHS months before D's month, oldest first."""
    days = [on]
    year, month = on.year, on.month
    for _ in range(TREND_MONTHS):
        first = date(year, month, 1)
        if first == date.min:  # the calendar has no month-end before it
            break
        last = date.fromordinal(first.toordinal() - 1)
        days.append(last)
        year, month = last.year, last.month
    return sorted(days)


def slopes(dates: list[date], shares: np.ndarray) -> np.ndarray:
    """Least-squares slope per row of ``shares`` (milestones × dates), in share per day."""
    x = np.array([d.toordinal() for d in dates], dtype=np.float64)
    x = x - x.mean()
    denominator = float((x * x).sum())
    if denominator == 0 or shares.size == 0:
        return np.zeros(shares.shape[0])
    centred = shares - shares.mean(axis=1, keepdims=True)
    return np.asarray((centred * x).sum(axis=1) / denominator)


def statuses(frame: pl.DataFrame, on: date) -> pl.DataFrame:
    """Add status, projected (share projected to the due date) and reason to a frame with
    milestone, due, targets, met and slope (share per day)."""
    days_left = (pl.col("due") - pl.lit(on)).dt.total_days()
    share = pl.when(pl.col("targets") > 0).then(pl.col("met") / pl.col("targets")).otherwise(None)
    projected = (share + pl.col("slope") * days_left).clip(0.0, 1.0)
    status = (
        pl.when(pl.col("targets") == 0)
        .then(pl.lit("at risk"))
        .when(pl.col("met") == pl.col("targets"))
        .then(pl.lit("met"))
        .when(days_left < 0)
        .then(pl.lit("late"))
        .when(projected >= 1.0 - 1e-9)
        .then(pl.lit("on track"))
        .otherwise(pl.lit("at risk"))
    )
    per_month = pl.col("slope") * 30.4375 * 100
    reason = (
        pl.when(pl.col("targets") == 0)
        .then(pl.lit("the milestone has no targets"))
        .when(pl.col("met") == pl.col("targets"))
        .then(pl.format("all {} targets met", pl.col("targets")))
        .when(days_left < 0)
        .then(pl.format("due {}; {} of {} targets met", pl.col("due"), pl.col("met"), pl.col("targets")))
        .otherwise(
            pl.format(
                "{} of {} met; trend {} points a month projects {}% by {}",
                pl.col("met"),
                pl.col("targets"),
                per_month.round(1),
                (projected * 100).round(0),
                pl.col("due"),
            )
        )
    )
    return frame.with_columns(
        share.alias("share"),
        pl.when(days_left >= 0).then(projected).otherwise(None).alias("projected"),
        status.alias("status"),
        reason.alias("reason"),
    )


def worst_first(gaps: pl.DataFrame) -> pl.DataFrame:
    """Order a gap list (with gap, mandatory, weight, element, requirement) worst first."""
    return gaps.sort(
        ["gap", "mandatory", "weight", "element", "requirement"],
        descending=[True, True, True, False, False],
        nulls_last=True,
    )
