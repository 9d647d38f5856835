"""CSV read record by record with the line each record starts on (RFC 4180: a quoted field may span
lines). Quoting is strict: a quote that is never closed is named at the line its record starts on
(not at the end of the file, where the reader notices), and text after a closing quote is a
problem of its row; either way reading goes on where it can, so that every problem is listed."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from ltsplan.errors import InvalidInput, Problem

NEVER_CLOSED = 'a quoted field that starts in this record is never closed (a " is missing)'
BARE_CARRIAGE_RETURN = (
    "a carriage return ends no line here: lines end with a line feed (\\n or \\r\\n), and a carriage "
    "return inside a field is quoted. A file whose lines end with a carriage return alone (classic "
    "Mac OS) must be saved again, as CSV UTF-8"
)


def header_cells(line: str, file: str) -> list[str]:
    """The column names on a CSV file's first line (as read up to its first line feed), stripped.
    A carriage return outside quotes there is refused, with the file and line: the readers end
    lines at line feeds only, so it means a file that is one line to them."""
    try:
        return [name.strip() for name in next(csv.reader([line], strict=True), [])]
    except csv.Error:
        raise InvalidInput(
            [Problem(BARE_CARRIAGE_RETURN, file=file, line=1)],
            f"{file}: not a CSV ltsplan reads; nothing was written",
        ) from None


def csv_records(
    text: str, file: str | None, problems: list[Problem], *, first_line: int = 1
) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells) for every record of ``text``; ``first_line`` is the
    line of the text's first character in its file."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = first_line
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                problems.append(Problem(NEVER_CLOSED, file=file, line=start))
                return
            problems.append(Problem(f"not valid CSV: {error}", file=file, line=start))
            start = first_line + reader.line_num
            continue
        yield start, cells
        start = first_line + reader.line_num
