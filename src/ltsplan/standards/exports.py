"""Exporting the catalogue and national adoption as known at a moment, in the standards formats:
importing the export again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import LtsplanError
from ltsplan.standards import formats
from ltsplan.standards.formats import SECTION_NAMES
from ltsplan.standards.model import ADOPTION, REQUIREMENT, STANDARD
from ltsplan.store.db import Database
from ltsplan.store.time import live_rows

ORDER = {
    "standards": ("designator",),
    "requirements": ("designator", "code"),
    "adoption": ("country", "designator"),
}


def stored_sections(
    connection: Connection, moment: datetime | None = None, sections: Sequence[str] = SECTION_NAMES
) -> dict[str, list[dict[str, Any]]]:
    """The catalogue and adoption as known at ``moment``, in file form, sorted by natural key."""
    standards = live_rows(connection, STANDARD.table, moment)
    lookup = {"standard": {s["id"]: s for s in standards}}
    found: dict[str, list[dict[str, Any]]] = {}
    for record in (STANDARD, REQUIREMENT, ADOPTION):
        section = record.section or record.name
        if section not in sections:
            continue
        rows = standards if record is STANDARD else live_rows(connection, record.table, moment)
        keys = ORDER[section]
        found[section] = sorted(
            (record.file_row(r, lookup) for r in rows), key=lambda r: tuple(str(r[k]) for k in keys)
        )
    return found


def export_files(
    database: Database,
    path: Path,
    *,
    fmt: str | None = None,
    sections: Sequence[str] = SECTION_NAMES,
    moment: datetime | None = None,
) -> dict[Path, int]:
    """Write the catalogue and adoption; returns each file written with its record count.

    YAML, JSON and XLSX hold every section in one file. CSV holds one: with one section ``path`` is
    written; with several, one file per section beside it, named ``<stem>.<section>.csv``.
    """
    unknown = [s for s in sections if s not in SECTION_NAMES]
    if unknown:
        raise LtsplanError(f"unknown section {', '.join(unknown)}; use {', '.join(SECTION_NAMES)}")
    with database.reading() as connection:
        data = stored_sections(connection, moment, sections)
    written = formats.write(path, data, fmt)
    if len(written) == 1:
        return {written[0]: sum(len(v) for v in data.values())}
    return {target: len(rows) for target, rows in zip(written, data.values(), strict=True)}
