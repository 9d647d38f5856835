"""The native CSV format: read in blocks of whole records (memory stays bounded, line numbers exact),
written with one row per entry that describes its source in full.

Polars parses each block; a block it refuses (a row with too many fields, bytes that are not UTF-8)
is parsed again with Python's csv module so that each such row is named by its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.csv_in import csv_records, header_cells
from ltsplan.formats.csv_out import write_frames
from ltsplan.formats.text import bad_utf8_at, decode_utf8, not_utf8
from ltsplan.ledger.formats.native import (
    CSV_EXPORT_COLUMNS,
    INPUT_COLUMNS,
    REQUIRED_COLUMNS,
    NativeRows,
    header_problems,
)
from ltsplan.ledger.model import LedgerBatch, conform
from ltsplan.ledger.rules import LINE
from ltsplan.prefetch import prefetched

# About 18,000 ledger rows per block. The frames a block becomes are held at several stages at once
# (blocks read ahead, batches checked ahead, one being written, one being staged). On 1 M rows,
# paired runs: 4 MiB blocks peak at 394 MiB against 476 MiB for 8 MiB, for about 10 % more time
# (each batch has a fixed cost of some tens of milliseconds); the memory bound is the harder one.
CHUNK_BYTES = 4 << 20
BOM = b"\xef\xbb\xbf"


def read_csv(
    path: Path, *, progress: Callable[[int], None] | None = None, chunk_bytes: int | None = None
) -> Iterator[LedgerBatch]:
    """Batches of the file's entries, a block of ``chunk_bytes`` (default CHUNK_BYTES) at a time.
    The next block is read and checked on a second thread while the caller writes the previous one
    (at most two blocks wait in memory)."""
    blocks = _batches(path, chunk_bytes or CHUNK_BYTES)
    for batch, done in prefetched(blocks, name="ltsplan-csv-reader"):
        yield batch
        if progress is not None and done:
            progress(done)


def _batches(path: Path, chunk_bytes: int) -> Iterator[tuple[LedgerBatch, int]]:
    file = str(path)
    with path.open("rb") as handle:
        header = handle.readline()
        columns = _header(header, file)
        if not set(columns) & set(REQUIRED_COLUMNS):  # no ledger at all: one message, not one a row
            required = ", ".join(REQUIRED_COLUMNS)
            message = (
                f"the header names none of the ledger's required columns ({required}); it begins "
                f"{header_shown(columns)}; docs/formats.md lists the formats ltsplan reads"
            )
            raise InvalidInput(
                [Problem(message, file=file, line=1)], f"{file}: not a ledger CSV; nothing was written"
            )
        problems = header_problems(columns, file=file)
        rows = NativeRows(file)
        line, done = 2, len(header)
        for block in _blocks(handle, chunk_bytes):
            frame, found, lines = _parse(block, columns, line, done, file)
            batches = rows.batches(frame, [*problems, *found])
            problems = []
            line += lines
            done += len(block)
            for number, batch in enumerate(batches):
                yield batch, done if number == len(batches) - 1 else 0
        if problems:  # a header and no rows
            yield LedgerBatch(entries=conform(pl.DataFrame(), keep_meta=True), problems=problems), done


def _header(header: bytes, file: str) -> list[str]:
    if not header.removeprefix(BOM).strip():
        raise InvalidInput(
            [Problem("the file is empty; its first line names the columns", file=file, line=1)],
            f"{file}: not a ledger CSV; nothing was written",
        )
    text = decode_utf8(header, file, "CSV")
    return header_cells(text, file)


def header_shown(columns: list[str], limit: int = 6) -> str:
    """The first columns of a header, quoted, and how many there are: what a message about a file
    that is no ledger shows of it."""
    shown = ", ".join(f'"{c[:40]}"' for c in columns[:limit])
    more = ", …" if len(columns) > limit else ""
    return f"{shown}{more} ({len(columns)} column{'s' if len(columns) != 1 else ''})"


def _blocks(handle: BinaryIO, size: int) -> Iterator[bytes]:
    """Blocks of whole records: each ends at a newline outside quotes (an even number of quote
    characters before it, as RFC 4180 quoting guarantees)."""
    pending = b""
    while True:
        data = handle.read(size)
        if not data:
            if pending:
                yield pending
            return
        cut = _last_record_end(data, pending.count(b'"') % 2)
        if cut == 0:
            pending += data
            continue
        yield b"".join((pending, memoryview(data)[:cut]))
        pending = data[cut:]


def _last_record_end(buffer: bytes, open_quote: int = 0) -> int:
    """The position after the last newline outside quotes (0 when there is none); ``open_quote``
    is 1 when the buffer starts inside a quoted field."""
    end = buffer.rfind(b"\n")
    if end < 0:
        return 0
    if open_quote == 0 and buffer.find(b'"') < 0:
        return end + 1
    quotes = open_quote + buffer.count(b'"', 0, end)
    while end >= 0 and quotes % 2:
        previous = buffer.rfind(b"\n", 0, end)
        quotes -= buffer.count(b'"', previous + 1 if previous >= 0 else 0, end)
        end = previous
    return end + 1


def _parse(
    block: bytes, columns: list[str], first_line: int, offset: int, file: str
) -> tuple[pl.DataFrame, list[Problem], int]:
    """The block's rows as text columns with their line numbers, what could not be read, and how
    many lines the block holds."""
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    names = [f"_c{i}" for i in range(len(columns))]
    if block.count(b'"') % 2:  # a quote never closed: Polars would read on to the end
        return (*_parse_slowly(block, columns, first_line, offset, file), lines)
    try:
        frame = pl.read_csv(
            block,
            has_header=False,
            schema=dict.fromkeys(names, pl.Utf8),
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:  # a row Polars cannot place: the slow reader says which
        return (*_parse_slowly(block, columns, first_line, offset, file), lines)
    index = pl.int_range(pl.len(), dtype=pl.Int64) + first_line
    if frame.height != lines:
        # Quoted fields with line breaks: each row starts after the breaks of the rows before it.
        breaks = pl.sum_horizontal(
            pl.col(n).str.count_matches("\n", literal=True).fill_null(0) for n in names
        )
        index = index + breaks.cum_sum().shift(1, fill_value=0).cast(pl.Int64)
    return _named(frame.with_columns(index.alias(LINE)), columns), [], lines


def _named(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The positional columns under their header names (the first of a repeated name wins)."""
    chosen: dict[str, str] = {}
    for position, name in enumerate(columns):
        chosen.setdefault(name, f"_c{position}")
    return frame.select(LINE, *(pl.col(c).alias(n) for n, c in chosen.items() if n in INPUT_COLUMNS))


def _parse_slowly(
    block: bytes, columns: list[str], first_line: int, offset: int, file: str
) -> tuple[pl.DataFrame, list[Problem]]:
    problems, text = _decode(block, first_line, offset, file)
    bad_lines = {p.line for p in problems}
    records: list[list[str | None]] = []
    lines: list[int] = []
    for line, row in csv_records(text, file, problems, first_line=first_line):
        if row == [] or line in bad_lines:
            continue
        if len(row) > len(columns):
            problems.append(
                Problem(
                    f"this row has {len(row)} fields but the header names {len(columns)} columns",
                    file=file,
                    line=line,
                )
            )
            continue
        records.append([*row, *([None] * (len(columns) - len(row)))])
        lines.append(line)
    names = [f"_c{i}" for i in range(len(columns))]
    frame = pl.DataFrame(records, schema=dict.fromkeys(names, pl.Utf8), orient="row").with_columns(
        pl.Series(LINE, lines, dtype=pl.Int64)
    )
    return _named(frame, columns), problems


def _decode(block: bytes, first_line: int, offset: int, file: str) -> tuple[list[Problem], str]:
    """The block as text, and a problem for each line with bytes that are not UTF-8 (its first bad
    byte named by its offset in the file)."""
    problems = []
    start = 0
    while (at := bad_utf8_at(block, start)) is not None:
        problems.append(not_utf8(block, at, file, first_line=first_line, offset=offset))
        following = block.find(b"\n", at)
        if following < 0:
            break
        start = following + 1
    return problems, block.decode("utf-8", errors="replace")


def write_csv(path: Path, chunks: Iterable[pl.DataFrame]) -> int:
    """Entries with their sources' columns, written as every CSV export is (``formats.csv_out``)."""
    with path.open("wb") as handle:
        return write_frames(handle, CSV_EXPORT_COLUMNS, chunks)
