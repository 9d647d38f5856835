"""The database: one URL (a SQLite file by default, PostgreSQL for teams), migrated on open."""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ltsplan.errors import Busy, LtsplanError

MIGRATIONS = Path(__file__).parent / "migrations"


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Transactions begin when SQLAlchemy begins them (``_begin_sqlite``), not when Python's sqlite3
    # sees the first INSERT: its reads before that would run outside the transaction.
    dbapi_connection.isolation_level = None
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    _write_ahead(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-131072")  # 128 MB page cache
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _write_ahead(raw: Any) -> None:
    """The write-ahead log, synced at checkpoints only (safe with the log): every connection's mode,
    and the one a bulk transaction returns to."""
    raw.execute("PRAGMA main.journal_mode=WAL")
    raw.execute("PRAGMA main.synchronous=NORMAL")


# How long a write waits for another process's write to commit before saying the file is busy.
BUSY_TIMEOUT_MS = 30_000
WRITES = "ltsplan_writes"  # the execution option that marks a connection a write transaction


def _begin_sqlite(connection: Connection) -> None:
    """A write transaction takes the file's write lock as it begins (``BEGIN IMMEDIATE``), so the
    rows it reads to decide what to write cannot change before it writes: two imports of one file
    run one after the other, and the second finds everything unchanged (with a deferred BEGIN the
    second read the state before the first committed and then collided with its rows). A reading
    connection's BEGIN takes a snapshot: every statement of one answer sees the same state."""
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


Flush = Callable[[Connection, list[Any]], None]
Discard = Callable[[list[Any]], None]

# Work a transaction defers to its commit, per connection (weakly held: it dies with the connection).
_DEFERRED: weakref.WeakKeyDictionary[Connection, dict[str, tuple[Flush, list[Any], Discard | None]]] = (
    weakref.WeakKeyDictionary()
)


def deferred(connection: Connection, key: str, flush: Flush, discard: Discard | None = None) -> list[Any]:
    """A list to collect work in during a transaction; ``flush(connection, items)`` writes it once,
    just before the transaction commits (or when ``flush_deferred`` is called), and a rollback
    discards it (calling ``discard(items)``, when given, to release what the items hold). Many small
    writes of aggregates thus become one (see services/ledger.py)."""
    slots = _DEFERRED.setdefault(connection, {})
    if key not in slots:
        slots[key] = (flush, [], discard)
    return slots[key][1]


def flush_deferred(connection: Connection) -> None:
    """Write what this connection's transaction deferred (readers call it to see their own writes)."""
    slots = _DEFERRED.pop(connection, None)
    pending = list((slots or {}).values())
    try:
        while pending:
            flush, items, _ = pending.pop(0)
            if items:
                flush(connection, items)
    finally:  # a flush that failed dooms the transaction: what the others hold is let go
        _release(pending)


def _discard_deferred(connection: Connection) -> None:
    _release(list((_DEFERRED.pop(connection, None) or {}).values()))


def _release(slots: list[tuple[Flush, list[Any], Discard | None]]) -> None:
    for _, items, discard in slots:
        if discard is not None and items:
            discard(items)


def _detach_after_use(dbapi_connection: Any, record: Any) -> None:
    """Scratch databases a transaction attached (store/bulk.py) are detached once it is over:
    SQLite refuses to detach one a transaction has read until that transaction ends."""
    for name in record.info.pop(ATTACHED_KEY, []):
        if dbapi_connection is not None:
            dbapi_connection.execute(f'DETACH DATABASE "{name}"')


ATTACHED_KEY = "ltsplan.attached"


def _leave_wal(connection: Connection) -> bool:
    """Switch the file to a rollback journal if no other connection has it open (SQLite needs the
    file to itself for that, and says "locked" at once with no busy timeout); True if switched."""
    raw = connection.connection.driver_connection
    assert raw is not None
    timeout = raw.execute("PRAGMA busy_timeout").fetchone()[0]
    raw.execute("PRAGMA busy_timeout=0")
    try:
        mode = raw.execute("PRAGMA main.journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:  # another connection has the file open: the WAL stays
        return False
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(timeout)}")
    if str(mode).lower() != "delete":
        return False
    # NORMAL is safe with the WAL; with a rollback journal only FULL survives a power cut at the
    # wrong moment (the journal is synced before the file is written: a few small syncs).
    raw.execute("PRAGMA main.synchronous=FULL")
    return True


def _temp_store(connection: Connection, where: str) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA temp_store={where}")


def _return_to_wal(connection: Connection) -> None:
    """Back to WAL after a bulk transaction. If a connection that opened the file meanwhile keeps
    it busy, this one is closed instead: the next connection to open it switches it back."""
    raw = connection.connection.driver_connection
    assert raw is not None
    try:
        _write_ahead(raw)
    except sqlite3.OperationalError:
        connection.invalidate()


STREAMING_CACHE_KIB = 8192


@contextmanager
def streaming_cache(connection: Connection, kib: int = STREAMING_CACHE_KIB) -> Iterator[None]:
    """A small SQLite page cache while a transaction streams a large import (restored after).

    An import writes each table page once, and its batches reach the live-id index in id order, so
    a large cache buys little: on the 1 GiB IATI benchmark file 2 MiB and 128 MiB import equally
    fast, and the 128 MiB are resident memory (measured: 440 MiB peak against 290 MiB on a 200 MiB
    file); a 1-million-row native CSV imports about 4% slower with 8 MiB. No-op on PostgreSQL.
    """
    raw = connection.connection.driver_connection
    if connection.dialect.name != "sqlite" or raw is None:
        yield
        return
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{int(kib)}")
    try:
        yield
        # The work deferred to the commit (staged rows inserted, indexes built, totals written)
        # is done here, under the small cache too: done at the commit, after the cache was
        # restored, a 100 MB IATI import with staged batches went from 211 MB resident to 285 MB.
        flush_deferred(connection)
    finally:
        raw.execute(f"PRAGMA cache_size={int(before)}")


class Database:
    """An engine plus the few things every service needs: transactions and the dialect's name."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            parsed = make_url(url)
        except Exception as exc:  # SQLAlchemy raises ArgumentError with a terse message
            raise LtsplanError(
                f"'{url}' is not a database URL; give a file path or a URL such as "
                "sqlite:///ltsplan.db or postgresql+psycopg://user@localhost/ltsplan"
            ) from exc
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.engine: Engine = create_engine(parsed, future=True)
        event.listen(self.engine, "commit", flush_deferred)
        event.listen(self.engine, "rollback", _discard_deferred)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _tune_sqlite)
            event.listen(self.engine, "begin", _begin_sqlite)
            event.listen(self.engine, "checkin", _detach_after_use)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is already there)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                _renumbered(connection)
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
        except Exception as exc:
            if isinstance(exc, LtsplanError):
                raise
            if "database is locked" in str(exc):
                raise LtsplanError(
                    f"the database at {self.url} is busy: another process is writing it (a large "
                    "import keeps the file to itself until it commits); try again when it is done"
                ) from exc
            raise LtsplanError(f"cannot open the database at {self.url}: {exc}") from exc

    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[Connection]:
        """One unit of work: everything inside commits together or not at all.

        A ``bulk`` transaction (a large import) on a SQLite file that no other connection has open
        writes through a rollback journal instead of the write-ahead log: each new page is then
        written once, into the file, where the log would take it first and copy it into the file
        at the commit (5 million ledger rows: 2 GB written twice, about 5 s of a 35 s import). The
        price is the log's concurrency: connections that open the file meanwhile wait for the
        commit (up to their busy timeout) instead of reading the state before it. The file is back
        in WAL mode once the transaction is over. Anywhere else a bulk transaction is an ordinary
        one."""
        with self.engine.connect() as connection, _busy(self.url):
            connection.execution_options(**{WRITES: True})
            journaled = bulk and self.dialect == "sqlite" and _leave_wal(connection)
            if journaled:
                # Sorts (an index built over millions of new ids) spill to a temporary file
                # instead of holding every key in memory: an import's memory stays bounded.
                _temp_store(connection, "FILE")
            try:
                with connection.begin():
                    if self.dialect == "postgresql":
                        _one_writer(connection)
                    yield connection
            finally:
                if journaled:
                    _temp_store(connection, "MEMORY")
                    _return_to_wal(connection)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()


WRITER_LOCK = 0x6C7473706C616E  # "ltsplan": the advisory lock every write transaction takes


def _one_writer(connection: Connection) -> None:
    """PostgreSQL: write transactions take one advisory lock, so they run one after the other as on
    SQLite; two imports of one file would otherwise both find a record new and collide on its key."""
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{BUSY_TIMEOUT_MS}ms'")
    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK})")


@contextmanager
def _busy(url: str) -> Iterator[None]:
    """SQLite's "database is locked", after waiting ``BUSY_TIMEOUT_MS`` for the lock, said plainly."""
    try:
        yield
    except OperationalError as error:
        if "database is locked" not in str(error) and "lock timeout" not in str(error):
            raise
        raise Busy(
            f"the database at {url} is busy: another process has been writing it for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s (a large import holds it until it commits); nothing was "
            "written; try again when it is done"
        ) from None


def _renumbered(connection: Connection) -> None:
    """Releases before the chain was renumbered called readiness 0004 and the pathway 0003 (the
    pathway was written after readiness but numbered before it). A database stamped 0003 or 0004
    is at readiness when it has no pathway tables yet, else at the pathway: stamped again so that
    either numbering upgrades correctly."""
    inspector = inspect(connection)
    if not inspector.has_table("alembic_version"):
        return
    stamped = {r[0] for r in connection.execute(text("SELECT version_num FROM alembic_version"))}
    if stamped & {"0003", "0004"}:
        at = "0004" if inspector.has_table("body") else "0003"
        connection.execute(text("UPDATE alembic_version SET version_num = :at"), {"at": at})


# Rows turned into a frame at a time: a row held as Python objects costs some 100 bytes a value,
# twenty times its place in a frame.
FRAME_CHUNK_ROWS = 20_000


def query_frames(connection: Connection, statement: Any, schema: dict[str, Any]) -> Iterator[pl.DataFrame]:
    """A query's rows as frames of at most ``FRAME_CHUNK_ROWS`` typed by ``schema`` (its columns
    in the query's order), read as they are used (a server-side cursor on PostgreSQL)."""
    result = connection.execute(statement.execution_options(stream_results=True))
    for chunk in result.partitions(FRAME_CHUNK_ROWS):
        yield pl.DataFrame([tuple(r) for r in chunk], schema=schema, orient="row")


def query_frame(connection: Connection, statement: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """A query's rows as one frame (``query_frames`` put together): a large answer never lies in
    memory as Python objects whole."""
    frames = list(query_frames(connection, statement, schema))
    if not frames:
        return pl.DataFrame(schema=schema)
    return frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=True)


def open_database(url: str, *, migrate: bool = True) -> Database:
    database = Database(url)
    if migrate:
        database.migrate()
    return database
