"""The ledger's lists and writes: totals, fulfilment, lags, the monthly series, entries, the
sources behind any figure; creating and revising an entry with its source."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import Body, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from ltsplan.api import ledger_queries
from ltsplan.api.deps import AsOf, DatabaseDep, ReadingConnection
from ltsplan.api.listing import ListQuery, Page
from ltsplan.api.sources import SourceIn
from ltsplan.api.views import LinkContext, ListViews
from ltsplan.ledger.analytics import MEASURES
from ltsplan.ledger.model import LedgerBatch, conform
from ltsplan.report import Report
from ltsplan.services import ledger_reports
from ltsplan.services.ledger import write_batch
from ltsplan.services.ledger_reports import LedgerFilter, parse_dimensions
from ltsplan.store.history import utcnow
from ltsplan.store.ids import record_id
from ltsplan.web import charts

views = ListViews("ledger")

By = Annotated[
    str,
    Query(
        description="Group by any of donor, recipient, year, month, category, subtype, dataset, stage, kind."
    ),
]
Currency = Annotated[Literal["EUR", "USD"], Query(description="Reporting currency.")]
Donor = Annotated[list[str] | None, Query(description="Only these donors (ISO alpha-3 or actor code).")]
Category = Annotated[list[str] | None, Query(description="Only these categories.")]
Dataset = Annotated[list[str] | None, Query(description="Only entries from these datasets.")]
FromYear = Annotated[int | None, Query(description="Only entries dated in or after this year.")]
ToYear = Annotated[int | None, Query(description="Only entries dated in or before this year.")]


def ledger_filter(
    donor: list[str] | None,
    category: list[str] | None,
    dataset: list[str] | None,
    from_year: int | None = None,
    to_year: int | None = None,
) -> LedgerFilter:
    return LedgerFilter(tuple(donor or ()), tuple(category or ()), tuple(dataset or ()), from_year, to_year)


FIGURE_KEYS = ("donor", "recipient", "category", "subtype", "dataset", "year", "month")


def figure_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    """Every figure of a totals row links to the sources behind it; a donor to the donor's page."""
    keys = {k: row[k] for k in FIGURE_KEYS if row.get(k) is not None}
    for k in ("donor", "category", "dataset"):
        only = context.params.get(k)
        if k not in keys and only and len(only) == 1:
            keys[k] = only[0]
    links = {m: context.href("/ledger/provenance", measure=m, **keys) for m in MEASURES if m in row}
    if row.get("donor"):
        links["donor"] = context.href(f"/donors/{row['donor']}")
        links["donor_name"] = links["donor"]
    return links


@views.list("/ledger/totals", title="Support totals", chart=charts.totals_bars, row_links=figure_links)
def totals(
    connection: Connection,
    moment: AsOf,
    by: By = "donor",
    currency: Currency = "EUR",
    donor: Donor = None,
    category: Category = None,
    dataset: Dataset = None,
    from_year: FromYear = None,
    to_year: ToYear = None,
    gdp_year: Annotated[int | None, Query(description="Show shares of this year's GDP.")] = None,
) -> Report:
    """Announced, pledged, allocated and delivered by any grouping, with fulfilment and shares of GDP."""
    return ledger_reports.totals(
        connection,
        by=parse_dimensions(by),
        currency=currency,
        moment=moment,
        filters=ledger_filter(donor, category, dataset, from_year, to_year),
        gdp_year=gdp_year,
    )


@views.list("/ledger/fulfilment", title="Fulfilment", chart=charts.fulfilment_bars, row_links=figure_links)
def fulfilment(
    connection: Connection,
    moment: AsOf,
    by: By = "donor,category",
    currency: Currency = "EUR",
    donor: Donor = None,
    category: Category = None,
    dataset: Dataset = None,
) -> Report:
    """Pledged against delivered and allocated: who is behind on delivery, lowest rate first."""
    return ledger_reports.fulfilment(
        connection,
        by=parse_dimensions(by),
        currency=currency,
        moment=moment,
        filters=ledger_filter(donor, category, dataset),
    )


@views.list("/ledger/lags", title="Delivery lags", row_links=figure_links)
def lags(
    connection: Connection,
    moment: AsOf,
    by: By = "donor,category",
    donor: Donor = None,
    category: Category = None,
    dataset: Dataset = None,
) -> Report:
    """Days from commitment to delivery as a distribution (min, quartiles, p90, max, mean)."""
    return ledger_reports.lags(
        connection, by=parse_dimensions(by), moment=moment, filters=ledger_filter(donor, category, dataset)
    )


@views.list("/ledger/series", title="Pledged and delivered over time", chart=charts.series_lines)
def series(
    connection: Connection,
    moment: AsOf,
    currency: Currency = "EUR",
    donor: Donor = None,
    category: Category = None,
    dataset: Dataset = None,
) -> Report:
    """Pledged, allocated and delivered by month, with running totals."""
    return ledger_reports.series(
        connection, currency=currency, moment=moment, filters=ledger_filter(donor, category, dataset)
    )


def entry_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    links = {"id": context.href(f"/ledger/entries/{row['id']}")}
    if row.get("source_id"):
        links["source_id"] = context.href(f"/sources/{row['source_id']}")
    if row.get("donor"):
        links["donor"] = context.href(f"/donors/{row['donor']}")
    return links


@views.list("/ledger/entries", title="Ledger entries", row_links=entry_links)
def entries(connection: Connection, moment: AsOf, *, query: ListQuery, everything: bool) -> Page:
    """The entries themselves (paged in the database): filter on any column, e.g. donor=DEU."""
    return ledger_queries.entries(connection, moment, query, everything=everything)


def provenance_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    if not row.get("source_id"):
        return {}
    link = context.href(f"/sources/{row['source_id']}")
    return {"source_id": link, "title": link}


@views.list("/ledger/provenance", title="Sources behind a figure", row_links=provenance_links)
def provenance(
    connection: Connection,
    moment: AsOf,
    measure: Annotated[
        Literal["announced", "pledged", "allocated", "delivered"] | None,
        Query(description="Which measure the figure is."),
    ] = None,
    donor: Annotated[str | None, Query()] = None,
    recipient: Annotated[str | None, Query()] = None,
    category: Annotated[str | None, Query()] = None,
    subtype: Annotated[str | None, Query()] = None,
    dataset: Annotated[str | None, Query()] = None,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
) -> Report:
    """The sources behind one figure (a measure for a donor, category, year…), each with its grade
    and its share; the rows add up to the figure."""
    conditions = ledger_queries.figure_conditions(
        moment,
        measure=measure,
        donor=donor,
        recipient=recipient,
        category=category,
        subtype=subtype,
        dataset=dataset,
        year=year,
        month=month,
    )
    report = ledger_queries.provenance(connection, conditions, moment)
    described = ", ".join(
        f"{k} {v}"
        for k, v in (
            ("donor", donor),
            ("category", category),
            ("subtype", subtype),
            ("dataset", dataset),
            ("year", year),
            ("month", month),
        )
        if v
    )
    report.title = f"Sources behind {measure or 'all entries'}" + (f" — {described}" if described else "")
    return report


@views.list("/ledger/entries/{entry_id}/history", title="History of an entry")
def entry_history(connection: Connection, entry_id: Annotated[str, Path()]) -> Report:
    """Every version of one entry: each figure as recorded, and when it was replaced."""
    return ledger_reports.history(connection, entry_id)


@views.api.get("/ledger/entries/{entry_id}", summary="One ledger entry with its sources")
def get_entry(
    entry_id: Annotated[str, Path()], connection: ReadingConnection, moment: AsOf
) -> dict[str, Any]:
    return ledger_queries.entry(connection, entry_id, moment)


class EntryIn(BaseModel):
    """A ledger entry as a person writes it (docs/ledger.md); money is normalised on write."""

    dataset: str = Field("api", min_length=1, max_length=80)
    reference: str = Field(
        min_length=1, description="The entry's reference in its dataset (its natural key)."
    )
    kind: str = Field(description="commitment or delivery")
    stage: str = Field(description="announced, committed, allocated or delivered")
    donor: str = Field(min_length=1, max_length=64)
    recipient: str | None = Field(None, max_length=64)
    category: str
    subtype: str | None = None
    event_date: date
    period_start: date | None = None
    period_end: date | None = None
    amount: float | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    value_date: date | None = Field(
        None, description="The date the amount's value refers to; the event date when omitted."
    )
    item: str | None = None
    quantity: float | None = None
    description: str | None = None
    commitment_id: str | None = None
    source_id: str | None = Field(None, description="An existing source's id; or give `source`.")
    source: SourceIn | None = Field(None, description="A new source to record with the entry.")
    note: str | None = None


class EntryWritten(BaseModel):
    id: str
    inserted: int
    revised: int
    unchanged: int
    recorded_at: datetime


def _write(database: Any, entry_id: str, body: EntryIn) -> EntryWritten:
    values = body.model_dump(exclude={"source"})
    sources = []
    if body.source is not None:
        made = body.source.to_source()
        sources.append(made)
        values["source_id"] = values["source_id"] or made.id
    values["id"] = entry_id
    values["value_date"] = values["value_date"] or values["event_date"]
    values["_line"] = 1
    frame = conform(pl.DataFrame([values], infer_schema_length=None), keep_meta=True)
    recorded_at = utcnow()
    with database.transaction() as connection:
        summary = write_batch(
            connection,
            LedgerBatch(entries=frame, sources=sources),
            recorded_at=recorded_at,
            file="request body",
        )
    e = summary.entries
    return EntryWritten(
        id=entry_id, inserted=e.inserted, revised=e.revised, unchanged=e.unchanged, recorded_at=recorded_at
    )


@views.api.post("/ledger/entries", status_code=201, summary="Record a ledger entry (and its source)")
def create_entry(database: DatabaseDep, body: Annotated[EntryIn, Body()]) -> EntryWritten:
    """The entry's id comes from its dataset and reference, so posting the same entry twice
    records it once; every problem is listed (422) and nothing is written."""
    return _write(database, record_id(body.dataset, body.reference), body)


@views.api.put("/ledger/entries/{entry_id}", summary="Revise a ledger entry")
def revise_entry(
    database: DatabaseDep,
    connection: ReadingConnection,
    entry_id: Annotated[str, Path()],
    body: Annotated[EntryIn, Body()],
) -> EntryWritten:
    """A new version replaces the live one (the old stays in the entry's history)."""
    ledger_queries.entry(connection, entry_id, None)
    return _write(database, entry_id, body)
