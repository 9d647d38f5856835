"""The versioned write every import uses (the reads of time are in ``store.time``).

Writes never update a record in place: a changed record gets a new version and the old one a
``retracted_at``; an unchanged record is left alone, which is what makes re-imports idempotent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    select,
    update,
)

from ltsplan.errors import InvalidInput, Problem
from ltsplan.store.bulk import DATE_TEXT, DATETIME_TEXT, quoted, settle, sqlite_ready, staging_for
from ltsplan.store.db import deferred
from ltsplan.store.ids import IdSet, has_repeats, id_hashes
from ltsplan.store.time import IN_CHUNK, any_live, known, live_versions_of

BULK_CHUNK = 50_000


@dataclass
class WriteResult:
    inserted: int = 0
    revised: int = 0
    unchanged: int = 0
    retracted: int = 0
    new_rows: pl.DataFrame = field(default_factory=pl.DataFrame)
    retracted_rows: pl.DataFrame = field(default_factory=pl.DataFrame)

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.inserted += other.inserted
        self.revised += other.revised
        self.unchanged += other.unchanged
        self.retracted += other.retracted
        return self


def content_columns(table: Table) -> list[str]:
    """The columns a caller supplies (everything but the row key and the retraction time)."""
    return [c.name for c in table.columns if c.name not in ("row_id", "retracted_at")]


def write_versions(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    recorded_at: datetime,
    keep_retracted: bool = False,
) -> WriteResult:
    """Store each row of ``frame`` as the live version of its record, unless it already is.

    ``frame`` has an ``id`` and a ``version`` per row and the table's other columns (missing ones
    are null); a ``recorded_at`` column, when present, dates each row's knowledge, otherwise
    ``recorded_at`` applies to all. With ``keep_retracted`` the superseded versions are returned.
    """
    if frame.is_empty():
        return WriteResult()
    ids = frame.get_column("id")
    hashes = id_hashes(ids)
    if has_repeats(ids, hashes):
        duplicated = frame.filter(pl.col("id").is_duplicated())
        repeated = duplicated.get_column("id").unique().head(20).to_list()
        raise InvalidInput(
            [Problem(f"record {i} appears more than once in one write") for i in repeated],
            "the same record appears twice in one import; nothing was written",
        )
    if "recorded_at" not in frame.columns:
        frame = frame.with_columns(pl.lit(recorded_at, dtype=pl.Datetime("us")).alias("recorded_at"))

    fresh = _fresh_ids(connection, table)
    if fresh is not None:
        ids = ids.filter(pl.Series(fresh.holds(hashes)))
        if ids.len():
            settle(connection, table)  # a record written earlier in this transaction may be staged
    existing = _live_versions(connection, table, ids)
    if existing.is_empty():  # the first import of a table, or only new records: nothing to join
        to_insert, revised = frame, frame.clear()
    else:
        joined = frame.join(existing, on="id", how="left", suffix="_live")
        is_new = pl.col("live_row_id").is_null()
        changed = pl.col("version") != pl.col("version_live")
        to_insert = joined.filter(is_new | changed)
        revised = joined.filter(is_new.not_() & changed)
    result = WriteResult(
        inserted=int(to_insert.height - revised.height),
        revised=revised.height,
        unchanged=frame.height - to_insert.height,
    )
    if not revised.is_empty():
        # A revision retracts the old version when the new one became known (never before the
        # old one was recorded, so that history stays contiguous).
        ends = revised.select(
            pl.col("live_row_id").alias("row_id"),
            pl.max_horizontal("recorded_at", "recorded_at_live").alias("at"),
        )
        if keep_retracted:
            old = _rows_by_row_id(connection, table, ends.get_column("row_id").to_list())
            result.retracted_rows = old.drop("retracted_at").join(
                ends.rename({"at": "retracted_at"}), on="row_id"
            )
        _retract_rows(connection, table, ends)
    # In id order: each batch then fills the live-id index (random hashes) page by page, instead
    # of touching a page of it per row (a third less time per row on SQLite's index).
    new_rows = to_insert.select([c for c in frame.columns if c in table.c]).sort("id")
    staging = staging_for(connection, table, new_rows) if fresh is not None else None
    if staging is not None:
        staging.add(connection, table, new_rows)
    else:
        bulk_insert(connection, table, new_rows)
    if fresh is not None:
        fresh.add(hashes if new_rows.height == frame.height else id_hashes(new_rows.get_column("id")))
    result.new_rows = new_rows
    return result


def _fresh_ids(connection: Connection, table: Table) -> IdSet | None:
    """The ids this transaction has made live in ``table``, or None when lookups are needed.

    Kept for a table that had no live version when the transaction first wrote to it: then no
    other id can have a live version, and only ids among these need looking up (the first import
    into an empty table looks up nothing). Two ids that share a hash only cost a lookup.
    Only on SQLite, where a transaction that writes sees no other writer's rows appear (the write
    lock, or a refused write on a stale snapshot). The state lives as long as the transaction (see
    store.db.deferred); when it is gone, the table is simply asked again.
    """
    if connection.dialect.name != "sqlite":
        return None
    slot = deferred(connection, f"written-ids:{table.name}", _forget)
    if not slot:
        slot.append(None if any_live(connection, table) else IdSet())
    written: IdSet | None = slot[0]
    return written


def _forget(_connection: Connection, _items: list[Any]) -> None:
    """Nothing to write at commit: the state only serves the transaction's own lookups."""


def retract(connection: Connection, table: Table, ids: Sequence[str], *, at: datetime) -> pl.DataFrame:
    """Withdraw records (no new version replaces them); returns the versions retracted."""
    rows = pl.DataFrame()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = list(ids[start : start + IN_CHUNK])
        found = _frame(connection.execute(known(table, None).where(table.c.id.in_(chunk))))
        rows = found if rows.is_empty() else pl.concat([rows, found], how="diagonal_relaxed")
    if rows.is_empty():
        return rows
    _retract_rows(connection, table, rows.select("row_id", pl.lit(at, dtype=pl.Datetime("us")).alias("at")))
    return rows.with_columns(pl.lit(at, dtype=pl.Datetime("us")).alias("retracted_at"))


def _retract_rows(connection: Connection, table: Table, ends: pl.DataFrame) -> None:
    statement = (
        update(table).where(table.c.row_id == bindparam("b_row_id")).values(retracted_at=bindparam("b_at"))
    )
    params = [{"b_row_id": r, "b_at": a} for r, a in ends.select("row_id", "at").iter_rows()]
    for start in range(0, len(params), BULK_CHUNK):
        connection.execute(statement, params[start : start + BULK_CHUNK])


def _live_versions(connection: Connection, table: Table, ids: pl.Series) -> pl.DataFrame:
    """The live (id, version, row_id, recorded_at) of the given ids, looked up by index."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        "id": pl.Utf8,
        "version_live": pl.Utf8,
        "live_row_id": pl.Int64,
        "recorded_at_live": pl.Datetime("us"),
    }
    return pl.DataFrame(live_versions_of(connection, table, ids), schema=schema, orient="row")


def _rows_by_row_id(connection: Connection, table: Table, row_ids: list[int]) -> pl.DataFrame:
    frames = []
    for start in range(0, len(row_ids), IN_CHUNK):
        chunk = row_ids[start : start + IN_CHUNK]
        frames.append(_frame(connection.execute(select(table).where(table.c.row_id.in_(chunk)))))
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _frame(result: Any) -> pl.DataFrame:
    names = list(result.keys())
    rows = result.fetchall()
    if not rows:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.Utf8))
    return pl.DataFrame([tuple(r) for r in rows], schema=names, orient="row", infer_schema_length=None)


def bulk_insert(connection: Connection, table: Table, frame: pl.DataFrame) -> None:
    """Insert a frame fast: COPY of Polars-written CSV on PostgreSQL, executemany on SQLite.

    Values skip SQLAlchemy's per-value type processing (``store.bulk.sqlite_ready`` gives them the
    form SQLAlchemy stores), and a column that holds one value throughout is a literal in the
    statement: binding is most of the cost of an insert.
    """
    if frame.is_empty():
        return
    names = [c.name for c in table.columns if c.name in frame.columns]
    frame = frame.select(names)
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        copy_sql = f'COPY "{table.name}" ({quoted(names)}) FROM STDIN WITH (FORMAT csv)'
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for start in range(0, frame.height, BULK_CHUNK):
                copy.write(
                    frame.slice(start, BULK_CHUNK).write_csv(
                        include_header=False, date_format=DATE_TEXT, datetime_format=DATETIME_TEXT
                    )
                )
        return
    frame, literals = sqlite_ready(frame)
    bound = [n for n in names if n not in literals]
    row = "(" + ", ".join(literals.get(n) or "?" for n in names) + ")"
    per_statement = max(1, min(ROWS_PER_INSERT, MAX_BOUND // len(bound)))
    whole = frame.height - frame.height % per_statement
    into = f'INSERT INTO "{table.name}" ({quoted(names)}) VALUES '
    cursor = raw.cursor()
    try:
        if whole:
            cursor.executemany(
                into + ", ".join([row] * per_statement),
                _row_groups(frame.head(whole).select(bound), per_statement),
            )
        if whole < frame.height:
            cursor.executemany(into + row, _row_groups(frame.slice(whole).select(bound), 1))
    finally:
        cursor.close()


ROW_CHUNK = 2_000
ROWS_PER_INSERT = 100
MAX_BOUND = 32_766  # SQLITE_MAX_VARIABLE_NUMBER since SQLite 3.32


def _row_groups(frame: pl.DataFrame, size: int) -> Iterator[list[Any]]:
    """The frame's values row after row, ``size`` rows to a parameter list: one multi-row INSERT
    per list costs SQLite's per-statement work once for all its rows. Made a chunk of columns at a
    time (slice assignment of column lists interleaves them in C)."""
    width = frame.width
    step = size * width
    chunk_rows = max(size, ROW_CHUNK - ROW_CHUNK % size)
    for start in range(0, frame.height, chunk_rows):
        chunk = frame.slice(start, chunk_rows)
        flat: list[Any] = [None] * (chunk.height * width)
        for index, values in enumerate(chunk.iter_columns()):
            flat[index::width] = values.to_list()
        for offset in range(0, len(flat), step):
            yield flat[offset : offset + step]
