"""Lists, generically: one data function returns a Report; this module filters, sorts and pages it,
and renders it as JSON, CSV or an HTML table (Datasette's habit: one view, many renderers).

Query parameters every list understands (docs/web.md):
- ``as_of``: answer with what was known on that date (YYYY-MM-DD or an ISO date-time, UTC);
- ``sort``: columns separated by commas, ``-`` before a column for descending (``sort=-pledged``);
- ``page`` (1 to 1,000,000,000) and ``per_page`` (1–1000, default 50); CSV carries every row unless a
  page is asked;
- any column of the list as a filter: ``donor=DEU`` (repeat or separate with commas for several
  values), ``pledged__gte=1e9``, ``pledged__lte=…``, ``title__contains=…`` (case-insensitive);
- ``format=json|csv`` (or the path's ``.csv`` / ``.json`` suffix).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import polars as pl
from starlette.datastructures import QueryParams

from ltsplan.errors import InvalidInput, Problem
from ltsplan.report import Report

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 1000
# Far past the last page of any list, and small enough that the rows skipped to reach it
# ((page - 1) × per_page) fit the 64-bit offsets of Polars and the databases.
PAGE_MAX = 1_000_000_000
INT64 = (-(2**63), 2**63 - 1)
LIST_PARAMETERS = ("as_of", "sort", "page", "per_page", "format")
OPERATORS = ("gte", "lte", "gt", "lt", "contains", "ne")


@dataclass(frozen=True)
class ListQuery:
    """The paging, sorting and column filters of one request (the endpoint's own parameters aside)."""

    sort: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    page: int = 1
    per_page: int = PER_PAGE_DEFAULT
    page_given: bool = False
    filters: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (column, operator, values)

    @classmethod
    def parse(cls, params: QueryParams, own: set[str]) -> ListQuery:
        problems: list[Problem] = []
        sort: list[tuple[str, bool]] = []
        for part in (params.get("sort") or "").split(","):
            part = part.strip()
            if part:
                sort.append((part.lstrip("-"), part.startswith("-")))
        page = _positive(params.get("page"), "page", 1, PAGE_MAX, problems)
        per_page = _positive(params.get("per_page"), "per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX, problems)
        filters: dict[tuple[str, str], list[str]] = {}
        for key, value in params.multi_items():
            if key in LIST_PARAMETERS or key in own:
                continue
            column, _, operator = key.partition("__")
            operator = operator or "eq"
            if operator not in ("eq", *OPERATORS):
                problems.append(
                    Problem(f"unknown operator '{operator}'; use one of {', '.join(OPERATORS)}", field=key)
                )
                continue
            values = [v.strip() for v in value.split(",")] if operator in ("eq", "ne") else [value]
            if operator not in ("eq", "ne") and value == "":
                problems.append(Problem(f"give a value to compare with ({key}=…)", field=key))
                continue
            filters.setdefault((column, operator), []).extend(v for v in values if v != "")
        if problems:
            raise InvalidInput(problems, "the list's query parameters are wrong")
        return cls(
            sort=tuple(sort),
            page=page,
            per_page=per_page,
            page_given="page" in params or "per_page" in params,
            filters=tuple((c, o, tuple(v)) for (c, o), v in filters.items()),
        )


def shown(text: str) -> str:
    """A value as a message quotes it: whole when short, else its start."""
    return text if len(text) <= 40 else text[:40] + "…"


def _positive(text: str | None, name: str, default: int, most: int, problems: list[Problem]) -> int:
    if text is None or text == "":
        return default
    try:
        number = int(text)
    except ValueError:
        problems.append(Problem(f"'{shown(text)}' is not a whole number", field=name))
        return default
    if not 1 <= number <= most:
        problems.append(Problem(f"must be between 1 and {most:,}", field=name))
        return default
    return number


@dataclass
class Page:
    """One page of a list: the rows shown, and how many matched in all."""

    report: Report
    total: int
    page: int
    per_page: int | None  # None: every row
    links: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, math.ceil(self.total / self.per_page))

    def as_dict(self) -> dict[str, Any]:
        body = self.report.as_dict()
        body.update(
            total=self.total,
            page=self.page,
            per_page=self.per_page,
            pages=self.pages,
            links=self.links,
        )
        return body


def typed_value(value: str, dtype: Any, column: str) -> Any:
    """A filter's value as the column's type (a 4xx naming the column when it cannot be one); the
    lists filtered in Polars and those filtered in SQL (store/pages.py) read values the same way."""
    try:
        if dtype.is_integer():
            number = int(value)
            if not INT64[0] <= number <= INT64[1]:
                raise InvalidInput(
                    [Problem(f"'{shown(value)}' is too large for a whole-number column", field=column)],
                    "a filter's value is wrong",
                )
            return number
        if dtype.is_numeric():
            return float(value)
        if dtype == pl.Date:
            return date.fromisoformat(value)
        if isinstance(dtype, pl.Datetime):
            return datetime.fromisoformat(value)
        if dtype == pl.Boolean:
            return value.lower() in ("1", "true", "yes")
    except ValueError:
        raise InvalidInput(
            [Problem(f"'{shown(value)}' is not a {dtype} value", field=column)], "a filter's value is wrong"
        ) from None
    return value


def filter_expression(frame: pl.DataFrame, query: ListQuery) -> pl.Expr | None:
    """The query's column filters as one Polars expression; unknown columns are an error naming
    the columns that exist."""
    problems: list[Problem] = []
    expressions: list[pl.Expr] = []
    for column, operator, values in query.filters:
        if column not in frame.columns:
            problems.append(
                Problem(
                    f"'{column}' is not a column of this list; filter on one of {', '.join(frame.columns)}",
                    field=column,
                )
            )
            continue
        dtype = frame.schema[column]
        col = pl.col(column)
        if operator == "contains":
            expressions.append(
                col.cast(pl.Utf8).str.to_lowercase().str.contains(values[0].lower(), literal=True)
            )
            continue
        typed = [typed_value(v, dtype, column) for v in values]
        if operator == "eq":
            expressions.append(col.is_in(typed))
        elif operator == "ne":
            expressions.append(col.is_in(typed).not_())
        else:
            bound = pl.lit(typed[0])
            expressions.append(
                {"gte": col >= bound, "lte": col <= bound, "gt": col > bound, "lt": col < bound}[operator]
            )
    if problems:
        raise InvalidInput(problems, "the list cannot be filtered that way")
    if not expressions:
        return None
    combined = expressions[0]
    for expression in expressions[1:]:
        combined = combined & expression
    return combined


def check_sort(columns: list[str], query: ListQuery) -> None:
    unknown = [c for c, _ in query.sort if c not in columns]
    if unknown:
        raise InvalidInput(
            [
                Problem(f"cannot sort by '{c}'; sort by one of {', '.join(columns)}", field="sort")
                for c in unknown
            ],
            "the list cannot be sorted that way",
        )


def page_of(report: Report, query: ListQuery, *, everything: bool = False) -> Page:
    """Filter, sort and cut a whole Report into the page asked for (or keep every row)."""
    frame = report.frame
    expression = filter_expression(frame, query)
    if expression is not None:
        frame = frame.filter(expression)
    if query.sort:
        check_sort(frame.columns, query)
        frame = frame.sort([c for c, _ in query.sort], descending=[d for _, d in query.sort], nulls_last=True)
    total = frame.height
    per_page: int | None = query.per_page
    if everything and not query.page_given:
        per_page = None
    else:
        frame = frame.slice((query.page - 1) * query.per_page, query.per_page)
    shown = Report(report.title, frame, report.notes, report.units, report.sources, report.params)
    return Page(shown, total, query.page if per_page else 1, per_page)


def page_links(path: str, params: QueryParams, page: Page) -> dict[str, str]:
    """Links to this list's CSV and JSON (always the API's), and to the next and previous pages
    (on the same face), keeping every other parameter."""
    kept = [(k, v) for k, v in params.multi_items() if k not in ("page", "format")]
    base = path.removesuffix(".csv").removesuffix(".json")
    api = base if base.startswith("/api/") else "/api" + base

    def with_(root: str, extra: list[tuple[str, str]], suffix: str = "") -> str:
        query = urlencode(kept + extra)
        return f"{root}{suffix}" + (f"?{query}" if query else "")

    links = {
        "self": with_(base, [("page", str(page.page))] if page.per_page else []),
        "csv": with_(api, [], ".csv"),
        "json": with_(api, [], ".json"),
    }
    if page.per_page and page.page < page.pages:
        links["next"] = with_(base, [("page", str(page.page + 1))])
    if page.per_page and page.page > 1:
        links["prev"] = with_(base, [("page", str(page.page - 1))])
    return links
