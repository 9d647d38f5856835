"""Hostile workbooks: sheets whose rows reach column XFD or claim to, rows beyond Excel's last, and
a DOCTYPE in any part. Each is refused quickly, naming the file, the sheet or part, and what is
wrong, and nothing is written; a plain workbook, with or without a right ``<dimension>``, still
reads as before.

The workbooks are written here part by part with ``zipfile`` (the parts openpyxl itself writes, cut
to what a reader needs), so that each test says exactly which bytes are hostile.
"""

from __future__ import annotations

import csv
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from hostile_helpers import table_hashes
from sqlalchemy import select

from ltsplan.errors import InvalidInput
from ltsplan.formats.xlsx import MAX_ROWS, SPARE_COLUMNS
from ltsplan.ledger.formats.native import INPUT_COLUMNS
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.standards import formats as standards_files
from ltsplan.store.db import Database, open_database

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
BOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Well under a second each, whatever the machine: the refusals come at the first hostile row.
QUICKLY = 1.0


# -- writing workbooks part by part ------------------------------------------------------------------


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(column: int, row: int, value: str | None) -> str:
    """An inline-string cell (or, for ``None``, a cell with formatting only)."""
    where = f"{column_letter(column)}{row}"
    if value is None:
        return f'<c r="{where}" s="0"/>'
    return f'<c r="{where}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def row(number: int, values: list[str | None], first_column: int = 1) -> str:
    cells = "".join(cell(first_column + i, number, v) for i, v in enumerate(values) if v != "")
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: list[str], dimension: str | None = None) -> str:
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'{DECLARATION}<worksheet xmlns="{MAIN}">{declared}<sheetData>{"".join(rows)}</sheetData></worksheet>'
    )


def write_workbook(path: Path, sheets: dict[str, str], replace: dict[str, str | None] | None = None) -> Path:
    """A workbook of the given sheets (name → sheet XML); ``replace`` swaps whole parts by name
    (``None`` leaves one out)."""
    names = list(sheets)
    parts = {
        "[Content_Types].xml": (
            f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{BOOK_TYPE}"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Types>"
        ),
        "_rels/.rels": (
            f'{DECLARATION}<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
            f'Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{DECLARATION}<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
            + "".join(
                f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{DECLARATION}<Relationships xmlns="{RELATIONSHIPS}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{OFFICE}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + "</Relationships>"
        ),
        **{f"xl/worksheets/sheet{i}.xml": xml for i, xml in enumerate(sheets.values(), start=1)},
    }
    parts.update(replace or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            if text is not None:
                archive.writestr(name, text.encode("utf-8"))
    return path


def example_rows() -> list[list[str]]:
    """The example ledger's CSV, header first: the same entries as every example file."""
    with (EXAMPLES / "ledger.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def ledger_sheet(dimension: str | None = None, extra_rows: list[str] | None = None) -> str:
    rows = example_rows()
    body = [row(n, values) for n, values in enumerate(rows, start=1)]
    return sheet([*body, *(extra_rows or [])], dimension)


def live_entries(db: Database) -> set[tuple]:
    with db.reading() as connection:
        query = select(
            ledger_entry.c.id, ledger_entry.c.amount, ledger_entry.c.note, ledger_entry.c.event_date
        )
        return {tuple(r) for r in connection.execute(query.where(ledger_entry.c.retracted_at.is_(None)))}


def refused_quickly(db: Database, database_url: str, path: Path) -> InvalidInput:
    """Import ``path``, expecting a refusal within QUICKLY seconds that writes nothing."""
    before = table_hashes(database_url)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        import_file(db, path)
    elapsed = time.perf_counter() - started
    assert elapsed < QUICKLY, f"refused after {elapsed:.2f} s"
    assert table_hashes(database_url) == before
    return refused.value


# -- a plain workbook reads as before ------------------------------------------------------------------


@pytest.mark.parametrize("dimension", [None, "A1:B2", "A1:AB8"], ids=["none", "too small", "right"])
def test_a_plain_workbook_reads_like_the_csv_whatever_its_dimension_says(
    db: Database, tmp_path: Path, dimension: str | None
) -> None:
    path = write_workbook(tmp_path / "plain.xlsx", {"entries": ledger_sheet(dimension)})
    import_file(db, path)
    reference = open_database(f"sqlite:///{tmp_path / 'csv.db'}")
    try:
        import_file(reference, EXAMPLES / "ledger.csv")
        assert live_entries(db) == live_entries(reference)
    finally:
        reference.dispose()


def test_a_value_a_few_columns_right_of_the_header_is_a_problem_of_its_row(
    db: Database, tmp_path: Path
) -> None:
    header = len(example_rows()[0])
    stray = row(9, [*example_rows()[1][:-1], "", "", "stray"])  # two columns past the last one
    path = write_workbook(tmp_path / "stray.xlsx", {"entries": ledger_sheet(extra_rows=[stray])})
    with pytest.raises(InvalidInput) as refused:
        import_file(db, path)
    assert any(p.line == 9 and "without a header" in p.message for p in refused.value.problems)
    assert header + 2 <= len(INPUT_COLUMNS) + SPARE_COLUMNS


# -- sheets too wide or too long ------------------------------------------------------------------------


def test_one_cell_at_column_xfd_on_each_of_2000_rows_is_refused_at_the_first(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    far = [row(n, ["x"], first_column=16_384) for n in range(2, 2_002)]
    path = write_workbook(tmp_path / "wide.xlsx", {"entries": ledger_sheet(extra_rows=far)})
    assert path.stat().st_size < 64 << 10
    refused = refused_quickly(db, database_url, path)
    (problem,) = refused.problems
    assert problem.file == f"{path} [sheet entries]"
    assert problem.line == 9  # the example's 8 rows, then the first hostile one
    assert "column XFD" in problem.message and "too big" in problem.message


def test_cells_at_xfd_with_formatting_only_are_refused_as_well(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """An empty cell costs openpyxl as much as a full one: it pads the row out to it."""
    far = [row(n, [None], first_column=16_384) for n in range(2, 2_002)]
    path = write_workbook(tmp_path / "formatted.xlsx", {"entries": sheet(far)})
    refused = refused_quickly(db, database_url, path)
    assert refused.problems[0].line == 2 and "column XFD" in refused.problems[0].message


def test_a_header_with_a_cell_at_xfd_is_refused(db: Database, database_url: str, tmp_path: Path) -> None:
    header = example_rows()[0]
    rows = [
        f'<row r="1">{"".join(cell(i, 1, v) for i, v in enumerate(header, 1))}{cell(16_384, 1, "x")}</row>'
    ]
    path = write_workbook(tmp_path / "header.xlsx", {"entries": sheet(rows)})
    refused = refused_quickly(db, database_url, path)
    assert refused.problems[0].line == 1 and "column XFD" in refused.problems[0].message


def test_a_dimension_claiming_every_cell_of_a_sheet_is_refused(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "claims.xlsx", {"entries": ledger_sheet("A1:XFD1048576")})
    refused = refused_quickly(db, database_url, path)
    (problem,) = refused.problems
    assert problem.file == f"{path} [sheet entries]"
    assert "A1:XFD1048576" in problem.message and "column XFD" in problem.message


def test_a_row_beyond_excels_last_is_refused(db: Database, database_url: str, tmp_path: Path) -> None:
    beyond = [row(MAX_ROWS + 1_000, example_rows()[1])]
    path = write_workbook(tmp_path / "long.xlsx", {"entries": ledger_sheet(extra_rows=beyond)})
    before = table_hashes(database_url)
    with pytest.raises(InvalidInput) as refused:
        import_file(db, path)
    assert f"beyond row {MAX_ROWS:,}" in refused.value.problems[0].message
    assert table_hashes(database_url) == before


def test_the_sources_sheet_is_bounded_too(db: Database, database_url: str, tmp_path: Path) -> None:
    sources = sheet([row(1, ["id", "title"]), *(row(n, ["x"], first_column=16_384) for n in range(2, 2_002))])
    path = write_workbook(tmp_path / "sources.xlsx", {"entries": ledger_sheet(), "sources": sources})
    refused = refused_quickly(db, database_url, path)
    assert refused.problems[0].file == f"{path} [sheet sources]"


def test_a_standards_workbook_is_bounded_too(tmp_path: Path) -> None:
    far = [row(n, ["x"], first_column=16_384) for n in range(2, 2_002)]
    path = write_workbook(
        tmp_path / "standards.xlsx", {"standards": sheet([row(1, ["designator", "title", "domain"]), *far])}
    )
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        standards_files.read(path)
    assert time.perf_counter() - started < QUICKLY
    assert refused.value.problems[0].file == f"{path} [sheet standards]"
    assert refused.value.problems[0].line == 2


# -- a DOCTYPE in any part -----------------------------------------------------------------------------

ENTITY = '<!DOCTYPE {root} [\n  <!ENTITY name "entries">\n]>\n'


def with_part(path: Path, name: str, change: str) -> Path:
    """The example workbook with one part's XML declaration followed by ``change``."""
    with zipfile.ZipFile(EXAMPLES / "ledger.xlsx") as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == name:
                text = data.decode("utf-8")
                if text.startswith("<?xml"):
                    end = text.index("?>") + 2
                    text = text[:end] + "\n" + change + text[end:].lstrip()
                else:
                    text = change + text
                data = text.encode("utf-8")
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize(
    ("part", "root"),
    [
        ("xl/workbook.xml", "workbook"),
        ("[Content_Types].xml", "Types"),
        ("_rels/.rels", "Relationships"),
        ("xl/_rels/workbook.xml.rels", "Relationships"),
        ("xl/worksheets/sheet1.xml", "worksheet"),
        ("xl/styles.xml", "styleSheet"),
        ("docProps/core.xml", "cp:coreProperties"),
    ],
)
def test_a_doctype_in_any_part_is_refused_and_nothing_written(
    db: Database, database_url: str, tmp_path: Path, part: str, root: str
) -> None:
    path = with_part(tmp_path / "entity.xlsx", part, ENTITY.format(root=root))
    refused = refused_quickly(db, database_url, path)
    (problem,) = refused.problems
    assert problem.file == f"{path} [part {part}]"
    assert problem.field == "DOCTYPE" and problem.line is not None and problem.line <= 2


def test_an_internal_entity_in_the_workbook_part_is_refused_before_openpyxl_expands_it(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """The sheet's name comes from an entity: openpyxl, left to itself, expands it."""
    path = write_workbook(
        tmp_path / "named.xlsx",
        {"entries": ledger_sheet()},
        replace={
            "xl/workbook.xml": (
                f"{DECLARATION}{ENTITY.format(root='workbook')}"
                f'<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
                '<sheet name="&name;" sheetId="1" r:id="rId1"/></sheets></workbook>'
            )
        },
    )
    workbook = openpyxl.load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["entries"]  # why every part is checked before openpyxl opens it
    workbook.close()
    refused = refused_quickly(db, database_url, path)
    assert refused.problems[0].file == f"{path} [part xl/workbook.xml]"
    assert refused.problems[0].line == 2


def renamed_workbook(path: Path, doctype: str) -> Path:
    """The ledger workbook with its workbook part named xl/book.bin: [Content_Types].xml may give
    any part the workbook's type, and openpyxl follows it."""
    book = (
        f'{DECLARATION}{doctype}<workbook xmlns="{MAIN}" xmlns:r="{OFFICE}"><sheets>'
        '<sheet name="entries" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    rels = (
        f'{DECLARATION}<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    return write_workbook(
        path,
        {"entries": ledger_sheet()},
        replace={
            "[Content_Types].xml": (
                f'{DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/book.bin" ContentType="{BOOK_TYPE}"/>'
                f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SHEET_TYPE}"/></Types>'
            ),
            "_rels/.rels": (
                f'{DECLARATION}<Relationships xmlns="{RELATIONSHIPS}"><Relationship Id="rId1" '
                f'Type="{OFFICE}/officeDocument" Target="xl/book.bin"/></Relationships>'
            ),
            "xl/workbook.xml": None,
            "xl/_rels/workbook.xml.rels": None,
            "xl/book.bin": book,
            "xl/_rels/book.bin.rels": rels,
        },
    )


def test_a_doctype_in_a_part_with_any_name_is_refused(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    """Every part's prolog is read, not only those named .xml or .rels."""
    plain = renamed_workbook(tmp_path / "renamed.xlsx", "")
    import_file(db, plain)  # the renamed part is the workbook openpyxl reads
    hostile = renamed_workbook(tmp_path / "renamed-entity.xlsx", ENTITY.format(root="workbook"))
    refused = refused_quickly(db, database_url, hostile)
    assert refused.problems[0].file == f"{hostile} [part xl/book.bin]"
    assert refused.problems[0].field == "DOCTYPE"


def test_a_utf16_part_without_a_byte_order_mark_is_read_for_its_doctype(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "utf16.xlsx"
    with zipfile.ZipFile(EXAMPLES / "ledger.xlsx") as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
                end = text.index("?>") + 2 if text.startswith("<?xml") else 0
                text = text[:end] + "\n" + ENTITY.format(root="workbook") + text[end:]
                data = text.encode("utf-16-le")
            target.writestr(item, data)
    refused = refused_quickly(db, database_url, path)
    assert refused.problems[0].file == f"{path} [part xl/workbook.xml]"
    assert refused.problems[0].field == "DOCTYPE"
