"""What each year of a multi-year pledge still awaits: the part phased into the year (as spread
phasing counts it, ``ledger.phasing``), the deliveries linked to the pledge, and what remains once
everything delivered so far is set against the earliest years first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, select

from ltsplan.errors import LtsplanError
from ltsplan.ledger.model import PLEDGED_STAGES, ledger_entry
from ltsplan.ledger.phasing import (
    entry_conditions,
    multi_year_commitments,
    phases,
    resolved,
    shares_of,
    spans_years,
)
from ltsplan.ledger.reports import CURRENCIES, LedgerFilter
from ltsplan.report import Report
from ltsplan.store.db import flush_deferred, query_frame
from ltsplan.store.time import live_at, polars_schema

DUE_GROUPS = ("pledge", "donor", "recipient", "category", "subtype", "dataset")


def pledge_deliveries(connection: Connection, moment: datetime | None, filters: LedgerFilter) -> pl.DataFrame:
    """The deliveries current at ``moment`` linked to a multi-year pledge (a commitment at a pledged
    stage) current then: ``commitment_id``, ``event_date`` and figures."""
    filters = resolved(connection, filters, moment)
    d, c = ledger_entry.alias("d"), ledger_entry.alias("c")
    money = [n for n in ("eur", "usd", "eur_cents", "usd_cents") if n in d.c]
    statement = (
        select(d.c.commitment_id, d.c.event_date, *(d.c[n] for n in money))
        .join(c, c.c.id == d.c.commitment_id)
        .where(
            d.c.kind == "delivery",
            live_at(d, moment),
            live_at(c, moment),
            spans_years(c),
            c.c.stage.in_(PLEDGED_STAGES),
            *entry_conditions(c, filters),
        )
    )
    schema = polars_schema(ledger_entry)
    return query_frame(connection, statement, {n: schema[n] for n in ("commitment_id", "event_date", *money)})


def due_by_year(pledges: pl.DataFrame, deliveries: pl.DataFrame, value: str) -> pl.DataFrame:
    """For each pledge (``id``) and year: the part of its ``value`` phased into the year
    (``phased``), the deliveries linked to it dated in the year (``delivered``), and what of the
    year's part is still due (``still_due``) once everything delivered so far is set against the
    earliest years first. A year with deliveries but no part of the pledge (delivered before the
    period or after it) has a row of its own, so that the delivered column adds up. Worked in
    whole cents, as the totals are, so that the years add up to the pledge exactly."""
    figure = pl.when(pl.col(value).is_finite()).then((pl.col(value) * 100).round(0))
    parts = (
        phases(pledges)
        .join(pledges.select("id", figure.alias(value)), on="id")
        .select("id", pl.col("year").cast(pl.Int64), shares_of(value, whole=True).alias("phased"))
    )
    delivered = (
        deliveries.select(
            pl.col("commitment_id").alias("id"),
            pl.col("event_date").dt.year().cast(pl.Int64).alias("year"),
            figure.alias("delivered"),
        )
        .group_by("id", "year")
        .agg(pl.col("delivered").sum())
    )
    rows = parts.join(delivered, on=["id", "year"], how="full", coalesce=True).sort("id", "year")
    converted = pl.col("phased").is_not_null().any().over("id")
    rows = rows.with_columns(
        pl.when(converted).then(pl.col("phased").fill_null(0.0)).alias("phased"),
        pl.col("delivered").fill_null(0.0),
    )
    owed_by_then = pl.col("phased").cum_sum().over("id") - pl.col("delivered").sum().over("id")
    due = pl.min_horizontal(pl.max_horizontal(owed_by_then, pl.lit(0.0)), pl.col("phased"))
    rows = rows.with_columns(pl.when(converted).then(due).alias("still_due"))
    # Rounded again: Polars divides by multiplying by 0.01, which leaves 873400585.1800001.
    return rows.with_columns((pl.col("phased", "delivered", "still_due") / 100).round(2))


def still_due(
    connection: Connection,
    *,
    by: Sequence[str] = ("pledge",),
    currency: str = "EUR",
    moment: datetime | None = None,
    filters: LedgerFilter | None = None,
) -> Report:
    """Each multi-year pledge (or each group of them, by donor, category…) year by year: the part
    phased into the year, what was delivered against it, and what is still due, as known at
    ``moment``."""
    if currency.upper() not in CURRENCIES:
        raise LtsplanError(f"currency '{currency}' is not offered; use {' or '.join(CURRENCIES)}")
    chosen, value = filters or LedgerFilter(), currency.lower()
    if not by or len(set(by)) < len(by) or not set(by) <= set(DUE_GROUPS):
        raise LtsplanError(
            f"cannot group by {', '.join(by) or 'nothing'}; name each once, from {', '.join(DUE_GROUPS)}"
        )
    flush_deferred(connection)
    pledges = multi_year_commitments(connection, moment, chosen, stages=PLEDGED_STAGES)
    deliveries = pledge_deliveries(connection, moment, chosen)
    rows = due_by_year(pledges, deliveries, value)
    low, high = chosen.year_from, chosen.year_to
    if low is not None:
        rows = rows.filter(pl.col("year") >= low)
    if high is not None:
        rows = rows.filter(pl.col("year") <= high)
    amounts = ["phased", "delivered", "still_due"]
    if "pledge" in by:
        about = ["donor", "description", "period_start", "period_end"]
        groups = [g for g in by if g != "pledge"]
        frame = rows.join(pledges.select("id", *dict.fromkeys([*about, *groups])), on="id").select(
            pl.col("id").alias("pledge"), *dict.fromkeys([*about, *groups]), "year", *amounts
        )
        frame = frame.sort("donor", "pledge", "year")
    else:
        groups = list(by)
        frame = (
            rows.join(pledges.select("id", *groups), on="id")
            .group_by(*groups, "year")
            .agg(pl.col("id").n_unique().alias("pledges"), *[pl.col(a).sum() for a in amounts])
            .sort(*groups, "year")
        )
    notes = [
        "phased: a pledge's value by year (by its schedule, else pro rata by the days of its period); "
        "delivered: deliveries linked to it, in the year of their date; still due: what remains of "
        "each year's part once everything delivered so far is set against the earliest years first"
    ]
    unconverted = pledges.filter(pl.col(value).is_finite().not_() | pl.col(value).is_null()).height
    lost = deliveries.filter(pl.col(value).is_finite().not_() | pl.col(value).is_null()).height
    if unconverted or lost:
        notes.append(
            f"{unconverted} pledge(s) and {lost} deliveries have no {currency.upper()} figure (not "
            "converted, see docs/ledger.md): a pledge's figures are empty, a delivery is left out"
        )
    if pledges.is_empty():
        notes.append(
            "no pledge (a commitment at stage committed or later) has a period spanning several years"
        )
    if moment is not None:
        notes.append(f"as known on {moment:%Y-%m-%d %H:%M} UTC")
    return Report(
        title=f"Multi-year pledges: still due by year ({currency.upper()})",
        frame=frame,
        notes=notes,
        units=dict.fromkeys(amounts, currency.upper()),
        params={"by": list(by), "currency": currency.upper(), "as_of": moment},
    )
