"""Text with control characters in workbooks: a workbook (XML) cannot hold U+0000–U+0008, U+000B,
U+000C, U+000E–U+001F, U+FFFE or U+FFFF, so the XLSX writers write them as ``_xHHHH_`` (OOXML's
ST_Xstring escape, as Excel does) and escape text that already looks like an escape; the readers
undo both. Text that a CSV import accepts therefore exports to XLSX and comes back equal, through
every XLSX writer: the native ledger's and the sections' (standards, readiness)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hostile_helpers import ledger_with_text
from sqlalchemy import select

from ltsplan.formats.cells import from_xlsx_cell, from_xlsx_text, xlsx_text
from ltsplan.formats.xlsx import section_rows
from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.formats.native_sources import SOURCE_FIELDS
from ltsplan.ledger.formats.native_xlsx import write_xlsx
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import NATIVE_COLUMNS, ledger_entry
from ltsplan.records import sections
from ltsplan.standards.formats import SECTIONS
from ltsplan.store.db import Database, open_database

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOT_IN_XML = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["\ufffe", "\uffff"]
# Text that looks like the escape must come back as it was, not as the character it names.
ESCAPE_SHAPED = ["_x001F_", "_x005F_x001F_", "a_x0041_b", "_x00", "_x001f_", "__x0000__", "x005F_"]
# What an import accepts: every control character but NUL, which the field rules refuse.
IMPORTABLE = {
    "unit separator": "unit\x1fseparated",
    "record separator first": "\x1e=starts with a control character",
    "SOH": "\x01heading",
    "vertical tab and form feed": "a\x0bb\x0cc",
    "escape sequence": "\x1b[31mred",
    "escape-shaped": "_x001F_ and _x005F_x0041_",
    "tab, CR and LF": "a\tb\rc\nd",
}


@pytest.mark.parametrize("text", [*(f"a{c}b" for c in NOT_IN_XML), *ESCAPE_SHAPED, "plain", ""])
def test_the_escape_round_trips_and_leaves_nothing_xml_refuses(text: str) -> None:
    written = xlsx_text(text)
    assert not any(c in written for c in NOT_IN_XML)
    assert from_xlsx_cell(written) == text


def test_escapes_are_written_as_excel_writes_them() -> None:
    assert xlsx_text("a\x1fb") == "a_x001F_b"
    assert xlsx_text("_x001F_") == "_x005F_x001F_"
    assert xlsx_text("\x00=x") == "'_x0000_=x"  # formula protection first, then the escape
    assert from_xlsx_text("a_x001f_b") == "a\x1fb"  # Excel's readers take either case


# -- the native ledger -------------------------------------------------------------------------------


def hostile_csv(tmp_path: Path) -> Path:
    """The example ledger with IMPORTABLE text in its free-text columns, one entry per value."""
    return ledger_with_text(tmp_path / "controls.csv", IMPORTABLE.values(), "C")


def expected() -> dict[str, tuple[str, str, str]]:
    return {f"C-{n}": (v, v, v) for n, v in enumerate(IMPORTABLE.values())}


def stored(db: Database) -> dict[str, tuple[str, str, str]]:
    with db.reading() as connection:
        rows = connection.execute(
            select(
                ledger_entry.c.reference, ledger_entry.c.description, ledger_entry.c.note, ledger_entry.c.item
            )
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_control_characters_go_csv_to_xlsx_and_back_equal(db: Database, tmp_path: Path) -> None:
    import_file(db, hostile_csv(tmp_path))
    assert stored(db) == expected()
    workbook = tmp_path / "controls.xlsx"
    export_ledger(db, workbook)

    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        import_file(fresh, workbook)
        assert stored(fresh) == expected()
        as_csv, as_json = tmp_path / "again.csv", tmp_path / "again.json"
        export_ledger(fresh, as_csv)
        export_ledger(fresh, as_json)
    finally:
        fresh.dispose()
    with as_csv.open(newline="", encoding="utf-8") as handle:
        from_csv = {r["reference"]: (r["description"], r["note"], r["item"]) for r in csv.DictReader(handle)}
    from_json = {
        e["reference"]: (e["description"], e["note"], e["item"])
        for e in json.loads(as_json.read_text(encoding="utf-8"))["entries"]
    }
    assert from_json == expected()
    assert from_csv == {k: tuple(_csv_written(v) for v in vs) for k, vs in expected().items()}


def _csv_written(value: str) -> str:
    """What a CSV reader sees in a cell: the text, with formula protection when it needs it."""
    return "'" + value if value[0] < " " or value[0] in "=+-@" else value


def test_the_native_workbook_writer_takes_nul_and_every_other_control_character(tmp_path: Path) -> None:
    """NUL never reaches a store (the field rules refuse it), but the writer must not fail on it."""
    texts = ["a\x00b", *(f"a{c}b" for c in NOT_IN_XML), *ESCAPE_SHAPED]
    entries = pl.DataFrame(
        {c: [f"{c}-{i}" if c != "note" else t for i, t in enumerate(texts)] for c in NATIVE_COLUMNS}
    )
    sources = pl.DataFrame({c: ["s\x00\x1f"] for c in SOURCE_FIELDS})
    path = tmp_path / "writer.xlsx"
    assert write_xlsx(path, [entries], sources) == len(texts)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook["entries"].iter_rows(values_only=True))
        note = rows[0].index("note")
        assert [from_xlsx_cell(r[note]) for r in rows[1:]] == texts
        (_, source) = list(workbook["sources"].iter_rows(values_only=True))
        assert {from_xlsx_cell(v) for v in source} == {"s\x00\x1f"}
    finally:
        workbook.close()


# -- sections (standards, readiness) -----------------------------------------------------------------


def test_the_sections_workbook_writer_round_trips_control_characters(tmp_path: Path) -> None:
    texts = ["a\x00b", *(f"a{c}b" for c in NOT_IN_XML), *ESCAPE_SHAPED, *IMPORTABLE.values()]
    rows = [{"designator": f"AJP-{n}", "title": t, "domain": "land", "note": t} for n, t in enumerate(texts)]
    (path,) = sections.write(tmp_path / "standards.xlsx", SECTIONS, {"standards": rows})
    problems: list = []
    read = list(section_rows(path, {"standards": 12}, problems))
    assert problems == []
    assert [(raw["title"], raw["note"]) for *_, raw in read] == [(t, t) for t in texts]
