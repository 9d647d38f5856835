"""Recording a source over HTTP, and one source with the records citing it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, Field

from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger.entries import source_with_citations
from ltsplan.provenance.model import Source
from ltsplan.provenance.records import source_problems, store_sources
from ltsplan.store.history import utcnow
from ltsplan.views.deps import AsOf, DatabaseDep, ReadingConnection

router = APIRouter(prefix="/api", tags=["sources"])


@router.get("/sources/{source_id}", summary="One source and the records citing it")
def get_source_endpoint(
    source_id: Annotated[str, Path()], connection: ReadingConnection, moment: AsOf
) -> dict[str, Any]:
    return source_with_citations(connection, source_id, moment)


class SourceIn(BaseModel):
    """A source as a person records it; its id comes from title, publisher, url and date."""

    kind: str = Field(
        description="official document, dataset release, news report, opinion, statement or assessment"
    )
    title: str = Field(min_length=1)
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    attribution: str = "on the record"
    reliability: str = Field("F", description="Admiralty reliability A–F")
    credibility: int = Field(6, description="Admiralty credibility 1–6")
    note: str | None = None

    def to_source(self) -> Source:
        return Source(**self.model_dump())


class SourceWritten(BaseModel):
    id: str
    inserted: int
    unchanged: int
    recorded_at: datetime


@router.post("/sources", status_code=201, summary="Record a source")
def create_source(database: DatabaseDep, body: Annotated[SourceIn, Body()]) -> SourceWritten:
    """Every problem with the source is listed (422) and nothing is written; recording the same
    source twice changes nothing."""
    made = body.to_source()
    problems = source_problems([made], "request body")
    if problems:
        raise InvalidInput([Problem(p.message, field=p.field) for p in problems])
    recorded_at = utcnow()
    with database.transaction() as connection:
        result = store_sources(connection, [made], recorded_at=recorded_at)
    return SourceWritten(
        id=made.id,
        inserted=result.inserted + result.revised,
        unchanged=result.unchanged,
        recorded_at=recorded_at,
    )
