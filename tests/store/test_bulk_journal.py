"""Bulk transactions on SQLite (Database.transaction(bulk=True)): a file nobody else has open is
written through a rollback journal and is back in WAL mode afterwards; a file another connection
holds keeps its WAL; a rollback leaves neither rows nor a journal; on PostgreSQL a bulk
transaction is an ordinary one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, insert, select

from ltsplan.errors import InvalidInput, LtsplanError
from ltsplan.ledger import imports
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.provenance.model import source
from ltsplan.store import db as store_db
from ltsplan.store.db import BUSY_TIMEOUT_MS, Database, open_database

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "ledger.csv"
MOMENT = datetime(2024, 5, 6, 7, 8, 9)
SOURCE_ROW = {
    "id": "s1",
    "version": "v1",
    "kind": "dataset release",
    "title": "A release",
    "attribution": "on the record",
    "reliability": "A",
    "credibility": 1,
    "recorded_at": MOMENT,
}


def journal_mode(connection: Connection) -> str:
    return str(connection.exec_driver_sql("PRAGMA main.journal_mode").scalar())


def file_journal_mode(path: Path) -> str:
    """The mode the file itself records (WAL is persistent; a rollback journal is the default)."""
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


def entries(database: Database) -> int:
    with database.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one())


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
    yield database
    database.dispose()


def test_a_bulk_transaction_writes_through_a_rollback_journal_and_leaves_the_file_in_wal(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.transaction() as connection:
        assert journal_mode(connection) == "wal"
    with sqlite_db.transaction(bulk=True) as connection:
        assert journal_mode(connection) == "delete"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout == BUSY_TIMEOUT_MS  # the switch's own zero timeout does not outlive it
    assert file_journal_mode(tmp_path / "ledger.db") == "wal"
    with sqlite_db.transaction() as connection:
        assert journal_mode(connection) == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_a_file_another_connection_has_open_keeps_its_wal(sqlite_db: Database, tmp_path: Path) -> None:
    other = sqlite3.connect(tmp_path / "ledger.db")
    try:
        other.execute("SELECT count(*) FROM ledger_entry").fetchall()
        with sqlite_db.transaction(bulk=True) as connection:
            assert journal_mode(connection) == "wal"
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()


def test_a_large_import_goes_through_a_rollback_journal_and_a_failed_one_leaves_nothing(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports, "BULK_JOURNAL_BYTES", EXAMPLE.stat().st_size)
    modes: list[str] = []
    write_batch = imports.write_batch

    def recording(connection: Connection, *args: object, **kwargs: object) -> object:
        modes.append(journal_mode(connection))
        return write_batch(connection, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(imports, "write_batch", recording)
    outcome = import_file(sqlite_db, EXAMPLE, recorded_at=MOMENT)
    assert outcome.summary.entries.inserted == entries(sqlite_db) > 0
    assert modes and set(modes) == {"delete"}

    broken = tmp_path / "broken.csv"
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("reference")] = "NEW-1"
    fields[header.index("event_date")] = "2023-02-30"
    broken.write_text("\n".join([*lines, ",".join(fields)]) + "\n", encoding="utf-8")
    before = entries(sqlite_db)
    with pytest.raises(InvalidInput):
        import_file(sqlite_db, broken, recorded_at=datetime(2025, 1, 1))
    assert entries(sqlite_db) == before
    assert not (tmp_path / "ledger.db-journal").exists()
    assert file_journal_mode(tmp_path / "ledger.db") == "wal"

    small = EXAMPLE.stat().st_size + 1  # below the threshold: the WAL as always
    monkeypatch.setattr(imports, "BULK_JOURNAL_BYTES", small)
    modes.clear()
    import_file(sqlite_db, EXAMPLE, recorded_at=MOMENT)
    assert set(modes) == {"wal"}


def test_a_connection_that_cannot_return_to_wal_is_closed_not_reused(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = sqlite3.connect(tmp_path / "ledger.db", timeout=0)
    going_back = store_db._write_ahead

    def reader_arrives_first(raw: sqlite3.Connection) -> None:
        # A reader opens the file between the commit and the switch back, and holds a read lock
        # (while the file has its rollback journal, that stops the switch).
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM source").fetchall()
        going_back(raw)

    monkeypatch.setattr(store_db, "_write_ahead", reader_arrives_first)
    try:
        with sqlite_db.transaction(bulk=True) as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout=50")
            bulk_connection = connection.connection.dbapi_connection
        assert reader.execute("SELECT count(*) FROM source").fetchall() == [(0,)]
    finally:
        reader.close()
        monkeypatch.setattr(store_db, "_write_ahead", going_back)
    with sqlite_db.transaction() as connection:
        assert connection.connection.dbapi_connection is not bulk_connection
        assert journal_mode(connection) == "wal"
        connection.execute(select(source.c.id).limit(1)).all()
    assert file_journal_mode(tmp_path / "ledger.db") == "wal"


def test_a_bulk_transaction_commits_or_rolls_back_as_one_on_every_backend(db: Database) -> None:
    row = SOURCE_ROW

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), db.transaction(bulk=True) as connection:
        connection.execute(insert(source).values(row))
        raise Abandoned
    with db.transaction(bulk=True) as connection:
        assert connection.execute(select(func.count()).select_from(source)).scalar_one() == 0
        connection.execute(insert(source).values(row))
    with db.reading() as connection:
        assert connection.execute(select(source.c.title)).scalars().all() == ["A release"]


def test_a_process_opening_the_file_during_a_bulk_import_is_told_it_is_busy(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.transaction(bulk=True) as connection:
        connection.execute(insert(source).values(SOURCE_ROW))  # the import holds the file now
        with pytest.raises(LtsplanError, match="is busy: another process is writing it"):
            open_database(f"sqlite:///{tmp_path / 'ledger.db'}?timeout=0.2")
    with sqlite_db.reading() as connection:
        assert connection.execute(select(func.count()).select_from(source)).scalar_one() == 1
