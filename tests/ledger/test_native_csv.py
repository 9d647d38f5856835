"""The native CSV format: every problem named by file, line and field; nothing half-written;
formula protection that round-trips; line numbers exact across blocks and quoted line breaks."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.ledger import reports
from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.formats.native_csv import read_csv
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.provenance.model import source
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

HEADER = "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,description,source_title,source_kind,source_grade"
GOOD = "demo,{ref},commitment,committed,DEU,UKR,military,2023-06-01,{amount},EUR,{description},Aid list,official document,A1"


def write(tmp_path: Path, *lines: str, name: str = "ledger.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(db: Database, table=ledger_entry) -> int:
    with db.reading() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_bad_file_lists_every_problem_with_line_and_field_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER + ",colour",
        GOOD.format(ref="A", amount="100", description="fine") + ",red",
        "demo,B,commitment,committed,DEU,UKR,military,2023-13-01,12x,EUR,bad date and amount,Aid list,official document,A1,",
        "demo,C,commitment,committed,DEU,UKR,military,2023-06-01,5,EUR,no such kind,Aid list,official document,Z9,",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    found = {(p.line, p.field) for p in raised.value.problems}
    assert (1, "colour") in found  # unknown column
    assert (3, "event_date") in found and (3, "amount") in found
    assert (4, "source_grade") in found
    assert all(p.file == str(path) for p in raised.value.problems)
    date_problem = next(p for p in raised.value.problems if p.field == "event_date")
    assert "2023-13-01" in str(date_problem) and "line 3" in str(date_problem)
    # A bad date is not echoed as a missing one.
    assert [p.field for p in raised.value.problems if p.line == 3].count("event_date") == 1
    assert count(db) == 0 and count(db, source) == 0


def test_a_missing_required_column_is_a_problem_on_the_header_line(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dataset,reference,kind,stage,recipient,category,event_date,amount,currency,source_title,source_kind",
        "demo,A,commitment,committed,UKR,military,2023-06-01,5,EUR,Aid list,official document",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert any(p.line == 1 and p.field == "donor" and "missing" in p.message for p in raised.value.problems)
    assert count(db) == 0


def test_a_record_without_a_source_is_refused(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dataset,reference,kind,stage,donor,category,event_date,amount,currency,source_id",
        "demo,A,commitment,committed,DEU,military,2023-06-01,5,EUR,",
        "demo,B,commitment,committed,DEU,military,2023-06-01,5,EUR,0123456789abcdef0123456789abcdef",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    by_line = {p.line: p for p in raised.value.problems}
    assert "needs a source" in by_line[2].message and by_line[2].field == "source_id"
    assert "not known" in by_line[3].message
    assert count(db) == 0


def test_skip_invalid_imports_the_rest_and_names_each_skipped_line(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD.format(ref="A", amount="100", description="fine"),
        GOOD.format(ref="B", amount="lots", description="bad amount"),
        GOOD.format(ref="C", amount="300", description="fine"),
        GOOD.format(ref="A", amount="100", description="the same record again"),
    )
    outcome = import_file(db, path, skip_invalid=True, report_dir=tmp_path)
    assert outcome.summary.entries.inserted == 2 and count(db) == 2
    assert outcome.report_path is not None
    with outcome.report_path.open(newline="", encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert [(r["line"], r["field"]) for r in report] == [("3", "amount"), ("5", "reference")]
    assert "'lots' is not a number" in report[0]["message"]
    assert "same record as line 2" in report[1]["message"]


def test_line_numbers_stay_exact_across_blocks_and_quoted_line_breaks(tmp_path: Path) -> None:
    rows = [HEADER]
    for number in range(40):
        description = f'"two\nlines {number}"' if number % 3 == 0 else f"one line {number}"
        amount = "oops" if number in (7, 33) else "10"
        rows.append(GOOD.format(ref=f"R{number}", amount=amount, description=description))
    path = write(tmp_path, *rows)
    text_lines = path.read_text(encoding="utf-8").split("\n")
    expected = sorted(i + 1 for i, line in enumerate(text_lines) if ",oops," in line)
    for chunk in (64, 200, 1 << 20):  # one block per row or so, a few rows, the whole file
        batches = list(read_csv(path, chunk_bytes=chunk))
        assert sorted(p.line for b in batches for p in b.problems) == expected
        assert sum(b.entries.height for b in batches) == 38


def test_a_record_given_again_is_named_with_the_line_that_first_gave_it_in_any_block(
    tmp_path: Path,
) -> None:
    rows = [HEADER] + [GOOD.format(ref=f"R{n}", amount="10", description=f"row {n}") for n in range(300)]
    rows[250] = GOOD.format(ref="R5", amount="11", description="R5 again many blocks later")
    rows[251] = GOOD.format(ref="R248", amount="12", description="R248 again in the same block")
    rows[280] = GOOD.format(ref="R5", amount="13", description="R5 a third time")
    path = write(tmp_path, *rows)
    for chunk in (300, 5_000, 1 << 20):  # blocks of two rows, of dozens, the whole file
        problems = [p for b in read_csv(path, chunk_bytes=chunk) for p in b.problems]
        assert {(p.line, p.field) for p in problems} == {
            (251, "reference"),
            (252, "reference"),
            (281, "reference"),
        }
        first = {p.line: str(p) for p in problems}
        assert "same record as line 7" in first[251] and "same record as line 7" in first[281]
        assert "same record as line 250" in first[252]


def test_export_neutralises_formulas_and_import_restores_the_text(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + ",note,quantity",
        GOOD.format(
            ref="F1", amount="-2500.5", description='=HYPERLINK("http://evil")'.replace('"', '""').join('""')
        )
        + ",-5 tanks returned,7",
        GOOD.format(ref="F2", amount="10", description="@SUM(A1)") + ",'=already quoted,",
        GOOD.format(ref="F3", amount="10", description="+1") + ",it's fine,",
    )
    import_file(db, path)
    exported = tmp_path / "out.csv"
    export_ledger(db, exported)
    with exported.open(newline="", encoding="utf-8") as handle:
        rows = {r["reference"]: r for r in csv.DictReader(handle)}
    assert rows["F1"]["description"] == '\'=HYPERLINK("http://evil")'
    assert rows["F1"]["note"] == "'-5 tanks returned"
    assert rows["F1"]["amount"] == "-2500.5"  # a negative number stays a number
    assert rows["F2"]["description"] == "'@SUM(A1)"
    assert rows["F2"]["note"] == "'=already quoted"  # the file's own apostrophe was removed on import…
    assert rows["F3"]["note"] == "it's fine"
    with db.reading() as connection:
        stored = dict(connection.execute(select(ledger_entry.c.reference, ledger_entry.c.note)).all())
    assert stored["F1"] == "-5 tanks returned" and stored["F2"] == "=already quoted"


def test_recorded_at_backdates_knowledge(db: Database, tmp_path: Path) -> None:
    from datetime import datetime

    path = write(
        tmp_path,
        HEADER + ",recorded_at",
        GOOD.format(ref="A", amount="1", description="x") + ",2023-06-14",
        GOOD.format(ref="B", amount="2", description="y") + ",2023-06-15T08:30:00+02:00",
        GOOD.format(ref="C", amount="3", description="z") + ",",
        GOOD.format(ref="D", amount="4", description="w") + ",2999-01-01",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert [(p.line, p.field) for p in raised.value.problems] == [(5, "recorded_at")]
    path.write_text(path.read_text().replace("2999-01-01", "2023-01-01"))
    import_file(db, path)
    with db.reading() as connection:
        times = dict(connection.execute(select(ledger_entry.c.reference, ledger_entry.c.recorded_at)).all())
    assert times["A"] == datetime(2023, 6, 14)
    assert times["B"] == datetime(2023, 6, 15, 6, 30)
    assert times["C"].year >= 2025


def test_a_source_described_differently_on_two_rows_is_a_problem(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        GOOD.format(ref="A", amount="1", description="x"),
        GOOD.format(ref="B", amount="1", description="x").replace(",A1", ",C3"),
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    (problem,) = raised.value.problems
    assert problem.line == 3 and "differently from line 2" in problem.message


def test_a_record_may_cite_a_source_an_earlier_import_stored(db: Database, tmp_path: Path) -> None:
    first = write(tmp_path, HEADER, GOOD.format(ref="A", amount="100", description="fine"), name="first.csv")
    import_file(db, first)
    with db.reading() as connection:
        stored = connection.execute(select(source.c.id)).scalar_one()
    later = write(
        tmp_path,
        "dataset,reference,kind,stage,donor,category,event_date,amount,currency,source_id",
        f"demo,B,commitment,committed,DEU,military,2023-06-02,5,EUR,{stored}",
        "demo,C,commitment,committed,DEU,military,2023-06-03,5,EUR,fedcba9876543210fedcba9876543210",
        f"demo,D,commitment,committed,DEU,military,2023-06-04,7,EUR,{stored}",
        name="later.csv",
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, later)
    assert [(p.line, p.field) for p in raised.value.problems] == [(3, "source_id")]
    assert "'fedcba9876543210fedcba9876543210' is not known" in raised.value.problems[0].message
    assert count(db) == 1

    outcome = import_file(db, later, skip_invalid=True, report_dir=tmp_path)
    assert outcome.summary.entries.inserted == 2 and count(db) == 3


def test_dates_before_the_year_1000_are_stored_read_and_phased_as_given(db: Database, tmp_path: Path) -> None:
    """A column holding one value throughout is written as one SQL literal; its date or time must
    keep a four-digit year, or SQLite holds '1-01-01', which reads back as no date at all."""
    header = HEADER + ",period_start,period_end"
    rows = [
        GOOD.format(ref=f"C{i}", amount="1000", description="") + ",0001-01-01,0002-12-31" for i in (1, 2)
    ]
    path = write(tmp_path, header, *rows)
    import_file(db, path, recorded_at=datetime(500, 1, 1))
    with db.reading() as connection:
        known = reports.totals(connection, by=["year"], moment=as_of(datetime(600, 1, 1)), phasing="spread")
    assert known.frame.get_column("year").to_list() == [1, 2]
    assert sum(known.frame.get_column("pledged").to_list()) == 2000.0
    exported = tmp_path / "out.csv"
    assert export_ledger(db, exported) == 2
    written = list(csv.DictReader(exported.open(encoding="utf-8")))
    assert {(r["period_start"], r["period_end"]) for r in written} == {("0001-01-01", "0002-12-31")}


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_a_file_whose_lines_end_with_a_carriage_return_alone_is_refused_with_the_line(
    db: Database, tmp_path: Path, fmt: str | None
) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with a carriage return alone."""
    path = tmp_path / "mac.csv"
    lines = [HEADER, GOOD.format(ref="C1", amount="5", description="")]
    path.write_bytes("\r".join(lines).encode() + b"\r")
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path, fmt=fmt)
    [problem] = raised.value.problems
    assert (problem.file, problem.line) == (str(path), 1)
    assert "carriage return" in problem.message and "save" in problem.message
    assert count(db) == 0


def test_a_header_ending_in_a_carriage_return_and_line_feed_is_read(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "windows.csv"
    lines = [HEADER, GOOD.format(ref="C1", amount="5", description='"two\rlines"')]
    path.write_bytes("\r\n".join(lines).encode() + b"\r\n")
    import_file(db, path)
    assert count(db) == 1


def test_a_recorded_at_that_its_offset_takes_before_the_year_1_is_refused_and_nothing_written(
    db: Database, tmp_path: Path
) -> None:
    """Polars would hold it as year 0, which no store reads back: every later total would fail."""
    path = write(
        tmp_path,
        HEADER + ",recorded_at",
        GOOD.format(ref="C1", amount="5", description="") + ",0001-01-01T00:00:00+05:00",
    )
    with pytest.raises(InvalidInput) as refused:
        import_file(db, path)
    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (2, "recorded_at") and "before the year 1" in problem.message
    assert count(db) == 0
