"""Lists too long to hold in memory (a million ledger entries) are filtered, sorted and paged in
SQL, with the same query parameters as every other list (listing.py)."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from ltsplan.errors import InvalidInput, Problem
from ltsplan.listing import ListQuery, Page, typed_value
from ltsplan.report import Report
from ltsplan.store.time import polars_schema


def conditions_for(table: Table, columns: list[str], query: ListQuery) -> list[ColumnElement[bool]]:
    problems: list[Problem] = []
    found: list[ColumnElement[bool]] = []
    types = polars_schema(table)
    for name, operator, values in query.filters:
        if name not in columns:
            problems.append(
                Problem(
                    f"'{name}' is not a column of this list; filter on one of {', '.join(columns)}",
                    field=name,
                )
            )
            continue
        column = table.c[name]
        if operator == "contains":
            found.append(func.lower(column).contains(values[0].lower(), autoescape=True))
            continue
        typed = [typed_value(v, types[name], name) for v in values]
        if operator == "eq":
            found.append(column.in_(typed))
        elif operator == "ne":
            found.append(column.not_in(typed))
        else:
            found.append(
                {
                    "gte": column >= typed[0],
                    "lte": column <= typed[0],
                    "gt": column > typed[0],
                    "lt": column < typed[0],
                }[operator]
            )
    if problems:
        raise InvalidInput(problems, "the list cannot be filtered that way")
    return found


def page_from_table(
    connection: Connection,
    table: Table,
    columns: list[str],
    where: list[ColumnElement[bool]],
    query: ListQuery,
    *,
    title: str,
    everything: bool,
    default_sort: list[tuple[str, bool]],
    notes: list[str] | None = None,
    units: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> Page:
    conditions = [*where, *conditions_for(table, columns, query)]
    sort = list(query.sort) or default_sort
    unknown = [c for c, _ in sort if c not in columns]
    if unknown:
        raise InvalidInput(
            [
                Problem(f"cannot sort by '{c}'; sort by one of {', '.join(columns)}", field="sort")
                for c in unknown
            ],
            "the list cannot be sorted that way",
        )
    order = [table.c[c].desc() if d else table.c[c].asc() for c, d in sort]
    order.append(table.c.row_id.asc())
    clause = and_(*conditions) if conditions else None
    counting = select(func.count()).select_from(table)
    statement = select(*[table.c[c] for c in columns]).order_by(*order)
    if clause is not None:
        counting = counting.where(clause)
        statement = statement.where(clause)
    total = int(connection.execute(counting).scalar_one())
    per_page: int | None = query.per_page
    if everything and not query.page_given:
        per_page = None
    else:
        statement = statement.limit(query.per_page).offset((query.page - 1) * query.per_page)
    rows = connection.execute(statement).all()
    types = polars_schema(table)
    schema = {c: types[c] for c in columns}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    report = Report(title, frame, notes or [], units or {}, params=params or {})
    return Page(report, total, query.page if per_page else 1, per_page)
