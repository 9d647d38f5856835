"""Reading and writing readiness files: YAML, JSON, CSV and XLSX, with the sections and fields of
``rows.SECTIONS``.

- YAML and JSON: one mapping whose keys are sections (``elements``, ``targets``, ``assessments``,
  ``findings``, …), each a list of records.
- XLSX: one sheet per section, named after it, a header row, then one record per row.
- CSV: one section per file, told by its header (``rows.SIGNATURES``); a directory of CSV files is
  read as one import (and an export to CSV writes one file per section into a directory).

Readers return every record they could read and every problem, located by file, line (row of a sheet)
and field. The readers are the shared ones of ``ltsplan.formats`` (``sections`` for YAML, JSON and CSV,
``xlsx`` for workbooks), which every sections format uses; YAML keeps dates as text, so that a bad one
(2024-13-01) is reported at its record and field like any other bad value.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ltsplan.errors import LtsplanError, Problem
from ltsplan.formats import xlsx
from ltsplan.formats.cells import written_cell
from ltsplan.formats.sections import csv_records, document_records, load_document
from ltsplan.readiness.rows import SECTIONS, check_record, section_of_header

FORMATS = ("yaml", "json", "csv", "xlsx")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}
UNKNOWN_CSV = "cannot tell which section this CSV holds from its header"


@dataclass
class Located:
    values: dict[str, Any]
    file: str
    line: int | None
    label: str | None
    ok: bool = True  # False: the record has problems of its own (its bad fields are None)


@dataclass
class ReadinessFile:
    """The valid records of each section, and every problem found."""

    sections: dict[str, list[Located]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    problems: list[Problem] = field(default_factory=list)

    def add(self, section: str, raw: dict[str, Any], file: str, line: int | None, label: str | None) -> None:
        values, problems = check_record(section, raw, file=file, line=line, record=label)
        self.problems.extend(problems)
        self.sections[section].append(Located(values, file, line, label, ok=not problems))

    @property
    def records(self) -> int:
        return sum(len(v) for v in self.sections.values())


def guess_format(path: Path) -> str:
    if path.is_dir():
        return "csv"
    chosen = SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        raise LtsplanError(
            f"{path}: cannot tell the format from the name; give --format (one of {', '.join(FORMATS)})"
        )
    return chosen


def read(path: Path, fmt: str | None = None) -> ReadinessFile:
    if not path.exists():
        raise LtsplanError(f"{path}: no such file or directory")
    chosen = fmt or guess_format(path)
    if chosen not in FORMATS:
        raise LtsplanError(f"unknown format '{chosen}'; use one of {', '.join(FORMATS)}")
    found = ReadinessFile()
    name = str(path)
    if chosen in ("yaml", "json"):
        document, found.problems = load_document(path, chosen)
        for section, raw, line, position in document_records(document, list(SECTIONS), name, found.problems):
            found.add(section, raw, name, line, position)
    elif chosen == "csv":
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        if not files:
            raise LtsplanError(f"{path}: the directory holds no .csv files")
        for file in files:
            for section, line, raw in csv_records(file, section_of_header, UNKNOWN_CSV, found.problems):
                found.add(section, raw, str(file), line, None)
    else:
        for section, where, line, raw in xlsx.section_rows(path, SECTIONS, found.problems):
            found.add(section, raw, where, line, None)
    return found


# -- writers --------------------------------------------------------------------------------------


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in record.items() if v is not None}


def write(path: Path, sections: dict[str, list[dict[str, Any]]], fmt: str | None = None) -> list[Path]:
    """Write records (dicts keyed by the section's fields); returns the files written."""
    chosen = fmt or (SUFFIXES.get(path.suffix.lower()) if path.suffix else "csv")
    if chosen not in FORMATS:
        raise LtsplanError(f"{path}: cannot tell the format; use .yaml, .json, .xlsx, or a directory for CSV")
    if chosen == "yaml":
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {s: [_plain(r) for r in records] for s, records in sections.items() if records}
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100), "utf-8")
        return [path]
    if chosen == "json":
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {s: [_plain(r) for r in records] for s, records in sections.items() if records}
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        return [path]
    if chosen == "xlsx":
        import openpyxl

        path.parent.mkdir(parents=True, exist_ok=True)
        workbook = openpyxl.Workbook(write_only=True)
        for section, records in sections.items():
            sheet = workbook.create_sheet(section)
            names = [f.name for f in SECTIONS[section]]
            sheet.append(names)
            for record in records:
                sheet.append([written_cell(record.get(n)) for n in names])
        workbook.save(path)
        return [path]
    directory = path.with_suffix("") if path.suffix.lower() == ".csv" else path
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for section, records in sections.items():
        if not records:
            continue
        target = directory / f"{section}.csv"
        names = [f.name for f in SECTIONS[section]]
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(names)
            for record in records:
                writer.writerow(
                    [
                        ""
                        if record.get(n) is None
                        else written_cell(record[n].isoformat() if isinstance(record[n], date) else record[n])
                        for n in names
                    ]
                )
        written.append(target)
    return written
