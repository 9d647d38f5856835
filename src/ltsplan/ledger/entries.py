"""Ledger lists the ledger services do not offer yet, read straight from the store with the same
as-of helper: the entries themselves, one entry with its sources, and the sources behind a figure.
(Thin adapters for the web face; candidates to move into services/ledger_reports.py.)"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, and_, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from ltsplan.errors import InvalidInput, NotFound, Problem
from ltsplan.ledger.cube import ledger_copy
from ltsplan.ledger.model import ALLOCATED_STAGES, ENTRY, PLEDGED_STAGES, ledger_entry
from ltsplan.listing import ListQuery, Page
from ltsplan.provenance.model import CREDIBILITY, RELIABILITY, evidence, source
from ltsplan.provenance.reports import evidence_for, get_source
from ltsplan.report import Report
from ltsplan.store.db import query_frame
from ltsplan.store.pages import page_from_table
from ltsplan.store.time import live_at, polars_schema, version_at

# The entries' list: every field but the period, the value date and the note, and when it was known.
ENTRY_COLUMNS = [
    "id",
    *(c for c in ENTRY.columns if c not in ("period_start", "period_end", "value_date", "note")),
    "recorded_at",
]
MEASURES = ("announced", "pledged", "allocated", "delivered")


ENTRIES_TITLE = "Ledger entries"
ENTRIES_SORT = [("event_date", True)]
ENTRIES_UNITS = {"eur": "EUR", "usd": "USD"}


def entries(connection: Connection, moment: datetime | None, query: ListQuery, *, everything: bool) -> Page:
    shown = _page_in_memory(connection, moment, query, everything=everything)
    return page_in_sql(connection, moment, query, everything=everything) if shown is None else shown


def page_in_sql(
    connection: Connection, moment: datetime | None, query: ListQuery, *, everything: bool
) -> Page:
    """A page of entries sorted, filtered and cut in SQL (any query; ``entries`` asks the copy in
    memory first)."""
    return page_from_table(
        connection,
        ledger_entry,
        ENTRY_COLUMNS,
        [live_at(ledger_entry, moment)],
        query,
        title=ENTRIES_TITLE,
        everything=everything,
        default_sort=ENTRIES_SORT,
        units=ENTRIES_UNITS,
        params={"as_of": moment},
    )


def _page_in_memory(
    connection: Connection, moment: datetime | None, query: ListQuery, *, everything: bool
) -> Page | None:
    """A page of the whole list sorted by columns that are never empty, found in the ledger's copy
    in memory (ledger/cube.py) instead of sorting a million rows; None for anything else (filters,
    every row at once, a sort on a column that may be empty), which SQL answers."""
    sort = tuple(query.sort) or tuple(ENTRIES_SORT)
    if query.filters or (everything and not query.page_given):
        return None
    if any(c not in ENTRY_COLUMNS or ledger_entry.c[c].nullable for c, _ in sort):
        return None
    offset = (query.page - 1) * query.per_page
    found = ledger_copy(connection).entry_page(connection, sort, moment, offset, query.per_page)
    if found is None:
        return None
    total, row_ids = found
    types = polars_schema(ledger_entry)
    schema = {c: types[c] for c in ["row_id", *ENTRY_COLUMNS]}
    t = ledger_entry
    rows = query_frame(connection, select(*(t.c[c] for c in schema)).where(t.c.row_id.in_(row_ids)), schema)
    frame = _in_order(rows, row_ids)
    report = Report(ENTRIES_TITLE, frame, [], dict(ENTRIES_UNITS), params={"as_of": moment})
    return Page(report, total, query.page, query.per_page)


def _in_order(rows: pl.DataFrame, row_ids: list[int]) -> pl.DataFrame:
    """The entry columns of ``rows`` in the order of ``row_ids`` (an empty row where one is
    missing). Gathered by position when every row is there, as it is unless the table was edited
    by hand: a join and a drop cost two query plans (a third of a page's time)."""
    if rows.height == len(row_ids):
        position = {row_id: i for i, row_id in enumerate(rows.get_column("row_id").to_list())}
        if len(position) == len(row_ids) and all(r in position for r in row_ids):
            frame = pl.DataFrame([rows.get_column(c) for c in ENTRY_COLUMNS])
            return frame[[position[r] for r in row_ids]]
    return (
        pl.DataFrame({"row_id": row_ids}, schema={"row_id": rows.schema["row_id"]})
        .join(rows, on="row_id", how="left", maintain_order="left")
        .drop("row_id")
    )


def entry(connection: Connection, entry_id: str, moment: datetime | None) -> dict[str, Any]:
    found = version_at(connection, ledger_entry, entry_id, moment)
    if found is None:
        raise NotFound(
            f"no ledger entry with id '{entry_id}'" + (f" as of {moment:%Y-%m-%d}" if moment else "")
        )
    cited = [
        dict(r)
        for r in connection.execute(
            select(source).where(source.c.id == found["source_id"], live_at(source, moment))
        ).mappings()
    ]
    found["sources"] = cited + evidence_for(connection, "ledger_entry", entry_id, moment)
    return found


def measure_condition(measure: str | None) -> ColumnElement[bool] | None:
    """Which entries make up a measure (the same rule as ledger.analytics.measure_masks)."""
    t = ledger_entry
    if measure is None or measure == "":
        return None
    if measure == "announced":
        return and_(t.c.kind == "commitment", t.c.stage == "announced")
    if measure == "pledged":
        return and_(t.c.kind == "commitment", t.c.stage.in_(PLEDGED_STAGES))
    if measure == "allocated":
        return and_(t.c.kind == "commitment", t.c.stage.in_(ALLOCATED_STAGES))
    if measure == "delivered":
        return t.c.kind == "delivery"
    raise InvalidInput(
        [Problem(f"'{measure}' is not a measure; use one of {', '.join(MEASURES)}", field="measure")]
    )


def figure_conditions(
    moment: datetime | None,
    *,
    measure: str | None = None,
    donor: str | None = None,
    recipient: str | None = None,
    category: str | None = None,
    subtype: str | None = None,
    dataset: str | None = None,
    year: int | None = None,
    month: int | None = None,
) -> list[ColumnElement[bool]]:
    t = ledger_entry
    conditions: list[ColumnElement[bool]] = [live_at(t, moment)]
    for column, value in (
        ("donor", donor),
        ("recipient", recipient),
        ("category", category),
        ("subtype", subtype),
        ("dataset", dataset),
    ):
        if value:
            conditions.append(t.c[column] == value)
    if month is not None and year is None:
        raise InvalidInput([Problem("a month needs its year", field="month")])
    if year is not None:
        start = date(year, month or 1, 1)
        last = date(
            year, month or 12, calendar.monthrange(year, month or 12)[1]
        )  # 9999-12-31 has no next day
        conditions.extend([t.c.event_date >= start, t.c.event_date <= last])
    chosen = measure_condition(measure)
    if chosen is not None:
        conditions.append(chosen)
    return conditions


def provenance(
    connection: Connection, conditions: list[ColumnElement[bool]], moment: datetime | None
) -> Report:
    """The sources behind a ledger figure: for each source, how many entries and how much of the
    figure (EUR and USD) it supports. The rows add up to the figure."""
    t = ledger_entry
    grouped = (
        select(
            t.c.source_id,
            func.count().label("entries"),
            # In whole cents, as the totals are summed, so that the rows add up to the figure.
            (func.sum(func.round(t.c.eur * 100)) / 100.0).label("eur"),
            (func.sum(func.round(t.c.usd * 100)) / 100.0).label("usd"),
        )
        .where(and_(*conditions))
        .group_by(t.c.source_id)
        .subquery()
    )
    statement = select(
        grouped.c.source_id,
        source.c.title,
        source.c.publisher,
        source.c.kind,
        (source.c.reliability + cast(source.c.credibility, String)).label("grade"),
        grouped.c.entries,
        grouped.c.eur,
        grouped.c.usd,
    ).select_from(
        grouped.outerjoin(source, and_(source.c.id == grouped.c.source_id, live_at(source, moment)))
    )
    frame = query_frame(
        connection,
        statement,
        {
            "source_id": pl.Utf8,
            "title": pl.Utf8,
            "publisher": pl.Utf8,
            "kind": pl.Utf8,
            "grade": pl.Utf8,
            "entries": pl.Int64,
            "eur": pl.Float64,
            "usd": pl.Float64,
        },
    ).sort("eur", descending=True, nulls_last=True)
    return Report(
        "Sources behind the figure",
        frame,
        ["each source's share of the figure: the entries citing it and their EUR and USD values"],
        {"eur": "EUR", "usd": "USD"},
    )


def source_with_citations(connection: Connection, source_id: str, moment: datetime | None) -> dict[str, Any]:
    """One source, what its grade means, and the records that cite it."""
    found = get_source(connection, source_id, moment)
    found["grade"] = f"{found['reliability']}{found['credibility']}"
    found["reliability_means"] = RELIABILITY.get(found["reliability"])
    found["credibility_means"] = CREDIBILITY.get(found["credibility"])
    ledger = connection.execute(
        select(
            func.count(),
            func.sum(ledger_entry.c.eur),
            func.min(ledger_entry.c.event_date),
            func.max(ledger_entry.c.event_date),
        ).where(ledger_entry.c.source_id == source_id, live_at(ledger_entry, moment))
    ).one()
    found["ledger_entries"] = {
        "count": int(ledger[0]),
        "eur": ledger[1],
        "first": ledger[2],
        "last": ledger[3],
    }
    found["evidence"] = [
        dict(r)
        for r in connection.execute(
            select(evidence.c.record_kind, evidence.c.record_id, evidence.c.quote).where(
                evidence.c.source_id == source_id, live_at(evidence, moment)
            )
        ).mappings()
    ]
    return found
