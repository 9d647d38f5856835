"""Recording a source over HTTP, and one source with the records citing it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from ltsplan.api.bodies import BODY, JsonBody
from ltsplan.errors import InvalidInput
from ltsplan.ledger.entries import source_with_citations
from ltsplan.provenance.imports import store_sources
from ltsplan.provenance.model import SOURCE, Source, source_problems_of
from ltsplan.records.reading import read_record
from ltsplan.records.schemas import record_schema
from ltsplan.records.writing import Written, log_run
from ltsplan.store.time import utcnow
from ltsplan.views.deps import AsOf, DatabaseDep, ReadingConnection

router = APIRouter(prefix="/api", tags=["sources"])
SOURCE_BODY = {
    "requestBody": {"content": {"application/json": {"schema": record_schema(SOURCE)}}, "required": True}
}


@router.get("/sources/{source_id}", summary="One source and the records citing it")
def get_source_endpoint(
    source_id: Annotated[str, Path()], connection: ReadingConnection, moment: AsOf
) -> dict[str, Any]:
    return source_with_citations(connection, source_id, moment)


def read_source(body: Any, file: str = BODY) -> Source:
    """A source in its file form (a request body, an entry's ``source``), read by its declaration;
    every problem is listed."""
    if not isinstance(body, dict):
        raise InvalidInput([], f"the {file} must be an object of a source's fields")
    located, problems = read_record(SOURCE, body, file=file, check=source_problems_of)
    if problems:
        raise InvalidInput(problems, f"the {file} has {len(problems)} problem(s); nothing was written")
    return Source(**{f.name: located.values[f.name] for f in SOURCE.fields})


class SourceWritten(BaseModel):
    id: str
    inserted: int
    unchanged: int
    recorded_at: datetime


@router.post("/sources", status_code=201, summary="Record a source", openapi_extra=SOURCE_BODY)
def create_source(database: DatabaseDep, body: JsonBody) -> SourceWritten:
    """A source as a file gives it: kind, title, publisher, url (http or https), published, attribution,
    and its Admiralty grade (`grade: B2`, or `reliability` and `credibility`). Every problem with it is
    listed (422) and nothing is written; recording the same source twice changes nothing."""
    made = read_source(body)
    recorded_at = utcnow()
    with database.transaction() as connection:
        result = store_sources(connection, [made], recorded_at=recorded_at)
        log_run(
            connection, Written(recorded_at, {"sources": result}), origin=BODY, fmt="api", dataset="sources"
        )
    return SourceWritten(
        id=made.id,
        inserted=result.inserted + result.revised,
        unchanged=result.unchanged,
        recorded_at=recorded_at,
    )
