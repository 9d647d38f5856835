"""SIGKILL at random points of a large import: whatever moment the process dies, the database holds
the whole file or none of it, passes its integrity checks (SQLite's own, and the maintained totals
rebuilt from the versions), and the next import works and leaves no scratch file behind.

Each kill imports a file of its own (a dataset of its own), so that every kill can be judged:
that dataset has all its rows or none, and every dataset before it is as it was. Half the imports
take the bulk path (staging through scratch databases, a rollback journal on SQLite) that large
files take, with its thresholds lowered so that a file of this size reaches it.
``LTSPLAN_SIGKILLS`` sets the number of kills (20 by default; CI runs the default)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from ltsplan.ledger.check import check_totals
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import Database, open_database

KILLS = int(os.environ.get("LTSPLAN_SIGKILLS", "20"))
ROWS = 20_000
HEADER = "dataset,reference,kind,stage,donor,category,event_date,amount,currency,commitment_id,source_title,source_kind"
BULK = (
    "import ltsplan.store.bulk as b, ltsplan.ledger.imports as i, ltsplan.ledger.formats.native_csv as c; "
    "b.STAGE_MIN_ROWS = 500; b.SCRATCH_ROWS = 5_000; i.BULK_JOURNAL_BYTES = 0; c.CHUNK_BYTES = 200_000; "
)
MAIN = "from ltsplan.cli.main import main; main()"


def ledger_file(path: Path, dataset: str) -> Path:
    lines = [HEADER]
    for n in range(ROWS):
        if n % 4 == 3:  # a delivery of the commitment three rows up
            row = f"{dataset},R{n},delivery,delivered,POL,military,2023-07-01,{n},EUR,R{n - 3}"
        else:
            row = f"{dataset},R{n},commitment,committed,DEU,military,2023-06-{1 + n % 28:02d},{n + 1},EUR,"
        lines.append(f"{row},List {n % 7},official document")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def import_command(path: Path, url: str, *, bulk: bool) -> list[str]:
    return [sys.executable, "-c", (BULK if bulk else "") + MAIN, "import", str(path), "--db", url]


def rows_of(database: Database) -> dict[str, int]:
    with database.reading() as connection:
        counted = connection.execute(
            select(ledger_entry.c.dataset, func.count()).group_by(ledger_entry.c.dataset)
        ).all()
    return {dataset: count for dataset, count in counted}


def scratch_files(url: str) -> list[Path]:
    if not url.startswith("sqlite:///"):
        return []
    return sorted(Path(url.removeprefix("sqlite:///")).parent.glob(".ltsplan-staging-*"))


def test_sigkill_at_random_points_leaves_the_whole_file_or_nothing(database_url: str, tmp_path: Path) -> None:
    pick = random.Random(20_231)
    open_database(database_url).dispose()
    started = time.perf_counter()  # how long one import takes here, uninterrupted
    timing = subprocess.run(
        import_command(ledger_file(tmp_path / "timing.csv", "timing"), database_url, bulk=True),
        capture_output=True,
        text=True,
    )
    assert timing.returncode == 0, timing.stderr
    duration = time.perf_counter() - started

    expected = {"timing": ROWS}
    outcomes = {"whole": 0, "nothing": 0}
    for kill in range(KILLS):
        dataset = f"kill-{kill}"
        path = ledger_file(tmp_path / f"{dataset}.csv", dataset)
        process = subprocess.Popen(
            import_command(path, database_url, bulk=kill % 2 == 0),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(pick.uniform(0.1, 1.0) * duration)
        process.kill()  # SIGKILL: no handler runs, nothing is cleaned up
        process.wait()

        database = Database(database_url)
        try:
            found = rows_of(database)
        finally:
            database.dispose()
        assert found.get(dataset, 0) in (0, ROWS), (kill, found.get(dataset))
        outcomes["whole" if found.get(dataset) else "nothing"] += 1
        if found.get(dataset):
            expected[dataset] = ROWS
        assert found == expected, kill  # earlier imports are as they were

    final = subprocess.run(
        import_command(ledger_file(tmp_path / "after.csv", "after"), database_url, bulk=True),
        capture_output=True,
        text=True,
    )
    assert final.returncode == 0, final.stderr
    expected["after"] = ROWS
    database = open_database(database_url)
    try:
        assert rows_of(database) == expected
        with database.transaction() as connection:
            assert check_totals(connection).clean
            if database.dialect == "sqlite":
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        database.dispose()
    assert scratch_files(database_url) == []
    assert outcomes["nothing"] > 0  # some kills did land before the commit
