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
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from ltsplan.errors import InvalidInput, Problem
from ltsplan.store.bulk import DATE_TEXT, DATETIME_TEXT, quoted, settle, sqlite_ready, staging_for
from ltsplan.store.db import deferred
from ltsplan.store.ids import IdSet, has_repeats, id_hashes
from ltsplan.store.time import IN_CHUNK, any_version, current_at, retracted, versions_by_id

BULK_CHUNK = 50_000


@dataclass
class WriteResult:
    """What one write did. ``new_rows`` are the versions inserted (a ``retracted_at`` where a
    back-dated version ends at the next one known); ``retracted_rows`` (with ``keep_retracted``)
    the versions whose end moved: ``retracted_at`` is their new end and ``was_retracted_at`` the
    old one (null when they were current)."""

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


STORED: dict[str, pl.DataType | type[pl.DataType]] = {
    "version_at": pl.Utf8,
    "row_id_at": pl.Int64,
    "starts_at": pl.Datetime("us"),
    "ends_at": pl.Datetime("us"),
}


def write_versions(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    *,
    recorded_at: datetime,
    keep_retracted: bool = False,
    revise_all: bool = False,
) -> WriteResult:
    """Store each row of ``frame`` as the version of its record from its record time on, unless
    that version already is the one known then (with ``revise_all``, even then: what is derived
    from the content changed, money converted with a newer rate series).

    ``frame`` has an ``id`` and a ``version`` per row and the table's other columns (missing ones
    are null); a ``recorded_at`` column, when present, dates each row's knowledge, otherwise
    ``recorded_at`` applies to all. A row takes its place in each record's timeline whatever order
    the knowledge arrives in: the version current at its record time ends there, and the new one
    lasts until the version after it was recorded (or is current, when none was). A record
    withdrawn later than the row's record time stays withdrawn from then on. With
    ``keep_retracted`` the versions whose end moved are returned.
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
    else:
        frame = frame.with_columns(pl.col("recorded_at").cast(pl.Datetime("us")))

    fresh = _fresh_ids(connection, table)
    if fresh is not None:
        ids = ids.filter(pl.Series(fresh.holds(hashes)))
        if ids.len():
            settle(connection, table)  # a record written earlier in this transaction may be staged
    placed = _placed(connection, table, frame.select("id", "version", "recorded_at"), ids)
    if placed is None:  # the first import of a table, or only new records: nothing to join
        to_insert, cuts = frame, pl.DataFrame()
        revised = 0
    else:
        joined = frame.join(placed, on="id", how="left")
        changed = pl.col("version_at").is_null() | (pl.col("version") != pl.col("version_at")) | revise_all
        to_insert = joined.filter(changed)
        cuts = to_insert.filter(pl.col("row_id_at").is_not_null()).select(
            pl.col("row_id_at").alias("row_id"),
            pl.col("recorded_at").alias("at"),
            pl.col("ends_at").alias("was"),
        )
        revised = to_insert.filter(pl.col("known_before")).height
    result = WriteResult(
        inserted=to_insert.height - revised,
        revised=revised,
        unchanged=frame.height - to_insert.height,
    )
    if not cuts.is_empty():
        if keep_retracted:
            old = _rows_by_row_id(connection, table, cuts.get_column("row_id").to_list())
            result.retracted_rows = old.drop("retracted_at").join(
                cuts.rename({"at": "retracted_at", "was": "was_retracted_at"}), on="row_id"
            )
        _retract_rows(connection, table, cuts)
    # In id order: each batch then fills the live-id index (random hashes) page by page, instead
    # of touching a page of it per row (a third less time per row on SQLite's index).
    columns = [c for c in frame.columns if c in table.c]
    if "next_at" in to_insert.columns and to_insert.get_column("next_at").is_not_null().any():
        columns.append("retracted_at")
        to_insert = to_insert.with_columns(pl.col("next_at").alias("retracted_at"))
    new_rows = to_insert.select(columns).sort("id")
    staging = staging_for(connection, table, new_rows) if fresh is not None else None
    if staging is not None:
        staging.add(connection, table, new_rows)
    else:
        bulk_insert(connection, table, new_rows)
    if fresh is not None:
        fresh.add(hashes if new_rows.height == frame.height else id_hashes(new_rows.get_column("id")))
    result.new_rows = new_rows
    return result


def _placed(
    connection: Connection, table: Table, rows: pl.DataFrame, lookup: pl.Series
) -> pl.DataFrame | None:
    """Where each row falls in its record's stored timeline: the version current at the row's
    record time (``version_at``, ``row_id_at``, its end ``ends_at``), when the row's own version
    would end (``next_at``: the end of the one it cuts, or the next version's record time; null
    when it becomes current) and whether the record had any version before (``known_before``).
    None when none of ``lookup`` (the ids that can have versions) has one.

    The current versions answer for almost every row: a row recorded after its record's current
    version simply supersedes it. Only rows dated before it, or of records with no current
    version (withdrawn, perhaps after the row's time), need the record's retracted versions."""
    live = _versions(connection, table, lookup, live=True)
    if live.is_empty() and (lookup.is_empty() or not _any_retracted(connection, table)):
        return None
    joined = rows.join(live, on="id", how="left")
    ordinary = pl.col("row_id_at").is_not_null() & (pl.col("starts_at") <= pl.col("recorded_at"))
    plain = joined.filter(ordinary).select(
        "id",
        "version_at",
        "row_id_at",
        "ends_at",
        pl.lit(None, dtype=pl.Datetime("us")).alias("next_at"),
        pl.lit(True).alias("known_before"),
    )
    looked_up = set(lookup.to_list()) if lookup.len() < rows.height else None
    rest = joined.filter(ordinary.not_()).select("id", "recorded_at")
    if looked_up is not None:
        rest = rest.filter(pl.col("id").is_in(list(looked_up)))
    if rest.is_empty():
        return plain
    history = pl.concat(
        [
            live.filter(pl.col("id").is_in(rest.get_column("id").implode())),
            _versions(connection, table, rest.get_column("id"), live=False),
        ]
    )
    return pl.concat([plain, _timeline_places(rest, history)], how="vertical_relaxed")


def _timeline_places(rows: pl.DataFrame, history: pl.DataFrame) -> pl.DataFrame:
    """For rows (id, recorded_at) and every stored version of their records, the version each row
    cuts and where the row's own version ends (see ``_placed``)."""
    pairs = rows.join(history, on="id", how="inner")
    at = pl.col("recorded_at")
    covering = (
        pairs.filter((pl.col("starts_at") <= at) & (pl.col("ends_at").is_null() | (pl.col("ends_at") > at)))
        .sort("starts_at")
        .unique("id", keep="last")
        .select("id", "version_at", "row_id_at", "ends_at")
    )
    following = (
        pairs.filter(pl.col("starts_at") > at)
        .group_by("id")
        .agg(pl.col("starts_at").min().alias("next_start"))
    )
    return (
        rows.select("id")
        .join(covering, on="id", how="left")
        .join(following, on="id", how="left")
        .join(
            pairs.select("id").unique().with_columns(pl.lit(True).alias("known_before")), on="id", how="left"
        )
        .select(
            "id",
            "version_at",
            "row_id_at",
            "ends_at",
            pl.when(pl.col("row_id_at").is_not_null())
            .then(pl.col("ends_at"))
            .otherwise(pl.col("next_start"))
            .alias("next_at"),
            pl.col("known_before").fill_null(False),
        )
    )


def _fresh_ids(connection: Connection, table: Table) -> IdSet | None:
    """The ids this transaction has written to ``table``, or None when lookups are needed.

    Kept for a table that had no version at all when the transaction first wrote to it: then no
    other id can have one, and only ids among these need looking up (the first import into an
    empty table looks up nothing). Two ids that share a hash only cost a lookup.
    Only on SQLite, where a transaction that writes sees no other writer's rows appear (the write
    lock, or a refused write on a stale snapshot). The state lives as long as the transaction (see
    store.db.deferred); when it is gone, the table is simply asked again.
    """
    if connection.dialect.name != "sqlite":
        return None
    slot = deferred(connection, f"written-ids:{table.name}", _forget)
    if not slot:
        slot.append(None if any_version(connection, table) else IdSet())
    written: IdSet | None = slot[0]
    return written


def _forget(_connection: Connection, _items: list[Any]) -> None:
    """Nothing to write at commit: the state only serves the transaction's own lookups."""


def _any_retracted(connection: Connection, table: Table) -> bool:
    return connection.execute(select(table.c.row_id).where(retracted(table)).limit(1)).first() is not None


def retract(connection: Connection, table: Table, ids: Sequence[str], *, at: datetime) -> pl.DataFrame:
    """Withdraw records as of ``at`` (no new version replaces them): the version of each that was
    current at ``at`` ends there, whether it is still current or a later one followed it (a
    withdrawal dated before newer knowledge leaves that knowledge as it is). Returns the versions
    whose end moved, with ``retracted_at`` = ``at`` and their former end in ``was_retracted_at``."""
    rows = current_at(connection, table, ids, at)
    if not rows:
        return pl.DataFrame()
    found = pl.DataFrame(rows, infer_schema_length=None)
    cuts = found.select(
        "row_id",
        pl.lit(at, dtype=pl.Datetime("us")).alias("at"),
        pl.col("retracted_at").cast(pl.Datetime("us")).alias("was"),
    )
    _retract_rows(connection, table, cuts)
    return found.rename({"retracted_at": "was_retracted_at"}).with_columns(
        pl.col("was_retracted_at").cast(pl.Datetime("us")),
        pl.lit(at, dtype=pl.Datetime("us")).alias("retracted_at"),
    )


def end_before_snapshot(
    connection: Connection,
    table: Table,
    condition: ColumnElement[bool],
    *,
    written_at: datetime,
    snapshot_at: datetime,
) -> WriteResult:
    """Versions recorded at ``written_at`` (matching ``condition``: one dataset, say) that would last
    beyond ``snapshot_at``, a later moment at which the whole of their data was stated again (an
    import with --replace), end there: what the snapshot did not have is not carried past it. A
    version they cut that was current at the snapshot was part of it, unchanged, so its content
    resumes there until its old end. Returns the copies inserted (``new_rows``) and the versions
    whose end moved (``retracted_rows``, with ``was_retracted_at``)."""
    settle(connection, table)
    beyond = or_(table.c.retracted_at.is_(None), table.c.retracted_at > snapshot_at)
    written = _frame(
        connection.execute(select(table).where(condition, table.c.recorded_at == written_at, beyond))
    )
    if written.is_empty():
        return WriteResult()
    ids = written.get_column("id").to_list()
    cut: list[dict[str, Any]] = []
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        statement = select(table).where(
            table.c.id.in_(chunk), table.c.retracted_at == written_at, table.c.recorded_at < written_at
        )
        cut.extend(dict(r) for r in connection.execute(statement).mappings())
    moved = written.rename({"retracted_at": "was_retracted_at"}).with_columns(
        pl.col("was_retracted_at").cast(pl.Datetime("us")),
        pl.lit(snapshot_at, dtype=pl.Datetime("us")).alias("retracted_at"),
    )
    _retract_rows(connection, table, moved.select("row_id", pl.col("retracted_at").alias("at")))
    copies = pl.DataFrame()
    if cut:
        ends = moved.select("id", pl.col("was_retracted_at").alias("retracted_at"))
        resumed = pl.DataFrame(cut, infer_schema_length=None).drop("row_id", "recorded_at", "retracted_at")
        copies = resumed.join(ends, on="id").with_columns(
            pl.lit(snapshot_at, dtype=pl.Datetime("us")).alias("recorded_at")
        )
        copies = copies.select([c.name for c in table.columns if c.name in copies.columns])
        bulk_insert(connection, table, copies)
    return WriteResult(retracted=moved.height, new_rows=copies, retracted_rows=moved)


def _retract_rows(connection: Connection, table: Table, ends: pl.DataFrame) -> None:
    statement = (
        update(table).where(table.c.row_id == bindparam("b_row_id")).values(retracted_at=bindparam("b_at"))
    )
    params = [{"b_row_id": r, "b_at": a} for r, a in ends.select("row_id", "at").iter_rows()]
    for start in range(0, len(params), BULK_CHUNK):
        connection.execute(statement, params[start : start + BULK_CHUNK])


def _versions(connection: Connection, table: Table, ids: pl.Series, *, live: bool) -> pl.DataFrame:
    """(id, version_at, row_id_at, starts_at, ends_at) of the given ids' current or retracted
    versions, looked up by index."""
    schema: dict[str, pl.DataType | type[pl.DataType]] = {"id": pl.Utf8, **STORED}
    return pl.DataFrame(versions_by_id(connection, table, ids, live=live), schema=schema, orient="row")


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
