"""The standards' rules (pure: no I/O): what makes one requirement or adoption record consistent,
what a file's records may refer to, and adoption coverage.

A **NationalAdoption** says, for one country and one standard, whether the standard applies to it,
whether it ratified it (``ratified``, ``ratified with reservations`` with the reservation's text, or
``not ratified``) and on which day, how far implementation has gone and on which day it was complete,
and what shows it.

Coverage rule (stated once, used by every face):

    coverage(day) = implemented(day) ÷ applicable

- *applicable*: the country's standards marked applicable. Standards that do not apply are never in
  the denominator, and neither are standards with no adoption record at all: coverage is over what
  the country has assessed as applicable, never over the whole catalogue.
- *implemented(day)*: of those, the ones whose implementation is ``implemented`` with
  ``implemented_on`` on or before ``day`` (valid time). Without a day, today's status counts.
- per domain: the same ratio within each standard's domain; a domain with no applicable standard
  has no coverage (null), not 0 %.

Which records count is record time (``--as-of``: what was known then); which of them were
implemented on a day is valid time (the dates they carry). The two are independent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import polars as pl

from ltsplan.standards.measures import measure_from_file
from ltsplan.standards.model import RATIFICATION_STATES, RATIFIED

Problems = list[tuple[str, str]]


def requirement_problems(given: Mapping[str, Any]) -> Problems:
    """(field, message) for each thing wrong with a requirement's measure and weight."""
    found: Problems = []
    kind = given.get("measure")
    threshold = given.get("threshold")
    if kind == "percentage" and threshold is not None:
        try:
            float(str(threshold).strip().rstrip("%"))
        except ValueError:
            found.append(("threshold", f"'{threshold}' is not a number"))
            return found
    if (
        kind == "binary"
        and threshold is not None
        and str(threshold).lower().replace("_", " ") not in ("met", "yes", "true", "1")
    ):
        found.append(("threshold", f"'{threshold}' is not a binary threshold; leave it empty or write met"))
        return found
    weight = given.get("weight")
    if weight is not None and (math.isnan(weight) or weight < 0):
        found.append(("weight", f"'{weight}' is not a weight of 0 or more"))
    found.extend(measure_from_file(dict(given)).problems())
    return found


def adoption_problems(given: Mapping[str, Any]) -> Problems:
    """(field, message) for each inconsistency between an adoption record's states and dates."""
    found: Problems = []
    ratification, implementation = given.get("ratification"), given.get("implementation")
    reservation = given.get("reservation")
    if ratification == "ratified with reservations":
        if not (reservation and str(reservation).strip()):
            found.append(("reservation", "ratified with reservations: give the reservation's text"))
    elif reservation:
        found.append(
            (
                "reservation",
                f"a reservation needs ratification 'ratified with reservations', not '{ratification}'",
            )
        )
    if ratification in RATIFIED and given.get("ratified_on") is None:
        found.append(("ratified_on", "a ratified standard needs the date of ratification (YYYY-MM-DD)"))
    if ratification == "not ratified" and given.get("ratified_on") is not None:
        found.append(("ratified_on", "a standard that is not ratified has no ratification date"))
    if implementation == "implemented" and given.get("implemented_on") is None:
        found.append(
            ("implemented_on", "an implemented standard needs the date it was implemented (YYYY-MM-DD)")
        )
    elif implementation != "implemented" and given.get("implemented_on") is not None:
        found.append(
            ("implemented_on", f"implementation is '{implementation}', so there is no implementation date")
        )
    assert ratification is None or ratification in RATIFICATION_STATES
    return found


def _implemented_by(day: date | None) -> pl.Expr:
    done = pl.col("implementation") == "implemented"
    if day is None:
        return done
    return done & (pl.col("implemented_on") <= pl.lit(day, dtype=pl.Date))


def _ratified_by(day: date | None) -> pl.Expr:
    done = pl.col("ratification").is_in(RATIFIED)
    if day is None:
        return done
    return done & (pl.col("ratified_on") <= pl.lit(day, dtype=pl.Date))


def coverage(adoption: pl.DataFrame, *, day: date | None = None, by: list[str] | None = None) -> pl.DataFrame:
    """Coverage on ``day`` (valid time) from adoption rows with at least ``applicable``,
    ``ratification``, ``ratified_on``, ``implementation``, ``implemented_on`` and the ``by`` columns.

    One row per group (or one row overall) with: ``applicable``, ``ratified``, ``implemented``,
    ``not_applicable`` (counts), ``coverage`` (implemented ÷ applicable, 0–1, null when nothing
    applies) and ``ratified_share`` (ratified ÷ applicable).
    """
    keys = by or []
    applicable = pl.col("applicable").fill_null(False)
    counted = adoption.select(
        *[pl.col(k) for k in keys],
        applicable.cast(pl.Int64).alias("applicable"),
        (applicable & _ratified_by(day).fill_null(False)).cast(pl.Int64).alias("ratified"),
        (applicable & _implemented_by(day).fill_null(False)).cast(pl.Int64).alias("implemented"),
        (~applicable).cast(pl.Int64).alias("not_applicable"),
    )
    sums = [pl.col(c).sum() for c in ("applicable", "ratified", "implemented", "not_applicable")]
    grouped = (
        counted.group_by(keys, maintain_order=True).agg(sums).sort(keys) if keys else counted.select(sums)
    )
    return grouped.with_columns(
        pl.when(pl.col("applicable") > 0)
        .then(pl.col("implemented") / pl.col("applicable"))
        .otherwise(None)
        .alias("coverage"),
        pl.when(pl.col("applicable") > 0)
        .then(pl.col("ratified") / pl.col("applicable"))
        .otherwise(None)
        .alias("ratified_share"),
    )


def coverage_series(adoption: pl.DataFrame, days: list[date], *, by: list[str] | None = None) -> pl.DataFrame:
    """Coverage on each of ``days``, column-wise: each adoption row is crossed with the days and
    counted where its dates fall on or before the day. Columns: ``day``, the ``by`` columns and the
    columns of ``coverage``."""
    keys = by or []
    calendar = pl.DataFrame({"day": days}, schema={"day": pl.Date})
    applicable = pl.col("applicable").fill_null(False)
    implemented = (
        applicable
        & (pl.col("implementation") == "implemented")
        & (pl.col("implemented_on") <= pl.col("day")).fill_null(False)
    )
    ratified = (
        applicable
        & pl.col("ratification").is_in(RATIFIED)
        & (pl.col("ratified_on") <= pl.col("day")).fill_null(False)
    )
    crossed = calendar.join(
        adoption.select(
            *keys, "applicable", "ratification", "ratified_on", "implementation", "implemented_on"
        ),
        how="cross",
    )
    counted = crossed.group_by(["day", *keys]).agg(
        applicable.cast(pl.Int64).sum().alias("applicable"),
        ratified.cast(pl.Int64).sum().alias("ratified"),
        implemented.cast(pl.Int64).sum().alias("implemented"),
        (~applicable).cast(pl.Int64).sum().alias("not_applicable"),
    )
    if adoption.is_empty():
        counted = calendar.with_columns(
            *[pl.lit(None, dtype=pl.Utf8).alias(k) for k in keys],
            *[
                pl.lit(0, dtype=pl.Int64).alias(c)
                for c in ("applicable", "ratified", "implemented", "not_applicable")
            ],
        )
    return counted.sort(["day", *keys]).with_columns(
        pl.when(pl.col("applicable") > 0)
        .then(pl.col("implemented") / pl.col("applicable"))
        .alias("coverage"),
        pl.when(pl.col("applicable") > 0)
        .then(pl.col("ratified") / pl.col("applicable"))
        .alias("ratified_share"),
    )


def year_ends(first: date, last: date) -> list[date]:
    """31 December of each year from ``first``'s to ``last``'s, and ``last`` itself when it is not a
    year end: the points of a coverage curve."""
    days = [date(y, 12, 31) for y in range(first.year, last.year + 1) if date(y, 12, 31) <= last]
    if not days or days[-1] != last:
        days.append(last)
    return days
