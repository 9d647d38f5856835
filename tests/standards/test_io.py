"""Files in and out: every problem located, nothing half-written, and exact round trips."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from ltsplan.errors import InvalidInput, LtsplanError
from ltsplan.standards import exports, reports
from ltsplan.standards import formats as io
from ltsplan.standards import imports as service
from ltsplan.store.db import Database

from .helpers import ADOPTION, CATALOGUE, FIXTURES

BAD_ADOPTION = FIXTURES / "bad-adoption.csv"


def test_an_import_with_bad_rows_lists_every_problem_and_writes_nothing(db: Database):
    service.import_files(db, [CATALOGUE])
    with pytest.raises(InvalidInput) as raised:
        service.import_files(db, [BAD_ADOPTION])
    located = {(p.line, p.field) for p in raised.value.problems}
    assert located == {
        (2, "ratification"),
        (3, "reservation"),
        (4, "implemented_on"),
        (5, "applicable"),
        (5, "ratified_on"),
        (6, "designator"),
    }
    assert all(p.file == str(BAD_ADOPTION) for p in raised.value.problems)
    assert "nothing was written" in str(raised.value)
    assert reports.adoption_report(db).frame.height == 0


def test_skip_invalid_writes_the_valid_rows_and_names_the_skipped_ones(db: Database, tmp_path: Path):
    service.import_files(db, [CATALOGUE])
    result = service.import_files(db, [BAD_ADOPTION], skip_invalid=True, report_dir=tmp_path)
    assert result.results["adoption"].inserted == 1
    assert result.report is not None and result.report.exists()
    assert len(result.report.read_text().splitlines()) == 1 + len(result.skipped)


def test_yaml_problems_name_the_line_of_the_record(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "standards:\n  - designator: AJP-01\n    title: Allied Joint Doctrine\n    domain: land\n"
        "  - designator: AJP-02\n    title: ''\n    domain: land\n    colour: red\n",
        encoding="utf-8",
    )
    found = io.read(path)
    assert len([x for x in found.found["standards"] if x.ok]) == 1
    assert {(p.line, p.field) for p in found.problems} == {(5, "title"), (5, "colour")}


def test_a_bad_date_in_yaml_is_reported_at_its_line_and_field_instead_of_crashing(tmp_path: Path):
    records = [("AJP-01", "2019-02-01"), ("AJP-3.2", "2024-13-01")]
    lines = ["adoption:"]
    for designator, day in records:
        lines += ["  - country: XYZ", f"    designator: {designator}", "    applicable: true"]
        lines += ["    ratification: ratified", f"    ratified_on: {day}"]
    path = tmp_path / "adoption.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = io.read(path)
    bad_record_line = lines.index("    designator: AJP-3.2")  # the line before it, counted from 1
    assert [(p.line, p.field) for p in found.problems] == [(bad_record_line, "ratified_on")]
    assert "2024-13-01" in found.problems[0].message
    assert [
        (a.given["designator"], a.given["ratified_on"].isoformat()) for a in found.found["adoption"] if a.ok
    ] == [("AJP-01", "2019-02-01")]


@pytest.mark.parametrize("edition_date", ["2024-13-01", "2024-00", "2023-02-30", "0000"])
def test_an_edition_date_that_is_no_day_month_or_year_is_refused_at_its_line(
    db: Database, tmp_path: Path, edition_date: str
):
    path = tmp_path / "standards.yaml"
    path.write_text(
        "standards:\n"
        "  - {designator: AJP-01, title: Allied Joint Doctrine, domain: joint, edition_date: 2022-02}\n"
        f"  - {{designator: AJP-3.2, title: Land operations, domain: land, edition_date: '{edition_date}'}}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        service.import_files(db, [path])
    assert [(p.line, p.field) for p in raised.value.problems] == [(3, "edition_date")]
    assert edition_date in raised.value.problems[0].message
    assert reports.list_standards(db).frame.height == 0


def test_json_problems_name_the_records_position(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text(
        '{"requirements": [{"designator": "AJP-01", "code": "X", "text": "t", "measure": "scale"}]}'
    )
    found = io.read(path)
    assert [(p.record, p.field) for p in found.problems] == [("requirements[1] AJP-01 X", "measure")]


def test_a_csv_whose_header_names_no_section_is_refused_at_line_1(tmp_path: Path):
    path = tmp_path / "odd.csv"
    path.write_text("a,b\n1,2\n")
    found = io.read(path)
    assert [(p.line, p.message.split(":")[0]) for p in found.problems] == [
        (1, "cannot tell which section this CSV holds")
    ]


@pytest.mark.parametrize("fmt", ["yaml", "json", "xlsx", "csv"])
def test_export_then_import_round_trips_exactly(db: Database, tmp_path: Path, fmt: str):
    service.import_files(db, [CATALOGUE, ADOPTION])
    with db.reading() as connection:
        before = exports.stored_sections(connection)
    written = exports.export_files(db, tmp_path / f"out.{fmt}")
    assert sum(written.values()) == sum(len(v) for v in before.values())
    again = service.import_files(db, list(written))
    assert (again.results["standards"].inserted, again.results["standards"].revised) == (0, 0)
    assert (again.results["requirements"].inserted, again.results["requirements"].revised) == (0, 0)
    assert (again.results["adoption"].inserted, again.results["adoption"].revised) == (0, 0)
    assert again.results["adoption"].unchanged == len(before["adoption"])
    with db.reading() as connection:
        assert exports.stored_sections(connection) == before


def test_exported_cells_that_look_like_formulas_are_neutralised(db: Database, tmp_path: Path):
    service.import_files(db, [CATALOGUE])
    exports.export_files(db, tmp_path / "out.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx", read_only=True)
    texts = [row[2] for row in workbook["requirements"].iter_rows(min_row=2, values_only=True)]
    workbook.close()
    assert any(isinstance(t, str) and t.startswith("'=HYPERLINK") for t in texts)
    assert not any(isinstance(t, str) and t.startswith("=") for t in texts)


def test_a_workbook_that_expands_like_a_zip_bomb_is_refused_before_opening(tmp_path: Path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (64 * 2**20))
    with pytest.raises(LtsplanError, match="zip bomb"):
        io.read(path)


def test_a_file_that_is_not_a_workbook_is_refused_with_a_message(tmp_path: Path):
    path = tmp_path / "fake.xlsx"
    shutil.copy(ADOPTION, path)
    with pytest.raises(LtsplanError, match="not an XLSX workbook"):
        io.read(path)
