"""National adoption and coverage: implemented ÷ applicable, by domain, on a day, as known then."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from ltsplan.errors import InvalidInput
from ltsplan.standards import imports as service
from ltsplan.standards import reports
from ltsplan.standards.rules import adoption_problems
from ltsplan.store.db import Database

from .helpers import ADOPTION, CATALOGUE, expected_coverage


def _load(db: Database, **kwargs) -> None:
    service.import_files(db, [CATALOGUE, ADOPTION], **kwargs)


@pytest.mark.parametrize("day", [None, date(2019, 12, 31), date(2021, 6, 30), date(2016, 1, 1)])
def test_coverage_by_domain_is_implemented_over_applicable_on_the_day(db: Database, day: date | None):
    _load(db)
    frame = reports.coverage_report(db, by_domain=True, day=day).frame
    expected = expected_coverage(day)
    assert sorted(frame.get_column("domain")) == sorted(expected)
    for row in frame.iter_rows(named=True):
        implemented, applicable = expected[row["domain"]]
        assert (row["implemented"], row["applicable"]) == (implemented, applicable)
        assert row["coverage"] == pytest.approx(implemented / applicable)


def test_coverage_never_counts_standards_that_do_not_apply_or_have_no_record(db: Database):
    _load(db)
    row = reports.coverage_report(db).frame.row(0, named=True)
    per_domain = expected_coverage(None)
    implemented = sum(i for i, _ in per_domain.values())
    applicable = sum(a for _, a in per_domain.values())
    catalogue_size = reports.list_standards(db).frame.height
    assert applicable < catalogue_size  # one standard is marked not applicable
    assert row["coverage"] == pytest.approx(implemented / applicable)
    assert row["coverage"] != pytest.approx(implemented / catalogue_size)
    assert row["not_applicable"] == catalogue_size - applicable


def test_coverage_as_known_on_a_past_date_ignores_later_records(db: Database):
    service.import_files(db, [CATALOGUE], recorded_at=datetime(2020, 1, 1))
    service.import_files(db, [ADOPTION], recorded_at=datetime(2023, 1, 1))
    before = reports.coverage_report(db, moment=datetime(2022, 12, 31)).frame
    assert before.height == 0
    after = reports.coverage_report(db, moment=datetime(2023, 1, 2)).frame
    assert after.get_column("applicable").sum() == sum(a for _, a in expected_coverage(None).values())


def test_a_corrected_record_changes_coverage_from_its_recording_on(db: Database):
    _load(db, recorded_at=datetime(2023, 1, 1))
    correction = {
        "country": "XYZ",
        "designator": "AJP-01",
        "applicable": True,
        "ratification": "ratified",
        "ratified_on": date(2019, 2, 1),
        "implementation": "implemented",
        "implemented_on": date(2023, 3, 1),
    }
    with db.transaction() as connection:
        service.write_records(
            connection, {"adoption": [correction]}, recorded_at=datetime(2023, 4, 1), origin="a correction"
        )
    old = reports.coverage_report(db, moment=datetime(2023, 3, 31)).frame.row(0, named=True)
    new = reports.coverage_report(db).frame.row(0, named=True)
    assert new["implemented"] == old["implemented"] + 1
    assert new["applicable"] == old["applicable"]


def test_ratified_with_reservations_keeps_the_reservation_text(db: Database):
    _load(db)
    frame = reports.adoption_report(db, country="xyz").frame.filter(pl.col("designator") == "AJP-01")
    row = frame.row(0, named=True)
    assert row["ratification"] == "ratified with reservations"
    assert row["reservation"] == "Applies to units assigned to multinational formations only, until 2026"


def test_ratified_with_reservations_needs_the_reservation_text():
    record = {
        "country": "XYZ",
        "designator": "AJP-01",
        "applicable": True,
        "ratification": "ratified with reservations",
        "ratified_on": date(2019, 1, 1),
        "implementation": "not started",
    }
    assert [f for f, _ in adoption_problems(record)] == ["reservation"]


def test_coverage_series_rises_with_implementation_dates_and_ends_on_the_last_day(db: Database):
    _load(db)
    series = reports.coverage_series_report(db, start=date(2016, 1, 1), end=date(2023, 6, 30)).frame
    days = series.get_column("day").to_list()
    assert days[0] == date(2016, 12, 31) and days[-1] == date(2023, 6, 30)
    for row in series.iter_rows(named=True):
        per_domain = expected_coverage(row["day"])
        assert row["implemented"] == sum(i for i, _ in per_domain.values())
    assert series.get_column("coverage").is_sorted()


def test_an_adoption_file_citing_an_unknown_standard_writes_nothing(db: Database):
    with pytest.raises(InvalidInput) as raised:
        service.import_files(db, [ADOPTION])
    assert all(p.field == "designator" for p in raised.value.problems)
    assert len(raised.value.problems) == 5
    assert reports.adoption_report(db).frame.height == 0


def test_the_coverage_chart_is_drawn_from_an_implementation_in_the_year_1(db: Database, tmp_path):
    """A series from 0001-12-31 on: the chart's margin must not reach before the calendar's first year."""
    from ltsplan.standards.charts import coverage_curve

    path = tmp_path / "early.yaml"
    path.write_text(
        "standards:\n"
        "  - {designator: STANAG 1, title: An early standard, domain: land}\n"
        "adoption:\n"
        "  - {country: UKR, designator: STANAG 1, applicable: true, ratification: ratified,"
        " ratified_on: 0001-01-01, implementation: implemented, implemented_on: 0001-06-01}\n"
    )
    service.import_files(db, [path])
    report = reports.coverage_series_report(db, end=date(2024, 12, 31))
    assert report.frame.get_column("coverage").to_list()[0] == 1.0
    png, svg = coverage_curve(report, tmp_path / "coverage.png")
    assert png.stat().st_size > 0 and svg.stat().st_size > 0
