"""Multi-year pledges phased over their years: totals by event year or spread over the period, and
the schedules that say how.

"Event" phasing (the Kiel tracker's convention, and the maintained deltas') counts a commitment
wholly in the year of its event date. "Spread" phasing counts a commitment whose period spans
several calendar years in those years instead: by its schedule when it gives one (amounts by year in
its own currency, converted at its own ratio eur/amount), otherwise pro rata by the days of the
period in each year. Totals over all years are the same under both phasings.

Spread totals are event totals corrected: only the live multi-year commitments are read (a few in a
ledger of millions), their event-year contribution taken off the summed deltas and their shares
added, in Polars. Everything here is pure but ``multi_year_commitments`` and ``phased_sums``, which read
through ``store.time``. What each year of a pledge still awaits is ``ledger.due``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import Connection, and_, extract
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from ltsplan.errors import LtsplanError
from ltsplan.ledger.eu_shares import EU, share_out
from ltsplan.ledger.model import ledger_entry
from ltsplan.provenance.aliases import as_actors, references_of
from ltsplan.store.db import query_frame
from ltsplan.store.time import known, polars_schema

if TYPE_CHECKING:
    from ltsplan.ledger.reports import LedgerFilter

PHASINGS = ("event", "spread")
LINE, RECORD = "_line", "_record"  # as ledger.rules names a reader's line and label columns
PAIR = r"^(\d{4})\s*:\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)$"  # an amount as the amount column takes it
SCHEDULE_EXAMPLE = "2023:15000000000;2024:15000000000"
CENT = 0.01
# The entry's own columns a multi-year commitment is read with (besides the grouping's).
ENTRY_COLUMNS = ("id", "event_date", "period_start", "period_end", "amount", "schedule")
DIMENSION_COLUMNS = ("donor", "recipient", "category", "subtype", "dataset", "kind", "stage")


def check_phasing(phasing: str) -> str:
    if phasing not in PHASINGS:
        raise LtsplanError(f"'{phasing}' is not a phasing; use event or spread")
    return phasing


# -- schedules ---------------------------------------------------------------------------------------


def schedule_pairs(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Each schedule's pieces (``key``, ``piece``, ``year``, ``value``), one row a piece; ``year`` and
    ``value`` are null where a piece is not YEAR:AMOUNT. Empty pieces (a trailing ";") are none."""
    piece = pl.col("piece")
    return (
        frame.filter(pl.col("schedule").is_not_null())
        .select(key, pl.col("schedule").str.split(";").alias("piece"))
        .explode("piece")
        .with_columns(piece.str.strip_chars())
        .filter(piece.is_not_null() & (piece != ""))
        .with_columns(
            piece.str.extract(PAIR, 1).cast(pl.Int32).alias("year"),
            piece.str.extract(PAIR, 2).cast(pl.Float64, strict=False).alias("value"),
        )
    )


def schedule_problems(frame: pl.DataFrame, found: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every schedule of ``frame`` (typed entries with ``_line`` and ``_record``) that cannot be
    kept, as problem rows (``_line``, ``_record``, ``field``, ``message``): one that is not YEAR:AMOUNT
    pairs, names a year twice or outside the period, has no period or amount to divide, or does not
    add up to the amount within a cent; or a schedule on a delivery. ``found``: problems already
    found (a bad amount or date is not echoed here)."""
    schema = pl.Schema({LINE: pl.Int64, RECORD: pl.Utf8, "field": pl.Utf8, "message": pl.Utf8})
    given = frame.filter(pl.col("schedule").is_not_null())
    if given.is_empty():
        return pl.DataFrame(schema=schema)
    given = given.with_row_index("_row")
    pairs = schedule_pairs(given, "_row").join(given.select("_row", "period_start", "period_end"), on="_row")
    year = pl.col("year")
    bad_piece = year.is_null() | pl.col("value").is_null() | pl.col("value").is_infinite()
    outside = year.is_between(pl.col("period_start").dt.year(), pl.col("period_end").dt.year()).not_()
    summary = pairs.group_by("_row").agg(
        pl.col("value").sum().alias("_total"),
        pl.col("piece").filter(bad_piece).first().alias("_bad"),
        year.filter(year.is_not_null() & year.is_duplicated()).first().alias("_twice"),
        year.filter(outside.fill_null(False)).unique().sort().cast(pl.Utf8).str.join(", ").alias("_outside"),
    )
    echoed: list[int] = []
    if found is not None and found.height:
        fields = ("amount", "period_start", "period_end", "kind", "schedule")
        echoed = found.filter(pl.col("field").is_in(fields)).get_column(LINE).to_list()
    rows = given.join(summary, on="_row", how="left")
    commitment = pl.col("kind") != "delivery"
    formed = (
        commitment & pl.col("_total").is_not_null() & pl.col("_bad").is_null() & pl.col("_twice").is_null()
    )
    checked = formed & pl.col(LINE).is_in(pl.Series(echoed, dtype=pl.Int64).implode()).not_()
    start, end, amount = pl.col("period_start"), pl.col("period_end"), pl.col("amount")
    missed = (pl.col("_total") - amount).abs() > CENT + amount.abs() * 1e-14 + 1e-9
    checks: list[tuple[pl.Expr, pl.Expr]] = [
        (
            commitment.not_(),
            pl.lit("only a commitment has a schedule; a delivery counts in the year of its date"),
        ),
        (
            commitment & pl.col("_bad").is_not_null(),
            pl.format(
                "'{}' is not YEAR:AMOUNT; write the schedule as YEAR:AMOUNT pairs separated by "
                f"semicolons, such as {SCHEDULE_EXAMPLE}",
                pl.col("_bad"),
            ),
        ),
        (
            commitment & pl.col("_bad").is_null() & pl.col("_twice").is_not_null(),
            pl.format("{} is given twice in the schedule; give each year once", pl.col("_twice")),
        ),
        (
            commitment & pl.col("_total").is_null(),
            pl.lit(f"the schedule gives no year; write YEAR:AMOUNT pairs, such as {SCHEDULE_EXAMPLE}"),
        ),
        (
            checked & (start.is_null() | end.is_null()),
            pl.lit("a schedule divides a period: give period_start and period_end"),
        ),
        (
            checked & (end >= start) & (pl.col("_outside") != ""),
            pl.format(
                "the schedule names {}, outside the period {}–{}",
                pl.col("_outside"),
                start.dt.year(),
                end.dt.year(),
            ),
        ),
        (checked & amount.is_null(), pl.lit("a schedule divides the amount: give the amount")),
        (
            checked & missed,
            pl.format(
                "the schedule adds up to {}, not the amount {}; the years' amounts (in the entry's "
                "currency) must add up to it within a cent",
                _shown(pl.col("_total")),
                _shown(amount),
            ),
        ),
    ]
    parts = [
        rows.filter(failing.fill_null(False)).select(
            LINE, RECORD, pl.lit("schedule").alias("field"), message.alias("message")
        )
        for failing, message in checks
    ]
    return pl.concat(parts).sort(LINE, maintain_order=True).cast(schema)


def _shown(number: pl.Expr) -> pl.Expr:
    """An amount as people write it: 75000000000, 74999999999.98."""
    return number.round(2).cast(pl.Utf8).str.replace(r"\.0$", "")


# -- phases ------------------------------------------------------------------------------------------


def phases(entries: pl.DataFrame, *, months: bool = False) -> pl.DataFrame:
    """Where each entry's value goes: one row per entry (``id``) and year (and month, with
    ``months``) of its period, with the cumulative share of its value before (``before``) and up to
    (``upto``) that phase. The last phase of an entry ends at exactly 1, so that shares of money in
    whole cents, rounded at each boundary, add up to the value exactly.

    The shares are those of the entry's schedule where it has a usable one (YEAR:AMOUNT pairs,
    years within the period, adding up to something other than zero; within a year, by days),
    otherwise pro rata by the days of the period in each phase."""
    start, end = pl.col("period_start"), pl.col("period_end")
    periods = entries.select("id", "period_start", "period_end").filter(end >= start)
    pieces = periods.with_columns(pl.int_ranges(start.dt.year(), end.dt.year() + 1).alias("year")).explode(
        "year"
    )
    year_start, year_end = pl.date(pl.col("year"), 1, 1), pl.date(pl.col("year"), 12, 31)
    pieces = pieces.with_columns(
        pl.max_horizontal(start, year_start).alias("_from"), pl.min_horizontal(end, year_end).alias("_to")
    )
    pieces = pieces.with_columns(_days(pl.col("_from"), pl.col("_to")).alias("_year_days"))
    if months:
        pieces = pieces.with_columns(pl.int_ranges(1, 13).alias("month")).explode("month")
        month_start = pl.date(pl.col("year"), pl.col("month"), 1)
        pieces = pieces.with_columns(
            pl.max_horizontal(start, month_start).alias("_from"),
            pl.min_horizontal(end, month_start.dt.month_end()).alias("_to"),
        ).filter(pl.col("_to") >= pl.col("_from"))
    pieces = pieces.with_columns(_days(pl.col("_from"), pl.col("_to")).alias("_days"))
    pro_rata = pl.col("_days") / _days(start, end)
    scheduled = _schedule_shares(entries)
    pieces = pieces.join(scheduled, on=["id", "year"], how="left").with_columns(
        pl.col("id").is_in(scheduled.get_column("id").unique().implode()).alias("_scheduled")
    )
    share = (
        pl.when(pl.col("_scheduled"))
        .then(pl.col("_year_share").fill_null(0.0) * pl.col("_days") / pl.col("_year_days"))
        .otherwise(pro_rata)
    )
    order = ["id", "year", "month"] if months else ["id", "year"]
    # A year a schedule leaves out receives nothing, so is no phase of the entry.
    unscheduled = pl.col("_scheduled") & pl.col("_year_share").is_null()
    pieces = pieces.filter(unscheduled.not_()).with_columns(share.alias("_share")).sort(order)
    upto = pl.col("_share").cum_sum().over("id")
    last = pl.int_range(pl.len()).over("id") == pl.len().over("id") - 1
    pieces = pieces.with_columns(pl.when(last).then(1.0).otherwise(upto).alias("upto"))
    pieces = pieces.with_columns(pl.col("upto").shift(1).over("id").fill_null(0.0).alias("before"))
    return pieces.select(*order, "before", "upto")


def _days(first: pl.Expr, last: pl.Expr) -> pl.Expr:
    return (last - first).dt.total_days() + 1


def _schedule_shares(entries: pl.DataFrame) -> pl.DataFrame:
    """(id, year, _year_share) of the usable schedules: each year's amount over their sum (which the
    import held to the amount within a cent)."""
    pairs = schedule_pairs(entries.select("id", "schedule"), "id").join(
        entries.select("id", "period_start", "period_end"), on="id"
    )
    within = pl.col("year").is_between(pl.col("period_start").dt.year(), pl.col("period_end").dt.year())
    usable = (
        pl.col("value").is_not_null().all()
        & pl.col("value").is_finite().all()
        & within.fill_null(False).all()
        & pl.col("year").is_unique().all()
        & (pl.col("value").sum() != 0)
    )
    good = pairs.group_by("id").agg(usable.alias("_usable")).filter(pl.col("_usable")).get_column("id")
    kept = pairs.filter(pl.col("id").is_in(good.implode()))
    return kept.select(
        "id",
        pl.col("year").cast(pl.Int64),
        (pl.col("value") / pl.col("value").sum().over("id")).alias("_year_share"),
    )


def shares_of(value: str, *, whole: bool = False) -> pl.Expr:
    """A phase's part of the entry's ``value`` (a column beside ``before`` and ``upto``). With
    ``whole`` (cents) each boundary is rounded to a whole number, so that the parts are whole and
    add up to the value exactly, in any order."""
    given = pl.col(value).cast(pl.Float64)
    if whole:
        return (given * pl.col("upto")).round(0) - (given * pl.col("before")).round(0)
    return given * pl.col("upto") - given * pl.col("before")


# -- totals ------------------------------------------------------------------------------------------


def spread_adjustment(
    moved: pl.DataFrame,
    sums_schema: pl.Schema,
    *,
    money: Sequence[str],
    counts: Sequence[str],
    years: tuple[int | None, int | None] = (None, None),
) -> pl.DataFrame:
    """What spread phasing changes in sums of deltas (``sums_schema``: by their dimension columns,
    ``_keys``): each of the ``moved`` entries (one row each, with those columns, ``event_date``, the
    period, the schedule and its own value in every ``money`` and ``counts`` column) taken off its
    event year and month, and its shares added to the years (months) of its period. Money is divided;
    counts (entries, entries not converted) go whole to every phase: an entry counts in each year it
    contributes to. ``years``: the sums hold only these event years (a filter), so only these
    phases are added."""
    keys = _keys(sums_schema)
    values = [*money, *counts]
    dims = [k for k in keys if k not in ("year", "month")]
    event = moved.with_columns(
        pl.col("event_date").dt.year().cast(pl.Int64).alias("year"),
        pl.col("event_date").dt.month().cast(pl.Int64).alias("month"),
        *[(-pl.col(v)).alias(v) for v in values],
    )
    pieces = phases(moved, months="month" in keys)
    if "month" not in pieces.columns:
        pieces = pieces.with_columns(pl.lit(None, dtype=pl.Int64).alias("month"))
    spread = pieces.join(moved.select("id", *dims, *values), on="id").with_columns(
        *[shares_of(m, whole=_whole(m, sums_schema[m])).alias(m) for m in money]
    )
    low, high = years
    in_range = pl.lit(True)
    if low is not None:
        in_range = in_range & (pl.col("year") >= low)
    if high is not None:
        in_range = in_range & (pl.col("year") <= high)
    parts = [
        part.filter(in_range).select(*[pl.col(k).cast(sums_schema[k]) for k in keys], *values)
        for part in (event, spread)
    ]
    return (
        pl.concat(parts, how="vertical_relaxed")
        .group_by(keys)
        .agg(pl.col(v).sum() for v in values)
        .select(*keys, *[pl.col(v).cast(sums_schema[v]) for v in values])
    )


def _whole(name: str, dtype: pl.DataType) -> bool:
    return name.endswith("_cents") or dtype.is_integer()


def combined(sums: pl.DataFrame, adjustment: pl.DataFrame) -> pl.DataFrame:
    """``sums`` with ``adjustment`` (some of its numbers, by the same keys) added group by group.
    Any other column of the sums describes its group's dataset (whether it reports deliveries,
    say): a group the adjustment adds takes it from the dataset's other groups."""
    keys = _keys(sums.schema)
    numbers = [c for c in sums.columns if c not in keys and sums.schema[c].is_numeric()]
    described = [c for c in sums.columns if c not in keys and c not in numbers]
    grouped = (
        pl.concat([sums, adjustment], how="diagonal_relaxed")
        .group_by(keys)
        .agg(*[pl.col(c).sum() for c in numbers], *[pl.col(c).drop_nulls().first() for c in described])
    )
    if described and "dataset" in keys:
        grouped = grouped.with_columns(
            pl.col(c).fill_null(pl.col(c).max().over("dataset")) for c in described
        )
    return grouped.select(pl.col(c).cast(t) for c, t in sums.schema.items())


def _keys(schema: pl.Schema) -> list[str]:
    return [c for c in schema if c in (*DIMENSION_COLUMNS, "year", "month")]


def value_columns(sums: pl.DataFrame) -> tuple[list[str], list[str]]:
    """(money, counts) among the summed columns: entries and entries without a figure in a
    currency (``*_missing``) are counts, ``*_cents`` and fractional columns money; any other
    count (quantities only, say) is not moved, since such entries have no money to phase."""
    values = [c for c in sums.columns if c not in _keys(sums.schema)]
    counts = [c for c in values if c == "entries" or c.endswith("_missing")]
    money = [c for c in values if c.endswith("_cents") or sums.schema[c].is_float()]
    return money, counts


def entry_values(raw: pl.DataFrame, money: Sequence[str], counts: Sequence[str]) -> pl.DataFrame:
    """Each commitment's own contribution to every summed column, as the deltas count it: money
    that is not a finite number counts as not converted; ``eur_cents`` is the entry's own column
    when it has one, else ``eur`` in whole cents."""

    def figure(name: str) -> pl.Expr:
        base = name.removesuffix("_cents")
        if name in raw.columns:
            given = pl.col(name)
        elif base in raw.columns:
            given = pl.col(base) * 100 if name.endswith("_cents") else pl.col(base)
        elif f"{base}_cents" in raw.columns:
            given = pl.col(f"{base}_cents").cast(pl.Float64)
        else:
            return pl.lit(None, dtype=pl.Float64)
        return pl.when(given.cast(pl.Float64).is_finite()).then(given.cast(pl.Float64))

    exprs = []
    for name in money:
        value = figure(name).fill_null(0.0)
        exprs.append((value.round().cast(pl.Int64) if name.endswith("_cents") else value).alias(name))
    for name in counts:
        held = pl.lit(1) if name == "entries" else figure(name.removesuffix("_missing")).is_null()
        exprs.append(held.cast(pl.Int64).alias(name))
    return raw.with_columns(exprs)


# -- reading -----------------------------------------------------------------------------------------


def entry_conditions(table: FromClause, filters: LedgerFilter) -> list[ColumnElement[bool]]:
    """A filter's donors, categories and datasets (years are phased years: applied after phasing)."""
    found: list[ColumnElement[bool]] = []
    for column, values in (
        ("donor", filters.donors),
        ("category", filters.categories),
        ("dataset", filters.datasets),
    ):
        if values:
            found.append(table.c[column].in_(values))
    return found


def resolved(connection: Connection, filters: LedgerFilter, moment: datetime | None) -> LedgerFilter:
    """The filter with every other name of its donors (provenance/aliases.py), as totals take it."""
    if not filters.donors:
        return filters
    return replace(filters, donors=tuple(references_of(connection, filters.donors, moment)))


def spans_years(table: FromClause) -> ColumnElement[bool]:
    return and_(
        table.c.kind == "commitment",
        table.c.amount.is_not(None),
        table.c.period_start.is_not(None),
        table.c.period_end.is_not(None),
        extract("year", table.c.period_end) > extract("year", table.c.period_start),
    )


def multi_year_commitments(
    connection: Connection,
    moment: datetime | None,
    filters: LedgerFilter,
    *,
    stages: Sequence[str] = (),
) -> pl.DataFrame:
    """The commitments current at ``moment`` whose period spans more than one calendar year and
    that have an amount (a quantity alone has no value to phase), with their grouping columns,
    period, schedule and figures. Donors are the actors their codes name at ``moment``."""
    filters = resolved(connection, filters, moment)
    t = ledger_entry
    money = [c for c in ("eur", "usd", "eur_cents", "usd_cents") if c in t.c]
    names = [*ENTRY_COLUMNS, *DIMENSION_COLUMNS, "description", *money]
    conditions = [spans_years(t), *entry_conditions(t, filters)]
    if stages:
        conditions.append(t.c.stage.in_(stages))
    statement = known(t, moment, *(t.c[n] for n in names)).where(*conditions)
    schema = polars_schema(t)
    return as_actors(connection, query_frame(connection, statement, {n: schema[n] for n in names}), moment)


def phased_sums(
    connection: Connection,
    sums: pl.DataFrame,
    by: Sequence[str],
    moment: datetime | None,
    filters: LedgerFilter,
    phasing: str = "event",
    *,
    share_eu: bool = False,
) -> tuple[pl.DataFrame, str | None]:
    """Sums of the deltas (``reports.delta_sums``: by ``by`` and the other dimensions it adds, event
    phasing) as ``phasing`` counts them, and a note saying what was moved. The summed columns are taken as
    they come (``value_columns``); with ``share_eu`` (and a donor grouping) the sums had the EU
    institutions' figures shared out to the members, and so has what phasing moves."""
    if check_phasing(phasing) == "event":
        return sums, None
    years = (filters.year_from, filters.year_to)
    if "year" not in by and "month" not in by and years == (None, None):
        return sums, "spread phasing moves value between years only: these totals are the same either way"
    shared = share_eu and "donor" in by
    query = replace(filters, donors=(*filters.donors, EU)) if shared and filters.donors else filters
    raw = multi_year_commitments(connection, moment, query)
    if raw.is_empty():
        return sums, "spread phasing: no commitment with an amount has a period spanning several years"
    money, counts = value_columns(sums)
    moved = entry_values(raw, money, counts)
    adjustment = spread_adjustment(moved, sums.schema, money=money, counts=counts, years=years)
    if shared:
        from ltsplan.ledger.reference import eu_share_weights

        adjustment = share_out(adjustment, eu_share_weights(), values=tuple(money), counts=tuple(counts))
        if filters.donors:
            adjustment = adjustment.filter(pl.col("donor").is_in(filters.donors))
    note = (
        f"spread phasing: {raw.height} commitment(s) whose period spans several years are counted in "
        "those years (by their schedule, else pro rata by days) instead of the year of their date; "
        "such an entry counts in every year it reaches; see docs/ledger.md"
    )
    return combined(sums, adjustment), note
