"""Exporting support packages, or one plan, as known at a moment, in the planner's formats:
importing an export of the packages again changes nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.planner import formats
from ltsplan.planner.model import PACKAGE_RECORDS, PLAN_RECORDS
from ltsplan.planner.plans import stored
from ltsplan.readiness.data import requirements
from ltsplan.store.db import Database
from ltsplan.store.time import live_rows

ORDER = {
    "packages": ("code",),
    "raises": ("package", "standard", "requirement"),
    "prerequisites": ("package", "requires"),
    "plans": ("code",),
    "assignments": ("element", "start", "package"),
    "milestones": ("due", "milestone"),
    "shortfalls": ("milestone", "element", "standard", "requirement"),
}


def export_sections(
    connection: Connection, moment: datetime | None, plan: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every live package record — or one plan's records — as known at ``moment``, in file form."""
    lookup = {"requirement": {r["id"]: r for r in requirements(connection, moment).to_dicts()}}
    out: dict[str, list[dict[str, Any]]] = {}
    if plan is not None:
        stored(connection, plan, moment)  # says so when there is no such plan
    for record in PLAN_RECORDS if plan is not None else PACKAGE_RECORDS:
        table = record.table
        where = (
            () if plan is None else ((table.c.code if record.name == "plan" else table.c.plan_code) == plan,)
        )
        rows = [record.file_row(r, lookup) for r in live_rows(connection, table, moment, *where)]
        section = record.section or record.name
        keys = ORDER[section]
        out[section] = sorted(rows, key=lambda r: tuple(str(r.get(k) or "") for k in keys))
    return out


def export_path(
    database: Database,
    path: Path,
    *,
    fmt: str | None = None,
    moment: datetime | None = None,
    plan: str | None = None,
) -> tuple[int, list[Path]]:
    with database.reading() as connection:
        sections = export_sections(connection, moment, plan)
    written = formats.write(path, sections, fmt, of=formats.PLANS if plan is not None else formats.PACKAGES)
    return sum(len(v) for v in sections.values()), written
