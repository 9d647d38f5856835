"""Writing support packages — files, request bodies, the demo — through the one write path
(``records.writing``): each record's fields, then every reference against the records given with
it and the store (``rules.cross_check``), then the versioned write and its ``import_run`` row:
everything or nothing, unless ``skip_invalid``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import Problem
from ltsplan.ledger.model import ENTRY
from ltsplan.planner.formats import PACKAGES
from ltsplan.planner.model import package_prerequisite, support_package
from ltsplan.planner.rules import Known
from ltsplan.planner.rules import cross_check as check_against
from ltsplan.readiness.data import requirements
from ltsplan.records.sections import SectionsFile
from ltsplan.records.writing import SectionsWriter, Written
from ltsplan.store.db import Database
from ltsplan.store.time import live_rows, live_where


def known(connection: Connection, found: SectionsFile | None = None) -> Known:
    """What the store holds now that package records may name (the ledger commitments only as
    far as the records given name them)."""
    named = set()
    if found is not None:
        named = {
            i.given["commitment_id"] for i in found.found.get("packages", []) if i.given.get("commitment_id")
        }
    commitments = live_where(
        connection, ENTRY.table, "id", named, None, (ENTRY.table.c.id, ENTRY.table.c.kind)
    )
    return Known(
        packages={r["code"]: r for r in live_rows(connection, support_package, None)},
        requirements={r["id"]: r for r in requirements(connection, None).to_dicts()},
        prerequisites=[
            (r["package_code"], r["requires_code"]) for r in live_rows(connection, package_prerequisite, None)
        ],
        commitments={r["id"] for r in commitments if r["kind"] == "commitment"},
    )


def cross_check(connection: Connection, found: SectionsFile) -> list[Problem]:
    return check_against(found, known(connection, found))


WRITER = SectionsWriter(PACKAGES, cross_check)
write_records = WRITER.write_records


def import_path(database: Database, path: Path, **options: Any) -> Written:
    """Read, check and write one file (or a directory of CSV files): everything or nothing, unless
    ``skip_invalid``."""
    return WRITER.import_files(database, [path], **options)
