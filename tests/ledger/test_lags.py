"""Delivery lag: days from a commitment's date to each delivery linked to it, as a distribution."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from ledger_sample import COLUMNS, ROWS, load

from ltsplan.ledger import reports as ledger_reports
from ltsplan.store.db import Database


def expected_lags(rows: list[tuple]) -> dict[tuple[str, str], list[int]]:
    records = [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    by_reference = {r["reference"]: r for r in records}
    lags: dict[tuple[str, str], list[int]] = {}
    for r in records:
        if r["kind"] == "delivery" and r["commitment_reference"] in by_reference:
            parent = by_reference[r["commitment_reference"]]
            lags.setdefault((r["donor"], r["category"]), []).append(
                (r["event_date"] - parent["event_date"]).days
            )
    return lags


def test_lag_distribution_by_donor_and_category(db: Database) -> None:
    load(db)
    with db.reading() as connection:
        report = ledger_reports.lags(connection)
    expected = expected_lags(ROWS)
    got = {(r["donor"], r["category"]): r for r in report.frame.to_dicts()}
    assert set(got) == set(expected)
    for key, days in expected.items():
        row = got[key]
        assert row["deliveries"] == len(days)
        assert row["min"] == min(days) and row["max"] == max(days)
        assert row["median"] == pytest.approx(float(np.median(days)))
        assert row["p25"] == pytest.approx(float(np.quantile(days, 0.25)))
        assert row["p90"] == pytest.approx(float(np.quantile(days, 0.9)))
        assert row["mean"] == pytest.approx(float(np.mean(days)))


def test_lags_overall_when_grouped_by_nothing(db: Database) -> None:
    load(db)
    with db.reading() as connection:
        report = ledger_reports.lags(connection, by=[])
    every = [d for days in expected_lags(ROWS).values() for d in days]
    assert report.frame.row(0, named=True)["deliveries"] == len(every)
    assert report.frame.row(0, named=True)["median"] == pytest.approx(float(np.median(every)))


def test_a_delivery_recorded_later_is_absent_as_of_before_it(db: Database) -> None:
    first = [r for r in ROWS if r[0] != "D2"]
    load(db, first)
    load(db, ROWS, recorded_at=datetime(2024, 6, 1))
    with db.reading() as connection:
        before = ledger_reports.lags(connection, by=["donor"], moment=datetime(2024, 1, 1))
        now = ledger_reports.lags(connection, by=["donor"])

    def deliveries(report) -> dict[str, int]:
        return {r["donor"]: r["deliveries"] for r in report.frame.to_dicts()}

    assert deliveries(now)["DEU"] == deliveries(before)["DEU"] + 1


def test_no_linked_delivery_gives_an_empty_answer_and_says_why(db: Database) -> None:
    load(db, [r for r in ROWS if r[1] == "commitment"])
    with db.reading() as connection:
        report = ledger_reports.lags(connection)
    assert report.frame.is_empty()
    assert any("no delivery is linked" in n for n in report.notes)
