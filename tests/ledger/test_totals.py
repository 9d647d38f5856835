"""Totals by donor × year × category (ledger_reports.totals over the maintained deltas), today and as
of a past date, with every expected figure computed here from the sample's inputs."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from ledger_sample import FIRST_KNOWN, ROWS, expected_frame, load

from ltsplan.errors import LtsplanError
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.reports import LedgerFilter
from ltsplan.ledger.writes import retract_entries
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

MEASURES = ["announced", "pledged", "allocated", "delivered"]


def expected_totals(rows: list[tuple], by: list[str], target: str = "EUR") -> dict[tuple, dict[str, float]]:
    frame = expected_frame(rows, target)
    grouped = frame.group_by(by).agg(
        *[pl.col(m).sum() for m in MEASURES],
        pl.len().alias("entries"),
        (~pl.col("converted")).sum().alias("not_converted"),
    )
    return {tuple(r[b] for b in by): r for r in grouped.to_dicts()}


def answered(db: Database, by: list[str], **kwargs) -> dict[tuple, dict[str, float]]:
    with db.reading() as connection:
        report = ledger_reports.totals(connection, by=by, **kwargs)
    return {tuple(r[b] for b in by): r for r in report.frame.to_dicts()}


def assert_same(got: dict, expected: dict) -> None:
    assert set(got) == set(expected)
    for key, row in expected.items():
        for measure in MEASURES:
            assert got[key][measure] == pytest.approx(row[measure], rel=1e-9, abs=1e-6), (key, measure)
        assert got[key]["entries"] == row["entries"]
        assert got[key]["not_converted"] == row["not_converted"]


def test_totals_by_donor_year_and_category_match_the_inputs(db: Database) -> None:
    load(db)
    by = ["donor", "year", "category"]
    assert_same(answered(db, by), expected_totals(ROWS, by))


def test_totals_in_usd_use_the_same_days_rates(db: Database) -> None:
    load(db)
    assert_same(answered(db, ["donor"], currency="USD"), expected_totals(ROWS, ["donor"], "USD"))


def test_uah_amounts_are_counted_as_not_converted_and_named_in_a_note(db: Database) -> None:
    load(db)
    with db.reading() as connection:
        report = ledger_reports.totals(connection, by=["donor"])
    poland = report.frame.filter(pl.col("donor") == "POL").row(0, named=True)
    uah_rows = sum(1 for r in ROWS if r[3] == "POL" and r[8] == "UAH")
    assert poland["not_converted"] == uah_rows == 1
    assert any("UAH" in note for note in report.notes)


def test_fulfilment_and_allocation_rate_are_ratios_of_the_measures(db: Database) -> None:
    load(db)
    expected = expected_totals(ROWS, ["donor"])
    got = answered(db, ["donor"])
    for key, row in expected.items():
        assert got[key]["fulfilment"] == pytest.approx(row["delivered"] / row["pledged"], rel=1e-9)
        assert got[key]["allocation_rate"] == pytest.approx(row["allocated"] / row["pledged"], rel=1e-9)


def test_a_revision_changes_today_but_not_the_answer_as_of_before_it(db: Database) -> None:
    load(db)
    revised = [(*tuple(r[:7]), r[7] * 2, *tuple(r[8:])) if r[0] == "C1" else r for r in ROWS]
    load(db, revised, recorded_at=datetime(2024, 5, 2, 8, 0))
    by = ["donor", "category"]
    assert_same(answered(db, by), expected_totals(revised, by))
    assert_same(answered(db, by, moment=as_of(datetime(2024, 5, 1).date())), expected_totals(ROWS, by))
    assert answered(db, by, moment=datetime(2023, 1, 1)) == {}  # nothing was known yet


def test_a_retracted_entry_leaves_the_totals_from_its_retraction_on(db: Database) -> None:
    load(db)
    from ledger_sample import entry_id

    at = datetime(2024, 1, 1)
    with db.transaction() as connection:
        assert retract_entries(connection, [entry_id("C4")], at=at) == 1
    remaining = [r for r in ROWS if r[0] != "C4"]
    assert_same(answered(db, ["donor"]), expected_totals(remaining, ["donor"]))
    assert_same(answered(db, ["donor"], moment=FIRST_KNOWN), expected_totals(ROWS, ["donor"]))


def test_reimporting_the_same_entries_changes_no_total(db: Database) -> None:
    load(db)
    load(db, recorded_at=datetime(2024, 2, 2))
    assert_same(answered(db, ["donor", "year"]), expected_totals(ROWS, ["donor", "year"]))


def test_a_write_and_a_read_in_one_transaction_see_the_write(db: Database) -> None:
    from ledger_sample import SOURCE, frame

    from ltsplan.ledger.model import LedgerBatch
    from ltsplan.ledger.writes import write_batch

    with db.transaction() as connection:
        write_batch(connection, LedgerBatch(entries=frame(ROWS), sources=[SOURCE]), recorded_at=FIRST_KNOWN)
        report = ledger_reports.totals(connection, by=["donor"])
        assert report.frame.height == len({r[3] for r in ROWS})


def test_filters_and_top_n_narrow_the_answer(db: Database) -> None:
    load(db)
    expected = expected_totals([r for r in ROWS if r[4] == "military"], ["donor"])
    got = answered(db, ["donor"], filters=LedgerFilter(categories=("military",)))
    assert_same(got, expected)
    top = answered(db, ["donor"], top=1)
    biggest = max(expected_totals(ROWS, ["donor"]).items(), key=lambda kv: kv[1]["pledged"])[0]
    assert list(top) == [biggest]


def test_grouping_by_an_unknown_dimension_is_refused_with_the_choices() -> None:
    with pytest.raises(LtsplanError, match="choose from"):
        ledger_reports.parse_dimensions("donor,colour")
