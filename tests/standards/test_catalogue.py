"""The catalogue: the shipped starter list, requirements and their labels, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ltsplan.errors import NotFound
from ltsplan.shipped import shipped
from ltsplan.standards import imports as service
from ltsplan.standards import reports
from ltsplan.standards.model import standard
from ltsplan.store.db import Database

from .helpers import CATALOGUE


def _rows_in(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for row in csv.DictReader(handle) if any(v.strip() for v in row.values() if v))


def test_importing_the_shipped_catalogue_stores_one_standard_per_row(db: Database):
    path = shipped("standards", "nato-standards.csv")
    result = service.import_files(db, [path])
    expected = _rows_in(path)
    assert result.results["standards"].inserted == expected
    with db.reading() as connection:
        stored = connection.execute(select(func.count()).where(standard.c.retracted_at.is_(None))).scalar()
    assert stored == expected
    assert reports.list_standards(db).frame.height == expected


def test_reimporting_the_same_file_changes_nothing(db: Database):
    path = shipped("standards", "nato-standards.csv")
    service.import_files(db, [path])
    again = service.import_files(db, [path])
    assert again.results["standards"].inserted == 0 and again.results["standards"].revised == 0
    assert again.results["standards"].unchanged == _rows_in(path)


def test_the_shipped_illustrative_requirements_load_and_are_labelled_wherever_shown(db: Database):
    service.import_files(
        db,
        [shipped("standards", "nato-standards.csv"), shipped("standards", "illustrative-requirements.yaml")],
    )
    shown = reports.show_standard(db, "STANAG 6001")
    assert shown.frame.height > 0
    assert set(shown.frame.get_column("basis")) == {"illustrative"}
    assert any("ILLUSTRATIVE" in n for n in shown.notes)
    listed = reports.list_standards(db, domain="training").frame.filter(designator="STANAG 6001")
    assert listed.get_column("illustrative_requirements")[0] == shown.frame.height


def test_a_standard_shows_its_measures_and_thresholds(db: Database):
    service.import_files(db, [CATALOGUE])
    frame = reports.show_standard(db, "stanag 6001").frame
    row = frame.row(0, named=True)
    assert row["measure"] == "ordinal"
    assert row["levels"].startswith("0 < 0+ < 1 < 1+ < 2 < 2+")
    assert row["threshold"] == "2"
    fleet = reports.show_standard(db, "STANAG 4569").frame.row(0, named=True)
    assert (fleet["measure"], fleet["threshold"], fleet["weight"]) == ("percentage", "60%", 2.0)


def test_an_unknown_standard_is_not_found_and_the_catalogue_as_of_before_its_import_is_empty(db: Database):
    service.import_files(db, [CATALOGUE], recorded_at=datetime(2024, 1, 1))
    with pytest.raises(NotFound, match="STANAG 9999"):
        reports.show_standard(db, "STANAG 9999")
    assert reports.list_standards(db, moment=datetime(2023, 12, 31)).frame.height == 0
    assert reports.list_standards(db, moment=datetime(2024, 1, 2)).frame.height > 0
