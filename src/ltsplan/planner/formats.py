"""The planner's formats: YAML, JSON, CSV and XLSX files of the sections ``packages``, ``raises``
and ``prerequisites`` (support packages), and of a plan's ``plans``, ``assignments``,
``milestones`` and ``shortfalls`` (its export), with the fields the record types declare
(``model.py``), read and written by the shared sections format (``records.sections``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ltsplan.planner.model import PACKAGE_RECORDS, PLAN_RECORDS
from ltsplan.planner.rules import package_problems, prerequisite_problems, raise_problems
from ltsplan.records import sections
from ltsplan.records.sections import FORMATS, Sections, SectionsFile, guess_format

PACKAGES = Sections(
    "support packages",
    PACKAGE_RECORDS,
    checks={"packages": package_problems, "raises": raise_problems, "prerequisites": prerequisite_problems},
)
PLANS = Sections("plans", PLAN_RECORDS)


def read(path: Path, fmt: str | None = None) -> SectionsFile:
    """Every package record of one file (or a directory of CSV files) and every problem in it."""
    return sections.read(path, PACKAGES, fmt)


def write(
    path: Path,
    data: Mapping[str, Sequence[Mapping[str, Any]]],
    fmt: str | None = None,
    of: Sections = PACKAGES,
) -> list[Path]:
    """Write records in file form; a path without a suffix (or ending in .csv) is a directory of
    CSV files, one per section."""
    chosen = fmt or (guess_format(path) if path.suffix and path.suffix.lower() != ".csv" else "csv")
    target = path.with_suffix("") if chosen == "csv" and path.suffix.lower() == ".csv" else path
    return sections.write(target, of, {s: rows for s, rows in data.items() if rows}, chosen)


__all__ = ["FORMATS", "PACKAGES", "PLANS", "read", "write"]
