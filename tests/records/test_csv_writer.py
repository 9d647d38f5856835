"""One CSV writer for every export (``formats.csv_out``): RFC 4180 quoting that leaves no bare
carriage return (a spreadsheet would start a new row at it), and formula protection that every
reader undoes — so text with line breaks, quotes, commas and formula triggers comes back equal
through each export path: the writer itself, Polars's writer for the large exports, a report as the
CLI and the API give it, a file of sections, and the native ledger CSV."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient
from hostile_helpers import ledger_with_text
from sqlalchemy import select

from ltsplan.config import Settings
from ltsplan.formats.cells import unneutralise_formula
from ltsplan.formats.csv_out import csv_field, csv_text, write_frames
from ltsplan.formats.sections import csv_records
from ltsplan.ledger.exports import export_ledger
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.records import sections
from ltsplan.render import to_csv
from ltsplan.report import Report
from ltsplan.server import create_app
from ltsplan.standards.formats import SECTIONS
from ltsplan.store.db import Database, open_database

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

# Text an export must carry through unchanged, named for the test ids. Every one is non-blank and
# keeps its spaces, so that it also survives the ledger's free-text fields (blank text is missing).
HOSTILE = {
    "bare CR before a formula": "ok\r=cmd|' /C calc'!A0",
    "LF": "one\ntwo",
    "CR LF": "one\r\ntwo",
    "CR at the end": "one\r",
    "quote": 'say "hello"',
    "comma": "one, two",
    "equals": "=1+1",
    "plus": "+1",
    "minus": "-5 tanks",
    "at": "@SUM(A1)",
    "tab": "\tindented",
    "CR first": "\r=1+1",
    "LF first": "\n=1+1",
    "SOH": "\x01start of heading",
    "unit separator": "\x1f=x",
    "escape": "\x1b[31mred",
    "apostrophe and formula": "'=already quoted",
    "two apostrophes": "''=x",
    "apostrophe and apostrophe": "''",
    "lone apostrophe": "'",
    "apostrophe in a word": "it's",
    "quoted word": "'quoted'",
    "spaces around": "  padded  ",
    "escape-shaped": "_x001F_ and _x005F_",
}
# The writers take these too; the stores refuse NUL (records/fields.py), so no import path can.
WRITER_ONLY = {**HOSTILE, "NUL": "a\x00b", "NUL first": "\x00=x", "empty": ""}


def bare_carriage_returns(data: str) -> list[int]:
    """Positions of carriage returns outside quoted fields (RFC 4180: a quote opens and closes a
    field, two quotes inside one are a quote)."""
    found = []
    quoted = False
    for position, char in enumerate(data):
        if char == '"':
            quoted = not quoted
        elif char == "\r" and not quoted:
            found.append(position)
    return found


def read_back(text: str) -> list[list[str]]:
    """Rows as any CSV reader gets them, with formula protection undone as every import does."""
    return [[unneutralise_formula(c) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]


# -- the writer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("plain", "plain"),
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("a\rb", '"a\rb"'),
        ("a\nb", '"a\nb"'),
        ("=1+1", "'=1+1"),
        ("\r=1", '"\'\r=1"'),
        ("", '""'),
        (None, ""),
        (-2.5, "-2.5"),
        (True, "true"),
        (date(2024, 2, 29), "2024-02-29"),
    ],
)
def test_a_field_is_quoted_when_it_holds_a_comma_quote_or_line_break(value: object, written: str) -> None:
    assert csv_field(value) == written


@pytest.mark.parametrize("name", WRITER_ONLY)
def test_every_text_reads_back_equal_and_no_carriage_return_is_left_bare(name: str) -> None:
    value = WRITER_ONLY[name]
    text = csv_text(["label", "value", "after"], [["x", value, "end"]])
    assert bare_carriage_returns(text) == []
    assert read_back(text) == [["label", "value", "after"], ["x", value, "end"]]


def test_python_csv_writer_with_lf_line_ends_leaves_a_carriage_return_bare() -> None:
    """Why ltsplan has its own writer: the standard library's quotes only what its line end holds."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([HOSTILE["bare CR before a formula"]])
    assert bare_carriage_returns(buffer.getvalue()) != []


def test_polars_writes_the_same_bytes_as_the_python_writer() -> None:
    """The large exports use Polars's writer: it quotes a carriage return too, and writes missing
    and empty text apart, exactly as ``csv_line`` does."""
    values = [*WRITER_ONLY.values(), None]
    frame = pl.DataFrame({"label": [str(i) for i in range(len(values))], "value": values})
    buffer = io.BytesIO()
    assert write_frames(buffer, ["label", "value"], [frame.head(5), frame.slice(5)]) == len(values)
    assert buffer.getvalue().decode("utf-8") == csv_text(["label", "value"], frame.iter_rows())
    assert bare_carriage_returns(buffer.getvalue().decode("utf-8")) == []


# -- reports: the CLI's --format csv and the API's .csv lists ---------------------------------------


def test_a_report_as_csv_reads_back_equal() -> None:
    frame = pl.DataFrame({"name": list(WRITER_ONLY), "text": list(WRITER_ONLY.values())})
    text = to_csv(Report("hostile", frame))
    assert bare_carriage_returns(text) == []
    assert read_back(text)[1:] == [list(r) for r in frame.iter_rows()]


def hostile_ledger(tmp_path: Path) -> Path:
    """The example ledger with HOSTILE text in its free-text columns, one entry per value, written
    as an export writes it (protected, quoted)."""
    return ledger_with_text(tmp_path / "hostile.csv", HOSTILE.values(), "H")


def stored_text(db: Database) -> dict[str, tuple[str | None, str | None, str | None]]:
    with db.reading() as connection:
        rows = connection.execute(
            select(
                ledger_entry.c.reference, ledger_entry.c.description, ledger_entry.c.note, ledger_entry.c.item
            )
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def expected_text() -> dict[str, tuple[str, str, str]]:
    return {f"H-{n}": (v, v, v) for n, v in enumerate(HOSTILE.values())}


def test_the_api_csv_list_reads_back_equal(db: Database, tmp_path: Path) -> None:
    import_file(db, hostile_ledger(tmp_path))
    assert stored_text(db) == expected_text()
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as client:
        response = client.get("/api/ledger/entries.csv")
    assert response.status_code == 200
    assert bare_carriage_returns(response.text) == []
    header, *rows = read_back(response.text)
    listed = {r[header.index("reference")]: r for r in rows}
    for reference, (description, _, item) in expected_text().items():
        shown = listed[reference]
        assert (shown[header.index("description")], shown[header.index("item")]) == (description, item)


def test_the_cli_csv_output_reads_back_equal(database_url: str, tmp_path: Path) -> None:
    db = open_database(database_url)
    try:
        import_file(db, hostile_ledger(tmp_path))
        ids = {r[1]: r[0] for r in db_rows(db)}
    finally:
        db.dispose()
    # A process per entry: a few of the hardest values are enough here, the API test takes them all.
    chosen = ("bare CR before a formula", "CR first", "quote", "unit separator")
    numbers = [n for n, name in enumerate(HOSTILE) if name in chosen]
    for reference, (_, note, item) in ((f"H-{n}", expected_text()[f"H-{n}"]) for n in numbers):
        command = ["ledger", "history", ids[reference], "--format", "csv", "--db", database_url]
        result = subprocess.run(
            [sys.executable, "-c", "from ltsplan.cli.main import main; main()", *command],
            capture_output=True,
            check=False,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        )
        assert result.returncode == 0, result.stderr
        text = result.stdout.decode("utf-8")
        assert bare_carriage_returns(text) == []
        header, row = read_back(text)
        assert (row[header.index("note")], row[header.index("item")]) == (note, item)


def db_rows(db: Database) -> list[tuple[str, str]]:
    with db.reading() as connection:
        return [tuple(r) for r in connection.execute(select(ledger_entry.c.id, ledger_entry.c.reference))]


# -- files: sections of records and the native ledger ----------------------------------------------


def test_a_sections_csv_file_reads_back_equal(tmp_path: Path) -> None:
    rows = [
        {
            "designator": f"AJP-{n}",
            "title": value,
            "domain": "land",
            "note": value,
            "edition_date": date(2024, 1, 2),
        }
        for n, value in enumerate(WRITER_ONLY.values())
    ]
    (written,) = sections.write(tmp_path / "standards.csv", SECTIONS, {"standards": rows})
    text = written.read_bytes().decode("utf-8")
    assert bare_carriage_returns(text) == []
    problems: list = []
    read = list(csv_records(written, SECTIONS.of_header, SECTIONS.unknown_header(), problems))
    assert problems == []
    assert [(raw["title"], raw["note"], raw["edition_date"]) for _, _, raw in read] == [
        (r["title"], r["note"], "2024-01-02") for r in rows
    ]


def test_the_native_ledger_csv_export_reads_back_equal(db: Database, tmp_path: Path) -> None:
    import_file(db, hostile_ledger(tmp_path))
    exported = tmp_path / "export.csv"
    export_ledger(db, exported)
    text = exported.read_bytes().decode("utf-8")  # read_text would turn CR into LF
    assert bare_carriage_returns(text) == []
    header, *rows = read_back(text)
    listed = {r[header.index("reference")]: r for r in rows}
    for reference, values in expected_text().items():
        assert tuple(listed[reference][header.index(c)] for c in ("description", "note", "item")) == values
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        import_file(fresh, exported)
        assert stored_text(fresh) == stored_text(db)
        again = tmp_path / "again.csv"
        export_ledger(fresh, again)
        assert again.read_bytes() == exported.read_bytes()
    finally:
        fresh.dispose()


def test_the_native_ledger_json_export_needs_no_protection(db: Database, tmp_path: Path) -> None:
    import_file(db, hostile_ledger(tmp_path))
    exported = tmp_path / "export.json"
    export_ledger(db, exported)
    entries = json.loads(exported.read_text(encoding="utf-8"))["entries"]
    assert {e["reference"]: (e["description"], e["note"], e["item"]) for e in entries} == expected_text()
