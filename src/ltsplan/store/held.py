"""Small tables held in memory, per database, for the questions a server answers many times a second:
actors' names, the aliases that name them, the datasets' declarations, the rate files loaded. A
question reads them from memory, as known at its moment, instead of a query each (some 0.15 ms).

Whether they changed is asked once per reading transaction (it sees one state), in one query over
every table held so far: its highest row number and, if versioned, how many of its versions are
retracted. Every write adds a row or retracts a version (never un-retracts one), so either figure
changes, and the rows are read again whole (they are few). A connection that writes reads the
tables themselves: its own uncommitted rows count. On PostgreSQL a reading transaction's statements
each see what is committed, so its answer may mix states, as its queries would.

``changes`` is also how ``ledger/cube.py`` learns the highest row number of the deltas, so that a
question asks it once, and how ``any_current`` knows a table holds no row at all without a query
(the overview asks it of every module's table).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, literal, select

from ltsplan.store import time
from ltsplan.store.db import WRITES
from ltsplan.store.time import current_version, retracted, version_span

Stamp = tuple[int, int]  # highest row number, versions retracted


class _Held:
    """One database's tables held: what the stamp query covers, and the rows read of each."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tables: dict[str, Table] = {}
        self.statement: Any = None
        # (table, columns) → (the table's stamp when read, rows: (since, until, values))
        self.rows: dict[
            tuple[str, tuple[str, ...]], tuple[Stamp, list[tuple[Any, Any, tuple[Any, ...]]]]
        ] = {}

    def covering(self, tables: Sequence[Table]) -> Any:
        """The stamp query over every table asked about so far (and ``tables``)."""
        with self.lock:
            if self.statement is None or any(t.name not in self.tables for t in tables):
                self.tables.update((t.name, t) for t in tables)
                parts: list[Any] = []
                for table in self.tables.values():
                    parts.append(func.coalesce(select(func.max(table.c.row_id)).scalar_subquery(), 0))
                    if "retracted_at" in table.c:
                        versions = select(func.count()).select_from(table).where(retracted(table))
                        parts.append(versions.scalar_subquery())
                    else:
                        parts.append(literal(0))
                self.statement = (list(self.tables), select(*parts))
            return self.statement


_HELD: weakref.WeakKeyDictionary[Engine, _Held] = weakref.WeakKeyDictionary()
_HELD_LOCK = threading.Lock()
# The stamps a connection's transaction saw (weakly held: they die with the connection).
_SEEN: weakref.WeakKeyDictionary[Connection, tuple[Any, dict[str, Stamp]]] = weakref.WeakKeyDictionary()


def _held(engine: Engine) -> _Held:
    with _HELD_LOCK:
        found = _HELD.get(engine)
        if found is None:
            found = _HELD[engine] = _Held()
        return found


def changes(connection: Connection, *tables: Table) -> dict[str, Stamp] | None:
    """Each table's (highest row number, versions retracted) as this connection's transaction sees
    them, asked once per transaction; None for a connection that writes."""
    if connection.get_execution_options().get(WRITES, False):
        return None
    transaction = connection.get_transaction()
    seen = _SEEN.get(connection)
    fresh = seen is not None and transaction is not None and seen[0]() is transaction
    if seen is not None and fresh and all(t.name in seen[1] for t in tables):
        return seen[1]
    names, statement = _held(connection.engine).covering(tables)
    row = connection.execute(statement).one()
    stamps = {name: (int(row[2 * i]), int(row[2 * i + 1])) for i, name in enumerate(names)}
    transaction = connection.get_transaction()  # begun by the query, if it was not yet
    if transaction is not None:
        _SEEN[connection] = (weakref.ref(transaction), stamps)
    return stamps


def known_rows(
    connection: Connection, table: Table, moment: datetime | None, *columns: str
) -> list[tuple[Any, ...]]:
    """The ``columns`` of the versions of ``table`` current at ``moment`` (``time.known``), in the
    order they were written, from memory."""
    return [
        values
        for since, until, values in _rows(connection, table, columns)
        if current_version(since, until, moment)
    ]


def all_rows(connection: Connection, table: Table, *columns: str) -> list[tuple[Any, ...]]:
    """The ``columns`` of every row of ``table``, in the order they were written, from memory."""
    return [values for _, _, values in _rows(connection, table, columns)]


# The query reading each (table, columns) held, made once.
_STATEMENTS: dict[tuple[str, tuple[str, ...]], Any] = {}


def _rows(
    connection: Connection, table: Table, columns: tuple[str, ...]
) -> list[tuple[Any, Any, tuple[Any, ...]]]:
    versioned = "retracted_at" in table.c
    key = (table.name, columns)
    statement = _STATEMENTS.get(key)
    if statement is None:
        spans = version_span(table) if versioned else []
        statement = _STATEMENTS[key] = select(*(table.c[c] for c in columns), *spans).order_by(table.c.row_id)
    stamps = changes(connection, table)
    if stamps is None:
        return [_row(r, len(columns), versioned) for r in connection.execute(statement)]
    held = _held(connection.engine)
    with held.lock:
        found = held.rows.get(key)
    if found is None or found[0] != stamps[table.name]:
        rows = [_row(r, len(columns), versioned) for r in connection.execute(statement)]
        found = (stamps[table.name], rows)
        with held.lock:
            held.rows[key] = found
    return found[1]


def _row(row: Any, width: int, versioned: bool) -> tuple[Any, Any, tuple[Any, ...]]:
    values = tuple(row[:width])
    return (row[width], row[width + 1], values) if versioned else (None, None, values)


def any_current(connection: Connection, table: Table, moment: datetime | None) -> bool:
    """``time.any_current``, without a query of its own when the table holds no row at all (its
    highest row number, from the stamp the question asks once)."""
    stamps = changes(connection, table)
    if stamps is not None and stamps[table.name][0] == 0:
        return False
    return time.any_current(connection, table, moment)
