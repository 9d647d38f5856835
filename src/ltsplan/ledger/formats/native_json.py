"""The native JSON format: ``{"format": "ltsplan-ledger", "version": 1, "sources": [...],
"entries": [...]}``, each source and entry an object; ltsplan writes one per line.

The file is decoded element by element, so each entry's problems are named by the line it starts
on. JSON is for exchanging ledgers of moderate size (it is read whole); CSV is the bulk format.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.jsons import NotJson, decode, decoder, number_text
from ltsplan.formats.text import read_utf8
from ltsplan.ledger.formats.native import INPUT_COLUMNS, NUMBER_COLUMNS, NativeRows
from ltsplan.ledger.formats.native_sources import SOURCE_FIELDS, SourceLabel, source_from
from ltsplan.ledger.model import NATIVE_COLUMNS, LedgerBatch, conform
from ltsplan.ledger.rules import LINE, RECORD

FORMAT = "ltsplan-ledger"
VERSION = 1
BATCH_ROWS = 50_000
TOP_LEVEL = ("format", "version", "sources", "entries")


class _Scanner:
    """Walks the top-level object, decoding one value at a time and knowing each one's line."""

    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.position = 0
        self.line = 1
        self.counted = 0
        self.repeated: list[str] = []
        self.decoder = decoder(object_pairs_hook=self._pairs)

    def _pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        self.repeated.extend(k for k in dict.fromkeys(keys) if keys.count(k) > 1)
        return dict(pairs)

    def line_at(self, position: int) -> int:
        self.line += self.text.count("\n", self.counted, position)
        self.counted = position
        return self.line

    def skip(self) -> str:
        while self.position < len(self.text) and self.text[self.position] in " \t\r\n":
            self.position += 1
        return self.text[self.position] if self.position < len(self.text) else ""

    def expect(self, wanted: str) -> None:
        found = self.skip()
        if found != wanted:
            self.fail(f"expected '{wanted}' here, found {found or 'the end of the file'!r}")
        self.position += 1

    def value(self) -> Any:
        self.skip()
        try:
            value, self.position = decode(self.text, self.position, self.decoder)
        except NotJson as error:
            raise InvalidInput(
                [Problem(f"not valid JSON: {error.message}", file=self.file, line=error.line)],
                f"{self.file}: not valid JSON; nothing was written",
            ) from None
        return value

    def fail(self, message: str) -> None:
        line = self.line_at(self.position)
        raise InvalidInput(
            [Problem(message, file=self.file, line=line)],
            f"{self.file}: not a ledger JSON file; nothing was written",
        )

    def elements(self) -> Iterator[tuple[int, Any]]:
        """(line, value) for each element of the array that starts here."""
        self.expect("[")
        if self.skip() == "]":
            self.position += 1
            return
        while True:
            self.skip()
            line = self.line_at(self.position)
            self.repeated = []
            yield line, self.value()
            following = self.skip()
            self.position += 1
            if following == "]":
                return
            if following != ",":
                self.position -= 1
                self.fail("expected ',' or ']' after an element")


def read_json(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    file = str(path)
    scan = _Scanner(read_utf8(path, "JSON"), file)
    rows = NativeRows(file, unprotect=False)
    problems: list[Problem] = []
    scan.expect("{")
    seen_keys: set[str] = set()
    entries_found = False
    while scan.skip() != "}":
        if seen_keys:
            scan.expect(",")
        key = scan.value()
        if not isinstance(key, str):
            scan.fail("expected a key in quotes")
        scan.expect(":")
        if key in seen_keys:
            scan.fail(f"the key '{key}' appears twice")
        seen_keys.add(key)
        if key == "sources":
            if entries_found:
                scan.fail("give 'sources' before 'entries'")
            rows.labels, found = _labels(scan, file)
            problems.extend(found)
        elif key == "entries":
            entries_found = True
            yield from _entries(scan, rows, problems, progress)
            problems = []
        else:
            line = scan.line_at(scan.position)
            value = scan.value()
            if key not in TOP_LEVEL:
                problems.append(
                    Problem(
                        f"unknown key; the keys are {', '.join(TOP_LEVEL)}", file=file, line=line, field=key
                    )
                )
            elif key == "format" and value != FORMAT:
                problems.append(Problem(f'expected "{FORMAT}"', file=file, line=line, field=key))
            elif key == "version" and value != VERSION:
                problems.append(
                    Problem(
                        f"version {value!r} is not supported (this is version {VERSION})",
                        file=file,
                        line=line,
                        field=key,
                    )
                )
    scan.position += 1
    if scan.skip():
        scan.fail("unexpected text after the closing '}'")
    if not entries_found:
        problems.append(Problem("the file has no 'entries' list", file=file, line=1, field="entries"))
    if problems:
        yield LedgerBatch(entries=conform(pl.DataFrame(), keep_meta=True), problems=problems)
    if progress is not None:
        progress(len(scan.text))


def _labels(scan: _Scanner, file: str) -> tuple[dict[str, SourceLabel], list[Problem]]:
    labels: dict[str, SourceLabel] = {}
    problems: list[Problem] = []
    for number, (line, element) in enumerate(scan.elements()):
        where = f"sources[{number}] on line {line}"
        if not isinstance(element, dict):
            problems.append(Problem("each source is an object {…}", file=file, record=where))
            continue
        faults = [(k, "this key appears more than once") for k in scan.repeated]
        faults += [
            (k, f"unknown key; the keys are {', '.join(SOURCE_FIELDS)}")
            for k in element
            if k not in SOURCE_FIELDS
        ]
        faults += [
            (k, "must be text (in quotes) or null")
            for k, v in element.items()
            if v is not None and not isinstance(v, str)
        ]
        label = element.get("id")
        if not isinstance(label, str) or not label.strip():
            faults.append(("id", "a source needs an id (any label; entries cite it as source_id)"))
        elif label in labels:
            faults.append(("id", f"id '{label}' is also used by {labels[label].where}"))
        source, wrong = source_from({k: v for k, v in element.items() if isinstance(v, str)})
        faults.extend(wrong)
        problems.extend(Problem(m, file=file, field=f, record=where) for f, m in faults)
        if isinstance(label, str) and label.strip() and label not in labels:
            labels[label] = SourceLabel(None if faults else source, where, [m for _, m in faults])
    return labels, problems


def _entries(
    scan: _Scanner, rows: NativeRows, problems: list[Problem], progress: Callable[[int], None] | None
) -> Iterator[LedgerBatch]:
    file = scan.file
    columns: dict[str, list[str | None]] = {c: [] for c in INPUT_COLUMNS}
    lines: list[int] = []
    records: list[str] = []
    for number, (line, element) in enumerate(scan.elements()):
        record = f"entries[{number}]"
        problems.extend(
            Problem("this key appears more than once", file=file, line=line, record=record, field=k)
            for k in scan.repeated
        )
        texts, wrong = entry_texts(element, file=file, line=line, record=record, columns=INPUT_COLUMNS)
        problems.extend(wrong)
        if texts is None:
            continue
        for name, values in columns.items():
            values.append(texts.get(name))
        lines.append(line)
        records.append(record)
        if len(lines) >= BATCH_ROWS:
            yield from rows.batches(frame_of(columns, lines, records), problems)
            problems.clear()
            columns = {c: [] for c in INPUT_COLUMNS}
            lines, records = [], []
            if progress is not None:
                progress(scan.position)
    if lines or problems:
        yield from rows.batches(frame_of(columns, lines, records), list(problems))
        problems.clear()


def entry_texts(
    element: Any, *, file: str, line: int | None, record: str, columns: Sequence[str]
) -> tuple[dict[str, str | None] | None, list[Problem]]:
    """One entry given as a JSON object (an element of a file's ``entries``, a request body) as the
    text of each column, the way a CSV row gives it, and what is wrong with its JSON: unknown keys,
    numbers in quotes, text that is not a string. (The columns' own rules come after, the same for
    every format: ``native.NativeRows``.)"""
    if not isinstance(element, dict):
        return None, [Problem("each entry is an object {…}", file=file, line=line, record=record)]
    problems = []
    for key, value in element.items():
        if key not in columns:
            problems.append(
                Problem("unknown key (see docs/formats.md)", file=file, line=line, record=record, field=key)
            )
        elif (
            key in NUMBER_COLUMNS
            and value is not None
            and (isinstance(value, bool) or not isinstance(value, int | float))
        ):
            problems.append(
                Problem(
                    f"{value!r} must be a JSON number (without quotes)",
                    file=file,
                    line=line,
                    record=record,
                    field=key,
                )
            )
        elif key not in NUMBER_COLUMNS and value is not None and not isinstance(value, str):
            problems.append(
                Problem(f"{value!r} must be text (in quotes)", file=file, line=line, record=record, field=key)
            )
    texts = {
        name: None
        if (value := element.get(name)) is None or isinstance(value, bool)
        else number_text(value)
        if isinstance(value, int | float)
        else str(value)
        for name in columns
    }
    return texts, problems


def frame_of(columns: dict[str, list[str | None]], lines: list[int], records: list[str]) -> pl.DataFrame:
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Utf8))
    return frame.with_columns(
        pl.Series(LINE, lines, dtype=pl.Int64), pl.Series(RECORD, records, dtype=pl.Utf8)
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def write_json(path: Path, entries: Iterable[pl.DataFrame], sources: pl.DataFrame) -> int:
    """One source and one entry per line, keys in a fixed order, empty fields left out."""
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION},\n  "sources": [')
        listed = _write_objects(
            handle,
            (dict(zip(SOURCE_FIELDS, r, strict=True)) for r in sources.select(SOURCE_FIELDS).iter_rows()),
        )
        handle.write(("\n  ]" if listed else "]") + ',\n  "entries": [')
        count = 0
        for chunk in entries:
            rows = chunk.select(NATIVE_COLUMNS).iter_rows()
            count += _write_objects(
                handle, (dict(zip(NATIVE_COLUMNS, r, strict=True)) for r in rows), first=not count
            )
        handle.write(("\n  ]" if count else "]") + "\n}\n")
    return count


def _write_objects(handle: Any, objects: Iterable[dict[str, Any]], *, first: bool = True) -> int:
    written = 0
    for values in objects:
        body = {k: _plain(v) for k, v in values.items() if v is not None}
        handle.write(
            ("\n    " if first else ",\n    ") + json.dumps(body, ensure_ascii=False, allow_nan=False)
        )
        first = False
        written += 1
    return written
