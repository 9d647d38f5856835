"""Writing the standards, readiness and pathway/objectives records over HTTP.

A request body has the shape of the module's JSON file format (sections → lists of records; for the
pathway and objectives, the scenario document). It is read by the same readers and checked by the same
cross-checks as an import, and written by the same versioned write in one transaction: every problem
is listed (422, each with its field and the record's position in the body) and nothing is written.

``revise=True`` (PUT) also requires every record to exist already: a PUT makes a new version of a
record, it does not create one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel
from sqlalchemy import Connection, Table, select

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.sections import document_records
from ltsplan.pathway import imports as scenario
from ltsplan.pathway.formats import read_scenario
from ltsplan.readiness import formats as readiness_io
from ltsplan.readiness import imports as readiness_store
from ltsplan.readiness.rows import SECTIONS as READINESS_SECTIONS
from ltsplan.standards import formats as standards_io
from ltsplan.standards import imports as standards_service
from ltsplan.standards.rows import SECTIONS as STANDARDS_SECTIONS
from ltsplan.store.db import Database
from ltsplan.store.history import IN_CHUNK, WriteResult, utcnow
from ltsplan.store.pathway_tables import (
    body,
    condition,
    condition_status,
    decision,
    decision_outcome,
    membership,
    objective,
    objective_assessment,
    position,
    statement,
)
from ltsplan.store.standards_tables import national_adoption, requirement, standard
from ltsplan.views.deps import DatabaseDep

BODY = "request body"

standards_router = APIRouter(prefix="/api", tags=["standards"])
readiness_router = APIRouter(prefix="/api", tags=["readiness"])
pathway_router = APIRouter(prefix="/api", tags=["pathway"])
ROUTERS = (standards_router, readiness_router, pathway_router)


class Counts(BaseModel):
    inserted: int
    revised: int
    unchanged: int


class RecordsWritten(BaseModel):
    """What one write did, per section, and when it was recorded (use it as ``as_of``)."""

    recorded_at: datetime
    written: dict[str, Counts]


def _written(results: dict[str, WriteResult], recorded_at: datetime) -> RecordsWritten:
    return RecordsWritten(
        recorded_at=recorded_at,
        written={
            name: Counts(inserted=r.inserted, revised=r.revised, unchanged=r.unchanged)
            for name, r in results.items()
        },
    )


def live_ids(connection: Connection, table: Table, ids: Iterable[str]) -> set[str]:
    wanted = sorted(set(ids))
    found: set[str] = set()
    for start in range(0, len(wanted), IN_CHUNK):
        rows = connection.execute(
            select(table.c.id).where(
                table.c.retracted_at.is_(None), table.c.id.in_(wanted[start : start + IN_CHUNK])
            )
        )
        found.update(r[0] for r in rows)
    return found


NOT_THERE = "no such record to revise; create it with POST"


def _fail(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput(problems, f"the {BODY} has {len(problems)} problem(s); nothing was written")


# -- standards ------------------------------------------------------------------------------------

STANDARD_TABLES = {"standards": standard, "requirements": requirement, "adoption": national_adoption}


def write_standards(database: Database, document: Any, *, revise: bool = False) -> RecordsWritten:
    contents = standards_io.StandardsFile()
    for section, raw, line, place in document_records(document, STANDARDS_SECTIONS, BODY, contents.problems):
        contents.add(section, raw, BODY, line, place)
    recorded_at = utcnow()
    with database.transaction() as connection:
        problems = contents.problems + standards_service.check_references(connection, contents)
        if revise:
            for section, table in STANDARD_TABLES.items():
                located = getattr(contents, section)
                there = live_ids(connection, table, (x.item.id for x in located))
                problems += [x.problem(NOT_THERE) for x in located if x.item.id not in there]
        _fail(problems)
        result = standards_service.write_records(
            connection,
            standards=[x.item for x in contents.standards],
            requirements=[x.item for x in contents.requirements],
            adoption=[x.item for x in contents.adoption],
            recorded_at=recorded_at,
        )
    return _written(
        {"standards": result.standards, "requirements": result.requirements, "adoption": result.adoption},
        recorded_at,
    )


# -- readiness ------------------------------------------------------------------------------------


def write_readiness(database: Database, document: Any, *, revise: bool = False) -> RecordsWritten:
    found = readiness_io.ReadinessFile()
    for section, raw, line, place in document_records(
        document, list(READINESS_SECTIONS), BODY, found.problems
    ):
        found.add(section, raw, BODY, line, place)
    recorded_at = utcnow()
    with database.transaction() as connection:
        problems = list(found.problems)
        problems.extend(readiness_store.cross_check(found, readiness_store.known(connection)))
        if revise and not problems:
            for section, items in found.sections.items():
                table, build = readiness_store.BUILDERS[section]
                ids = [build(item.values)["id"] for item in items]
                there = live_ids(connection, table, ids)
                problems += [
                    Problem(NOT_THERE, file=item.file, line=item.line, record=item.label)
                    for item, rid in zip(items, ids, strict=True)
                    if rid not in there
                ]
        _fail(problems)
        results = readiness_store.write_sections(
            connection, {k: [i.values for i in v] for k, v in found.sections.items()}, recorded_at
        )
    return _written(results, recorded_at)


# -- pathway and objectives -----------------------------------------------------------------------

SCENARIO_TABLES = {
    "bodies": body,
    "memberships": membership,
    "decisions": decision,
    "outcomes": decision_outcome,
    "positions": position,
    "conditions": condition,
    "condition_statuses": condition_status,
    "objectives": objective,
    "assessments": objective_assessment,
    "statements": statement,
}


def write_scenario(database: Database, document: Any, *, revise: bool = False) -> RecordsWritten:
    # The scenario reader reads text (YAML, of which JSON is a part), so the body is given to it as
    # JSON text, one record per line: problems then carry the record's label and line in that text.
    text = json.dumps(document, ensure_ascii=False, indent=1, default=str)
    recorded_at = utcnow()
    with database.transaction() as connection:
        read = read_scenario(text, BODY, scenario.known_state(connection))
        problems = list(read.problems)
        if revise and not problems:
            for part, table in SCENARIO_TABLES.items():
                items = getattr(read, part)
                there = live_ids(connection, table, (item.id for item in items))
                for item in items:
                    if item.id not in there:
                        line, label = read.where.get(item.id, (None, part))
                        problems.append(Problem(NOT_THERE, file=BODY, line=line, record=label))
        _fail(problems)
        results = scenario.write_scenario(connection, read, now=recorded_at)
    return _written(results, recorded_at)


# -- routes -------------------------------------------------------------------------------------


@standards_router.post(
    "/standards/records", status_code=201, summary="Record standards, requirements and adoption records"
)
def create_standards_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """The JSON standards format: `standards`, `requirements`, `adoption`, each a list of records (docs/standards.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return write_standards(database, document)


@standards_router.put("/standards/records", summary="Revise standards, requirements and adoption records")
def revise_standards_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return write_standards(database, document, revise=True)


@readiness_router.post("/readiness/records", status_code=201, summary="Record readiness records")
def create_readiness_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """The JSON readiness format: `elements`, `targets`, `assessments`, `findings`, … each a list of records (docs/readiness.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return write_readiness(database, document)


@readiness_router.put("/readiness/records", summary="Revise readiness records")
def revise_readiness_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return write_readiness(database, document, revise=True)


@pathway_router.post("/pathway/records", status_code=201, summary="Record pathway and objectives records")
def create_pathway_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """A scenario document as JSON: `sources`, `actors`, `positions`, `objectives`, `assessments`, `statements`, … (docs/pathway.md). Read and checked as an import; every problem is listed (422) and nothing is written.
    Records are keyed naturally, so posting the same body twice records it once."""
    return write_scenario(database, document)


@pathway_router.put("/pathway/records", summary="Revise pathway and objectives records")
def revise_pathway_records(
    database: DatabaseDep, document: Annotated[dict[str, Any], Body()]
) -> RecordsWritten:
    """A new version of each record (same natural key), the old kept in its history; every record
    must exist already (else 422, nothing written)."""
    return write_scenario(database, document, revise=True)
