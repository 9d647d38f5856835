"""Recording and revising ledger entries over HTTP, and one entry with its sources."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, Field

from ltsplan.api.sources import SourceIn
from ltsplan.ledger import entries as ledger_queries
from ltsplan.ledger.model import LedgerBatch, conform
from ltsplan.ledger.writes import write_batch
from ltsplan.store.history import utcnow
from ltsplan.store.ids import record_id
from ltsplan.views.deps import AsOf, DatabaseDep, ReadingConnection

router = APIRouter(prefix="/api", tags=["ledger"])


@router.get("/ledger/entries/{entry_id}", summary="One ledger entry with its sources")
def get_entry(
    entry_id: Annotated[str, Path()], connection: ReadingConnection, moment: AsOf
) -> dict[str, Any]:
    return ledger_queries.entry(connection, entry_id, moment)


class EntryIn(BaseModel):
    """A ledger entry as a person writes it (docs/ledger.md); money is normalised on write."""

    dataset: str = Field("api", min_length=1, max_length=80)
    reference: str = Field(
        min_length=1, description="The entry's reference in its dataset (its natural key)."
    )
    kind: str = Field(description="commitment or delivery")
    stage: str = Field(description="announced, committed, allocated or delivered")
    donor: str = Field(min_length=1, max_length=64)
    recipient: str | None = Field(None, max_length=64)
    category: str
    subtype: str | None = None
    event_date: date
    period_start: date | None = None
    period_end: date | None = None
    amount: float | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    value_date: date | None = Field(
        None, description="The date the amount's value refers to; the event date when omitted."
    )
    item: str | None = None
    quantity: float | None = None
    description: str | None = None
    commitment_id: str | None = None
    source_id: str | None = Field(None, description="An existing source's id; or give `source`.")
    source: SourceIn | None = Field(None, description="A new source to record with the entry.")
    note: str | None = None


class EntryWritten(BaseModel):
    id: str
    inserted: int
    revised: int
    unchanged: int
    recorded_at: datetime


def _write(database: Any, entry_id: str, body: EntryIn) -> EntryWritten:
    values = body.model_dump(exclude={"source"})
    sources = []
    if body.source is not None:
        made = body.source.to_source()
        sources.append(made)
        values["source_id"] = values["source_id"] or made.id
    values["id"] = entry_id
    values["value_date"] = values["value_date"] or values["event_date"]
    values["_line"] = 1
    frame = conform(pl.DataFrame([values], infer_schema_length=None), keep_meta=True)
    recorded_at = utcnow()
    with database.transaction() as connection:
        summary = write_batch(
            connection,
            LedgerBatch(entries=frame, sources=sources),
            recorded_at=recorded_at,
            file="request body",
        )
    e = summary.entries
    return EntryWritten(
        id=entry_id, inserted=e.inserted, revised=e.revised, unchanged=e.unchanged, recorded_at=recorded_at
    )


@router.post("/ledger/entries", status_code=201, summary="Record a ledger entry (and its source)")
def create_entry(database: DatabaseDep, body: Annotated[EntryIn, Body()]) -> EntryWritten:
    """The entry's id comes from its dataset and reference, so posting the same entry twice
    records it once; every problem is listed (422) and nothing is written."""
    return _write(database, record_id(body.dataset, body.reference), body)


@router.put("/ledger/entries/{entry_id}", summary="Revise a ledger entry")
def revise_entry(
    database: DatabaseDep,
    connection: ReadingConnection,
    entry_id: Annotated[str, Path()],
    body: Annotated[EntryIn, Body()],
) -> EntryWritten:
    """A new version replaces the live one (the old stays in the entry's history)."""
    ledger_queries.entry(connection, entry_id, None)
    return _write(database, entry_id, body)
