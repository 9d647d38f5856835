"""The ledger demonstration: public figures, offline, idempotent, and two moments in time.

Expected figures are read here from the shipped files with the csv module.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.ledger import demo as demo_ledger
from ltsplan.ledger.model import gdp, ledger_entry, ledger_total_delta
from ltsplan.provenance.model import actor, evidence, source
from ltsplan.provenance.reports import evidence_for
from ltsplan.shipped import shipped
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id

TABLES = (ledger_entry, ledger_total_delta, source, actor, evidence, gdp)


def june_records() -> list[dict[str, str]]:
    with shipped("demo", "ledger-june-2023.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def totals(database_url: str, *args: str) -> list[dict]:
    result = CliRunner().invoke(
        build_app(),
        ["ledger", "totals", "--db", database_url, "--format", "json", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["rows"]


def counts(db: Database) -> dict[str, int]:
    with db.reading() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


@pytest.fixture
def demo(db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    return demo_ledger.load(db)


def test_running_the_demo_twice_changes_nothing(db: Database, demo: list[str]) -> None:
    before = counts(db)
    assert before["ledger_entry"] > 1000
    again = demo_ledger.load(db)
    assert counts(db) == before
    assert any("0 new and" in line for line in again)
    assert any("(0 new)" in line and ": 0 now" in line for line in again)


def test_as_of_june_2023_shows_the_june_pledges_and_not_kiel(demo: list[str], database_url: str) -> None:
    rows = totals(database_url, "--by", "dataset,donor,stage", "--as-of", "2023-06-14")
    assert {r["dataset"] for r in rows} == {"demo-june-2023"}
    expected = {(r["donor"], r["stage"]) for r in june_records()}
    assert {(r["donor"], r["stage"]) for r in rows} == expected
    by_donor = {r["donor"]: r for r in rows}
    for record in june_records():
        if record["currency"] == "EUR":
            assert by_donor[record["donor"]]["pledged"] == float(record["amount"])
        measure = "announced" if record["stage"] == "announced" else "pledged"
        assert by_donor[record["donor"]][measure] > 0
    # a pledge dated after 2023-02-16 (Germany's, 13 May) is not known on the day before it
    earlier = {r["donor"] for r in totals(database_url, "--by", "donor", "--as-of", "2023-05-12")}
    assert "DEU" not in earlier and "NOR" in earlier


def test_today_shows_kiel_and_not_the_withdrawn_june_records(demo: list[str], database_url: str) -> None:
    rows = totals(database_url, "--by", "dataset")
    assert [r["dataset"] for r in rows] == ["kiel-ust-r29"]
    with shipped("kiel", "data_explorer.csv").open(newline="", encoding="utf-8") as handle:
        commitments = sum(float(r["commitments"]) for r in csv.DictReader(handle)) * 1e9
    assert rows[0]["pledged"] == pytest.approx(commitments, abs=1e5)
    assert rows[0]["announced"] == 0.0


def test_the_history_of_a_june_record_shows_when_and_why_it_was_withdrawn(
    db: Database, demo: list[str], database_url: str
) -> None:
    norway = record_id("demo-june-2023", "NOR-nansen-2023")
    result = CliRunner().invoke(
        build_app(), ["ledger", "history", norway[:10], "--db", database_url, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    versions = json.loads(result.output)["rows"]
    assert len(versions) == 1
    assert versions[0]["recorded_at"].startswith("2023-02-16")
    assert versions[0]["retracted_at"].startswith("2026-08-04")
    assert versions[0]["amount"] == 75e9 and versions[0]["currency"] == "NOK"
    with db.reading() as connection:
        why = evidence_for(connection, "ledger_entry", norway)
    assert [w["quote"] for w in why] == ["superseded by Kiel release 29"]
    assert "Release 29" in why[0]["title"]


def test_gdp_shares_are_available_as_of_june_2023(demo: list[str], database_url: str) -> None:
    rows = {
        r["donor"]: r
        for r in totals(database_url, "--by", "donor", "--as-of", "2023-06-14", "--gdp-year", "2021")
    }
    assert rows["DEU"]["pledged_pct_gdp"] > 0
    assert rows["EU"]["pledged_pct_gdp"] is None


def test_the_demo_writes_the_chart_and_says_where_to_look(demo: list[str], tmp_path: Path) -> None:
    chart = tmp_path / "ltsplan-out" / "ledger-pledged-vs-delivered.png"
    assert chart.stat().st_size > 10_000
    assert chart.with_suffix(".svg").exists()
    text = "\n".join(demo)
    assert str(chart) in text
    assert "--as-of 2023-06-14" in text
    assert "ltsplan ledger history" in text
    assert "Top 10 donors" in text


def test_the_june_records_are_recorded_at_their_sources_dates(db: Database, demo: list[str]) -> None:
    with db.reading() as connection:
        found = dict(
            connection.execute(
                select(ledger_entry.c.reference, ledger_entry.c.recorded_at).where(
                    ledger_entry.c.dataset == "demo-june-2023"
                )
            ).all()
        )
    expected = {r["reference"]: datetime.fromisoformat(r["source_published"]) for r in june_records()}
    assert found == expected
