"""Plans made from stored records: kept with their inputs' fingerprint, versioned like every record,
explained, and compared."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from ltsplan.planner import reports
from ltsplan.planner.imports import import_path
from ltsplan.planner.plans import PlanInfeasible, make_plan, stored
from ltsplan.planner.solve import Options
from ltsplan.store.db import Database

from .conftest import FIXTURES

OPTIONS = Options(time_limit=20.0, workers=2, seed=1)
START = date(2027, 1, 1)


def _make(db: Database, code: str = "P1", **more: object) -> object:
    return make_plan(db, code, options=OPTIONS, start=START, months=12, **more)  # type: ignore[arg-type]


def _more_seats(db: Database, tmp_path: Path) -> None:
    text = (
        (FIXTURES / "packages.yaml")
        .read_text(encoding="utf-8")
        .replace("seats: 1, months: 2", "seats: 2, months: 2")
    )
    path = tmp_path / "more-seats.yaml"
    path.write_text(text, encoding="utf-8")
    import_path(db, path)


def test_a_plan_is_kept_with_its_figures_and_fingerprint(offered: Database) -> None:
    made = _make(offered)
    with offered.reading() as connection:
        plan = stored(connection, "P1")
        listed = reports.plans_report(connection).frame
    assert plan.head["status"] == "optimal"
    assert len(plan.head["fingerprint"]) == 64
    assert plan.head["objective_value"] == pytest.approx(made.outcome.objective)  # type: ignore[attr-defined]
    assert plan.head["greedy_objective"] <= plan.head["objective_value"]
    assert plan.head["best_bound"] >= plan.head["objective_value"] - 1e-9
    assert listed.get_column("plan").to_list() == ["P1"]
    given = set(plan.assignments.select("element_code", "package_code").iter_rows())
    assert {("BN1", "EQ-1"), ("BN2", "EQ-1"), ("BN2", "TRN-1"), ("SQN", "TRN-2"), ("BDE", "FUND-1")} == given
    # Nothing the squadron's air course is not open to the land battalions.
    assert all(element == "SQN" for element, package in given if package == "TRN-2")


def test_each_assignment_says_which_gap_it_closes_for_which_milestone(offered: Database) -> None:
    _make(offered)
    with offered.reading() as connection:
        frame = reports.explain_report(connection, "P1").frame
    course = frame.filter((pl.col("element") == "BN2") & (pl.col("package") == "TRN-1")).row(0, named=True)
    assert course["milestone"] == "M1"
    assert "STANAG 9101 R2 by 2.0" in course["serves"] and "M1 (due 2027-06)" in course["serves"]
    radios = frame.filter((pl.col("element") == "BN2") & (pl.col("package") == "EQ-1")).row(0, named=True)
    assert "needed first by TRN-1" in radios["serves"]


def test_each_target_left_short_names_what_binds_it(offered: Database) -> None:
    _make(offered)
    with offered.reading() as connection:
        frame = reports.shortfalls_report(connection, "P1").frame
    binding = {(r["element"], r["requirement"], r["milestone"]): r for r in frame.to_dicts()}
    course = binding[("BN1", "R2", "M1")]
    assert course["binding"] == "capacity"
    assert "TRN-1: its one seat is taken" in course["detail"]
    money = binding[("BN1", "R3", "M2")]
    assert money["binding"] == "budget"
    assert "fund FUND-1 has spent its yearly budget" in money["detail"]
    assert "EQ-2: takes 12 months" in money["detail"]  # the other offer: its lead time
    assert binding[("BDE", "R3", "M2")]["binding"] == "amount"  # given in time, raises 50 of 80


def test_making_a_plan_again_revises_it_and_its_past_stays_readable(
    offered: Database, tmp_path: Path
) -> None:
    _make(offered)
    again = _make(offered)
    assert again.written.total.inserted == again.written.total.revised == 0  # type: ignore[attr-defined]
    with offered.reading() as connection:
        first = stored(connection, "P1")
    _more_seats(offered, tmp_path)
    _make(offered)
    with offered.reading() as connection:
        now = stored(connection, "P1")
        before = stored(connection, "P1", first.head["recorded_at"] + timedelta(microseconds=1))
        short_now = stored(connection, "P1").shortfalls
    assert now.head["fingerprint"] != first.head["fingerprint"]
    assert ("BN1", "TRN-1") in set(now.assignments.select("element_code", "package_code").iter_rows())
    assert ("BN1", "TRN-1") not in set(before.assignments.select("element_code", "package_code").iter_rows())
    assert before.head["fingerprint"] == first.head["fingerprint"]
    # The shortfall the second seat removed is withdrawn, not left behind.
    assert ("BN1", "M1") not in set(
        short_now.filter(pl.col("binding") == "capacity").select("element_code", "milestone_code").iter_rows()
    )


def test_the_difference_between_two_plans(offered: Database, tmp_path: Path) -> None:
    _make(offered, "P1")
    _more_seats(offered, tmp_path)
    _make(offered, "P2")
    with offered.reading() as connection:
        report = reports.diff_report(connection, "P1", "P2")
    changes = {(r["element"], r["package"]): r["change"] for r in report.frame.to_dicts()}
    assert changes[("BN1", "TRN-1")] == "added"
    assert "same" not in changes.values()
    assert any("different inputs" in note for note in report.notes)
    assert any(note.startswith("milestone readiness M1: 83.3% → 100.0%") for note in report.notes)


def test_what_is_done_that_the_offers_cannot_hold_is_explained(offered: Database) -> None:
    """Two battalions recorded in the one-seat course in the same month: no plan can keep that."""
    history = pl.DataFrame(
        {
            "element": ["BN1", "BN2", "BN1", "BN2"],
            "package": ["EQ-1", "EQ-1", "TRN-1", "TRN-1"],
            "start": [date(2026, 9, 1), date(2026, 9, 1), date(2026, 12, 1), date(2026, 12, 1)],
        }
    )
    with pytest.raises(PlanInfeasible) as raised:
        _make(offered, history=history)
    said = [p.message for p in raised.value.problems]
    assert said == [
        "capacity: course TRN-1 has 1 seat and what is done keeps 2 elements in it in 2027-01 (BN1, BN2)"
    ]
    assert raised.value.problems[0].record == "TRN-1"
    assert "nothing was written" in str(raised.value)
    with offered.reading() as connection:
        assert reports.plans_report(connection).frame.is_empty()


def test_the_plan_as_known_on_a_date_before_it_was_made_is_not_there(offered: Database) -> None:
    _make(offered)
    with (
        offered.reading() as connection,
        pytest.raises(Exception, match="no plan 'P1' as known on 2020-01-01"),
    ):
        stored(connection, "P1", datetime(2020, 1, 1))


def test_a_plan_from_year_1_says_its_first_month_in_four_digits(offered: Database) -> None:
    made = make_plan(offered, "Y1", options=Options(time_limit=5.0, seed=1), start=date(1, 1, 1), months=12)
    assert any(line.startswith("from 0001-01 for 12 months;") for line in reports.summary(made.head))
