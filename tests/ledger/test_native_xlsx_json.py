"""The native XLSX and JSON formats: workbooks checked before they are opened (zip bombs refused),
read with defusedxml; JSON problems located by line; formulas neutralised in exported workbooks."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.formats.xlsx import MAX_RATIO
from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.store.db import Database

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def count(db: Database) -> int:
    with db.reading() as connection:
        return connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one()


def test_openpyxl_parses_workbooks_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def zip_bomb(path: Path) -> Path:
    """A workbook whose sheet XML is a long run of zeros: tiny packed, huge unpacked."""
    with (
        zipfile.ZipFile(EXAMPLES / "ledger.xlsx") as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data + b"0" * (64 << 20)
            bomb.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def test_a_zip_bomb_is_refused_before_it_is_unpacked(db: Database, tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "bomb.xlsx")
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(InvalidInput) as raised:
        import_file(db, bomb)
    (problem,) = raised.value.problems
    assert problem.file == str(bomb)
    assert "zip bomb" in problem.message and f"at most {MAX_RATIO}" in problem.message
    assert count(db) == 0


def test_a_file_that_is_not_a_workbook_is_refused(db: Database, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("dataset,kind\n")
    with pytest.raises(InvalidInput) as raised:
        import_file(db, fake)
    assert "not an XLSX workbook" in raised.value.problems[0].message


def test_workbook_problems_name_the_row_and_field(db: Database, tmp_path: Path) -> None:
    workbook = openpyxl.load_workbook(EXAMPLES / "ledger.xlsx")
    sheet = workbook["entries"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("amount") + 1, value="a lot")
    sheet.cell(row=4, column=header.index("quantity") + 1, value="=1+1")
    sheet.cell(row=5, column=header.index("kind") + 1, value="gift")
    broken = tmp_path / "broken.xlsx"
    workbook.save(broken)
    with pytest.raises(InvalidInput) as raised:
        import_file(db, broken)
    found = {(p.line, p.field) for p in raised.value.problems}
    assert {(3, "amount"), (4, "quantity"), (5, "kind")} <= found
    formula = next(p for p in raised.value.problems if p.line == 4)
    assert "formula" in formula.message
    assert count(db) == 0


def test_exported_workbooks_neutralise_formulas_but_keep_numbers(db: Database, tmp_path: Path) -> None:
    import_file(db, EXAMPLES / "ledger.json")
    target = tmp_path / "out.xlsx"
    export_ledger(db, target)
    workbook = openpyxl.load_workbook(target)
    sheet = workbook["entries"]
    header = [c.value for c in sheet[1]]
    rows = {r[header.index("reference")].value: r for r in sheet.iter_rows(min_row=2)}
    note = rows["FRA-H1"][header.index("note")]
    assert note.value == "'=counted at the border" and note.data_type == "s"
    assert rows["DEU-001-D2"][header.index("note")].value == "'-500 shells returned as defective"
    quantity = rows["DEU-001-D2"][header.index("quantity")]
    assert quantity.value == -500 and quantity.data_type == "n"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_json_problems_name_the_line_of_each_entry(db: Database, tmp_path: Path) -> None:
    ledger = json.loads((EXAMPLES / "ledger.json").read_text(encoding="utf-8"))
    ledger["entries"][1]["amount"] = "12"
    ledger["entries"][2]["colour"] = "red"
    ledger["entries"][3]["event_date"] = "2023-13-01"
    body = ",\n".join(json.dumps(e) for e in ledger["entries"])
    path = tmp_path / "bad.json"
    path.write_text(
        '{"format": "ltsplan-ledger", "version": 1,\n"sources": '
        + json.dumps(ledger["sources"])
        + ',\n"entries": [\n'
        + body
        + "\n]}\n"
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    found = {(p.line, p.field) for p in raised.value.problems}
    assert {(5, "amount"), (6, "colour"), (7, "event_date")} <= found
    assert all(p.record and p.record.startswith("entries[") for p in raised.value.problems)
    assert count(db) == 0


def test_json_that_does_not_parse_names_its_line(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "ltsplan-ledger",\n "entries": [\n {"dataset": "x",}\n]}\n')
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    assert raised.value.problems[0].line == 3 and "not valid JSON" in raised.value.problems[0].message


def test_an_invalid_source_in_the_list_is_reported_and_its_entries_refused(
    db: Database, tmp_path: Path
) -> None:
    ledger = json.loads((EXAMPLES / "ledger.json").read_text(encoding="utf-8"))
    ledger["sources"][0]["grade"] = "Q7"
    path = tmp_path / "grade.json"
    path.write_text(json.dumps(ledger, indent=1))
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    fields = [(p.record, p.field) for p in raised.value.problems]
    assert any(r and r.startswith("sources[0]") and f == "grade" for r, f in fields)
    citing = [e for e in ledger["entries"] if e["source_id"] == ledger["sources"][0]["id"]]
    assert sum(1 for p in raised.value.problems if "which is invalid" in p.message) == len(citing)
    assert count(db) == 0
