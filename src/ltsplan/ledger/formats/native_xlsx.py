"""The native XLSX format: an ``entries`` sheet and an optional ``sources`` sheet.

A workbook is a zip archive, so it is checked before it is opened — number of parts, total size
unpacked, how much each part expands, and a DOCTYPE in any part — and refused without being
unpacked. It is then read with openpyxl in read-only mode (streaming rows), each sheet no wider than
the format's columns and a few spare, and no longer than Excel's last row. All of that is
``ltsplan.formats.xlsx``, shared with the standards and readiness workbooks.

Text is written and read through ``formats.cells``: formula protection, and the ``_xHHHH_`` escape
for the control characters a workbook cannot hold (docs/formats.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.cells import from_xlsx_text, unprotect_text, xlsx_cell
from ltsplan.formats.xlsx import open_workbook, sheet_rows
from ltsplan.ledger.formats.native import INPUT_COLUMNS, NativeRows, header_problems
from ltsplan.ledger.formats.native_sources import SOURCE_FIELDS, SourceLabel, source_from
from ltsplan.ledger.model import NATIVE_COLUMNS, LedgerBatch, conform
from ltsplan.ledger.rules import LINE

BATCH_ROWS = 50_000
MAX_SHEET_ROWS = 1_048_576


def read_xlsx(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    file = str(path)
    with open_workbook(path, formulas=True) as workbook:
        if "entries" not in workbook.sheetnames:
            raise InvalidInput(
                [
                    Problem(
                        f"no sheet named 'entries' (the sheets are: {', '.join(workbook.sheetnames)})",
                        file=file,
                    )
                ],
                f"{file}: not a ledger workbook; nothing was written",
            )
        rows = NativeRows(file)
        problems: list[Problem] = []
        if "sources" in workbook.sheetnames:
            rows.labels, problems = _labels(workbook["sources"], file)
        yield from _entries(workbook["entries"], rows, problems, path, progress)


def _text(value: Any) -> str | None:
    """A cell as the text the shared parser reads: text with its XLSX escapes undone (its formula
    protection is undone later, column-wise), numbers exactly, dates as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, str):
        return from_xlsx_text(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _cells(sheet: Any, file: str, columns: int) -> Iterator[tuple[int, list[tuple[Any, str]]]]:
    """(row number, [(value, data type)]) for every row with cells, within the limits of
    ``formats.xlsx.sheet_rows`` for a format of ``columns`` columns."""
    where = f"{file} [sheet {sheet.title}]"
    for number, cells in sheet_rows(sheet, where, columns, values_only=False):
        yield number, [(c.value, getattr(c, "data_type", "n")) for c in cells]


def _labels(sheet: Any, file: str) -> tuple[dict[str, SourceLabel], list[Problem]]:
    labels: dict[str, SourceLabel] = {}
    problems: list[Problem] = []
    header: list[str | None] = []
    for number, cells in _cells(sheet, file, len(SOURCE_FIELDS)):
        values = [_text(v) for v, _ in cells]
        if not header:
            header = [(v or "").strip() or None for v in values]
            for name in header:
                if name is not None and name not in SOURCE_FIELDS:
                    problems.append(
                        Problem(
                            f"unknown column; the columns are {', '.join(SOURCE_FIELDS)}",
                            file=file,
                            field=name,
                            record="sources sheet row 1",
                        )
                    )
            if "id" not in header:
                problems.append(
                    Problem("the sources sheet needs an 'id' column", file=file, record="sources sheet row 1")
                )
            continue
        record: dict[str, object] = {
            h: unprotect_text(v) for h, v in zip(header, values, strict=False) if h is not None
        }
        where = f"sources sheet row {number}"
        label = str(record.get("id") or "").strip()
        if not label:
            problems.append(Problem("a source needs an id", file=file, field="id", record=where))
            continue
        if label in labels:
            problems.append(
                Problem(
                    f"id '{label}' is also used by {labels[label].where}", file=file, field="id", record=where
                )
            )
            continue
        source, faults = source_from(record)
        labels[label] = SourceLabel(source, where, [m for _, m in faults])
        problems.extend(Problem(m, file=file, field=f, record=where) for f, m in faults)
    return labels, problems


def _entries(
    sheet: Any,
    rows: NativeRows,
    problems: list[Problem],
    path: Path,
    progress: Callable[[int], None] | None,
) -> Iterator[LedgerBatch]:
    file = str(path)
    declared = sheet.max_row or 0  # for progress only; the rows are read whatever it says
    size = path.stat().st_size
    header: list[str] = []
    buffer: dict[str, list[str | None]] = {}
    lines: list[int] = []
    for number, cells in _cells(sheet, file, len(INPUT_COLUMNS)):
        if not header:
            header = [(_text(v) or "").strip() for v, _ in cells]
            while header and not header[-1]:
                header.pop()
            if not header:  # cells without values (formatting) above the header
                continue
            problems.extend(header_problems(header, file=file, line=number))
            buffer = {name: [] for name in dict.fromkeys(header) if name}
            continue
        for position, (value, kind) in enumerate(cells):
            name = header[position] if position < len(header) else ""
            if value is None:
                continue
            if kind == "f":
                problems.append(
                    Problem(
                        f"this cell holds a formula ({str(value)[:40]}); ltsplan reads values: "
                        "paste the values instead",
                        file=file,
                        line=number,
                        field=name or None,
                    )
                )
            elif not name:
                problems.append(
                    Problem("a value in a column without a header", file=file, line=number, field=None)
                )
        seen: set[str] = set()
        for position, name in enumerate(header):
            if not name or name in seen:
                continue
            seen.add(name)
            value, kind = cells[position] if position < len(cells) else (None, "n")
            buffer[name].append(None if kind == "f" else _text(value))
        lines.append(number)
        if len(lines) >= BATCH_ROWS:
            yield from rows.batches(_frame(buffer, lines), problems)
            problems = []
            buffer = {name: [] for name in buffer}
            lines = []
            if progress is not None and declared:
                progress(min(size, size * number // declared))
    if not header:
        problems.append(
            Problem("the entries sheet is empty; its first row names the columns", file=file, line=1)
        )
    if lines or problems:
        frame = _frame(buffer, lines) if lines else conform(pl.DataFrame(), keep_meta=True)
        yield from rows.batches(frame, problems) if lines else [LedgerBatch(entries=frame, problems=problems)]
    if progress is not None:
        progress(size)


def _frame(buffer: dict[str, list[str | None]], lines: list[int]) -> pl.DataFrame:
    frame = pl.DataFrame(buffer, schema=dict.fromkeys(buffer, pl.Utf8))
    return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))


def write_xlsx(path: Path, entries: Iterable[pl.DataFrame], sources: pl.DataFrame) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("entries")
    sheet.append(NATIVE_COLUMNS)
    count = 0
    for chunk in entries:
        for row in chunk.select(NATIVE_COLUMNS).iter_rows():
            count += 1
            if count >= MAX_SHEET_ROWS:
                raise LtsplanError(
                    f"{path}: more than {MAX_SHEET_ROWS - 1:,} entries do not fit in a sheet; export as CSV"
                )
            sheet.append([xlsx_cell(v) for v in row])
    listed = workbook.create_sheet("sources")
    listed.append(SOURCE_FIELDS)
    for row in sources.select(SOURCE_FIELDS).iter_rows():
        listed.append([xlsx_cell(v) for v in row])
    workbook.save(path)
    return count
