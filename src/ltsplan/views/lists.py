"""One data function, many renderers. A domain module declares each of its lists once:

    views = ListViews("ledger")

    @views.list("/ledger/totals", title="Totals", chart=charts.totals_bar)
    def totals(connection: Connection, moment: AsOf, by: Annotated[str, Query()] = "donor") -> Report:
        return ledger_reports.totals(connection, by=..., moment=moment)

and gets ``GET /api/ledger/totals`` (JSON; ``?format=csv`` or ``/api/ledger/totals.csv`` for CSV),
``GET /ledger/totals`` (an HTML page with the table, its chart and a CSV link), filtering, sorting,
paging and caching — all from the same function (see listing.py for the query parameters).
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, Problem
from ltsplan.listing import ListQuery, Page, page_links, page_of
from ltsplan.render import to_csv
from ltsplan.report import Report
from ltsplan.views.cache import answered

RowLinks = Callable[[dict[str, Any], "LinkContext"], dict[str, str]]
Chart = Callable[[Report], dict[str, Any] | None]
INJECTED = ("connection", "query", "everything", "database")


@dataclass(frozen=True)
class LinkContext:
    """What a page's links carry along: the as-of date, and the view's own parameters."""

    as_of: str | None
    params: dict[str, Any]

    def href(self, path: str, **params: Any) -> str:
        return href(path, self.as_of, **params)


def href(path: str, as_of: str | None = None, **params: Any) -> str:
    """A link that keeps the as-of date (every page's links carry it)."""
    pairs = [(k, str(v)) for k, v in params.items() if v is not None and v != ""]
    if as_of:
        pairs.append(("as_of", as_of))
    return path + (f"?{urlencode(pairs)}" if pairs else "")


def link_column(column: str, path: str) -> RowLinks:
    """Row links making ``column`` a link to ``path`` with the row's value for ``{}`` (none when empty)."""

    def links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
        value = row.get(column)
        return {column: context.href(path.format(value))} if value else {}

    return links


def panel(
    title: str,
    report: Report,
    *,
    csv: str,
    more: str,
    columns: tuple[str, ...] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One panel of the overview: a report (only those of ``columns`` it has, when given), the CSV
    behind it and the page with more; ``extra`` adds keys such as ``row_links`` or ``chart``."""
    if columns is not None:
        keep = [c for c in columns if c in report.frame.columns]
        report = Report(report.title, report.frame.select(keep), report.notes, report.units)
    return {"title": title, "report": report, "csv": csv, "more": more, **extra}


@dataclass
class ListView:
    path: str
    title: str
    module: str
    description: str
    function: Callable[..., Report | Page]
    chart: Chart | None = None
    row_links: RowLinks | None = None
    own_parameters: set[str] = field(default_factory=set)


class ListViews:
    """The lists of one domain, with the API router and the web router they are served on."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.api = APIRouter(prefix="/api", tags=[module])
        self.web = APIRouter(include_in_schema=False)
        self.views: list[ListView] = []

    def list(
        self,
        path: str,
        *,
        title: str,
        chart: Chart | None = None,
        row_links: RowLinks | None = None,
    ) -> Callable[[Callable[..., Report | Page]], Callable[..., Report | Page]]:
        def decorate(function: Callable[..., Report | Page]) -> Callable[..., Report | Page]:
            description = inspect.getdoc(function) or title
            view = ListView(path, title, self.module, description, function, chart, row_links)
            signature = _exposed_signature(function)
            view.own_parameters = {p for p in signature.parameters if p != "moment"}
            self.views.append(view)
            api = _endpoint(view, signature, html=False)
            # The suffixed addresses first: a path parameter matches any segment, so
            # ``/elements/{code}`` registered first would take ``/elements/BN1.csv`` as code "BN1.csv".
            for suffix in (".csv", ".json", ""):
                self.api.add_api_route(
                    path + suffix,
                    api,
                    methods=["GET"],
                    summary=title + {"": "", ".csv": " (CSV)", ".json": " (JSON)"}[suffix],
                    description=description,
                    name=f"{path.strip('/').replace('/', '_')}{suffix.replace('.', '_')}",
                    response_class=Response,
                    include_in_schema=suffix != ".json",
                )
            self.web.add_api_route(path, _endpoint(view, signature, html=True), methods=["GET"])
            return function

        return decorate


def _exposed_signature(function: Callable[..., Any]) -> inspect.Signature:
    """The function's parameters FastAPI should see: its own, with annotations resolved in the
    function's module, without the connection and query this module supplies."""
    hints = typing.get_type_hints(function, include_extras=True)
    signature = inspect.signature(function)
    parameters = [
        p.replace(annotation=hints.get(p.name, p.annotation), kind=inspect.Parameter.KEYWORD_ONLY)
        for p in signature.parameters.values()
        if p.name not in INJECTED
    ]
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


def output_format(request: Request, html: bool) -> str:
    if html:
        return "html"
    path = request.url.path
    if path.endswith(".csv"):
        return "csv"
    if path.endswith(".json"):
        return "json"
    fmt = request.query_params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidInput([Problem(f"'{fmt}' is not a format; use json or csv", field="format")])
    return fmt


def _endpoint(view: ListView, signature: inspect.Signature, *, html: bool) -> Callable[..., Any]:
    takes_query = "query" in inspect.signature(view.function).parameters

    async def endpoint(request: Request, **kwargs: Any) -> Response:
        fmt = output_format(request, html)
        query = ListQuery.parse(request.query_params, view.own_parameters)
        answer = partial(_answer, view=view, kwargs=kwargs, query=query, fmt=fmt, takes_query=takes_query)
        if html:  # pages are not served by api/fastpath.py, so not remembered for it
            return await run_in_threadpool(answer, request)
        return await answered(request, answer)

    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
            *signature.parameters.values(),
        ]
    )
    endpoint.__name__ = view.function.__name__ + ("_page" if html else "")
    endpoint.__doc__ = view.description
    return endpoint


@dataclass
class Asked:
    """One request for a list: the view, its own arguments and the list's query, and the database
    it is answered from (with the cache and the database's stamp the answer is kept under)."""

    view: ListView
    kwargs: dict[str, Any]
    query: ListQuery
    takes_query: bool
    database: Any
    connection: Connection
    cache: Any
    stamp: tuple[Any, ...]

    def page(self, *, everything: bool) -> Page:
        view, kwargs = self.view, self.kwargs
        key: tuple[Any, ...] = (view.path, tuple(sorted((k, repr(v)) for k, v in kwargs.items())), self.stamp)
        extra: dict[str, Any] = {}
        if "database" in inspect.signature(view.function).parameters:
            extra["database"] = self.database
        if self.takes_query:
            key += (self.query, everything)
            extra.update(query=self.query, everything=everything)
        result = self.cache.get_or_compute(key, lambda: view.function(self.connection, **extra, **kwargs))
        if isinstance(result, Page):
            return replace(result, links={})
        return page_of(result, self.query, everything=everything)

    def json(self, request: Request) -> bytes:
        page = self.page(everything=False)
        page.links = page_links(request.url.path, request.query_params, page)
        return json.dumps(page.as_dict(), ensure_ascii=False, default=str, allow_nan=False).encode()


def _answer(
    request: Request,
    view: ListView,
    kwargs: dict[str, Any],
    query: ListQuery,
    fmt: str,
    takes_query: bool,
) -> Response:
    state = request.app.state
    with state.database.reading() as connection:
        stamp = state.cache.stamp(connection)
        asked = Asked(view, kwargs, query, takes_query, state.database, connection, state.cache, stamp)
        if fmt == "json":
            body = state.cache.get_or_compute(("json", str(request.url), stamp), lambda: asked.json(request))
            return Response(body, media_type="application/json")
        page = asked.page(everything=fmt == "csv")
    if fmt == "csv":
        name = view.path.strip("/").replace("/", "-") + ".csv"
        return Response(
            to_csv(page.report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    page.links = page_links(request.url.path, request.query_params, page)
    response: Response = state.render_list(request, view, page, kwargs)
    return response


__all__ = ["LinkContext", "ListView", "ListViews", "href"]
