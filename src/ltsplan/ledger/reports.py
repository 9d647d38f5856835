"""Ledger questions: totals, fulfilment, delivery lags, history and the pledged-vs-delivered series.

Totals read the aggregates maintained on write (``ledger_total_delta``), so they answer in
milliseconds over millions of entries, today or as of any past date.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Float, FromClause, and_, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from ltsplan.errors import InvalidInput, LtsplanError, NotFound, Problem
from ltsplan.ledger import analytics
from ltsplan.ledger.cube import LAG_KEYS, SUMMED, counted_lags, lag_histogram, lag_pairs, ledger_copy
from ltsplan.ledger.datasets import datasets_not_reporting
from ltsplan.ledger.model import gdp, ledger_entry, ledger_total_delta
from ltsplan.ledger.money import rates_for
from ltsplan.ledger.phasing import phased_sums
from ltsplan.provenance.aliases import references_of, summed_as_actors
from ltsplan.provenance.reports import actor_names
from ltsplan.report import Report
from ltsplan.store.db import flush_deferred, query_frame
from ltsplan.store.time import history_at, ids_starting_with, live_at, until

CURRENCIES = ("EUR", "USD")


@dataclass(frozen=True)
class LedgerFilter:
    donors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def checks(self) -> list[tuple[str, str, Any]]:
        """The filter as (column, test, value), written in SQL by ``conditions`` and applied to the
        copy in memory (``cube.TESTS``) from this one list."""
        found: list[tuple[str, str, Any]] = [
            (column, "in", values)
            for column, values in (
                ("donor", self.donors),
                ("category", self.categories),
                ("dataset", self.datasets),
            )
            if values
        ]
        if self.year_from is not None:
            found.append(("year", ">=", self.year_from))
        if self.year_to is not None:
            found.append(("year", "<=", self.year_to))
        return found

    def conditions(self, table: FromClause) -> list[ColumnElement[bool]]:
        """The filter in SQL, over ``table``'s columns (a table without years is not filtered by
        year)."""
        return [
            _IN_SQL[test](table.c[column], value)
            for column, test, value in self.checks()
            if column != "year" or "year" in table.c
        ]


_IN_SQL: dict[str, Callable[[Any, Any], Any]] = {
    "in": lambda column, values: column.in_(values),
    ">=": operator.ge,
    "<=": operator.le,
}


def parse_dimensions(text: str) -> list[str]:
    """``by`` as given (dimensions separated by commas), each known and named once."""
    by = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [b for b in by if b not in analytics.DIMENSIONS]
    repeated = sorted({b for b in by if by.count(b) > 1})
    problems = []
    if unknown:
        choices = ", ".join(analytics.DIMENSIONS)
        problems.append(Problem(f"cannot group by {', '.join(unknown)}; choose from {choices}", field="by"))
    if repeated:
        problems.append(Problem(f"{', '.join(repeated)} is named more than once; name each once", field="by"))
    if problems:
        raise InvalidInput(problems, problems[0].message)
    return by


def _currency(currency: str) -> tuple[str, str]:
    code = currency.upper()
    if code not in CURRENCIES:
        raise LtsplanError(f"currency '{currency}' is not offered; use EUR or USD")
    return code.lower(), f"{code.lower()}_missing"


def delta_sums(
    connection: Connection, by: list[str], moment: datetime | None, filters: LedgerFilter
) -> pl.DataFrame:
    """Sums of the maintained deltas up to ``moment``, by ``by`` + kind + stage + dataset, money in
    whole cents (summed as floats: exact below 2^53 cents, and never overflowing), with whether
    each row's dataset reports deliveries (``analytics.REPORTS_DELIVERIES``)."""
    keys = list(dict.fromkeys([*by, "kind", "stage", "dataset"]))
    sums = _summed(connection, keys, moment, filters)
    if "donor" in keys:
        sums = summed_as_actors(connection, sums, keys, moment)
    silent = datasets_not_reporting(connection, "deliveries", moment)
    reports = [None if d is None else d not in silent for d in sums.get_column("dataset").to_list()]
    return sums.hstack([pl.Series(analytics.REPORTS_DELIVERIES, reports, dtype=pl.Boolean)])


def _summed(
    connection: Connection, keys: list[str], moment: datetime | None, filters: LedgerFilter
) -> pl.DataFrame:
    """The deltas up to ``moment`` summed by ``keys`` as stored: donors as the entries name them."""
    filters = _as_stored(connection, filters, moment)
    sums = ledger_copy(connection).delta_sums(connection, keys, moment, filters.checks())
    return _summed_in_sql(connection, keys, moment, filters) if sums is None else sums


def _as_stored(connection: Connection, filters: LedgerFilter, moment: datetime | None) -> LedgerFilter:
    """``filters`` as the stored rows name things: a donor by every name its entries may give it
    (provenance/aliases.py); this transaction's own writes are flushed first, so that they count."""
    flush_deferred(connection)
    if not filters.donors:
        return filters
    return replace(filters, donors=tuple(references_of(connection, filters.donors, moment)))


def _summed_in_sql(
    connection: Connection, keys: list[str], moment: datetime | None, filters: LedgerFilter
) -> pl.DataFrame:
    """``delta_sums``' sums read in SQL: by a writing connection, whose own uncommitted deltas count,
    or one whose snapshot predates the copy in memory (ledger/cube.py)."""
    t = ledger_total_delta
    conditions = filters.conditions(t)
    happened = until(t.c.at, moment)
    if happened is not None:
        conditions.append(happened)
    statement = select(
        *[t.c[k] for k in keys],
        *[func.sum(cast(t.c[s], Float) if s.endswith("_cents") else t.c[s]).label(s) for s in SUMMED],
    ).group_by(*[t.c[k] for k in keys])
    if conditions:
        statement = statement.where(and_(*conditions))
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        k: (pl.Int64 if k in ("year", "month") else pl.Utf8) for k in keys
    }
    schema.update({s: pl.Float64 if s.endswith("_cents") else pl.Int64 for s in SUMMED})
    return query_frame(connection, statement, schema)


def totals(
    connection: Connection,
    *,
    by: list[str],
    currency: str = "EUR",
    moment: datetime | None = None,
    filters: LedgerFilter = LedgerFilter(),
    top: int | None = None,
    gdp_year: int | None = None,
    share_eu: bool = False,
    phasing: str = "event",
    sums: pl.DataFrame | None = None,
) -> Report:
    """Pledged, allocated and delivered by ``by``; ``sums`` are ``delta_sums`` already read for this
    moment and filters by ``by`` or more (so that one reading serves several groupings)."""
    value, missing = _currency(currency)
    notes = []
    if sums is None and share_eu and "donor" in by:
        sums, share_note = _shared_eu(connection, by, moment, filters)
        notes.append(share_note)
    elif sums is None:
        sums = delta_sums(connection, by, moment, filters)
    # Multi-year commitments counted over their periods' years instead of their event year.
    sums, phasing_note = phased_sums(connection, sums, by, moment, filters, phasing, share_eu=share_eu)
    notes.extend([phasing_note] if phasing_note else [])
    frame = analytics.totals(sums, by, value, missing)
    units = dict.fromkeys(analytics.MEASURES, currency.upper())
    units.update(fulfilment="share", allocation_rate="share")
    if "donor" in by:
        names = actor_names(connection, moment)
        shown = [names.get(d, d) for d in frame.get_column("donor").to_list()]
        others = [frame.get_column(c) for c in frame.columns if c != "donor"]
        # Built from its columns: a select costs a query plan (some 25 µs on a few rows).
        frame = pl.DataFrame(
            [frame.get_column("donor"), pl.Series("donor_name", shown, dtype=pl.Utf8), *others]
        )
        frame, gdp_note = _with_gdp_share(connection, frame, sums, by, moment, gdp_year)
        if gdp_note:
            notes.append(gdp_note)
        units.update(pledged_pct_gdp="% of GDP", allocated_pct_gdp="% of GDP")
    if top:
        frame = frame.sort("pledged", descending=True).head(top)
    notes.extend(_coverage_notes(connection, frame, sums, currency.upper(), moment, filters))
    if moment is not None:
        notes.append(f"as known on {moment:%Y-%m-%d %H:%M} UTC")
    return Report(
        title=f"Support by {' × '.join(by) or 'all'} ({currency.upper()})",
        frame=frame,
        notes=notes,
        units=units,
        params={"by": by, "currency": currency.upper(), "as_of": moment, "top": top, "phasing": phasing},
    )


def counted(number: int, one: str, many: str) -> str:
    """``number`` with the words that go with it: "1 entry has", "2,023 entries have"."""
    return f"1 {one}" if number == 1 else f"{number:,} {many}"


def _coverage_notes(
    connection: Connection,
    frame: pl.DataFrame,
    sums: pl.DataFrame,
    currency: str,
    moment: datetime | None,
    filters: LedgerFilter,
) -> list[str]:
    """What the figures leave out, and why: amounts with no figure in ``currency`` (named by their
    currencies and dates), entries that give quantities only, and data that report no deliveries."""
    notes = []
    not_converted = int(frame.get_column("not_converted").sum())
    if not_converted:
        causes = unconverted_causes(connection, currency, moment, filters)
        notes.append(
            f"{counted(not_converted, 'entry has', 'entries have')} an amount with no {currency} figure "
            f"({causes}) and {'is' if not_converted == 1 else 'are'} left out of the sums; see docs/ledger.md"
        )
    quantity_only = int(frame.get_column("quantity_only").sum())
    if quantity_only:
        notes.append(
            f"{counted(quantity_only, 'entry gives', 'entries give')} a quantity and no amount; "
            f"{'it is' if quantity_only == 1 else 'they are'} counted, not summed"
        )
    reports = zip(
        sums.get_column("dataset").to_list(),
        sums.get_column(analytics.REPORTS_DELIVERIES).to_list(),
        strict=True,
    )
    silent = sorted({d for d, reported in reports if reported is False and d is not None})
    if silent:
        shown = ", ".join(silent[:5]) + ("…" if len(silent) > 5 else "")
        notes.append(
            f"{shown} report no deliveries: where a row's data are only these, delivered and "
            "fulfilment are not reported (empty), not 0 %; the allocation rate (allocated ÷ "
            "pledged) is the tracker's own measure"
        )
    return notes


def unconverted_causes(
    connection: Connection, currency: str, moment: datetime | None, filters: LedgerFilter
) -> str:
    """Why entries have no figure in ``currency``, by the currencies they are in (most first): one
    the ECB never quoted, one whose quotes stopped, or a date outside the quotes."""
    sums = _summed(connection, ["currency"], moment, filters)
    missing = zip(
        sums.get_column("currency").to_list(),
        sums.get_column(f"{currency.lower()}_missing").to_list(),
        strict=True,
    )
    # Most first, then by code (no currency last).
    counted = sorted(((c, n) for c, n in missing if n), key=lambda cn: (-cn[1], cn[0] is None, cn[0] or ""))
    table = rates_for(connection)
    parts = []
    for code, count in counted[:4]:
        if code is None:
            why = "no currency given"
        elif code not in table.currencies:
            why = f"{code}, which the ECB does not quote"
        elif table.converted_until(code) is not None:  # the table's own rule for a stopped currency
            why = f"{code}, dated after its last ECB quote ({table.last_quote(code)})"
        else:
            why = f"{code}, dated outside the ECB's quotes ({table.first_day} to {table.last_day})"
        parts.append(f"{int(count):,} in {why}")
    return "; ".join(parts) or "see the entries"


def _shared_eu(
    connection: Connection, by: list[str], moment: datetime | None, filters: LedgerFilter
) -> tuple[pl.DataFrame, str]:
    """Sums with the EU institutions' figures shared out to the members (ledger/eu_shares.py)."""
    from dataclasses import replace

    from ltsplan.ledger.eu_shares import EU, share_out
    from ltsplan.ledger.reference import eu_share_weights

    wanted = filters.donors
    query = replace(filters, donors=(*wanted, EU)) if wanted else filters
    sums = share_out(delta_sums(connection, by, moment, query), eu_share_weights())
    if wanted:
        sums = sums.filter(pl.col("donor").is_in(wanted))
    note = (
        "EU institutions' figures shared out to the 27 members in proportion to their attributed "
        "shares (Kiel tracker release 29, eu_aid_shares.csv); see docs/kiel.md"
    )
    return sums, note


def _with_gdp_share(
    connection: Connection,
    frame: pl.DataFrame,
    sums: pl.DataFrame,
    by: list[str],
    moment: datetime | None,
    gdp_year: int | None,
) -> tuple[pl.DataFrame, str | None]:
    """Pledged and allocated as % of the donor's GDP: of the same year when grouped by year,
    otherwise of a fixed year (the Kiel tracker uses 2021)."""
    if "year" not in by and gdp_year is None:
        return frame, None
    rows = connection.execute(select(gdp.c.country, gdp.c.year, gdp.c.usd).where(live_at(gdp, moment))).all()
    if not rows:
        return (
            frame,
            "no GDP figures are loaded, so no share of GDP is shown (ltsplan demo loads them)",
        )
    table = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"donor": pl.Utf8, "gdp_year": pl.Int64, "gdp_usd": pl.Float64},
        orient="row",
    )
    usd = analytics.totals(sums, by, "usd", "usd_missing").select(
        *by, pl.col("pledged").alias("pledged_usd"), pl.col("allocated").alias("allocated_usd")
    )
    joined = frame.join(usd, on=by, how="left")
    if gdp_year is not None:
        joined = joined.with_columns(pl.lit(gdp_year, dtype=pl.Int64).alias("gdp_year"))
    else:
        joined = joined.with_columns(pl.col("year").cast(pl.Int64).alias("gdp_year"))
    joined = joined.join(table, on=["donor", "gdp_year"], how="left").with_columns(
        (pl.col("pledged_usd") / pl.col("gdp_usd") * 100).alias("pledged_pct_gdp"),
        (pl.col("allocated_usd") / pl.col("gdp_usd") * 100).alias("allocated_pct_gdp"),
    )
    basis = f"of {gdp_year} GDP" if gdp_year is not None else "of the same year's GDP"
    note = f"% of GDP: in current USD at each value date's ECB rate, {basis} (World Bank, NY.GDP.MKTP.CD)"
    return joined.drop("pledged_usd", "allocated_usd", "gdp_usd", "gdp_year"), note


def fulfilment(
    connection: Connection,
    *,
    by: list[str] | None = None,
    currency: str = "EUR",
    moment: datetime | None = None,
    filters: LedgerFilter = LedgerFilter(),
) -> Report:
    """Pledged against delivered (and allocated) by donor and category, worst fulfilment first."""
    groups = by or ["donor", "category"]
    return fulfilment_of(totals(connection, by=groups, currency=currency, moment=moment, filters=filters))


def fulfilment_of(report: Report) -> Report:
    """A totals report as fulfilment: worst first, without what fulfilment does not compare."""
    keep = [c for c in report.frame.columns if c not in ("announced", "pledged_pct_gdp", "allocated_pct_gdp")]
    by = " × ".join(report.params["by"]) or "all"
    # Worst first, those with no fulfilment last (NaN sorts last), ties in the totals' order.
    fulfilment = report.frame.get_column("fulfilment").cast(pl.Float64).to_numpy()
    worst_first = np.argsort(fulfilment, kind="stable")
    return replace(
        report,
        title=f"Fulfilment by {by} ({report.params['currency']})",
        frame=report.frame[keep][worst_first],
        notes=list(report.notes),
    )


def lag_counts(
    connection: Connection, by: list[str], moment: datetime | None, filters: LedgerFilter
) -> pl.DataFrame:
    """Deliveries linked to a commitment, both as known at ``moment``, counted by ``by`` and by the
    days from the commitment's date to the delivery's (``lag_days``, ``deliveries``)."""
    # Lags have no year: a year filter does not apply to them.
    where = replace(_as_stored(connection, filters, moment), year_from=None, year_to=None)
    counts = ledger_copy(connection).lag_counts(connection, by, moment, where.checks())
    if counts is None:
        pairs = lag_pairs(connection, where.conditions)
        counts = counted_lags(lag_histogram(pairs), by, moment, [])
    if "donor" in by:
        counts = summed_as_actors(connection, counts, [*by, "lag_days"], moment)
    return counts


def lags(
    connection: Connection,
    *,
    by: list[str] | None = None,
    moment: datetime | None = None,
    filters: LedgerFilter = LedgerFilter(),
) -> Report:
    groups = by if by is not None else ["donor", "category"]
    unknown = [g for g in groups if g not in LAG_KEYS]
    if unknown:
        raise InvalidInput(
            [
                Problem(
                    f"lags cannot be grouped by {', '.join(unknown)}; choose from {', '.join(LAG_KEYS)}",
                    field="by",
                )
            ]
        )
    counts = lag_counts(connection, groups, moment, filters)
    frame = analytics.lag_distribution(counts, groups)
    notes = ["days from the commitment's date to each delivery linked to it"]
    if counts.is_empty():
        notes.append("no delivery is linked to a commitment yet, so there is no lag to show")
    units = dict.fromkeys(("min", *analytics.LAG_QUANTILES, "max", "mean"), "days")
    return Report(
        f"Delivery lag by {' × '.join(groups) or 'all'}",
        frame,
        notes,
        units,
        params={"by": groups, "as_of": moment},
    )


def series(
    connection: Connection,
    *,
    currency: str = "EUR",
    moment: datetime | None = None,
    filters: LedgerFilter = LedgerFilter(),
) -> Report:
    value, _ = _currency(currency)
    sums = delta_sums(connection, ["year", "month"], moment, filters)
    frame = analytics.cumulative_series(sums, value)
    units = {c: currency.upper() for c in frame.columns if c != "period"}
    return Report(
        f"Pledged, allocated and delivered over time ({currency.upper()})",
        frame,
        [],
        units,
        params={"currency": currency.upper(), "as_of": moment},
    )


def history(connection: Connection, record: str, moment: datetime | None = None) -> Report:
    """Every version of one ledger entry: what was recorded when, and what replaced it (as known
    at ``moment``: later versions are left out and a later retraction is not yet shown)."""
    matches = list(ids_starting_with(connection, ledger_entry, record))
    if not matches:
        raise NotFound(f"no ledger entry has an id starting with '{record}'")
    if len(matches) > 1:
        raise LtsplanError(f"'{record}' matches several entries ({', '.join(matches)}); give more of the id")
    versions = history_at(connection, ledger_entry, matches[0], moment)
    if not versions and moment is not None:
        raise NotFound(f"ledger entry {matches[0]} was not yet known on {moment:%Y-%m-%d}")
    columns = [
        "recorded_at",
        "retracted_at",
        "stage",
        "event_date",
        "amount",
        "currency",
        "value_date",
        "eur",
        "usd",
        "quantity",
        "item",
        "donor",
        "category",
        "subtype",
        "source_id",
        "note",
    ]
    frame = pl.DataFrame([{c: v[c] for c in columns} for v in versions], infer_schema_length=None)
    return Report(
        f"History of ledger entry {matches[0]}",
        frame,
        [f"{len(versions)} version(s); the live one has no retracted_at"],
        params={"id": matches[0], "as_of": moment},
    )
