"""Files of sections of records, read and written from the record types' declarations alone: the
format of the standards catalogue, of readiness records, and of every record list a request body
carries.

- YAML and JSON: one mapping whose keys are sections, each a list of records (field → value).
- XLSX: one sheet per section, named after it: a header row, then one record per row.
- CSV: one section per file, told by its header (the section whose required fields the header
  names, the closest match first); a directory of CSV files is read as one import, and an export of
  several sections writes one CSV file per section.

Readers return every record they could read and every problem, located by file, line (a sheet's
row) and field; they never stop at the first. YAML keeps dates as text, so that a bad one
(2024-13-01) is reported at its record and field like any other bad value. Writers neutralise text a
spreadsheet would run as a formula (and, in XLSX, escape the control characters a workbook cannot
hold: ``formats.cells``; CSV is written by ``formats.csv_out``); readers of CSV and XLSX undo that,
so export then import gives back the same values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ltsplan.errors import LtsplanError, Problem
from ltsplan.formats import xlsx
from ltsplan.formats.cells import xlsx_cell
from ltsplan.formats.csv_out import write_rows
from ltsplan.formats.sections import csv_records, document_records, load_document
from ltsplan.records.fields import INSTANT, FieldError
from ltsplan.records.reading import Located, RecordCheck, read_record
from ltsplan.records.types import RecordType
from ltsplan.store.time import utcnow

FORMATS = ("yaml", "json", "csv", "xlsx")
# Any record may say when it became known (a past release's records, a demo's history): a date or
# a date-time in UTC, never in the future. Without it, the record is known from the write.
RECORDED_AT = "recorded_at"
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}


@dataclass(frozen=True)
class Sections:
    """The record types one file may carry, in the order they are written (a record's references
    come before it), with each one's own checks across its fields."""

    name: str  # what the records are, for messages ("readiness records")
    records: tuple[RecordType, ...]
    checks: Mapping[str, RecordCheck] = field(default_factory=dict)  # section → check
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # section → {alias: field}
    labels: Mapping[str, Callable[[dict[str, Any]], str]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [r.section or r.name for r in self.records]

    def record(self, section: str) -> RecordType:
        for r in self.records:
            if (r.section or r.name) == section:
                return r
        raise KeyError(section)

    def of_header(self, header: Iterable[str]) -> str | None:
        """The section a CSV header holds: one whose required fields it all names, the one it
        matches most closely first."""
        names = {h.strip().lower() for h in header}
        best: tuple[int, int, str] | None = None
        for record in self.records:
            section = record.section or record.name
            renamed = {self.aliases.get(section, {}).get(n, n) for n in names}
            needed = {f.file_name for f in record.file_fields if f.required and f.default is None}
            if not needed <= renamed:
                continue
            score = (len(renamed & set(record.file_names)), len(needed), section)
            best = max(best, score) if best else score
        return best[2] if best else None

    def unknown_header(self) -> str:
        required = "; ".join(
            f"{r.section} — {', '.join(f.file_name for f in r.file_fields if f.required and f.default is None)}"
            for r in self.records
        )
        return f"cannot tell which section this CSV holds: a header names its section's required fields ({required})"


@dataclass
class SectionsFile:
    """What files held: the records of each section (with problems or not) and every problem."""

    sections: Sections
    found: dict[str, list[Located]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in self.sections.names:
            self.found.setdefault(name, [])

    def add(
        self,
        section: str,
        raw: Mapping[Any, Any],
        file: str,
        line: int | None,
        position: str | None = None,
        lines: Callable[[str], int | None] | None = None,
    ) -> Located:
        record = self.sections.record(section)
        label = self._label(section, raw, position)
        located, problems = read_record(
            record,
            raw,
            file=file,
            line=line,
            label=label,
            check=self.sections.checks.get(section),
            aliases=self.sections.aliases.get(section),
            lines=lines,
            extra_fields=(RECORDED_AT,),
        )
        problems += record_time_problems(located)
        located.ok = located.ok and not problems
        self.problems.extend(problems)
        self.found[section].append(located)
        return located

    def _label(self, section: str, raw: Mapping[Any, Any], position: str | None) -> str | None:
        naming = self.sections.labels.get(section)
        named = ""
        if naming is not None:
            try:
                named = naming({str(k).strip().lower(): v for k, v in raw.items()})
            except (TypeError, ValueError, AttributeError):
                named = ""
        label = " ".join(p for p in (position, named) if p)
        return label or None

    def extend(self, other: SectionsFile) -> None:
        for name, items in other.found.items():
            self.found[name].extend(items)
        self.problems.extend(other.problems)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.found.values())


def record_time_problems(located: Located) -> list[Problem]:
    """Read a record's own ``recorded_at`` (kept in ``extra`` as a datetime), or say what is wrong."""
    given = located.extra.get(RECORDED_AT)
    if given is None or (isinstance(given, str) and not given.strip()):
        located.extra.pop(RECORDED_AT, None)
        return []
    try:
        moment = INSTANT.read_value(given)
    except FieldError as error:
        return [located.problem(str(error), RECORDED_AT)]
    if moment > utcnow():
        return [located.problem("a record cannot be known in the future", RECORDED_AT)]
    located.extra[RECORDED_AT] = moment
    return []


def guess_format(path: Path) -> str:
    if path.is_dir():
        return "csv"
    chosen = SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        raise LtsplanError(
            f"{path}: cannot tell the format from the name; give --format (one of {', '.join(FORMATS)})"
        )
    return chosen


def read(path: Path, sections: Sections, fmt: str | None = None) -> SectionsFile:
    """Every record of one file (or a directory of CSV files); problems are returned, not raised
    (a missing file raises)."""
    if not path.exists():
        raise LtsplanError(f"{path}: no such file or directory")
    chosen = fmt or guess_format(path)
    if chosen not in FORMATS:
        raise LtsplanError(f"unknown format '{chosen}'; use one of {', '.join(FORMATS)}")
    if path.is_dir() and chosen != "csv":
        raise LtsplanError(f"{path}: a directory is read as CSV files; give a file for {chosen}")
    found = SectionsFile(sections)
    name = str(path)
    if chosen in ("yaml", "json"):
        document, found.problems = load_document(path, chosen)
        if not found.problems:  # a document that could not be read has no records to speak of
            read_document(found, document, name)
    elif chosen == "csv":
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        if not files:
            raise LtsplanError(f"{path}: the directory holds no .csv files")
        for file in files:
            records = csv_records(file, sections.of_header, sections.unknown_header(), found.problems)
            for section, line, raw in records:
                found.add(section, raw, str(file), line)
    else:
        for section, where, line, raw in xlsx.section_rows(path, _columns(sections), found.problems):
            found.add(section, raw, where, line)
    return found


def _columns(sections: Sections) -> dict[str, int]:
    """For each section, how many columns its sheet may name: its fields, their aliases and
    ``recorded_at`` (a workbook's sheets are read no wider than that, and a few spare)."""
    return {
        name: len(sections.record(name).file_names) + len(sections.aliases.get(name, {})) + 1
        for name in sections.names
    }


def read_document(found: SectionsFile, document: Any, file: str) -> None:
    """The records of a document already loaded (a YAML or JSON file, a request body)."""
    for section, raw, line, position in document_records(
        document, found.sections.names, file, found.problems
    ):
        found.add(section, raw, file, line, position)


# -- writing ---------------------------------------------------------------------------------------


def write(
    path: Path, sections: Sections, data: Mapping[str, Sequence[Mapping[str, Any]]], fmt: str | None = None
) -> list[Path]:
    """Write records in file form (``RecordType.file_row``), one list per section; returns the
    files written. CSV holds one section per file: with one section ``path`` is written; with
    several, one file per section, ``<stem>.<section>.csv`` beside a path ending in .csv, else
    ``<section>.csv`` in the directory ``path``."""
    chosen = fmt or (guess_format(path) if path.suffix else "csv")
    if chosen not in FORMATS:
        raise LtsplanError(f"{path}: cannot tell the format; use .yaml, .json, .xlsx, .csv or a directory")
    present = {s: list(v) for s, v in data.items()}
    if chosen in ("yaml", "json"):
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {s: [_plain(r) for r in rows] for s, rows in present.items() if rows}
        if chosen == "yaml":
            text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        else:
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
        return [path]
    if chosen == "xlsx":
        import openpyxl

        path.parent.mkdir(parents=True, exist_ok=True)
        workbook = openpyxl.Workbook(write_only=True)
        for section, rows in present.items():
            sheet = workbook.create_sheet(section)
            names = sections.record(section).file_names
            sheet.append(names)
            for row in rows:
                sheet.append([xlsx_cell(_joined(row.get(n))) for n in names])
        workbook.save(path)
        return [path]
    written = []
    for section, rows in present.items():
        if len(present) == 1 and path.suffix.lower() == ".csv":
            target = path
        elif path.suffix.lower() == ".csv":
            target = path.with_name(f"{path.stem}.{section}.csv")
        else:
            target = path / f"{section}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        names = sections.record(section).file_names
        with target.open("w", newline="", encoding="utf-8") as handle:
            write_rows(handle, names, ([_joined(row.get(n)) for n in names] for row in rows))
        written.append(target)
    return written


LIST_SEPARATOR = "|"  # a list in one cell (an ordinal scale's levels): lowest first, separated by |


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in record.items() if v is not None}


def _joined(value: Any) -> Any:
    """A value as one cell: a list joined with LIST_SEPARATOR, anything else as it is."""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return value
