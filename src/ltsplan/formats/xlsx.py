"""Opening XLSX workbooks safely, and reading sheets of records.

A workbook is a zip archive of XML parts, so ``check_archive`` looks at its zip directory before
anything is unpacked and refuses a file that is not a zip, has more than ``MAX_PARTS`` parts, would
unpack to more than ``MAX_UNPACKED`` bytes, or has a part over ``RATIO_FLOOR`` bytes that expands more
than ``MAX_RATIO`` times (a zip bomb; sheet XML rarely passes 20). ``open_workbook`` then opens it
with openpyxl in read-only (streaming) mode; defusedxml is installed, and openpyxl uses it for every
XML part. Refusals are ``InvalidInput`` problems naming the file.

``section_rows`` reads the layout the standards and readiness formats share: one sheet per section,
named after it, a header row, then one record per row (blank rows skipped, formula neutralising undone).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.cells import is_blank, unneutralise_formula

MAX_PARTS = 1_000
MAX_UNPACKED = 512 * 1024 * 1024  # 512 MiB
MAX_RATIO = 100  # a part over RATIO_FLOOR may expand at most this many times
RATIO_FLOOR = 1 << 20  # 1 MiB


def check_archive(path: Path) -> None:
    """Refuse, before unpacking anything, a file that is not a workbook or would unpack too big."""
    file = str(path)

    def refuse(message: str) -> InvalidInput:
        return InvalidInput([Problem(message, file=file)], f"{file}: refused; nothing was written")

    if not zipfile.is_zipfile(path):
        raise refuse("not an XLSX workbook (an XLSX file is a zip archive; this one is not)")
    with zipfile.ZipFile(path) as archive:
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


def sheet_records(sheet: Any, where: str, problems: list[Problem]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, header → cell) for every row under the header row that is not blank, with
    formula neutralising undone. A row with cells beyond the header's last column is a problem
    (located at ``where`` and the row) instead of a record."""
    rows = sheet.iter_rows(values_only=True)
    header_cells = next(rows, None)
    if header_cells is None:
        return
    header = ["" if h is None else str(h).strip() for h in header_cells]
    for number, cells in enumerate(rows, start=2):
        if all(is_blank(c) for c in cells):
            continue
        if any(c is not None for c in cells[len(header) :]):
            problems.append(Problem("cells beyond the header's last column", file=where, line=number))
            continue
        yield number, {h: unneutralise_formula(c) for h, c in zip(header, cells, strict=False) if h}


def section_rows(
    path: Path, sections: Iterable[str], problems: list[Problem]
) -> Iterator[tuple[str, str, int, dict[str, Any]]]:
    """(section, where, row number, header → cell) for the records of every sheet named after a
    section (names compared trimmed and in lower case), in the order of ``sections``. ``where`` names
    the file and the sheet. A workbook with none of the sheets is a problem."""
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
            for number, raw in sheet_records(sheet, where, problems):
                yield section, where, number, raw
