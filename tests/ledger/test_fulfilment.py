"""Fulfilment: pledged against delivered and allocated, by donor and category, lowest rate first."""

from __future__ import annotations

import polars as pl
import pytest
from ledger_sample import ROWS, expected_frame, load

from ltsplan.ledger import reports as ledger_reports
from ltsplan.store.db import Database


def test_fulfilment_by_donor_and_category_is_delivered_over_pledged(db: Database) -> None:
    load(db)
    with db.reading() as connection:
        report = ledger_reports.fulfilment(connection)
    expected = (
        expected_frame(ROWS)
        .group_by("donor", "category")
        .agg(pl.col("pledged").sum(), pl.col("delivered").sum(), pl.col("allocated").sum())
    )
    got = {(r["donor"], r["category"]): r for r in report.frame.to_dicts()}
    assert len(got) == expected.height
    for row in expected.to_dicts():
        answer = got[(row["donor"], row["category"])]
        if row["pledged"] > 0:
            assert answer["fulfilment"] == pytest.approx(row["delivered"] / row["pledged"], rel=1e-9)
            assert answer["allocation_rate"] == pytest.approx(row["allocated"] / row["pledged"], rel=1e-9)
        else:
            assert answer["fulfilment"] is None


def test_the_donor_furthest_behind_comes_first(db: Database) -> None:
    load(db)
    with db.reading() as connection:
        report = ledger_reports.fulfilment(connection, by=["donor"])
    rates = [r for r in report.frame.get_column("fulfilment").to_list() if r is not None]
    assert rates == sorted(rates)
    assert "announced" not in report.frame.columns  # announcements are not pledges


def test_fulfilment_as_of_a_date_counts_only_what_was_known_then(db: Database) -> None:
    from datetime import datetime

    load(db, [r for r in ROWS if r[1] == "commitment"])
    load(db, recorded_at=datetime(2024, 6, 1))  # the deliveries became known later
    with db.reading() as connection:
        before = ledger_reports.fulfilment(connection, by=["donor"], moment=datetime(2024, 1, 1))
        now = ledger_reports.fulfilment(connection, by=["donor"])
    assert set(before.frame.get_column("fulfilment").drop_nulls().to_list()) == {0.0}
    assert max(now.frame.get_column("fulfilment").drop_nulls().to_list()) > 0
