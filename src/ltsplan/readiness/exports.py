"""Exporting readiness records as known at a moment, in the readiness formats: importing the export
again changes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.readiness import formats
from ltsplan.readiness.data import requirements
from ltsplan.readiness.model import RECORDS, assessment, target
from ltsplan.store.db import Database
from ltsplan.store.time import live_rows

# Each section's records sorted by their natural key as files name it.
ORDER = {
    "elements": ("code",),
    "programmes": ("code",),
    "targets": ("element", "standard", "requirement"),
    "evaluations": ("code",),
    "assessments": ("element", "standard", "requirement", "assessed_on"),
    "overrides": ("element", "valid_from"),
    "capabilities": ("element", "assessed_on"),
    "findings": ("code",),
    "actions": ("code",),
    "milestones": ("code",),
    "milestone_targets": ("milestone", "element", "standard", "requirement"),
}


def export_sections(connection: Connection, moment: datetime | None) -> dict[str, list[dict[str, Any]]]:
    """Every live record, as known at ``moment``, in file form, by section."""
    lookup = {
        "requirement": {r["id"]: r for r in requirements(connection, moment).to_dicts()},
        "assessment": {r["id"]: r for r in live_rows(connection, assessment, moment)},
        "target": {r["id"]: r for r in live_rows(connection, target, moment)},
    }
    out: dict[str, list[dict[str, Any]]] = {}
    for record in RECORDS:
        section = record.section or record.name
        rows = [record.file_row(r, lookup) for r in live_rows(connection, record.table, moment)]
        keys = ORDER[section]
        out[section] = sorted(rows, key=lambda r: tuple(str(r.get(k) or "") for k in keys))
    return out


def export_path(
    database: Database, path: Path, *, fmt: str | None = None, moment: datetime | None = None
) -> tuple[int, list[Path]]:
    with database.reading() as connection:
        sections = export_sections(connection, moment)
    written = formats.write(path, sections, fmt)
    return sum(len(v) for v in sections.values()), written
