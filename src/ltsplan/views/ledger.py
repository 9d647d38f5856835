"""The ledger's lists and writes: totals, fulfilment, lags, the monthly series, entries, the
sources behind any figure; creating and revising an entry with its source."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.ledger import charts
from ltsplan.ledger import entries as ledger_queries
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.analytics import MEASURES
from ltsplan.ledger.reports import LedgerFilter, parse_dimensions
from ltsplan.listing import ListQuery, Page
from ltsplan.report import Report
from ltsplan.views.deps import AsOf, Month, Year
from ltsplan.views.lists import LinkContext, ListViews

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
FromYear = Annotated[Year | None, Query(description="Only entries dated in or after this year.")]
ToYear = Annotated[Year | None, Query(description="Only entries dated in or before this year.")]


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
    gdp_year: Annotated[Year | None, Query(description="Show shares of this year's GDP.")] = None,
    phasing: Annotated[
        Literal["event", "spread"],
        Query(
            description="event: a commitment counts in the year of its date; spread: one whose period "
            "spans several years counts in those years (by its schedule, else pro rata by days)."
        ),
    ] = "event",
) -> Report:
    """Announced, pledged, allocated and delivered by any grouping, with fulfilment and shares of GDP."""
    return ledger_reports.totals(
        connection,
        by=parse_dimensions(by),
        currency=currency,
        moment=moment,
        filters=ledger_filter(donor, category, dataset, from_year, to_year),
        gdp_year=gdp_year,
        phasing=phasing,
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
    year: Annotated[Year | None, Query()] = None,
    month: Annotated[Month | None, Query()] = None,
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
