"""Opening XLSX workbooks safely, and reading sheets of records.

A workbook is a zip archive of XML parts, so ``check_archive`` looks at its zip directory before
anything is unpacked and refuses a file that is not a zip, has more than ``MAX_PARTS`` parts, would
unpack to more than ``MAX_UNPACKED`` bytes, or has a part over ``RATIO_FLOOR`` bytes that expands more
than ``MAX_RATIO`` times (a zip bomb; sheet XML rarely passes 20). It then reads the prolog of every
part (``formats.xml.check_prolog``) and refuses a part with a DOCTYPE, before openpyxl parses any:
openpyxl guards only the sheets and shared strings with defusedxml, and would expand an entity
declared in ``xl/workbook.xml``. ``open_workbook`` then opens the workbook with openpyxl in read-only
(streaming) mode. Refusals are ``InvalidInput`` problems naming the file (and the part).

``sheet_rows`` is how every reader walks a sheet, within limits: openpyxl pads each row with empty
cells up to the sheet's declared width (or, once that is reset, up to the row's last cell), so a
small sheet with one cell at column XFD on each row would cost 16,384 cells a row. A sheet is refused
when its ``<dimension>`` declares, or one of its rows has, a cell beyond the format's columns and
``SPARE_COLUMNS`` more, or when it has a row beyond ``MAX_ROWS`` (Excel's last); the declared
dimension is otherwise ignored, so a sheet without one, or with a wrong one, is read whole. Reading
costs at most the rows times that many columns, plus the parsing of the sheet's XML, whose size
``MAX_UNPACKED`` bounds (that bound is the cell budget: 512 MiB of XML holds at most about 45
million cells, as many as a full sheet of a ledger).

``section_rows`` reads the layout the standards and readiness formats share: one sheet per section,
named after it, a header row, then one record per row (blank rows skipped, formula protection and
XLSX escapes undone: ``formats.cells``).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.cells import from_xlsx_cell, is_blank
from ltsplan.formats.xml import check_prolog

MAX_PARTS = 1_000
MAX_UNPACKED = 512 * 1024 * 1024  # 512 MiB
MAX_RATIO = 100  # a part over RATIO_FLOOR may expand at most this many times
RATIO_FLOOR = 1 << 20  # 1 MiB
MAX_ROWS = 1_048_576  # the last row of a sheet in Excel
# Columns a sheet may have beyond its format's, so that a header naming a few unknown columns, or a
# value beside the last column, is read and reported as a problem of its row instead of refused.
SPARE_COLUMNS = 32


def check_archive(path: Path) -> None:
    """Refuse, before unpacking anything, a file that is not a workbook or would unpack too big."""
    file = str(path)

    def refuse(message: str) -> InvalidInput:
        return InvalidInput([Problem(message, file=file)], f"{file}: refused; nothing was written")

    if not zipfile.is_zipfile(path):
        raise refuse("not an XLSX workbook (an XLSX file is a zip archive; this one is not)")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        raise refuse(f"the workbook's zip directory cannot be read ({error})") from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise refuse(f"the workbook has {len(parts)} parts (at most {MAX_PARTS:,} are accepted)")
        unpacked = sum(p.file_size for p in parts)
        if unpacked > MAX_UNPACKED:
            raise refuse(
                f"the workbook would unpack to {unpacked:,} bytes (at most {MAX_UNPACKED:,}); "
                "export large data as CSV"
            )
        for part in parts:
            ratio = part.file_size / max(part.compress_size, 1)
            if part.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise refuse(
                    f"part '{part.filename}' would expand {ratio:,.0f} times (at most {MAX_RATIO}); "
                    "this looks like a zip bomb"
                )
        for part in parts:
            # Every part, whatever its name: [Content_Types].xml may give any part an XML type.
            try:
                with archive.open(part) as stream:
                    check_prolog(stream, f"{file} [part {part.filename}]", "a workbook's XML")
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as error:
                # RuntimeError: an encrypted part; NotImplementedError: a compression zipfile lacks.
                raise refuse(f"part '{part.filename}' cannot be unpacked ({error})") from None


@contextmanager
def open_workbook(path: Path, *, formulas: bool = False) -> Iterator[Any]:
    """The checked workbook, read-only, closed on leaving. ``formulas=True`` keeps formulas as
    formulas (cell data type ``f``) instead of their cached values, for readers that refuse them."""
    import openpyxl

    check_archive(path)
    file = str(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=not formulas)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise InvalidInput(
            [Problem(f"cannot open the workbook ({error})", file=file)], f"{file}: nothing was written"
        ) from error
    try:
        yield workbook
    finally:
        workbook.close()


def sheet_rows(
    sheet: Any, where: str, columns: int, *, values_only: bool = True
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) for every row of a read-only ``sheet`` that holds cells, each row as wide
    as its last cell; ``columns`` is how many the format has. Refuses (``InvalidInput`` located at
    ``where``, the file and sheet) a sheet too big for that, as the module says, the moment it is
    seen."""
    limit = columns + SPARE_COLUMNS
    _check_dimension(sheet, where, columns, limit)
    sheet.reset_dimensions()
    rows = sheet.iter_rows(max_row=MAX_ROWS + 1, values_only=values_only)
    for number, cells in enumerate(rows, start=1):
        if len(cells) > limit:
            what = f"row {number:,} has a cell in column {_letter(len(cells))}"
            raise _too_big(where, what, _too_wide(columns, limit), number)
        if number > MAX_ROWS:
            raise _too_big(where, f"it has rows beyond row {MAX_ROWS:,}", TOO_LONG)
        if cells:
            yield number, cells


TOO_LONG = f"a sheet has at most {MAX_ROWS:,} rows (Excel's limit); export large ledgers as CSV"


def _too_wide(columns: int, limit: int) -> str:
    return (
        f"ltsplan reads at most {limit} columns here ({columns} for this format and {SPARE_COLUMNS} "
        f"spare): delete the cells, or their formatting, beyond column {_letter(limit)}"
    )


def _check_dimension(sheet: Any, where: str, columns: int, limit: int) -> None:
    """Refuse a sheet whose ``<dimension>`` declares more than ``limit`` columns or MAX_ROWS rows."""
    rows, width = sheet.max_row, sheet.max_column
    if not rows or not width:
        return  # no dimension: nothing is declared, the rows will tell
    declared = f"its <dimension> declares {sheet.calculate_dimension()}"
    if rows > MAX_ROWS:
        raise _too_big(where, f"{declared}, {rows:,} rows", TOO_LONG)
    if width > limit:
        raise _too_big(where, f"{declared}, cells up to column {_letter(width)}", _too_wide(columns, limit))


def _too_big(where: str, what: str, advice: str, line: int | None = None) -> InvalidInput:
    return InvalidInput(
        [Problem(f"the sheet is too big: {what}; {advice}", file=where, line=line)],
        f"{where}: refused; nothing was written",
    )


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def sheet_records(
    sheet: Any, where: str, columns: int, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, header → cell) for every row under the header row (the first with cells) that
    is not blank, with formula protection and XLSX escapes undone. A row with cells beyond the
    header's last named column is a problem (located at ``where`` and the row) instead of a record."""
    rows = sheet_rows(sheet, where, columns)
    first = next(rows, None)
    if first is None:
        return
    header = ["" if h is None else str(h).strip() for h in first[1]]
    while header and not header[-1]:
        header.pop()
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        if any(c is not None for c in cells[len(header) :]):
            problems.append(Problem("cells beyond the header's last column", file=where, line=number))
            continue
        padded = (*cells, *([None] * (len(header) - len(cells))))
        yield number, {h: from_xlsx_cell(c) for h, c in zip(header, padded, strict=False) if h}


def section_rows(
    path: Path, sections: Mapping[str, int], problems: list[Problem]
) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """(section, where, row number, header → cell) for the records of every sheet named after a
    section (names compared trimmed and in lower case), in the order of ``sections``, which maps
    each to the number of columns its sheet may name. ``where`` names the file and the sheet. A
    workbook with none of the sheets is a problem."""
    name = str(path)
    wanted = list(sections)
    with open_workbook(path) as workbook:
        sheets = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
        if not any(s in sheets for s in wanted):
            problems.append(
                Problem(f"no sheet named {', '.join(wanted)}; found {', '.join(sheets) or 'none'}", file=name)
            )
        for section in wanted:
            sheet = sheets.get(section)
            if sheet is None:
                continue
            where = f"{name} [sheet {sheet.title}]"
            for number, raw in sheet_records(sheet, where, sections[section], problems):
                yield section, where, number, raw
