"""Bulk loads on SQLite (store/bulk.py): rows staged through ADBC's SQLite driver into scratch
databases reach the tables exactly as the direct path writes them, inside the import's one
transaction, and a failed import leaves neither rows nor scratch files behind."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Connection, select

import ltsplan.store.bulk as bulk
from ltsplan.errors import InvalidInput
from ltsplan.ledger import imports
from ltsplan.ledger.formats import native_csv as io_csv
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import Database, open_database
from ltsplan.store.history import write_versions
from ltsplan.store.ids import record_id
from ltsplan.store.time import versions_of

MOMENT = datetime(2024, 5, 6, 7, 8, 9, 123456)
FIXTURES = Path(__file__).parents[1] / "fixtures"
EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
HEADER = (
    "dataset,reference,kind,stage,donor,recipient,category,subtype,event_date,period_start,"
    "period_end,amount,currency,value_date,item,quantity,description,commitment_id,source_title,"
    "source_kind"
)
TABLES = ("ledger_entry", "ledger_plan", "ledger_total_delta", "source", "actor", "evidence")


def ledger_csv(path: Path, rows: int, *, bad_line: int | None = None) -> Path:
    """A native ledger file with what real ones carry: several donors and currencies, empty
    periods, quantities on some rows, quoted commas, deliveries citing their commitments."""
    pick = random.Random(7)
    lines = [HEADER]
    for n in range(rows):
        donor = pick.choice(["DEU", "USA", "GBR", "POL", "EU"])
        currency = {"USA": "USD", "GBR": "GBP"}.get(donor, "EUR")
        day = f"2023-{pick.randint(1, 12):02d}-{pick.randint(1, 28):02d}"
        delivery = n % 3 == 2
        period = ("2023-01-01", "2025-12-31") if n % 4 == 0 else ("", "")
        quantity = str(pick.randint(1, 90)) if n % 5 == 0 else ""
        amount = "" if n % 10 == 0 else f"{pick.uniform(-5e5, 9e7):.2f}"  # a quantity is given
        lines.append(
            ",".join(
                [
                    "bulk-test",
                    f"R-{n}",
                    "delivery" if delivery else "commitment",
                    "delivered" if delivery else pick.choice(["announced", "committed", "allocated"]),
                    donor,
                    "UKR",
                    "military",
                    pick.choice(["ammunition", "weapons and equipment", ""]),
                    "2023-02-30" if n == bad_line else day,
                    *period,
                    amount,
                    currency,
                    day if n % 2 else "",
                    "howitzer" if quantity else "",
                    quantity,
                    f'"package {n}, ""with quotes"""',
                    f"R-{n - 2}" if delivery else "",
                    f"Announcements of {donor}",
                    "official document",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def dump(url: str) -> dict[str, list[tuple]]:
    """Every row of the ledger's tables with each value's SQLite storage class, in a stable order
    (row ids left out: they number rows, they are not content)."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        tables = {}
        for table in TABLES:
            names = [r[1] for r in connection.execute(f"PRAGMA table_info({table})") if r[1] != "row_id"]
            columns = ", ".join(f'"{n}", typeof("{n}")' for n in names)
            tables[table] = sorted(connection.execute(f"SELECT {columns} FROM {table}").fetchall(), key=repr)
        return tables
    finally:
        connection.close()


def index_sql(url: str) -> list[tuple]:
    connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return connection.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
        ).fetchall()
    finally:
        connection.close()


def scratch_files(directory: Path) -> list[Path]:
    return sorted(directory.glob(".ltsplan-staging-*"))


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> None:
    """An import's entries go through staging, with a new scratch file every few hundred rows, so
    that a test file of thousands of rows takes the path of millions. Its few sources and actors
    per batch go straight to their tables, as they do at the real threshold: staged, the next
    batch's same sources would find them there and end the staging."""
    monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", STAGED_BATCH)
    monkeypatch.setattr(bulk, "SCRATCH_ROWS", 300)
    monkeypatch.setattr(io_csv, "CHUNK_BYTES", 16_384)  # a batch every hundred rows or so
    monkeypatch.setattr(imports, "BULK_JOURNAL_BYTES", 0)  # and through a rollback journal


STAGED_BATCH = 50  # a CSV batch holds about 90 entries and 5 sources


def import_both_ways(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: list[Path],
    fmt: str | None = None,
    staged_from: int = STAGED_BATCH,
) -> tuple[str, str]:
    urls = []
    ingested: list[str] = []
    ingest = bulk._ingest
    monkeypatch.setattr(
        bulk, "_ingest", lambda scratch, name, frame: (ingested.append(name), ingest(scratch, name, frame))
    )
    for label, threshold in (("direct", 10**12), ("staged", staged_from)):
        monkeypatch.setattr(bulk, "STAGE_MIN_ROWS", threshold)
        monkeypatch.setattr(imports, "BULK_JOURNAL_BYTES", threshold)
        monkeypatch.setattr(bulk, "SCRATCH_ROWS", 300)
        monkeypatch.setattr(io_csv, "CHUNK_BYTES", 16_384)
        url = f"sqlite:///{tmp_path / label}.db"
        database = open_database(url)
        try:
            for path in files:
                import_file(database, path, fmt=fmt, recorded_at=MOMENT, report_dir=tmp_path)
        finally:
            database.dispose()
        urls.append(url)
        assert bool(ingested) == (label == "staged")  # the staged import did take the staging path
    return urls[0], urls[1]


def test_a_staged_import_stores_exactly_what_the_direct_path_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = ledger_csv(tmp_path / "ledger.csv", 2_500)
    attached: list[int] = []
    insert_scratch = bulk.Staging._insert_scratch

    def counted(staging: bulk.Staging, connection: Connection) -> None:
        attached.append(staging._attached)
        insert_scratch(staging, connection)

    monkeypatch.setattr(bulk.Staging, "_insert_scratch", counted)
    direct, staged_url = import_both_ways(tmp_path, monkeypatch, [path])
    assert len(set(attached)) > 3  # one scratch database after another
    direct_rows, staged_rows = dump(direct), dump(staged_url)
    assert len(direct_rows["ledger_entry"]) == 2_500
    assert staged_rows == direct_rows
    assert scratch_files(tmp_path) == []


@pytest.mark.parametrize(
    ("files", "fmt"),
    [
        (
            [
                "iati/activity-standard-example-annotated.xml",
                "iati/handmade/budget-revision.xml",
                "iati/handmade/budget-revision-2024.xml",
                "iati/handmade/double-counting.xml",
            ],
            "iati",
        ),
        (["kiel/data_explorer.csv"], "kiel"),
    ],
)
def test_staged_iati_and_kiel_imports_store_what_direct_ones_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: list[str], fmt: str
) -> None:
    # Small files: everything they write is staged.
    direct, staged_url = import_both_ways(tmp_path, monkeypatch, [FIXTURES / f for f in files], fmt, 1)
    direct_rows = dump(direct)
    assert direct_rows["ledger_entry"]
    assert dump(staged_url) == direct_rows


def test_a_staged_import_leaves_the_indexes_as_the_migrations_made_them(tmp_path: Path, staged: None) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    database = open_database(url)
    try:
        migrated = index_sql(url)
        import_file(database, ledger_csv(tmp_path / "ledger.csv", 1_200), recorded_at=MOMENT)
    finally:
        database.dispose()
    assert index_sql(url) == migrated
    assert any(name == "uq_ledger_entry_live_id" for name, _, _ in migrated)


def test_staging_keeps_the_index_of_retracted_versions_which_new_rows_never_enter(
    tmp_path: Path, staged: None
) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
    statements: list[str] = []
    try:
        with database.transaction() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.set_trace_callback(statements.append)
            bulk.bulk_load(connection)
            rows = entries([f"R-{n}" for n in range(900)], 1.0)
            write_versions(connection, ledger_entry, rows, recorded_at=MOMENT)
        raw.set_trace_callback(None)
    finally:
        database.dispose()
    dropped = [s for s in statements if s.startswith("DROP INDEX")]
    assert dropped == ['DROP INDEX IF EXISTS "uq_ledger_entry_live_id"']


def test_an_invalid_row_after_staging_began_writes_nothing_and_leaves_no_scratch_file(
    tmp_path: Path, staged: None
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    database = open_database(url)
    try:
        migrated = index_sql(url)
        bad = ledger_csv(tmp_path / "bad.csv", 2_000, bad_line=1_900)
        with pytest.raises(InvalidInput) as refused:
            import_file(database, bad, recorded_at=MOMENT)
        assert any(p.line == 1_902 and p.field == "event_date" for p in refused.value.problems)
        assert dump(url)["ledger_entry"] == []
        assert scratch_files(tmp_path) == []
        assert index_sql(url) == migrated

        good = ledger_csv(tmp_path / "good.csv", 2_000)
        outcome = import_file(database, good, recorded_at=MOMENT)
        assert outcome.summary.entries.inserted == 2_000
    finally:
        database.dispose()


def test_scratch_databases_are_detached_once_the_transaction_is_over(tmp_path: Path, staged: None) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        import_file(database, ledger_csv(tmp_path / "ledger.csv", 1_000), recorded_at=MOMENT)
        with database.reading() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            names = [r[1] for r in raw.execute("PRAGMA database_list")]
    finally:
        database.dispose()
    assert not [n for n in names if n.startswith("ltsplan_staging")]
    assert scratch_files(tmp_path) == []


def entries(references: list[str], amount: float) -> pl.DataFrame:
    from ltsplan.ledger.model import conform, with_versions

    frame = pl.DataFrame(
        {
            "id": [record_id("t", r) for r in references],
            "dataset": "t",
            "kind": "commitment",
            "stage": "committed",
            "donor": "DEU",
            "recipient": "UKR",
            "category": "military",
            "event_date": [datetime(2023, 6, 1).date()] * len(references),
            "amount": amount,
            "currency": "EUR",
            "reference": references,
            "source_id": record_id("source"),
        }
    )
    return with_versions(conform(frame))


def test_a_record_staged_and_revised_in_one_transaction_keeps_both_versions(
    tmp_path: Path, staged: None
) -> None:
    database: Database = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
    first = entries([f"R-{n}" for n in range(800)], 1.0)
    second = entries([f"R-{n}" for n in range(700, 1_000)], 2.0)  # 100 revised, 200 new
    try:
        with database.transaction() as connection:
            bulk.bulk_load(connection)
            written = write_versions(connection, ledger_entry, first, recorded_at=MOMENT)
            later = write_versions(connection, ledger_entry, second, recorded_at=datetime(2024, 6, 1))
        assert (written.inserted, later.inserted, later.revised) == (800, 200, 100)
        with database.reading() as connection:
            live = connection.execute(
                select(ledger_entry.c.reference, ledger_entry.c.amount).where(
                    ledger_entry.c.retracted_at.is_(None)
                )
            ).all()
            history = versions_of(connection, ledger_entry, record_id("t", "R-750"))
    finally:
        database.dispose()
    amounts = dict(live)
    assert len(amounts) == 1_000 and amounts["R-0"] == 1.0 and amounts["R-750"] == 2.0
    assert [v["amount"] for v in history] == [1.0, 2.0]
    assert history[0]["retracted_at"] == datetime(2024, 6, 1)


def test_the_next_bulk_load_removes_the_scratch_files_of_imports_that_were_killed(
    tmp_path: Path, staged: None
) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = tmp_path / f".ltsplan-staging-{finished.stdout.strip()}-abc123.db"
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / f".ltsplan-staging-{running.pid}-def456.db"
        unowned = tmp_path / ".ltsplan-staging-q1w2e3.db"  # named before owners were named
        for path in (dead, alive, unowned):
            path.write_bytes(b"\0" * 4096)
        database = open_database(f"sqlite:///{tmp_path / 'ledger.db'}")
        try:
            import_file(database, ledger_csv(tmp_path / "good.csv", 1_000), recorded_at=MOMENT)
        finally:
            database.dispose()
        assert scratch_files(tmp_path) == sorted([alive, unowned])  # an unowned one waits a day
    finally:
        running.kill()
        running.wait()
