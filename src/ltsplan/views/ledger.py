"""The ledger's lists and writes: totals, the donors on the map, fulfilment, lags, the monthly series,
entries, the sources behind any figure; creating and revising an entry with its source."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal
from urllib.parse import quote

import pycountry
from fastapi import Path, Query
from sqlalchemy import Connection

from ltsplan.charting.vega import base_spec, money_expr, money_label
from ltsplan.ledger import charts
from ltsplan.ledger import entries as ledger_queries
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.analytics import MEASURES
from ltsplan.ledger.reports import LedgerFilter, parse_dimensions
from ltsplan.listing import ListQuery, Page
from ltsplan.report import Report
from ltsplan.views.deps import AsOf, EntryYear, Month, Year
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


WORLD_ATLAS = "/static/vendor/world-atlas/countries-110m.json"  # world-atlas 2.0.2 (ISC; Natural Earth)
ATLAS_FILE = (
    FilePath(__file__).resolve().parents[1]
    / "web"
    / "static"
    / "vendor"
    / "world-atlas"
    / "countries-110m.json"
)
MapMeasure = Annotated[Literal["pledged", "allocated"], Query(description="The measure the maps show.")]


@views.list("/ledger/map", title="Donors on the map", row_links=figure_links)
def donor_map(
    connection: Connection,
    moment: AsOf,
    measure: MapMeasure = "pledged",
    currency: Currency = "EUR",
    gdp_year: Annotated[Year, Query(description="The year of GDP the shares are of.")] = 2021,
    share_eu: Annotated[
        bool, Query(description="Share the EU institutions' figures out to the member states.")
    ] = False,
    category: Category = None,
    dataset: Dataset = None,
    from_year: FromYear = None,
    to_year: ToYear = None,
) -> Report:
    """Support by donor, in money and as a share of the donor's GDP (of 2021, the Kiel tracker's
    year, unless gdp_year says otherwise): the data of the two maps on this page."""
    return donors_report(
        connection, moment, measure, currency, gdp_year, share_eu, category, dataset, from_year, to_year
    )


def donors_report(
    connection: Connection,
    moment: datetime | None,
    measure: str = "pledged",
    currency: str = "EUR",
    gdp_year: int = 2021,
    share_eu: bool = False,
    category: list[str] | None = None,
    dataset: list[str] | None = None,
    from_year: int | None = None,
    to_year: int | None = None,
) -> Report:
    """The totals by donor the maps show, with the measure and GDP year they show in its params."""
    report = ledger_reports.totals(
        connection,
        by=["donor"],
        currency=currency,
        moment=moment,
        filters=ledger_filter(None, category, dataset, from_year, to_year),
        gdp_year=gdp_year,
        share_eu=share_eu,
    )
    report.title = f"Donors on the map: {measure} by donor ({currency})"
    report.params.update(measure=measure, gdp_year=gdp_year)
    return report


@functools.cache
def atlas_ids() -> frozenset[str]:
    """The ISO 3166 numeric ids of the countries the vendored world atlas draws."""
    topology = json.loads(ATLAS_FILE.read_text(encoding="utf-8"))
    return frozenset(g["id"] for g in topology["objects"]["countries"]["geometries"] if g.get("id"))


def numeric_code(alpha3: str) -> str | None:
    """A donor's ISO 3166 numeric code (the atlas's ids), from its alpha-3 code; None for a donor that
    is no country (the EU institutions)."""
    country = pycountry.countries.get(alpha_3=alpha3) if len(alpha3) == 3 else None
    return country.numeric if country is not None else None


def map_values(
    report: Report, link: Callable[[str], str] | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The donors the maps colour (id: ISO numeric, donor: alpha-3, the measure in money and as a
    share of GDP) and, in words, the donors they cannot draw."""
    measure = report.params.get("measure", "pledged")
    currency = report.params.get("currency", "EUR")
    share = f"{measure}_pct_gdp"
    drawn, left_out = [], []
    for row in report.frame.iter_rows(named=True):
        donor, name, value = row["donor"], row.get("donor_name") or row["donor"], row.get(measure)
        code = numeric_code(donor)
        if code is None or code not in atlas_ids():
            why = "not a country" if code is None else "too small to draw at this scale"
            left_out.append(f"{name} ({donor}, {money_label(value, currency)}): {why}")
            continue
        drawn.append(
            {
                "id": code,
                "donor": donor,
                "name": name,
                "value": value,
                "value_text": money_label(value, currency),
                "share": row.get(share),
                "share_text": "not known" if row.get(share) is None else f"{row[share]:.3f}% of GDP",
                **({"href": link(donor)} if link is not None else {}),
            }
        )
    return drawn, left_out


def decades(values: list[dict[str, Any]]) -> list[float]:
    """The powers of ten within the mapped amounts: the labels of a logarithmic legend; the smallest
    and largest amount when no power of ten lies between them (one donor's €1,500)."""
    amounts = [v["value"] for v in values if v["value"] and v["value"] > 0]
    if not amounts:
        return []
    low, high = math.ceil(math.log10(min(amounts))), math.floor(math.log10(max(amounts)))
    return [10.0**k for k in range(low, high + 1)] or sorted({min(amounts), max(amounts)})


def donor_map_spec(
    report: Report, *, by: Literal["money", "share"], link: Callable[[str], str] | None = None
) -> dict[str, Any] | None:
    """A choropleth of the donors: the measure in money (a logarithmic scale: the largest donors give
    thousands of times what the smallest do) or as a share of GDP; the world atlas is loaded by URL
    from this server, and its countries matched to the donors by ISO numeric code."""
    values, _ = map_values(report, link)
    field = "value" if by == "money" else "share"
    if not any(isinstance(v[field], int | float) and v[field] > 0 for v in values):
        return None  # nothing to colour (no GDP figures, or no support above zero): no scale of nothing
    measure = report.params.get("measure", "pledged")
    currency = report.params.get("currency", "EUR")
    gdp_year = report.params.get("gdp_year")
    title = (
        f"{measure.capitalize()}, {currency}"
        if by == "money"
        else f"{measure.capitalize()}, % of {gdp_year} GDP"
    )
    colour: dict[str, Any] = {"field": field, "type": "quantitative", "title": title}
    if by == "money":
        colour.update(
            scale={"type": "log", "scheme": "blues"},
            legend={"labelExpr": money_expr("datum.value", currency), "values": decades(values)},
        )
    else:
        colour.update(scale={"scheme": "oranges", "zero": True}, legend={"format": ".1f"})
    atlas = {"url": WORLD_ATLAS, "format": {"type": "topojson", "feature": "countries"}}
    shown: dict[str, Any] = {
        "color": colour,
        "tooltip": [
            {"field": "name", "title": "donor"},
            {"field": "value_text", "title": f"{measure} ({currency})"},
            {"field": "share_text", "title": f"share of {gdp_year} GDP"},
        ],
    }
    if link is not None:
        shown["href"] = {"field": "href"}
    spec = base_spec(title, f"Map of {len(values)} donors coloured by {title}")
    spec.update(
        height=420,
        projection={"type": "equalEarth"},
        layer=[
            {
                "data": atlas,
                "mark": {"type": "geoshape", "fill": "#e8e8e8", "stroke": "white", "strokeWidth": 0.5},
                "encoding": {"tooltip": [{"field": "properties.name", "title": "country"}]},
            },
            {
                "data": atlas,
                "transform": [
                    {
                        "lookup": "id",
                        "from": {
                            "data": {"values": values},
                            "key": "id",
                            "fields": ["donor", "name", "value", "value_text", "share", "share_text", "href"],
                        },
                    },
                    {"filter": f"isValid(datum.{field}) && datum.{field} > 0"},
                ],
                "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.5},
                "encoding": shown,
            },
        ],
    )
    return spec


def map_pictures(
    connection: Connection, context: LinkContext, narrow: Callable[[Report], Report], **params: Any
) -> list[dict[str, Any]]:
    """The two maps of the map page (money, share of GDP), drawn from every donor, not the page of
    the table shown (narrowed by the list's column filters: ?donor__ne=USA)."""
    report = narrow(donors_report(connection, **params))
    link = lambda donor: context.href(f"/donors/{quote(donor, safe='')}")  # noqa: E731
    _, left_out = map_values(report)
    note = ("Not on the map: " + "; ".join(left_out) + ".") if left_out else ""
    measure, currency, year = (
        params.get("measure", "pledged"),
        report.params.get("currency", "EUR"),
        params.get("gdp_year", 2021),
    )
    drawn = [
        {
            "id": "map-money",
            "wide": True,
            "title": f"{measure.capitalize()} in {currency}",
            "spec": donor_map_spec(report, by="money", link=link),
            "report": report,
            "caption": f"Support {measure} by each donor, in {currency} (a logarithmic scale); a country leads "
            f"to its donor page. {note}",
        },
        {
            "id": "map-share",
            "wide": True,
            "title": f"{measure.capitalize()} as a share of {year} GDP",
            "spec": donor_map_spec(report, by="share", link=link),
            "report": report,
            "caption": f"Support {measure} by each donor as a percentage of its {year} GDP (World Bank); grey: "
            f"no support recorded, or no GDP figure. {note}",
        },
    ]
    return [d for d in drawn if d["spec"] is not None]


PICTURES = {"/ledger/map": map_pictures}


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
    year: Annotated[EntryYear | None, Query()] = None,
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
