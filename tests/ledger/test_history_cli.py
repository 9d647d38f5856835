"""``ltsplan ledger history ID``: the whole history of a revised figure, by id or id prefix."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from ledger_sample import FIRST_KNOWN, ROWS, entry_id, load
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.errors import LtsplanError, NotFound
from ltsplan.ledger import reports as ledger_reports
from ltsplan.store.db import Database

LATER = datetime(2024, 9, 30, 16, 0)


def revised(factor: float) -> list[tuple]:
    return [(*r[:7], r[7] * factor, *r[8:]) if r[0] == "D4" else r for r in ROWS]


def test_each_revision_adds_a_version_and_retracts_the_one_before(db: Database) -> None:
    load(db)
    load(db, revised(1.1), recorded_at=LATER)
    load(db, revised(1.2), recorded_at=datetime(2025, 1, 2))
    with db.reading() as connection:
        report = ledger_reports.history(connection, entry_id("D4"))
    rows = report.frame.to_dicts()
    assert [r["amount"] for r in rows] == pytest.approx([120e6, 132e6, 144e6])
    assert [r["recorded_at"] for r in rows] == [FIRST_KNOWN, LATER, datetime(2025, 1, 2)]
    assert [r["retracted_at"] for r in rows] == [LATER, datetime(2025, 1, 2), None]


def test_an_ambiguous_prefix_names_the_candidates(db: Database) -> None:
    load(db)
    with db.reading() as connection, pytest.raises(LtsplanError, match="matches several"):
        ledger_reports.history(connection, "")


def test_an_entry_not_yet_known_on_the_as_of_date_is_not_found(db: Database) -> None:
    load(db)
    with db.reading() as connection, pytest.raises(NotFound):
        ledger_reports.history(connection, entry_id("C1"), datetime(2022, 1, 1))


def test_history_through_the_cli_in_upper_case_prefix(db: Database, database_url: str) -> None:
    load(db)
    load(db, revised(0.5), recorded_at=LATER)
    prefix = entry_id("D4")[:8].upper()
    result = CliRunner().invoke(
        build_app(), ["ledger", "history", prefix, "--format", "json", "--db", database_url]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["rows"]) == 2
