"""Time, in one place: which versions of which records were the current knowledge at a moment.

Every list, report, export, chart and join asks its question through these helpers, with the same
moment for every table it reads: ``live_at(table, moment)`` is the filter ("as known on date X",
``as_of(X)``; today's view is ``moment=None``); ``known(...)``, ``live_frame(...)``,
``live_ids(...)`` and ``live_where(...)`` read through it. Nothing outside ``store/`` compares
``recorded_at`` or ``retracted_at`` itself (tests/store/test_time.py checks the source), so that a
rule added to what a query may see — who may see a record, say — is added here, once, for every
query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Select, String, Table, and_, any_, bindparam, column, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

IN_CHUNK = 900  # below SQLite's bound-parameter limit


def utcnow() -> datetime:
    """Record time is UTC, stored without a zone, to the microsecond."""
    return datetime.now(UTC).replace(tzinfo=None)


def as_of(moment: date | datetime | None) -> datetime | None:
    """The record-time instant an as-of date means: a date covers the whole of that day (UTC)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    # Its last instant, found without stepping into the next day (there is none after 9999-12-31).
    return datetime.combine(moment, time.max)


def valid_day(moment: datetime | None) -> date:
    """The day the world is judged on (valid time): the as-of date's, or today (UTC)."""
    return moment.date() if moment is not None else datetime.now(UTC).date()


def live_at(table: FromClause, moment: datetime | None) -> ColumnElement[bool]:
    """Versions that were the current knowledge at ``moment`` (or now, when it is None)."""
    if moment is None:
        return table.c.retracted_at.is_(None)
    return and_(
        table.c.recorded_at <= moment,
        or_(table.c.retracted_at.is_(None), table.c.retracted_at > moment),
    )


def retracted(table: FromClause) -> ColumnElement[bool]:
    """Versions no longer current (superseded or withdrawn), whenever that happened."""
    return table.c.retracted_at.is_not(None)


def retracted_when(table: FromClause, moment: datetime) -> ColumnElement[bool]:
    """Versions retracted at exactly ``moment`` (what one write superseded)."""
    return table.c.retracted_at == moment


def arrivals_and_departures(table: Table) -> list[tuple[ColumnElement[Any], int, ColumnElement[bool] | None]]:
    """When versions changed what is known, for aggregates kept over time: each version arrives at
    its record time (sign 1) and, once retracted, leaves at its retraction (sign -1, under the
    condition that it was). (moment column, sign, condition or None)."""
    return [(table.c.recorded_at, 1, None), (table.c.retracted_at, -1, retracted(table))]


def until(column_: ColumnElement[Any], moment: datetime | None) -> ColumnElement[bool] | None:
    """For a maintained aggregate's own record-time column (a delta's ``at``): what had happened by
    ``moment``; None when every row counts (today's view)."""
    return None if moment is None else column_ <= moment


def after(column_: ColumnElement[Any], moment: datetime) -> ColumnElement[bool]:
    """For an event's own record-time column (a whole release's snapshot): what happened later
    than ``moment``."""
    return column_ > moment


def version_span(table: FromClause, prefix: str = "") -> list[ColumnElement[Any]]:
    """Each version's record-time span, for a copy that answers "current at" itself (ledger/cube.py):
    when it became current (``since``) and when it stopped (``until``, null while it is current)."""
    return [table.c.recorded_at.label(f"{prefix}since"), table.c.retracted_at.label(f"{prefix}until")]


def current_in_frame(moment: datetime | None, since: str = "since", until: str = "until") -> pl.Expr:
    """``live_at`` over a frame of spans (``version_span``): current at ``moment``, or now."""
    if moment is None:
        return pl.col(until).is_null()
    return (pl.col(since) <= moment) & (pl.col(until).is_null() | (pl.col(until) > moment))


STILL_CURRENT = 2**63 - 1  # the end of a span in microseconds (``current_mask``) that has not ended
_EPOCH = datetime(1970, 1, 1)


def epoch_us(moment: datetime) -> int:
    """A record-time instant as arrays of them hold it: microseconds since the epoch (as Polars'
    ``dt.epoch("us")`` gives it)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def current_mask(since_us: np.ndarray, until_us: np.ndarray, moment: datetime | None) -> np.ndarray:
    """``live_at`` over arrays of spans in microseconds since the epoch (``until_us`` is
    ``STILL_CURRENT`` while a version is current)."""
    if moment is None:
        return until_us == STILL_CURRENT
    instant = epoch_us(moment)
    return (since_us <= instant) & (until_us > instant)


def current_version(since: datetime, until: datetime | None, moment: datetime | None) -> bool:
    """``live_at`` for one version held in memory (its ``version_span``)."""
    if moment is None:
        return until is None
    return since <= moment and (until is None or until > moment)


def happened_by_mask(at_us: np.ndarray, moment: datetime | None) -> np.ndarray | None:
    """``until`` over an array of instants in microseconds since the epoch: those recorded by
    ``moment``; None when every one counts."""
    return None if moment is None else at_us <= epoch_us(moment)


def known(table: Table, moment: datetime | None, *columns: Any) -> Select[Any]:
    """``SELECT`` the versions current at ``moment`` (the whole row, or ``columns``)."""
    chosen = columns or (table,)
    return select(*chosen).where(live_at(table, moment))


def live_rows(
    connection: Connection, table: Table, moment: datetime | None, *where: ColumnElement[bool]
) -> list[dict[str, Any]]:
    """The versions current at ``moment``, in the order they were written, as dicts."""
    statement = known(table, moment).where(*where).order_by(table.c.row_id)
    return [dict(r) for r in connection.execute(statement).mappings()]


def live_frame(
    connection: Connection,
    table: Table,
    moment: datetime | None,
    schema: Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """The versions current at ``moment``, in the order of their ids, as a frame typed by
    ``schema`` (by default the table's own columns' types).

    The order is stated because callers draw on it (the demonstration's seeded choices): without
    it, PostgreSQL returns an index's order or the heap's, whichever plan its statistics of the
    moment favour, and the same question could be answered two ways."""
    result = connection.execute(known(table, moment).order_by(table.c.id))
    names = list(result.keys())
    types = dict(schema) if schema is not None else polars_schema(table)
    return pl.DataFrame(
        [tuple(r) for r in result], schema={n: types.get(n, pl.Utf8) for n in names}, orient="row"
    )


def polars_schema(table: Table) -> dict[str, Any]:
    """A table's columns as Polars types (text for anything else)."""
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer

    found: dict[str, Any] = {}
    for c in table.columns:
        kind = c.type
        found[c.name] = (
            pl.Boolean
            if isinstance(kind, Boolean)
            else pl.Int64
            if isinstance(kind, Integer)
            else pl.Float64
            if isinstance(kind, Float)
            else pl.Datetime("us")
            if isinstance(kind, DateTime)
            else pl.Date
            if isinstance(kind, Date)
            else pl.Utf8
        )
    return found


def live_where(
    connection: Connection,
    table: Table,
    column_name: str,
    values: Iterable[Any],
    moment: datetime | None = None,
    columns: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """The versions current at ``moment`` whose ``column_name`` is one of ``values`` (asked in
    chunks under SQLite's bound-parameter limit)."""
    wanted = sorted(set(values), key=str)
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start : start + IN_CHUNK]
        statement = known(table, moment, *columns).where(table.c[column_name].in_(chunk))
        found.extend(dict(r) for r in connection.execute(statement).mappings())
    return found


def live_ids(
    connection: Connection, table: Table, ids: Iterable[str], moment: datetime | None = None
) -> set[str]:
    """Which of ``ids`` name a record current at ``moment``."""
    return {r["id"] for r in live_where(connection, table, "id", ids, moment, (table.c.id,))}


def live_values(
    connection: Connection, table: Table, column_name: str, moment: datetime | None = None
) -> set[Any]:
    """Every value of one column among the versions current at ``moment``."""
    return {r[0] for r in connection.execute(known(table, moment, table.c[column_name]))}


def any_current(connection: Connection, table: Table, moment: datetime | None) -> bool:
    """Whether any version of ``table`` was current at ``moment``: one row read, before a report
    that reads several tables only to find it has nothing to show."""
    return connection.execute(known(table, moment, table.c.row_id).limit(1)).first() is not None


def any_version(connection: Connection, table: Table) -> bool:
    """Whether the table holds any version at all, current or not."""
    return connection.execute(select(table.c.row_id).limit(1)).first() is not None


def versions_by_id(
    connection: Connection, table: Table, ids: pl.Series, *, live: bool = True
) -> list[tuple[Any, ...]]:
    """The (id, version, row_id, recorded_at, retracted_at) of the given ids' current versions
    (``live``) or of their retracted ones, looked up by the partial index of each.

    The ids travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so the cost
    grows with the batch, not with the table, and no temporary table is written."""
    wanted = ids.unique().to_list()
    if not wanted:
        return []
    if connection.dialect.name == "postgresql":
        listed: ColumnElement[bool] = table.c.id == any_(bindparam("ids", wanted, type_=ARRAY(String)))
        parameter: Any = wanted
    else:
        listed = table.c.id.in_(select(column("value")).select_from(func.json_each(bindparam("ids"))))
        parameter = json.dumps(wanted)
    state = live_at(table, None) if live else retracted(table)
    statement = select(
        table.c.id, table.c.version, table.c.row_id, table.c.recorded_at, table.c.retracted_at
    ).where(state, listed)
    return [tuple(r) for r in connection.execute(statement, {"ids": parameter}).all()]


def current_at(
    connection: Connection, table: Table, ids: Sequence[str], moment: datetime
) -> list[dict[str, Any]]:
    """The versions of ``ids`` that were current at ``moment``, whole, each found through the
    partial index of its state (a filter that mixes both states would scan the table)."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start : start + IN_CHUNK])
        for state in (live_at(table, None), retracted(table)):
            statement = select(table).where(table.c.id.in_(chunk), state, live_at(table, moment))
            found.extend(dict(r) for r in connection.execute(statement).mappings())
    return found


def overlapping_versions(connection: Connection, table: Table, limit: int = 20) -> list[str]:
    """Ids with two versions current at the same instant: the store's invariant is that at any
    moment an id has at most one. Versions are compared with the next one recorded (by start):
    if any two overlap, some neighbours do. An empty version (retracted at the instant it was
    recorded) is never current and is left out."""
    far = datetime(9999, 12, 31)
    end = func.coalesce(table.c.retracted_at, far)
    spans = (
        select(
            table.c.id,
            end.label("ends"),
            func.lead(table.c.recorded_at)
            .over(partition_by=table.c.id, order_by=(table.c.recorded_at, table.c.row_id))
            .label("next_starts"),
        )
        .where(table.c.recorded_at < end)
        .subquery()
    )
    statement = select(spans.c.id).where(spans.c.next_starts < spans.c.ends).distinct().limit(limit)
    return [r[0] for r in connection.execute(statement)]


def versions_of(connection: Connection, table: Table, record_id: str) -> list[dict[str, Any]]:
    """Every version of one record, oldest first: the whole history of a figure.

    Live and retracted versions are read through their own partial indexes (see store/schema.py).
    """
    rows: list[dict[str, Any]] = []
    for state in (live_at(table, None), retracted(table)):
        rows.extend(
            dict(r)
            for r in connection.execute(select(table).where(table.c.id == record_id, state)).mappings()
        )
    return sorted(rows, key=lambda r: (r["recorded_at"], r["row_id"]))


def version_at(
    connection: Connection, table: Table, record_id: str, moment: datetime | None
) -> dict[str, Any] | None:
    """The version of one record that was current knowledge at ``moment`` (or now), by index."""
    states = [live_at(table, None)]
    if moment is not None:
        states.append(retracted(table))
    for state in states:
        statement = select(table).where(table.c.id == record_id, state, live_at(table, moment))
        row = connection.execute(statement).mappings().first()
        if row is not None:
            return dict(row)
    return None


def ids_starting_with(connection: Connection, table: Table, prefix: str) -> Iterable[str]:
    """Ids are long hashes; people type a prefix, as with git (an index range, not a scan)."""
    start = prefix.strip().lower()
    found: set[str] = set()
    for state in (live_at(table, None), retracted(table)):
        statement = (
            select(table.c.id).where(state, table.c.id >= start, table.c.id < start + "~").distinct().limit(5)
        )
        found.update(r[0] for r in connection.execute(statement))
    return sorted(found)[:5]


def history_at(
    connection: Connection, table: Table, record_id: str, moment: datetime | None
) -> list[dict[str, Any]]:
    """The versions of one record that had been recorded by ``moment``, oldest first, each with the
    retraction known then (a later one is not shown): its history as it stood at ``moment``."""
    versions = versions_of(connection, table, record_id)
    if moment is None:
        return versions
    return [
        {
            **v,
            "retracted_at": v["retracted_at"] if v["retracted_at"] and v["retracted_at"] <= moment else None,
        }
        for v in versions
        if v["recorded_at"] <= moment
    ]


def stamp_statement(tables: Sequence[Table], covered: Mapping[str, str]) -> Select[Any]:
    """One query whose answer changes with any write to ``tables``: the highest row number of each,
    and the number of retracted versions of each versioned one (but those ``covered`` by another
    table that gains rows on every change to them)."""
    parts = []
    for table in tables:
        if "row_id" in table.c:
            parts.append(select(func.max(table.c.row_id)).scalar_subquery())
        if "retracted_at" in table.c and table.name not in covered:
            parts.append(select(func.count()).select_from(table).where(retracted(table)).scalar_subquery())
    return select(*parts)
