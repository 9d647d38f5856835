"""Two imports of one file at the same time: write transactions run one after the other (SQLite's
BEGIN IMMEDIATE, PostgreSQL's advisory lock), so the second finds everything the first wrote and
changes nothing, instead of colliding with its rows (it died with "UNIQUE constraint failed")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from ltsplan.ledger.check import check_totals
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import Database, open_database

HEADER = "dataset,reference,kind,stage,donor,category,event_date,amount,currency,source_title,source_kind"
ROWS = 20_000


def ledger_file(path: Path) -> Path:
    lines = [HEADER]
    lines += [
        f"race,R{n},commitment,committed,DEU,military,2023-06-{1 + n % 28:02d},{n + 1},EUR,A list,official document"
        for n in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_second_of_two_simultaneous_imports_finds_everything_unchanged(
    database_url: str, tmp_path: Path
) -> None:
    open_database(database_url).dispose()  # migrated before the race: the race is about rows
    path = ledger_file(tmp_path / "race.csv")
    command = [sys.executable, "-c", "from ltsplan.cli.main import main; main()", "import", str(path)]
    runs = [
        subprocess.Popen(
            [*command, "--db", database_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (_, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err
        assert "Traceback" not in err
    said = [" ".join(out.split()) for out, _ in outputs]  # the console wraps long lines
    counts = sorted(
        tuple(map(int, re.findall(r"(\d+) (?:new|revised|unchanged)", text)[:3])) for text in said
    )
    assert counts == [(0, 0, ROWS), (ROWS, 0, 0)]
    database = Database(database_url)
    try:
        with database.transaction() as connection:
            assert connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one() == ROWS
            assert check_totals(connection).clean
    finally:
        database.dispose()
