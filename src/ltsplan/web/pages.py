"""Server-rendered pages, readable without JavaScript: the overview, a page per donor, source and
ledger entry, and an HTML page for every list view (the same data function as the JSON API).

Every page carries the as-of date: the picker is a GET form, and every link keeps ``as_of``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from ltsplan.errors import NotFound
from ltsplan.ledger import charts
from ltsplan.ledger import entries as ledger_queries
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.entries import source_with_citations
from ltsplan.ledger.reports import LedgerFilter
from ltsplan.listing import ListQuery, Page, page_of
from ltsplan.provenance.reports import actor_names
from ltsplan.readiness import evaluations
from ltsplan.readiness.reports import element_detail
from ltsplan.render import format_cell, shown_as
from ltsplan.report import Report
from ltsplan.views import ledger as ledger_views
from ltsplan.views import overview as dashboard
from ltsplan.views import pathway as pathway_views
from ltsplan.views import readiness as readiness_views
from ltsplan.views.deps import AsOf, Day
from ltsplan.views.lists import LinkContext, ListView, href

TEMPLATES = FilePath(__file__).parent / "templates"
NUMERIC = (pl.Float64, pl.Float32, pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt32, pl.UInt64)

router = APIRouter(include_in_schema=False)


def money(value: Any, currency: str = "EUR") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    magnitude = abs(float(value))
    for size, suffix in ((1e12, " trillion"), (1e9, " billion"), (1e6, " million")):
        if magnitude >= size:
            return f"{currency} {value / size:,.2f}{suffix}"
    return f"{currency} {shown_as(float(value), 0):,.0f}"


def spec_json(spec: dict[str, Any] | None) -> Markup:
    """A Vega-Lite spec as JSON safe inside a <script type="application/json"> element."""
    text = json.dumps(spec, default=str, allow_nan=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


def templates() -> Jinja2Templates:
    made = Jinja2Templates(directory=str(TEMPLATES))
    made.env.globals.update(cell=format_cell, money=money, spec_json=spec_json)
    return made


def kept_parameters(request: Request) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in ("as_of", "page")]


def nav(request: Request) -> list[tuple[str, str]]:
    as_of = request.query_params.get("as_of") or None
    items = [("Overview", href("/", as_of))]
    for view in request.app.state.views:
        if "{" not in view.path and view.path not in ("/ledger/provenance",):
            items.append((view.title, href(view.path, as_of)))
    return items


def context(request: Request, title: str, **extra: Any) -> dict[str, Any]:
    as_of = request.query_params.get("as_of") or None
    without_as_of = [(k, v) for k, v in request.query_params.multi_items() if k != "as_of"]
    return {
        "title": title,
        "as_of": as_of,
        "kept": kept_parameters(request),
        "today_href": request.url.path + (f"?{urlencode(without_as_of)}" if without_as_of else ""),
        "link": lambda path, **params: href(path, as_of, **params),
        "nav": nav(request),
        **extra,
    }


def table_of(report: Report, links: Any = None, link_context: LinkContext | None = None) -> dict[str, Any]:
    """A Report as the table macro shows it: headers with units, cells formatted, links per cell."""
    columns: list[dict[str, Any]] = [
        {
            "name": name,
            "unit": report.units.get(name),
            "numeric": dtype in NUMERIC,
        }
        for name, dtype in report.frame.schema.items()
    ]
    rows = []
    for row in report.frame.iter_rows(named=True):
        row_links = links(row, link_context) if links and link_context else {}
        rows.append(
            [
                {
                    "text": format_cell(row[c["name"]], c["unit"], column=c["name"]),
                    "href": row_links.get(c["name"]),
                    "numeric": c["numeric"],
                }
                for c in columns
            ]
        )
    return {"columns": columns, "rows": rows, "title": report.title, "notes": report.notes}


def render_list(request: Request, view: ListView, page: Page, params: dict[str, Any]) -> Response:
    as_of = request.query_params.get("as_of") or None
    link_context = LinkContext(as_of, params)
    sort = request.query_params.get("sort", "")
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("sort", "page")]

    def sort_href(column: str) -> str:
        direction = column if sort == f"-{column}" else f"-{column}"
        return request.url.path + "?" + urlencode([*kept, ("sort", direction)])

    chart = view.chart(page.report) if view.chart else None
    pictures = list_pictures(request, view, params, link_context)
    return request.app.state.templates.TemplateResponse(
        request,
        "pictures.html" if pictures else "list.html",
        context(
            request,
            page.report.title,
            view=view,
            page=page,
            table=table_of(page.report, view.row_links, link_context),
            chart=chart,
            pictures=pictures,
            sort=sort,
            sort_href=sort_href,
        ),
    )


# List pages that also show pictures drawn from the whole answer (a list's own chart sees only the
# page of rows shown): a list's path → its pictures (each domain's views module, PICTURES).
LIST_PICTURES: dict[str, Callable[..., list[dict[str, Any]]]] = {
    **ledger_views.PICTURES,
    **pathway_views.PICTURES,
    **readiness_views.PICTURES,
}
FALLBACK_ROWS = 200  # rows of a picture's table shown without scripts; its CSV has them all


def shown_pictures(drawn: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pictures as the templates show them: each with its report as the table shown without scripts."""
    shown = []
    for picture in drawn:
        report: Report = picture["report"]
        if report.frame.height > FALLBACK_ROWS:
            note = f"the first {FALLBACK_ROWS} of {report.frame.height} rows; the CSV has them all"
            report = Report(
                report.title, report.frame.head(FALLBACK_ROWS), [*report.notes, note], report.units
            )
        shown.append({**picture, "table": table_of(report)})
    return shown


def list_pictures(
    request: Request, view: ListView, params: dict[str, Any], link_context: LinkContext
) -> list[dict[str, Any]]:
    draw = LIST_PICTURES.get(view.path)
    if draw is None:
        return []
    # The list's column filters (not its paging) narrow a picture whose data have those columns.
    filters = ListQuery(filters=ListQuery.parse(request.query_params, view.own_parameters).filters)

    def narrow(report: Report) -> Report:
        if not all(column in report.frame.columns for column, _, _ in filters.filters):
            return report
        return page_of(report, filters, everything=True).report

    state = request.app.state
    asked = tuple(sorted((k, repr(v)) for k, v in params.items()))
    with state.database.reading() as connection:
        key = ("pictures", view.path, asked, filters, link_context.as_of, state.cache.stamp(connection))
        drawn = state.cache.get_or_compute(key, lambda: draw(connection, link_context, narrow, **params))
    return shown_pictures(drawn)


def _html(request: Request, template: str, title: str, **extra: Any) -> HTMLResponse:
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, template, context(request, title, **extra)
    )
    return response


@router.get("/", response_class=HTMLResponse)
async def overview_page(request: Request, moment: AsOf) -> HTMLResponse:
    data = await run_in_threadpool(lambda: dashboard.with_charts(dashboard.cached_overview(request, moment)))
    as_of = request.query_params.get("as_of") or None
    from ltsplan.views.ledger import figure_links

    link_context = LinkContext(as_of, {})
    panels = [
        {**p, "table": table_of(p["report"], p.get("row_links"), link_context) if p.get("report") else None}
        for p in data["panels"]
    ]
    return _html(
        request,
        "overview.html",
        "Overview",
        data=data,
        donors=table_of(data["top_donors"], figure_links, link_context),
        behind=table_of(data["behind"], figure_links, link_context),
        series=table_of(data["series"]),
        panels=panels,
    )


def donor_data(request: Request, code: str, moment: datetime | None) -> dict[str, Any]:
    with request.app.state.database.reading() as connection:
        only = LedgerFilter(donors=(code,))
        overall = ledger_reports.totals(connection, by=[], moment=moment, filters=only)
        if overall.frame.is_empty():
            raise NotFound(
                f"no ledger entries for donor '{code}'"
                + (f" as known on {moment:%Y-%m-%d}" if moment else "")
            )
        by_year = ledger_reports.totals(connection, by=["year", "category"], moment=moment, filters=only)
        series = ledger_reports.series(connection, moment=moment, filters=only)
        lags = ledger_reports.lags(connection, by=["category"], moment=moment, filters=only)
        conditions = ledger_queries.figure_conditions(moment, donor=code)
        sources = ledger_queries.provenance(connection, conditions, moment)
        name = actor_names(connection, moment).get(code, code)
    return {
        "code": code,
        "name": name,
        "figures": dashboard.headline(overall),
        "by_year": by_year,
        "series": series,
        "lags": lags,
        "sources": sources,
        "series_chart": charts.series_lines(series),
    }


@router.get("/donors/{code}", response_class=HTMLResponse)
async def donor_page(request: Request, code: Annotated[str, Path()], moment: AsOf) -> HTMLResponse:
    from ltsplan.views.ledger import figure_links, provenance_links

    data = await run_in_threadpool(donor_data, request, code, moment)
    as_of = request.query_params.get("as_of") or None
    link_context = LinkContext(as_of, {"donor": [code]})
    return _html(
        request,
        "donor.html",
        data["name"],
        data=data,
        by_year=table_of(data["by_year"], figure_links, link_context),
        series=table_of(data["series"]),
        lags=table_of(data["lags"]),
        sources=table_of(data["sources"], provenance_links, link_context),
    )


def _source(request: Request, source_id: str, moment: datetime | None) -> dict[str, Any]:
    with request.app.state.database.reading() as connection:
        return source_with_citations(connection, source_id, moment)


@router.get("/sources/{source_id}", response_class=HTMLResponse)
async def source_page(request: Request, source_id: Annotated[str, Path()], moment: AsOf) -> HTMLResponse:
    found = await run_in_threadpool(_source, request, source_id, moment)
    return _html(request, "source.html", found["title"], source=found)


def _entry(request: Request, entry_id: str, moment: datetime | None) -> dict[str, Any]:
    with request.app.state.database.reading() as connection:
        return ledger_queries.entry(connection, entry_id, moment)


@router.get("/ledger/entries/{entry_id}", response_class=HTMLResponse)
async def entry_page(request: Request, entry_id: Annotated[str, Path()], moment: AsOf) -> HTMLResponse:
    found = await run_in_threadpool(_entry, request, entry_id, moment)
    return _html(request, "entry.html", f"Ledger entry {entry_id[:12]}", entry=found)


def _element(
    request: Request, code: str, rule: str | None, on: date | None, moment: datetime | None
) -> dict[str, Any]:
    link_context = LinkContext(request.query_params.get("as_of") or None, {})
    with request.app.state.database.reading() as connection:
        targets, summary = element_detail(connection, code, rule, on, moment)
        day = summary["on"]
        return {
            "code": code,
            "summary": summary,
            "targets": targets,
            "evaluations": evaluations.evaluations_report(connection, element=code, on=day, moment=moment),
            "findings": evaluations.findings_report(connection, element=code, on=day, moment=moment),
            "pictures": readiness_views.element_pictures(
                connection, code, link_context, rule=rule, on=on, moment=moment
            ),
        }


@router.get("/readiness/elements/{code}", response_class=HTMLResponse)
async def element_page(
    request: Request,
    code: Annotated[str, Path()],
    moment: AsOf,
    rule: str | None = None,
    on: date | None = None,
) -> HTMLResponse:
    """One force element: its score under the rule, its targets with their latest assessments, its
    evaluations and findings — the same functions as /api/readiness/elements/{code}/…"""
    data = await run_in_threadpool(_element, request, code, rule, on, moment)
    name = data["summary"].get("name") or code
    return _html(
        request,
        "element.html",
        f"{name} ({code})",
        data=data,
        targets=table_of(data["targets"]),
        evaluations=table_of(data["evaluations"]),
        findings=table_of(data["findings"]),
        pictures=shown_pictures(data["pictures"]),
    )


def _decision(request: Request, code: str, on: date | None, moment: datetime | None) -> dict[str, Any]:
    link_context = LinkContext(request.query_params.get("as_of") or None, {})
    with request.app.state.database.reading() as connection:
        return pathway_views.decision_page(connection, code, link_context, moment, on)


@router.get("/pathway/decisions/{code}", response_class=HTMLResponse)
async def decision_page(
    request: Request,
    code: Annotated[str, Path()],
    moment: AsOf,
    on: Annotated[Day | None, Query()] = None,
) -> HTMLResponse:
    """One decision: who holds it up, since when and on what condition; its conditions, positions
    and the timeline of changes — the same functions as /api/pathway/…"""
    data = await run_in_threadpool(_decision, request, code, on, moment)
    link_context = LinkContext(request.query_params.get("as_of") or None, {})
    return _html(
        request,
        "decision.html",
        data["decision"]["title"],
        data=data,
        holdouts=table_of(data["holdouts"]),
        conditions=table_of(data["conditions"]),
        positions=table_of(data["positions"], pathway_views.source_links("sources"), link_context),
        changes=table_of(data["changes"]),
    )
