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
zip bombs before they are opened and read in openpyxl's read-only mode (``ltsplan.formats.xlsx``).
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
from ltsplan.formats.cells import neutralise_formula, unneutralise_formula
from ltsplan.standards.adoption import NationalAdoption
from ltsplan.standards.model import Requirement, Standard
from ltsplan.standards.rows import FIELDS, LEVEL_SEPARATOR, READERS, SECTIONS, Located, section_of_header

FORMATS = ("yaml", "json", "csv", "xlsx")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}

LINE_KEY = "__line__"


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
    return {"yaml": read_yaml, "json": read_json, "csv": read_csv, "xlsx": read_xlsx}[chosen](path)


# -- YAML and JSON --------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """The safe loader, noting the line each mapping starts on."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_yaml(path: Path) -> StandardsFile:
    name = str(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LineLoader)
    except UnicodeDecodeError:
        return StandardsFile(problems=[Problem("the file is not UTF-8 text", file=name)])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return StandardsFile(
            problems=[Problem(f"not valid YAML: {getattr(error, 'problem', error)}", file=name, line=line)]
        )
    return _read_document(document, name)


def read_json(path: Path) -> StandardsFile:
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return StandardsFile(problems=[Problem("the file is not UTF-8 text", file=name)])
    except json.JSONDecodeError as error:
        return StandardsFile(problems=[Problem(f"not valid JSON: {error.msg}", file=name, line=error.lineno)])
    return _read_document(document, name)


def _read_document(document: Any, name: str) -> StandardsFile:
    found = StandardsFile()
    if not isinstance(document, dict):
        found.problems.append(Problem(f"expected a mapping with the keys {', '.join(SECTIONS)}", file=name))
        return found
    top_line = document.pop(LINE_KEY, None)
    for key, records in document.items():
        if key not in SECTIONS:
            found.problems.append(
                Problem(f"unknown section '{key}'; use {', '.join(SECTIONS)}", file=name, line=top_line)
            )
            continue
        if not isinstance(records, list):
            found.problems.append(Problem(f"'{key}' must be a list of records", file=name, line=top_line))
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
            # JSON has no line numbers to give: the record's position in its list names it instead.
            found.add(key, raw, name, line, None if line is not None else f"{key}[{index}]")
    return found


# -- CSV ------------------------------------------------------------------------------------------


def read_csv(path: Path) -> StandardsFile:
    name = str(path)
    found = StandardsFile()
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                found.problems.append(Problem("the file is empty", file=name))
                return found
            header = [h.strip() for h in header]
            section = section_of_header(header)
            if section is None:
                found.problems.append(
                    Problem(
                        "cannot tell which section this CSV holds: its header needs 'title' (standards), "
                        "'code' and 'measure' (requirements) or 'country' (adoption)",
                        file=name,
                        line=1,
                    )
                )
                return found
            for cells in reader:
                line = reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if len(cells) > len(header):
                    found.problems.append(
                        Problem(f"{len(cells)} cells but the header has {len(header)}", file=name, line=line)
                    )
                    continue
                raw = {h: unneutralise_formula(c) for h, c in zip(header, cells, strict=False) if h}
                found.add(section, raw, name, line, None)
    except UnicodeDecodeError:
        found.problems.append(Problem("the file is not UTF-8 text", file=name))
    except csv.Error as error:
        found.problems.append(Problem(f"not valid CSV: {error}", file=name))
    return found


# -- XLSX -----------------------------------------------------------------------------------------


def read_xlsx(path: Path) -> StandardsFile:
    found = StandardsFile()
    for section, where, number, raw in xlsx.section_rows(path, SECTIONS, found.problems):
        found.add(section, raw, where, number, None)
    return found


# -- writers --------------------------------------------------------------------------------------


def _flat(value: Any) -> Any:
    """A value as one cell: lists of levels joined, booleans as true/false, formulas neutralised."""
    if isinstance(value, list):
        return neutralise_formula(LEVEL_SEPARATOR.join(str(v) for v in value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise_formula(value)


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
