"""National adoption of standards, and adoption coverage (pure: no I/O).

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

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from ltsplan.standards.model import normalise_designator, standard_id
from ltsplan.store.ids import record_id, version_hash

RATIFICATION_STATES = ("ratified", "ratified with reservations", "not ratified")
IMPLEMENTATION_STATES = ("not started", "planned", "in progress", "implemented")
RATIFIED = ("ratified", "ratified with reservations")


@dataclass(frozen=True)
class NationalAdoption:
    country: str
    designator: str
    applicable: bool
    ratification: str = "not ratified"
    reservation: str | None = None
    ratified_on: date | None = None
    implementation: str = "not started"
    implemented_on: date | None = None
    evidence: str | None = None
    fictional: bool = False
    source_id: str | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return adoption_id(self.country, self.designator)

    @property
    def standard_id(self) -> str:
        return standard_id(self.designator)

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for each thing wrong; empty when the record is consistent."""
        found = []
        if not self.country.strip():
            found.append(("country", "an adoption record names its country (an actor code such as UKR)"))
        elif len(self.country.strip()) > 64:
            found.append(("country", "a country code has at most 64 characters"))
        if not self.designator.strip():
            found.append(("designator", "an adoption record names its standard's designator"))
        if self.ratification not in RATIFICATION_STATES:
            found.append(
                (
                    "ratification",
                    f"'{self.ratification}' is not a ratification state; use one of "
                    + ", ".join(RATIFICATION_STATES),
                )
            )
        elif self.ratification == "ratified with reservations":
            if not (self.reservation and self.reservation.strip()):
                found.append(("reservation", "ratified with reservations: give the reservation's text"))
        elif self.reservation:
            found.append(
                (
                    "reservation",
                    f"a reservation needs ratification 'ratified with reservations', not '{self.ratification}'",
                )
            )
        if self.ratification in RATIFIED and self.ratified_on is None:
            found.append(("ratified_on", "a ratified standard needs the date of ratification (YYYY-MM-DD)"))
        if self.ratification == "not ratified" and self.ratified_on is not None:
            found.append(("ratified_on", "a standard that is not ratified has no ratification date"))
        if self.implementation not in IMPLEMENTATION_STATES:
            found.append(
                (
                    "implementation",
                    f"'{self.implementation}' is not an implementation state; use one of "
                    + ", ".join(IMPLEMENTATION_STATES),
                )
            )
        elif self.implementation == "implemented" and self.implemented_on is None:
            found.append(
                ("implemented_on", "an implemented standard needs the date it was implemented (YYYY-MM-DD)")
            )
        elif self.implementation != "implemented" and self.implemented_on is not None:
            found.append(
                (
                    "implemented_on",
                    f"implementation is '{self.implementation}', so there is no implementation date",
                )
            )
        return found

    def record(self) -> dict[str, Any]:
        values = {
            "country": self.country.strip(),
            "standard_id": self.standard_id,
            "applicable": self.applicable,
            "ratification": self.ratification,
            "reservation": self.reservation,
            "ratified_on": self.ratified_on,
            "implementation": self.implementation,
            "implemented_on": self.implemented_on,
            "evidence": self.evidence,
            "fictional": self.fictional,
            "source_id": self.source_id,
            "note": self.note,
        }
        return {"id": self.id, "version": version_hash(values.values()), **values}


def adoption_id(country: str, designator: str) -> str:
    return record_id("national_adoption", country.strip().upper(), normalise_designator(designator))


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
