"""Writing readiness records: files, request bodies, the demo and the command line's overrides and
capability judgements, all through the one write path (``records.writing``): each record's fields,
then every reference against the records given with it and the store (``rules.cross_check``), then
the versioned write and its ``import_run`` row — everything or nothing, unless ``skip_invalid``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import Problem
from ltsplan.readiness.data import programmes, requirements
from ltsplan.readiness.formats import SECTIONS
from ltsplan.readiness.model import (
    assessment,
    evaluation,
    evaluation_programme,
    finding,
    force_element,
    milestone,
    target,
)
from ltsplan.readiness.rules import Known
from ltsplan.readiness.rules import cross_check as check_against
from ltsplan.records.sections import SectionsFile
from ltsplan.records.writing import SectionsWriter, Written
from ltsplan.store.db import Database
from ltsplan.store.time import live_frame, live_values, utcnow


def known(connection: Connection) -> Known:
    """What the store holds now that records may refer to."""
    elements = live_frame(connection, force_element, None).select("code", "parent_code")
    return Known(
        elements=dict(elements.iter_rows()),
        requirements={r["id"]: r for r in requirements(connection, None).to_dicts()},
        programmes=programmes(live_frame(connection, evaluation_programme, None)),
        evaluations=live_values(connection, evaluation, "code"),
        assessments=live_values(connection, assessment, "id"),
        targets=live_values(connection, target, "id"),
        findings=live_values(connection, finding, "code"),
        milestones=live_values(connection, milestone, "code"),
    )


def cross_check(connection: Connection, found: SectionsFile) -> list[Problem]:
    return check_against(found, known(connection))


WRITER = SectionsWriter(SECTIONS, cross_check)
write_records = WRITER.write_records


def import_path(database: Database, path: Path, **options: Any) -> Written:
    """Read, check and write one file (or a directory of CSV files): everything or nothing, unless
    ``skip_invalid``."""
    return WRITER.import_files(database, [path], **options)


def record_override(
    database: Database, *, element: str, level: str, reason: str, by: str, valid_from: date
) -> dict[str, object]:
    """Store a commander's override beside the computed level (it never replaces it)."""
    values = {"element": element, "level": level, "reason": reason, "by": by, "valid_from": valid_from}
    with database.transaction() as connection:
        write_records(connection, {"overrides": [values]}, recorded_at=utcnow(), origin="command line")
    return values


def record_capability(
    database: Database, *, element: str, capability: str, by: str, assessed_on: date, reason: str | None
) -> dict[str, object]:
    """Store a judgement of whether an element can do its assigned mission."""
    values = {
        "element": element,
        "capability": capability,
        "by": by,
        "assessed_on": assessed_on,
        "reason": reason,
    }
    with database.transaction() as connection:
        write_records(connection, {"capabilities": [values]}, recorded_at=utcnow(), origin="command line")
    return values
