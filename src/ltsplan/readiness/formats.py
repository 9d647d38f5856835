"""The readiness formats: YAML, JSON, CSV and XLSX files of the sections ``elements``,
``programmes``, ``targets``, ``evaluations``, ``assessments``, ``overrides``, ``capabilities``,
``findings``, ``actions``, ``milestones`` and ``milestone_targets``, with the fields the record
types declare (``model.py``).

Read and written by the shared sections format (``records.sections``): YAML and JSON hold every
section in one document; XLSX one sheet per section; CSV one section per file, told by its header,
and a directory of CSV files is read as one import (an export to CSV writes one file per section
into a directory).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ltsplan.readiness.model import RECORDS
from ltsplan.readiness.rules import expiry_problems, programme_problems, target_problems
from ltsplan.records import sections
from ltsplan.records.sections import FORMATS, Sections, SectionsFile, guess_format

SECTIONS = Sections(
    "readiness",
    RECORDS,
    checks={
        "programmes": programme_problems,
        "targets": target_problems,
        "evaluations": expiry_problems("held_on"),
        "assessments": expiry_problems("assessed_on"),
    },
)


def read(path: Path, fmt: str | None = None) -> SectionsFile:
    """Every record of one file (or a directory of CSV files) and every problem in it."""
    return sections.read(path, SECTIONS, fmt)


def write(path: Path, data: Mapping[str, Sequence[Mapping[str, Any]]], fmt: str | None = None) -> list[Path]:
    """Write records in file form; a path without a suffix (or ending in .csv) is a directory of
    CSV files, one per section."""
    chosen = fmt or (guess_format(path) if path.suffix and path.suffix.lower() != ".csv" else "csv")
    target = path.with_suffix("") if chosen == "csv" and path.suffix.lower() == ".csv" else path
    return sections.write(target, SECTIONS, {s: rows for s, rows in data.items() if rows}, chosen)


__all__ = ["FORMATS", "SECTIONS", "read", "write"]
