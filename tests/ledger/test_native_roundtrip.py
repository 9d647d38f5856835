"""The native formats: the three examples describe one ledger, and export → import → export
reproduces the file exactly (byte for byte for CSV and JSON, cell for cell for XLSX)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import Database, open_database

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def cells(path: Path) -> dict[str, list[tuple]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            name: [tuple(r) for r in workbook[name].iter_rows(values_only=True)]
            for name in workbook.sheetnames
        }
    finally:
        workbook.close()


def live_entries(db: Database) -> dict[str, tuple]:
    with db.reading() as connection:
        rows = connection.execute(
            select(
                ledger_entry.c.id, ledger_entry.c.amount, ledger_entry.c.quantity, ledger_entry.c.source_id
            ).where(ledger_entry.c.retracted_at.is_(None))
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def expected_from_json() -> tuple[int, float, float]:
    """Count, sum of amounts and sum of quantities, read from the JSON example with the stdlib."""
    entries = json.loads((EXAMPLES / "ledger.json").read_text(encoding="utf-8"))["entries"]
    return (
        len(entries),
        sum(e.get("amount") or 0 for e in entries),
        sum(e.get("quantity") or 0 for e in entries),
    )


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_each_example_imports_the_same_ledger(db: Database, suffix: str, tmp_path: Path) -> None:
    outcome = import_file(db, EXAMPLES / f"ledger.{suffix}")
    count, amount, quantity = expected_from_json()
    assert outcome.summary.entries.inserted == count
    stored = live_entries(db)
    assert len(stored) == count
    assert sum(a or 0 for a, _, _ in stored.values()) == pytest.approx(amount)
    assert sum(q or 0 for _, q, _ in stored.values()) == pytest.approx(quantity)
    assert all(sid for _, _, sid in stored.values()), "every entry links to a source"
    reference = open_database(f"sqlite:///{tmp_path / 'json.db'}")
    import_file(reference, EXAMPLES / "ledger.json")
    assert live_entries(reference) == stored


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_export_then_import_round_trips_exactly(db: Database, suffix: str, tmp_path: Path) -> None:
    import_file(db, EXAMPLES / f"ledger.{suffix}")
    first = tmp_path / f"first.{suffix}"
    assert export_ledger(db, first) == expected_from_json()[0]

    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    import_file(fresh, first)
    second = tmp_path / f"second.{suffix}"
    export_ledger(fresh, second)

    if suffix == "xlsx":
        assert cells(first) == cells(second)
    else:
        assert first.read_bytes() == second.read_bytes()
    assert live_entries(fresh) == live_entries(db)


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_reimporting_the_same_file_changes_nothing(db: Database, suffix: str) -> None:
    path = EXAMPLES / f"ledger.{suffix}"
    import_file(db, path)
    with db.reading() as connection:
        before = connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one()
    again = import_file(db, path)
    assert (again.summary.entries.inserted, again.summary.entries.revised) == (0, 0)
    assert again.summary.entries.unchanged == expected_from_json()[0]
    with db.reading() as connection:
        assert connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one() == before


def test_export_as_of_a_date_leaves_out_later_knowledge(db: Database, tmp_path: Path) -> None:
    """The FRA entry carries recorded_at 2023-07-10: an export as of 2023-07-09 leaves it out."""
    from datetime import date

    from ltsplan.store.time import as_of

    import_file(db, EXAMPLES / "ledger.csv")
    target = tmp_path / "then.csv"
    export_ledger(db, target, moment=as_of(date(2023, 7, 9)))
    assert target.read_text(encoding="utf-8").count("\n") >= 1
    with target.open(newline="", encoding="utf-8") as handle:
        references = [row["reference"] for row in csv.DictReader(handle)]
    assert references == []  # the rest was recorded today, long after that date
    export_ledger(db, target, moment=as_of(date(2023, 7, 10)))
    with target.open(newline="", encoding="utf-8") as handle:
        assert [row["reference"] for row in csv.DictReader(handle)] == ["FRA-H1"]


def test_every_column_and_json_key_is_documented() -> None:
    from ltsplan.ledger.formats.native import INPUT_COLUMNS
    from ltsplan.ledger.formats.native_json import TOP_LEVEL
    from ltsplan.ledger.formats.native_sources import SOURCE_FIELDS

    text = (EXAMPLES.parent / "formats.md").read_text(encoding="utf-8")
    missing = [name for name in [*INPUT_COLUMNS, *SOURCE_FIELDS, *TOP_LEVEL] if f"`{name}`" not in text]
    assert missing == []
