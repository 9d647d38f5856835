"""Files of sections of records, the shape the standards and readiness formats share.

- YAML and JSON: one mapping whose keys are sections, each a list of records (mappings of field to
  value). ``load_document`` reads either; ``document_records`` walks the sections.
- CSV: one section per file, told by its header; ``csv_records`` reads the records with their lines.

Every function collects problems (file, line, record) instead of stopping at the first, and gives
each record the line it starts on (YAML, CSV) or, where a format has no lines to give (JSON), its
position in its list (``requirements[3]``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ltsplan.errors import Problem
from ltsplan.formats import csv_in, jsons, yaml_lines
from ltsplan.formats.cells import unneutralise_formula
from ltsplan.formats.text import BOM, utf8_problem


def load_document(path: Path, fmt: str) -> tuple[Any, list[Problem]]:
    """A YAML (``fmt="yaml"``, mappings noting their lines) or JSON document, or the problem that
    stops reading it."""
    if fmt == "yaml":
        return yaml_lines.load_file(path)
    name = str(path)
    problem = utf8_problem(data := path.read_bytes(), name)
    if problem is not None:
        return None, [problem]
    try:
        return jsons.loads(data.removeprefix(BOM).decode("utf-8")), []
    except jsons.NotJson as error:
        return None, [Problem(f"not valid JSON: {error.message}", file=name, line=error.line)]


def document_records(
    document: Any, sections: Sequence[str], file: str, problems: list[Problem]
) -> Iterator[tuple[str, dict[str, Any], int | None, str | None]]:
    """(section, record, line, position) for every record of a sections document. ``line`` is the
    line the record starts on when the document has lines, else ``None`` and ``position`` names it."""
    if not isinstance(document, dict):
        problems.append(Problem(f"expected a mapping with the keys {', '.join(sections)}", file=file))
        return
    top = getattr(document, "line", None)
    for key, records in document.items():
        if key not in sections:
            problems.append(
                Problem(f"unknown section '{key}'; use {', '.join(sections)}", file=file, line=top)
            )
            continue
        if not isinstance(records, list):
            problems.append(Problem(f"'{key}' must be a list of records", file=file, line=top))
            continue
        for index, raw in enumerate(records, start=1):
            if not isinstance(raw, dict):
                problems.append(
                    Problem(
                        "a record must be a mapping of field to value", file=file, record=f"{key}[{index}]"
                    )
                )
                continue
            line = getattr(raw, "line", None)
            yield key, raw, line, None if line is not None else f"{key}[{index}]"


def csv_records(
    path: Path,
    section_of_header: Callable[[list[str]], str | None],
    unknown_header: str,
    problems: list[Problem],
) -> Iterator[tuple[str, int, dict[str, Any]]]:
    """(section, line, header → cell) for every non-blank row of a CSV file with a header row, formula
    neutralising undone. The section is told by the header; a header that tells none is the problem
    ``unknown_header`` at line 1. A row with more cells than the header is a problem, not a record."""
    name = str(path)
    data = path.read_bytes().removeprefix(BOM)
    problem = utf8_problem(data, name)
    if problem is not None:
        problems.append(problem)
        return
    records = csv_in.csv_records(data.decode("utf-8"), name, problems)
    first = next(records, None)
    if first is None:
        problems.append(Problem("the file is empty", file=name))
        return
    header = [h.strip() for h in first[1]]
    section = section_of_header(header)
    if section is None:
        problems.append(Problem(unknown_header, file=name, line=1))
        return
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(
                Problem(f"{len(cells)} cells but the header has {len(header)}", file=name, line=line)
            )
            continue
        yield section, line, {h: unneutralise_formula(c) for h, c in zip(header, cells, strict=False) if h}
