"""The FICTIONAL demonstration programme: its size, its labels, its gated evaluations and expired
result, and that a second load changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from ltsplan.readiness import demo as demo_readiness
from ltsplan.readiness import evaluations
from ltsplan.readiness import reports as service
from ltsplan.readiness.data import load
from ltsplan.standards import demo as demo_standards


@pytest.fixture
def demo(db, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    demo_standards.load(db)
    demo_readiness.load(db)
    return db


def test_the_demo_is_the_promised_size_and_labelled_fictional_everywhere(demo):
    with demo.reading() as connection:
        data = load(connection)
        report = service.rollup_report(connection, on=date(2025, 6, 30))
    assert data.elements.height == 30
    assert data.targets.get_column("designator").n_unique() <= 40
    assert data.milestones.height == 4
    assert set(data.milestones.get_column("due").dt.year()) == {2023, 2024, 2025, 2026}
    assert data.elements.get_column("name").str.contains("FICTIONAL").all()
    assert data.milestones.get_column("name").str.contains("FICTIONAL").all()
    assert report.notes[0].startswith("FICTIONAL")
    years = data.assessments.get_column("assessed_on").dt.year().unique().sort().to_list()
    assert years == [2023, 2024, 2025]
    assert data.findings.height > 0 and data.actions.height == data.findings.height


def test_the_demo_catalogue_has_forty_standards_and_three_hundred_requirements(demo):
    from ltsplan.readiness.imports import requirements

    with demo.reading() as connection:
        reqs = requirements(connection, None)
    programme = reqs.filter(pl.col("code").str.starts_with("FP-") | pl.col("illustrative"))
    assert programme.height == 300
    assert programme.get_column("designator").n_unique() == 40


def test_the_demo_has_an_out_of_order_nato_evaluation_and_an_expired_result(demo):
    with demo.reading() as connection:
        frame = evaluations.evaluations_report(connection, on=date(2026, 6, 30)).frame
    statuses = frame.get_column("status").to_list()
    assert any(s.startswith("does not count: SEL1") for s in statuses)
    assert any(s.startswith("expired on") for s in statuses)
    assert (frame.get_column("outcome") == "not combat ready").any()


def test_loading_the_demo_twice_changes_nothing(demo, tmp_path):
    from sqlalchemy import func, select

    from ltsplan.readiness.model import RECORDS

    def counts():
        with demo.reading() as connection:
            return {
                n: connection.execute(select(func.count()).select_from(t)).scalar_one()
                for n, t in ((r.name, r.table) for r in RECORDS)
            }

    before = counts()
    demo_readiness.load(demo)
    assert counts() == before


def _other_row_order(connection) -> None:
    """Ask the database to return unordered rows in another order than it did: SQLite reverses
    them; PostgreSQL scans the heap (the order rows were written) instead of an index (their ids'
    order), the switch its statistics make by themselves once autovacuum has analysed a table."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA reverse_unordered_selects = ON")
    else:
        connection.exec_driver_sql("SET enable_indexscan = off")
        connection.exec_driver_sql("SET enable_bitmapscan = off")
        connection.exec_driver_sql("SET enable_indexonlyscan = off")


def test_the_demo_does_not_depend_on_the_order_the_database_returns_rows_in(demo):
    from ltsplan.readiness.demo_programme import build

    with demo.reading() as connection:
        usual = build(connection)
        _other_row_order(connection)
        other = build(connection)
    assert other == usual
