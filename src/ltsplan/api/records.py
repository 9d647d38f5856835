"""Recording and revising standards, readiness and pathway/objectives records over HTTP.

A request body has the shape of the domain's JSON file format (sections → lists of records; for the
pathway and objectives, the scenario document). It takes the same way into the store as a file: the
one write path of its records (``records.writing``: each record's fields, the rules across records
against what is stored, the versioned write, an ``import_run`` row), in one transaction: every
problem is listed (422, each with its field and the record's position in the body) and nothing is
written. The body's schema in the OpenAPI description is derived from the record declarations.

``revise=True`` (PUT) also requires every record to exist already: a PUT makes a new version of a
record, it does not create one.

One record kind at a time (``POST /api/pathway/positions``, ``/decisions``, ``/outcomes``,
``/conditions``, ``/condition-statuses``, ``/api/objectives/assessments``, ``/statements``): a body is
one record in its file form, or a list of them, each with its ``sources`` — ids of stored sources,
``{source: ID, quote}``, or a new source given whole — written the same way (``pathway.recording``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from ltsplan.api.bodies import BODY, JsonBody
from ltsplan.pathway import recording
from ltsplan.pathway.imports import write_body
from ltsplan.pathway.scenario import PARTS
from ltsplan.provenance.model import ACTOR, SOURCE
from ltsplan.readiness import imports as readiness
from ltsplan.readiness.formats import SECTIONS as READINESS
from ltsplan.records.schemas import document_schema, record_schema
from ltsplan.records.writing import SectionsWriter, Written
from ltsplan.standards import imports as standards
from ltsplan.standards.formats import SECTIONS as STANDARDS
from ltsplan.store.db import Database
from ltsplan.store.time import utcnow
from ltsplan.views.deps import DatabaseDep


class Counts(BaseModel):
    inserted: int
    revised: int
    unchanged: int


class RecordsWritten(BaseModel):
    """What one write did, per section, and when it was recorded (use it as ``as_of``)."""

    recorded_at: datetime
    written: dict[str, Counts]


def _answer(written: Written) -> RecordsWritten:
    return RecordsWritten(
        recorded_at=written.recorded_at,
        written={
            name: Counts(inserted=r.inserted, revised=r.revised, unchanged=r.unchanged)
            for name, r in written.results.items()
        },
    )


def write_sections(
    writer: SectionsWriter, document: Any, database: Database, *, revise: bool
) -> RecordsWritten:
    with database.transaction() as connection:
        written = writer.write_records(
            connection, document, recorded_at=utcnow(), origin=BODY, fmt="api", revise=revise
        )
    return _answer(written)


def write_scenario(database: Database, document: Any, *, revise: bool = False) -> RecordsWritten:
    with database.transaction() as connection:
        return _answer(write_body(connection, document, now=utcnow(), origin=BODY, revise=revise))


def _routes(
    router: APIRouter,
    path: str,
    noun: str,
    docs: str,
    schema: dict[str, Any],
    write: Callable[..., RecordsWritten],
) -> None:
    body = {"requestBody": {"content": {"application/json": {"schema": schema}}, "required": True}}

    @router.post(path, status_code=201, summary=f"Record {noun}", openapi_extra=body)
    def create(database: DatabaseDep, document: JsonBody) -> RecordsWritten:
        return write(database, document, revise=False)

    @router.put(path, summary=f"Revise {noun}", openapi_extra=body)
    def revise(database: DatabaseDep, document: JsonBody) -> RecordsWritten:
        return write(database, document, revise=True)

    create.__doc__ = (
        f"{docs} Read and checked as an import of the same file; every problem is listed (422) and "
        "nothing is written. Records are keyed naturally, so posting the same body twice records it once."
    )
    revise.__doc__ = (
        "A new version of each record (same natural key), the old kept in its history; every record "
        "must exist already (else 422, nothing written)."
    )


standards_router = APIRouter(prefix="/api", tags=["standards"])
readiness_router = APIRouter(prefix="/api", tags=["readiness"])
pathway_router = APIRouter(prefix="/api", tags=["pathway"])
objectives_router = APIRouter(prefix="/api", tags=["objectives"])
ROUTERS = (standards_router, readiness_router, pathway_router, objectives_router)

_routes(
    standards_router,
    "/standards/records",
    "standards, requirements and adoption records",
    "The JSON standards format: `standards`, `requirements`, `adoption`, each a list of records (docs/standards.md).",
    document_schema(STANDARDS.records),
    lambda database, document, revise: write_sections(standards.WRITER, document, database, revise=revise),
)
_routes(
    readiness_router,
    "/readiness/records",
    "readiness records",
    "The JSON readiness format: `elements`, `targets`, `assessments`, `findings`, … each a list of records (docs/readiness.md).",
    document_schema(READINESS.records),
    lambda database, document, revise: write_sections(readiness.WRITER, document, database, revise=revise),
)
_routes(
    pathway_router,
    "/pathway/records",
    "pathway and objectives records",
    "A scenario document as JSON: `sources`, `actors`, `positions`, `objectives`, `assessments`, `statements`, … (docs/pathway.md).",
    document_schema(
        (SOURCE, ACTOR, *PARTS.values()),
        extra={"sources": {}, "recorded": {"type": "string", "format": "date"}},
    ),
    write_scenario,
)


class RecordWritten(RecordsWritten):
    """What recording did, and the id of each record and of each new source."""

    ids: list[str]
    new_sources: list[str]


_SOURCE_REF = {
    "anyOf": [
        {"type": "string", "description": "the id of a stored source"},
        {
            "type": "object",
            "properties": {"source": {"type": "string"}, "quote": {"type": "string"}},
            "required": ["source"],
            "description": "a stored source's id and the words the record rests on",
        },
        {
            **record_schema(SOURCE, {"quote": {"type": "string"}}),
            "description": "a new source, given whole (its grade: reliability A–F, credibility 1–6)",
        },
    ]
}


def _record_route(router: APIRouter, path: str, kind: str) -> None:
    record = recording.record_type(kind)
    one = record_schema(record, {"sources": {"type": "array", "items": _SOURCE_REF, "minItems": 1}})
    schema = {"anyOf": [one, {"type": "array", "items": one, "minItems": 1}]}
    body = {"requestBody": {"content": {"application/json": {"schema": schema}}, "required": True}}

    @router.post(path, status_code=201, summary=f"Record a {record.title}", openapi_extra=body)
    def create(database: DatabaseDep, document: JsonBody) -> RecordWritten:
        records = document if isinstance(document, list) else [document]
        with database.transaction() as connection:
            done = recording.record(connection, kind, records, now=utcnow(), origin=BODY, fmt="api")
        answer = _answer(done.written)
        return RecordWritten(**answer.model_dump(), ids=done.ids, new_sources=done.new_sources)

    create.__name__ = f"record_{kind.replace('-', '_')}"
    create.__doc__ = (
        f"One {record.title} (or a list) in its file form, each with its `sources`: stored source ids, "
        "`{source, quote}`, or a new source given whole. Checked as an import of the same records; every "
        "problem is listed (422, with the record and field) and nothing is written. Recording the same "
        "record again changes nothing; the same natural key with other values is a new version."
    )


for _router, _path, _kind in (
    (pathway_router, "/pathway/positions", "position"),
    (pathway_router, "/pathway/decisions", "decision"),
    (pathway_router, "/pathway/outcomes", "outcome"),
    (pathway_router, "/pathway/conditions", "condition"),
    (pathway_router, "/pathway/condition-statuses", "condition-status"),
    (objectives_router, "/objectives/assessments", "assessment"),
    (objectives_router, "/objectives/statements", "statement"),
):
    _record_route(_router, _path, _kind)
