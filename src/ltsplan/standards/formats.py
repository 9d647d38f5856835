"""Reading and writing the standards formats: YAML, JSON, CSV and XLSX.

Every format carries the same three sections, with the fields listed in ``rows.FIELDS``:

- YAML and JSON: one document, a mapping with any of the keys ``standards``, ``requirements`` and
  ``adoption``, each a list of records.
- XLSX: one workbook, one sheet per section (named ``standards``, ``requirements``, ``adoption``),
  a header row, then one record per row.
- CSV: one section per file; which one is told by its header (``country`` → adoption; ``code`` or
  ``measure`` → requirements; ``title`` → standards).

Readers never stop at the first problem: they return every record they could read and every problem
they found, each located by file, line (row of a sheet) and field. Workbooks are checked for
zip bombs before they are opened and read in openpyxl's read-only mode. The readers are the shared
ones of ``ltsplan.formats`` (``sections``, ``xlsx``), which YAML reads with timestamps kept as text,
so that a bad date is reported at its record and field.
Writers neutralise text cells that a spreadsheet would run as a formula; readers of CSV and XLSX
remove that neutralising apostrophe again, so export then import gives back the same values.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ltsplan.errors import LtsplanError, Problem
from ltsplan.formats import xlsx
from ltsplan.formats.cells import written_cell
from ltsplan.formats.sections import csv_records, document_records, load_document
from ltsplan.standards.adoption import NationalAdoption
from ltsplan.standards.model import Requirement, Standard
from ltsplan.standards.rows import FIELDS, LEVEL_SEPARATOR, READERS, SECTIONS, Located, section_of_header

FORMATS = ("yaml", "json", "csv", "xlsx")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}

UNKNOWN_CSV = (
    "cannot tell which section this CSV holds: its header needs 'title' (standards), "
    "'code' and 'measure' (requirements) or 'country' (adoption)"
)


@dataclass
class StandardsFile:
    """What a file held: the valid records of each section, and every problem found."""

    standards: list[Located[Standard]] = field(default_factory=list)
    requirements: list[Located[Requirement]] = field(default_factory=list)
    adoption: list[Located[NationalAdoption]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def add(
        self, section: str, raw: dict[str, Any], file: str, line: int | None, position: str | None
    ) -> None:
        item, problems = READERS[section](raw, file, line, position)
        self.problems.extend(problems)
        if item is not None:
            label = f"{position} {_label(item)}" if position else _label(item)
            getattr(self, section).append(Located(item, file, line, label))

    def extend(self, other: StandardsFile) -> None:
        self.standards.extend(other.standards)
        self.requirements.extend(other.requirements)
        self.adoption.extend(other.adoption)
        self.problems.extend(other.problems)

    @property
    def records(self) -> int:
        return len(self.standards) + len(self.requirements) + len(self.adoption)


def _label(item: Standard | Requirement | NationalAdoption) -> str:
    if isinstance(item, Standard):
        return item.designator
    if isinstance(item, Requirement):
        return f"{item.designator} {item.code}"
    return f"{item.country} {item.designator}"


def guess_format(path: Path) -> str:
    chosen = SUFFIXES.get(path.suffix.lower())
    if chosen is None:
        raise LtsplanError(
            f"{path}: cannot tell the format from the name; give --format (one of {', '.join(FORMATS)})"
        )
    return chosen


def read(path: Path, fmt: str | None = None) -> StandardsFile:
    """Read one file of any format; problems are returned, not raised (a missing file raises)."""
    if not path.exists():
        raise LtsplanError(f"{path}: no such file")
    if not path.is_file():
        raise LtsplanError(f"{path}: not a file")
    chosen = fmt or guess_format(path)
    if chosen not in FORMATS:
        raise LtsplanError(f"unknown format '{chosen}'; use one of {', '.join(FORMATS)}")
    found = StandardsFile()
    name = str(path)
    if chosen in ("yaml", "json"):
        document, found.problems = load_document(path, chosen)
        for section, raw, line, position in document_records(document, SECTIONS, name, found.problems):
            found.add(section, raw, name, line, position)
    elif chosen == "csv":
        for section, line, raw in csv_records(path, section_of_header, UNKNOWN_CSV, found.problems):
            found.add(section, raw, name, line, None)
    else:
        for section, where, line, raw in xlsx.section_rows(path, SECTIONS, found.problems):
            found.add(section, raw, where, line, None)
    return found


# -- writers --------------------------------------------------------------------------------------


def _flat(value: Any) -> Any:
    """A value as one cell: lists of levels joined, booleans as true/false, formulas neutralised."""
    if isinstance(value, list):
        return written_cell(LEVEL_SEPARATOR.join(str(v) for v in value))
    return written_cell(value)


def write(path: Path, sections: dict[str, list[dict[str, Any]]], fmt: str | None = None) -> None:
    """Write records in file form (``rows.*_fields``). CSV takes exactly one section."""
    chosen = fmt or guess_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if chosen == "yaml":
        text = yaml.safe_dump(
            {s: [_without_none(r) for r in records] for s, records in sections.items()},
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        path.write_text(text, encoding="utf-8")
    elif chosen == "json":
        document = {s: [_without_none(r) for r in records] for s, records in sections.items()}
        path.write_text(
            json.dumps(document, indent=2, ensure_ascii=False, default=_json_default) + "\n", encoding="utf-8"
        )
    elif chosen == "csv":
        if len(sections) != 1:
            raise LtsplanError(
                "a CSV file holds one section; write standards, requirements and adoption apart"
            )
        ((section, records),) = sections.items()
        _write_csv(path, section, records)
    elif chosen == "xlsx":
        _write_xlsx(path, sections)
    else:
        raise LtsplanError(f"unknown format '{chosen}'; use one of {', '.join(FORMATS)}")


def _without_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _cells(section: str, records: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    for record in records:
        yield [_flat(record.get(name)) for name in FIELDS[section]]


def _write_csv(path: Path, section: str, records: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(FIELDS[section])
        for cells in _cells(section, records):
            writer.writerow(["" if c is None else c.isoformat() if isinstance(c, date) else c for c in cells])


def _write_xlsx(path: Path, sections: dict[str, list[dict[str, Any]]]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for section, records in sections.items():
        sheet = workbook.create_sheet(section)
        sheet.append(list(FIELDS[section]))
        for cells in _cells(section, records):
            sheet.append(cells)
    workbook.save(path)
