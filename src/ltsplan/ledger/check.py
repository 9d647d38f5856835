"""``ltsplan ledger check``: the maintained totals rebuilt from the entries' versions and compared
with what is stored, so that a damaged database is found and can be repaired.

The totals are kept on write (``ledger_total_delta``: a version adds its figures at its record time
and subtracts them at its retraction), so an answer never sums millions of entries. Whatever once
went wrong there — a write from before a rule existed (an infinite amount, whose +inf and −inf never
cancel), a hand edit, a bug — stays wrong for good, because nothing reads the entries again. The
check reads every version once, computes the deltas the write path would have written, sums both
sides per moment and dimension, and lists each group that differs. ``repair`` makes the stored
sums equal the rebuilt ones in the same transaction: each difference gets a correcting row (the
deltas stay append-only, so the answer cache's stamp moves on). Money is summed in whole cents on
both sides, so the comparison is exact. Entries whose own figures are not finite are listed too:
their money counts as not converted in the rebuilt totals; correct or withdraw them at their
source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Connection, Float, Integer, and_, case, cast, extract, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from ltsplan.ledger.model import ledger_entry, ledger_total_delta
from ltsplan.ledger.writes import DELTA_DIMENSIONS, DELTA_KEYS, DELTA_SUMS, summed_deltas
from ltsplan.report import Report
from ltsplan.store.db import query_frame
from ltsplan.store.history import bulk_insert
from ltsplan.store.time import arrivals_and_departures, polars_schema

MONEY = ("eur", "usd")
LARGEST = 1.7976931348623157e308  # the largest finite double


@dataclass
class TotalsCheck:
    groups: int  # (moment, dimensions) groups rebuilt from the versions
    differing: pl.DataFrame  # DELTA_KEYS, problem, then stored_* and rebuilt_* for each sum
    not_finite: pl.DataFrame  # id, amount, eur, usd of versions whose figures are not finite
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return self.differing.is_empty()

    def report(self) -> Report:
        notes = [
            f"{self.groups:,} groups of the maintained totals rebuilt from every version of every entry; "
            f"{self.differing.height:,} differ from what is stored"
            + ("; repaired: the stored totals now equal the rebuilt ones" if self.repaired else "")
        ]
        if self.not_finite.height:
            shown = ", ".join(self.not_finite.get_column("id").head(10).to_list())
            notes.append(
                f"{self.not_finite.height:,} entry version(s) hold an amount that is not a finite number "
                f"({shown}{'…' if self.not_finite.height > 10 else ''}); their money counts as not "
                "converted; correct or withdraw them at their source"
            )
        if not self.clean and not self.repaired:
            notes.append(
                "run `ltsplan ledger check --repair` to make the stored totals equal the rebuilt ones"
            )
        return Report("Maintained totals against the entries' versions", self.differing, notes)


def check_totals(connection: Connection, *, repair: bool = False) -> TotalsCheck:
    rebuilt = summed_deltas(
        [
            _summed_in_database(connection, moment, sign, *([] if condition is None else [condition]))
            for moment, sign, condition in arrivals_and_departures(ledger_entry)
        ]
    )
    rows = _stored_rows(connection)
    stored = rows.group_by(DELTA_KEYS).agg(pl.col(DELTA_SUMS).sum())
    compared = stored.join(
        rebuilt, on=DELTA_KEYS, how="full", coalesce=True, nulls_equal=True, suffix="_rebuilt"
    )
    compared = compared.with_columns(pl.col(f"{n}", f"{n}_rebuilt").fill_null(0) for n in DELTA_SUMS)
    differs = pl.any_horizontal(pl.col(n) != pl.col(f"{n}_rebuilt") for n in DELTA_SUMS)
    differing = (
        compared.filter(differs)
        .sort(DELTA_KEYS, nulls_last=True)
        .select(
            *DELTA_KEYS,
            pl.lit("stored sum differs").alias("problem"),
            *(pl.col(n).alias(f"stored_{n}") for n in DELTA_SUMS),
            *(pl.col(f"{n}_rebuilt").alias(f"rebuilt_{n}") for n in DELTA_SUMS),
        )
    )
    result = TotalsCheck(rebuilt.height, differing, _not_finite(connection))
    if repair and not result.clean:
        _repair(connection, differing, rows)
        result.repaired = True
    return result


def _finite(column: Any) -> ColumnElement[bool]:
    """In SQL, a number that is neither infinite nor NaN (NaN is NULL on SQLite, and on PostgreSQL
    it lies above every number)."""
    return column.between(-LARGEST, LARGEST)


def _summed_in_database(
    connection: Connection, at: Any, sign: int, *where: ColumnElement[bool]
) -> pl.DataFrame:
    """What the versions moved the totals by at ``at`` (their arrival, ``sign`` 1, or their
    retraction, -1), as the write path sums it (``ledger.writes.deltas``), summed by the database:
    one row per group comes back, not one per version. Money that is not finite is not converted."""
    entry = ledger_entry
    given = entry.c.amount.is_not(None)
    # As the write path keeps it: the currency only of amounts left unconverted.
    unexplained = and_(given, or_(entry.c.eur.is_(None), entry.c.usd.is_(None), ~_finite(entry.c.eur)))
    dimensions = [
        case((unexplained, entry.c.currency)).label("currency") if n == "currency" else entry.c[n]
        for n in DELTA_DIMENSIONS
        if n in entry.c
    ]
    year = cast(extract("year", entry.c.event_date), Integer)
    month = cast(extract("month", entry.c.event_date), Integer)
    sums = []
    for name in MONEY:
        value = entry.c[name]
        whole_cents = cast(func.round(value * 100), Float)
        sums.append(
            (func.coalesce(func.sum(case((_finite(value), whole_cents))), 0.0) * sign).label(f"{name}_cents")
        )
        sums.append(
            (func.sum(case((and_(given, or_(value.is_(None), ~_finite(value))), 1), else_=0)) * sign).label(
                f"{name}_missing"
            )
        )
    sums.append((func.sum(case((given, 0), else_=1)) * sign).label("no_amount"))
    statement = (
        select(
            at.label("at"),
            *dimensions,
            year.label("year"),
            month.label("month"),
            (func.count() * sign).label("entries"),
            *sums,
        )
        .where(*where)
        .group_by(at, *(getattr(d, "element", d) for d in dimensions), year, month)
    )
    types = polars_schema(ledger_total_delta)
    names = ["at", *(c.name for c in dimensions), "year", "month", "entries", *(c.name for c in sums)]
    types.update(eur_cents=pl.Float64, usd_cents=pl.Float64)  # summed as floats: no overflow
    return query_frame(connection, statement, {n: types[n] for n in names}).select(*DELTA_KEYS, *DELTA_SUMS)


def _not_finite(connection: Connection) -> pl.DataFrame:
    """The versions whose own figures are not finite numbers (what older releases let in)."""
    entry = ledger_entry
    columns = [entry.c.id, entry.c.amount, entry.c.eur, entry.c.usd]
    damaged = or_(*(and_(c.is_not(None), ~_finite(c)) for c in columns[1:]))
    statement = select(*columns).where(damaged).distinct().order_by(entry.c.id)
    return query_frame(
        connection, statement, {"id": pl.Utf8, "amount": pl.Float64, "eur": pl.Float64, "usd": pl.Float64}
    )


def _stored_rows(connection: Connection) -> pl.DataFrame:
    names = ["row_id", *DELTA_KEYS, *DELTA_SUMS]
    types = polars_schema(ledger_total_delta)
    return query_frame(
        connection, select(*(ledger_total_delta.c[n] for n in names)), {n: types[n] for n in names}
    )


def _repair(connection: Connection, differing: pl.DataFrame, rows: pl.DataFrame) -> None:
    """A correcting row for each group that differs (rebuilt minus stored): the deltas stay
    append-only, so the table's highest row number (the cache's stamp) moves on."""
    corrections = differing.select(
        *DELTA_KEYS, *((pl.col(f"rebuilt_{n}") - pl.col(f"stored_{n}")).alias(n) for n in DELTA_SUMS)
    )
    bulk_insert(connection, ledger_total_delta, corrections)
