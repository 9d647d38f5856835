"""Many rows into SQLite fast: values in the form SQLite stores them, and staging for bulk loads.

Python's ``sqlite3`` binds every value of every row while holding the GIL (about 90 ns a value,
two thirds of an insert's cost), and a table's random-hash id index is rewritten page by page by
every batch once it outgrows the page cache: loading 5 million entries in batches spent about 30 s
in ``executemany``, on one core. A *bulk load* (``bulk_load``: an import's transaction asks for
it) instead stages large writes into tables that had no live rows: ADBC's SQLite driver writes each
batch, column by column from Arrow memory and without the GIL, on a thread of its own, into a
scratch database beside the main one, while the next batch is read and checked. When a scratch
database is full (half a million rows, then a quarter more each time) it is attached to the
transaction's connection and SQLite inserts its rows itself; the table's indexes are dropped first
when the staged rows outnumber those already there, and built again, from sorted keys, before the
transaction commits.

The transaction stays the unit of work: staged rows reach the table only inside it, a rollback
throws the scratch files away (DROP INDEX is undone with it), and a reader within the transaction
(``settle``, ``store.db.flush_deferred``) gets them inserted first. The two SQLite libraries
(ADBC's own and the one ``sqlite3`` links) never have a scratch file open together: ADBC closes it
before the main connection attaches it, because POSIX locks belong to the process and neither
library would see the other's. Memory: a batch being ingested (the import's batch size); the
scratch files are on disk, each removed once attached and gone with the transaction. A killed
import leaves its scratch file behind (up to its capacity's worth of rows); the file's name holds
the import's process id, and the next bulk load in that directory removes those whose process is
gone.
"""

from __future__ import annotations

import importlib.util
import math
import os
import sqlite3
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Index, Table, func, select
from sqlalchemy.schema import CreateIndex

from ltsplan.store.db import ATTACHED_KEY, deferred
from ltsplan.store.schema import RETRACTED, metadata

DATE_TEXT = "%Y-%m-%d"
DATETIME_TEXT = "%Y-%m-%d %H:%M:%S%.6f"

# Below this many rows a write goes straight to the table: staging costs a table in the scratch
# file and an INSERT ... SELECT, which only pays over a thousand rows or so. It must stay well below
# a reader's batch: at 20,000, the 18,000-row batches of 4 MiB CSV blocks were never staged and a
# 1 M-row import took half as long again; at 1,000 the IATI reader's batches (about 4,000 entries
# and 2,700 plans) are staged too, 6 % less time than bound row by row (paired, 100 MB file).
STAGE_MIN_ROWS = 1_000

_BULK_KEY = "bulk-load"
_STAGEABLE = (pl.Utf8, pl.Float64, pl.Float32, pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.Date, pl.Null)


def sqlite_ready(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frame with dates and times as text the way SQLAlchemy stores them on SQLite (so the
    usual queries read them back as dates and times), and the SQL literal of every column but the
    first that holds one value throughout (the dataset, the record time, a column left empty):
    such a column is written once in the statement instead of with every row (and not formatted).

    Dates are text before they reach ADBC too: its driver formats each one with the C library's
    time functions and ``printf``, which took 40% of its time on 5 M rows; Polars formats them
    in a tenth of that."""
    literals: dict[str, str] = {}
    if frame.height >= 2:
        for name in frame.columns[1:]:
            literal = _constant_literal(frame.get_column(name))
            if literal is not None:
                literals[name] = literal
    formats = {
        name: DATE_TEXT if dtype == pl.Date else DATETIME_TEXT
        for name, dtype in frame.schema.items()
        if (dtype == pl.Date or isinstance(dtype, pl.Datetime)) and name not in literals
    }
    frame = frame.with_columns(pl.col(n).dt.strftime(f) for n, f in formats.items())
    return frame, literals


def _constant_literal(values: pl.Series) -> str | None:
    """The SQL literal of a column's single value, or None when it varies (or is awkward to quote)."""
    nulls = values.null_count()
    if nulls == values.len():
        return "NULL"
    if nulls or values[-1] != values[0] or not bool((values == values[0]).all()):
        return None  # (a varying column mostly shows it at its ends, without a full comparison)
    return _sql_literal(values[0])


def _sql_literal(value: object) -> str | None:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    # As SQLAlchemy stores them, with four-digit years: strftime's %Y leaves a year before 1000
    # unpadded ('500-01-01'), which SQLAlchemy then cannot read back, and text compares wrongly.
    if isinstance(value, datetime):  # one with a zone is left to Polars
        return f"'{value.isoformat(sep=' ', timespec='microseconds')}'" if value.tzinfo is None else None
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, str) and "\x00" not in value and value.isprintable():
        return "'" + value.replace("'", "''") + "'"
    return None


def quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def bulk_load(connection: Connection) -> None:
    """Mark the connection's transaction as a bulk load (see the module's docstring). A no-op on
    PostgreSQL, whose COPY already loads without per-value binding, and where ADBC's SQLite driver
    is not installed."""
    if connection.dialect.name != "sqlite" or not _adbc_available():
        return
    slot = deferred(connection, _BULK_KEY, _flush, _discard)
    if not slot:
        raw = connection.connection.driver_connection
        assert raw is not None
        attached = raw.execute("PRAGMA database_list").fetchall()
        room = raw.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED) - (len(attached) - 2)  # main and temp
        if room > 0:
            directory = _scratch_directory(attached)
            remove_stale_scratch(directory)
            slot.append(Staging(directory, room))


def _staging(connection: Connection) -> Staging | None:
    """The transaction's staging while it takes rows (a bulk load not yet settled)."""
    slot = deferred(connection, _BULK_KEY, _flush, _discard)
    return slot[0] if slot and not slot[0].settled else None


def staging_for(connection: Connection, table: Table, rows: pl.DataFrame) -> Staging | None:
    """The transaction's staging, if these rows (for a table that had no live rows when the
    transaction began writing it) should go there rather than straight into the table."""
    staging = _staging(connection)
    if staging is None or not all(_stageable(t) for t in rows.dtypes):
        return None
    if rows.height < STAGE_MIN_ROWS and not staging.holds(table):
        return None
    return staging


def _stageable(dtype: pl.DataType) -> bool:
    """Types whose SQLite form ADBC writes as ``sqlite3`` would bind them (text, real, integer)."""
    return isinstance(dtype, pl.Datetime) or any(dtype == t for t in _STAGEABLE)


def settle(connection: Connection, table: Table | None = None) -> None:
    """Insert what this transaction staged (for ``table``, or for any) and build the indexes
    staging dropped, now: a lookup must see the rows. Later writes go straight to their tables."""
    staging = _staging(connection)
    if staging is not None and (table is None or staging.holds(table)):
        staging.settle(connection)


def _flush(connection: Connection, slot: list[Staging]) -> None:
    slot[0].settle(connection)


def _discard(slot: list[Staging]) -> None:
    slot[0].release()


# The first scratch file takes this many rows, each next one a quarter more; the last one SQLite
# lets the connection attach takes what remains. Rows reach the table when their file is full,
# while later batches are read, so that the commit waits only for the last file.
SCRATCH_ROWS = 500_000
SCRATCH_GROWTH = 1.25


@dataclass
class _Part:
    name: str  # the table in the scratch database
    rows: int
    columns: list[str]  # the target table's columns, in order
    literals: dict[str, str]  # columns written as one literal for the whole part


@dataclass
class Staging:
    """One transaction's scratch databases: the one ADBC is writing, and how many were attached."""

    directory: Path
    room: int  # scratch databases the connection can still attach
    parts: dict[str, list[_Part]] = field(default_factory=dict)  # in the scratch being written
    staged: set[str] = field(default_factory=set)  # tables that have had rows staged
    dropped: list[Index] = field(default_factory=list)  # to build again when settled
    settled: bool = False
    capacity: int = field(default_factory=lambda: SCRATCH_ROWS)  # read when staging begins
    _rows: int = 0
    _attached: int = 0
    _decided: set[str] = field(default_factory=set)
    _path: Path | None = None
    _adbc: Any = None
    _executor: ThreadPoolExecutor | None = None
    _pending: Future[None] | None = None

    def holds(self, table: Table) -> bool:
        return table.name in self.staged

    def add(self, connection: Connection, table: Table, frame: pl.DataFrame) -> None:
        """Stage rows for ``table`` (its column names; values as for ``bulk_insert``)."""
        frame, literals = sqlite_ready(frame)
        parts = self.parts.setdefault(table.name, [])
        part = _Part(f"{table.name}_{len(parts)}", frame.height, frame.columns, literals)
        self._wait()  # one part in flight: the one before must be in the file
        varying = frame.select([n for n in frame.columns if n not in literals])
        self._pending = self._writer().submit(_ingest, self._scratch(), part.name, varying)
        parts.append(part)
        self.staged.add(table.name)
        self._rows += part.rows
        if self._rows >= self.capacity and self._attached < self.room - 1:
            self._insert_scratch(connection)
            self.capacity = int(self.capacity * SCRATCH_GROWTH)

    def settle(self, connection: Connection) -> None:
        """Insert the rows still in scratch and build the indexes dropped; staging ends (a second
        call does nothing)."""
        if self.settled:
            return
        self.settled = True
        self._insert_scratch(connection)
        for index in self.dropped:
            connection.execute(CreateIndex(index))
        self.dropped.clear()
        self.release()

    def _insert_scratch(self, connection: Connection) -> None:
        """Attach the scratch database ADBC has written (once ADBC has closed it) and insert its
        parts into their tables, in the order staged."""
        if not self.parts:
            return
        self._wait()
        self._close_adbc()
        raw = connection.connection.driver_connection
        assert raw is not None and self._path is not None
        if not raw.in_transaction:
            # sqlite3 opens the transaction at the first INSERT; a DROP INDEX before it would be
            # committed on its own, and survive a rollback.
            raw.execute("BEGIN")
        schema = f"ltsplan_staging_{self._attached}"
        raw.execute(f'ATTACH DATABASE ? AS "{schema}"', (str(self._path),))
        connection.connection.info.setdefault(ATTACHED_KEY, []).append(schema)
        self._attached += 1
        self._remove_file()  # SQLite keeps the attached file open; on POSIX its space ends with that
        parts, self.parts, self._rows = self.parts, {}, 0
        for name, staged in parts.items():
            table = metadata.tables[name]
            self._drop_indexes(connection, table, staged)
            for part in staged:
                values = ", ".join(part.literals.get(n) or f'"{n}"' for n in part.columns)
                raw.execute(
                    f'INSERT INTO "{table.name}" ({quoted(part.columns)}) '
                    f'SELECT {values} FROM "{schema}"."{part.name}" ORDER BY rowid'
                )

    def _drop_indexes(self, connection: Connection, table: Table, parts: list[_Part]) -> None:
        """Building an index from sorted keys beats inserting random hashes into it once the new
        rows are most of the table (5 M rows: 3 s against 8 s of page churn): the first time rows
        reach a table, its indexes go if the rows outnumber those already there. An index of
        retracted versions only stays: staged rows are new versions, none of them enters it, and
        building it again would read the whole table (0.8 s on 5 M rows)."""
        if table.name in self._decided:
            return
        self._decided.add(table.name)
        present = connection.execute(select(func.max(table.c.row_id))).scalar() or 0
        if sum(p.rows for p in parts) < present:
            return
        live = all("retracted_at" not in p.columns or p.literals.get("retracted_at") == "NULL" for p in parts)
        raw = connection.connection.driver_connection
        assert raw is not None
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            if live and index.dialect_options["sqlite"]["where"] is RETRACTED:
                continue
            raw.execute(f'DROP INDEX IF EXISTS "{index.name}"')
            self.dropped.append(index)

    def release(self) -> None:
        """Let go of the scratch file (inserted, or the transaction rolled back)."""
        self.settled = True
        self.parts.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)  # an ingest still running finishes before its file goes
            self._executor = None
        self._pending = None
        self._close_adbc()
        self._remove_file()

    def _writer(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ltsplan-staging")
        return self._executor

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()  # an ingest's error surfaces here, in the transaction's thread

    def _scratch(self) -> Any:
        if self._adbc is None:
            # ADBC's low-level API, not its DB-API module: that one imports pyarrow.dataset and with
            # it pandas (about 90 MB resident) for nothing an ingest needs; Polars hands its
            # columns over through the Arrow C stream interface itself.
            import adbc_driver_manager
            import adbc_driver_sqlite

            handle, name = tempfile.mkstemp(
                prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", suffix=".db", dir=self.directory
            )
            os.close(handle)
            self._path = Path(name)
            database = adbc_driver_sqlite.connect(name)
            self._adbc = (database, adbc_driver_manager.AdbcConnection(database))
            # Pages of 64 KiB: a sixteenth of the system calls. No journal, no syncing: the file
            # is gone after the transaction.
            for pragma in ("page_size=65536", "journal_mode=OFF", "synchronous=OFF"):
                _run(self._adbc[1], f"PRAGMA {pragma}")
        return self._adbc[1]

    def _close_adbc(self) -> None:
        if self._adbc is not None:
            database, connection = self._adbc
            connection.close()
            database.close()
            self._adbc = None

    def _remove_file(self) -> None:
        if self._path is not None:
            try:
                self._path.unlink(missing_ok=True)
                self._path = None
            except OSError:  # a platform that cannot remove an open file: left for the next try
                pass


def _ingest(scratch: Any, name: str, frame: pl.DataFrame) -> None:
    """Write a part into the scratch database, on the staging thread: ADBC binds the Arrow
    columns in C with the GIL released, while the transaction's thread goes on with the next batch."""
    import adbc_driver_manager

    statement = adbc_driver_manager.AdbcStatement(scratch)
    try:
        statement.set_options(
            **{
                adbc_driver_manager.INGEST_OPTION_TARGET_TABLE: name,
                adbc_driver_manager.INGEST_OPTION_MODE: adbc_driver_manager.INGEST_OPTION_MODE_CREATE,
            }
        )
        statement.bind_stream(frame.__arrow_c_stream__())
        statement.execute_update()
    finally:
        statement.close()


def _run(scratch: Any, sql: str) -> None:
    import adbc_driver_manager

    statement = adbc_driver_manager.AdbcStatement(scratch)
    try:
        statement.set_sql_query(sql)
        statement.execute_update()
    finally:
        statement.close()


SCRATCH_PREFIX = ".ltsplan-staging-"
UNOWNED_AGE = 24 * 3600  # seconds: a scratch file named by a release before owners were named in it


def remove_stale_scratch(directory: Path) -> list[Path]:
    """Remove the scratch files of imports that were killed (a scratch file is removed by its own
    import otherwise): those whose owning process, named in the file's name, is gone. Returns them."""
    removed = []
    for path in directory.glob(f"{SCRATCH_PREFIX}*.db"):
        owner = path.name[len(SCRATCH_PREFIX) :].split("-", 1)[0]
        try:
            if owner.isdigit():
                if _alive(int(owner)):
                    continue
            elif time.time() - path.stat().st_mtime < UNOWNED_AGE:
                continue
            path.unlink()
            removed.append(path)
        except OSError:  # gone meanwhile, or not ours to remove: left alone
            continue
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _scratch_directory(databases: list[tuple[int, str, str]]) -> Path:
    """Beside the database file (its file system has room for the rows anyway; /tmp may be memory)."""
    for _, name, file in databases:
        if name == "main" and file:
            return Path(file).parent
    return Path(tempfile.gettempdir())


def _adbc_available() -> bool:
    """ADBC's SQLite driver is a dependency; a build without it imports through SQLAlchemy alone."""
    return importlib.util.find_spec("adbc_driver_sqlite") is not None
