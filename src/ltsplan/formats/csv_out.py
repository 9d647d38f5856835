"""CSV as every export writes it — the command line's and the API's lists, sections of records, the
native ledger — so that each one opens safely in a spreadsheet and imports back to the same values.

- RFC 4180 quoting: a field holding a comma, a quote, a carriage return or a line feed is quoted,
  quotes inside doubled. A carriage return is quoted like a line feed: Python's ``csv.writer`` with
  ``lineterminator="\\n"`` leaves it bare, and a spreadsheet starts a new row at it.
- Lines end with ``\\n`` (a line break inside a value is written as it is, inside quotes). RFC 4180
  asks for CR LF, but every reader here and every spreadsheet takes LF, and LF is what the files
  have always had: exports stay byte for byte equal to earlier ones and across round trips.
- A missing value is an empty field; empty text is ``""`` (so the two stay apart).
- Text goes through the reversible formula protection of ``formats.cells`` (``protect``), which
  every CSV reader undoes; numbers, dates and booleans are written as they are (``written_text``).

``csv_line``/``csv_text``/``write_rows`` write rows of Python values; ``write_frames`` writes
Polars frames with Polars's own writer (which quotes the same way: tested), for the large exports.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO, TextIO

import polars as pl

from ltsplan.formats.cells import protect, protect_expr, written_text

LINE_END = "\n"
DATE_FORMAT = "%Y-%m-%d"
_QUOTED = re.compile('[,"\r\n]')


def csv_field(value: Any) -> str:
    """One value as a CSV field: written as text (``written_text``), protected, quoted if needed."""
    text = written_text(value)
    if text is None:
        return ""
    if isinstance(value, str):  # numbers stay numbers: -2.5 is not a formula to a spreadsheet
        text = protect(text)
    if not text or _QUOTED.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[Any]) -> str:
    """One row as a CSV line, its line end included."""
    fields = [csv_field(v) for v in values]
    if fields == [""]:
        fields = ['""']  # a row of one missing value would be a blank line, which readers skip
    return ",".join(fields) + LINE_END


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """A whole CSV document: the header line, then one line per row."""
    return "".join([csv_line(header), *(csv_line(row) for row in rows)])


def write_rows(handle: TextIO, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> int:
    """Write a header and rows to a text file opened with ``newline=""``; returns the rows written."""
    handle.write(csv_line(header))
    count = 0
    for row in rows:
        handle.write(csv_line(row))
        count += 1
    return count


def write_frames(handle: BinaryIO, header: Sequence[str], frames: Iterable[pl.DataFrame]) -> int:
    """Write frames with the columns ``header`` (in that order) to a binary file, text protected
    column-wise, dates as YYYY-MM-DD; returns the rows written. The header is written even when no
    frame comes."""
    handle.write(csv_line(header).encode("utf-8"))
    count = 0
    for chunk in frames:
        frame = chunk.select(header)
        # Categories are text to a reader, and must be protected like it.
        coded = [n for n, t in frame.schema.items() if isinstance(t, pl.Categorical | pl.Enum)]
        frame = frame.with_columns(pl.col(n).cast(pl.Utf8) for n in coded)
        text = [n for n, t in frame.schema.items() if t == pl.Utf8]
        frame.with_columns(protect_expr(n) for n in text).write_csv(
            handle,
            include_header=False,
            line_terminator=LINE_END,
            date_format=DATE_FORMAT,
            quote_style="necessary",
        )
        count += frame.height
    return count
