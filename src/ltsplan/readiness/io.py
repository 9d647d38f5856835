"""Reading and writing readiness files: YAML, JSON, CSV and XLSX, with the sections and fields of
``rows.SECTIONS``.

- YAML and JSON: one mapping whose keys are sections (``elements``, ``targets``, ``assessments``,
  ``findings``, …), each a list of records.
- XLSX: one sheet per section, named after it, a header row, then one record per row.
- CSV: one section per file, told by its header (``rows.SIGNATURES``); a directory of CSV files is
  read as one import (and an export to CSV writes one file per section into a directory).

Readers return every record they could read and every problem, located by file, line (row of a sheet)
and field. Workbooks are checked and read by ``ltsplan.formats.xlsx``; the YAML line-noting loader
is the standards catalogue's (``ltsplan.standards.io``), shared rather than copied.
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
from ltsplan.formats.cells import neutralise_formula, unneutralise_formula
from ltsplan.readiness.rows import SECTIONS, check_record, section_of_header
from ltsplan.standards.io import LINE_KEY, _LineLoader

FORMATS = ("yaml", "json", "csv", "xlsx")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx"}


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
    if chosen == "csv":
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        if not files:
            raise LtsplanError(f"{path}: the directory holds no .csv files")
        found = ReadinessFile()
        for file in files:
            _read_csv(file, found)
        return found
    reader = {"yaml": _read_yaml, "json": _read_json, "xlsx": _read_xlsx}[chosen]
    found = ReadinessFile()
    reader(path, found)
    return found


class _Loader(_LineLoader):
    """The standards' line-noting safe loader, leaving dates as text so that a bad one (2024-13-01)
    is reported at its record and field like any other bad value."""


def _date_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def _read_yaml(path: Path, found: ReadinessFile) -> None:
    name = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_Loader)
    except UnicodeDecodeError:
        found.problems.append(Problem("the file is not UTF-8 text", file=name))
        return
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        found.problems.append(
            Problem(
                f"not valid YAML: {getattr(error, 'problem', error)}",
                file=name,
                line=mark.line + 1 if mark is not None else None,
            )
        )
        return
    _read_document(document, name, found)


def _read_json(path: Path, found: ReadinessFile) -> None:
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        found.problems.append(Problem("the file is not UTF-8 text", file=name))
        return
    except json.JSONDecodeError as error:
        found.problems.append(Problem(f"not valid JSON: {error.msg}", file=name, line=error.lineno))
        return
    _read_document(document, name, found)


def _read_document(document: Any, name: str, found: ReadinessFile) -> None:
    if not isinstance(document, dict):
        found.problems.append(Problem(f"expected a mapping with the keys {', '.join(SECTIONS)}", file=name))
        return
    top = document.pop(LINE_KEY, None)
    for key, records in document.items():
        if key not in SECTIONS:
            found.problems.append(
                Problem(f"unknown section '{key}'; use {', '.join(SECTIONS)}", file=name, line=top)
            )
            continue
        if not isinstance(records, list):
            found.problems.append(Problem(f"'{key}' must be a list of records", file=name, line=top))
            continue
        for index, raw in enumerate(records, start=1):
            if not isinstance(raw, dict):
                found.problems.append(
                    Problem(
                        "a record must be a mapping of field to value", file=name, record=f"{key}[{index}]"
                    )
                )
                continue
            line = raw.pop(LINE_KEY, None)
            found.add(key, raw, name, line, None if line is not None else f"{key}[{index}]")


def _read_csv(path: Path, found: ReadinessFile) -> None:
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                found.problems.append(Problem("the file is empty", file=name))
                return
            header = [h.strip() for h in header]
            section = section_of_header(header)
            if section is None:
                found.problems.append(
                    Problem("cannot tell which section this CSV holds from its header", file=name, line=1)
                )
                return
            for cells in reader:
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    found.problems.append(
                        Problem(
                            f"{len(cells)} cells but the header has {len(header)}",
                            file=name,
                            line=reader.line_num,
                        )
                    )
                    continue
                raw = {h: unneutralise_formula(c) for h, c in zip(header, cells, strict=False) if h}
                found.add(section, raw, name, reader.line_num, None)
    except UnicodeDecodeError:
        found.problems.append(Problem("the file is not UTF-8 text", file=name))
    except csv.Error as error:
        found.problems.append(Problem(f"not valid CSV: {error}", file=name))


def _read_xlsx(path: Path, found: ReadinessFile) -> None:
    for section, where, number, raw in xlsx.section_rows(path, SECTIONS, found.problems):
        found.add(section, raw, where, number, None)


# -- writers --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_formula(value)


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
                sheet.append([_cell(record.get(n)) for n in names])
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
                        else _cell(record[n].isoformat() if isinstance(record[n], date) else record[n])
                        for n in names
                    ]
                )
        written.append(target)
    return written
