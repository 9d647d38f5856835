"""Sources: the list, one source with every record that cites it, and recording a new one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Body, Path
from pydantic import BaseModel, Field
from sqlalchemy import Connection, func, select

from ltsplan.api.deps import AsOf, DatabaseDep, ReadingConnection
from ltsplan.api.listing import ListQuery, Page
from ltsplan.api.sql_lists import page_from_table
from ltsplan.api.views import LinkContext, ListViews
from ltsplan.errors import InvalidInput, Problem
from ltsplan.provenance.model import CREDIBILITY, RELIABILITY, Source
from ltsplan.services.provenance import get_source, source_problems, store_sources
from ltsplan.store.history import live_at, utcnow
from ltsplan.store.tables import evidence, ledger_entry, source

views = ListViews("sources")

SOURCE_COLUMNS = [
    "id",
    "kind",
    "title",
    "publisher",
    "url",
    "published",
    "attribution",
    "reliability",
    "credibility",
    "note",
    "recorded_at",
]


def source_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    link = context.href(f"/sources/{row['id']}")
    return {"id": link, "title": link}


@views.list("/sources", title="Sources", row_links=source_links)
def sources(connection: Connection, moment: AsOf, *, query: ListQuery, everything: bool) -> Page:
    """Every source, graded on the Admiralty scale (reliability A–F, credibility 1–6)."""
    return page_from_table(
        connection,
        source,
        SOURCE_COLUMNS,
        [live_at(source, moment)],
        query,
        title="Sources",
        everything=everything,
        default_sort=[("published", True)],
        params={"as_of": moment},
    )


def source_with_citations(connection: Connection, source_id: str, moment: datetime | None) -> dict[str, Any]:
    """One source, what its grade means, and the records that cite it."""
    found = get_source(connection, source_id, moment)
    found["grade"] = f"{found['reliability']}{found['credibility']}"
    found["reliability_means"] = RELIABILITY.get(found["reliability"])
    found["credibility_means"] = CREDIBILITY.get(found["credibility"])
    ledger = connection.execute(
        select(
            func.count(),
            func.sum(ledger_entry.c.eur),
            func.min(ledger_entry.c.event_date),
            func.max(ledger_entry.c.event_date),
        ).where(ledger_entry.c.source_id == source_id, live_at(ledger_entry, moment))
    ).one()
    found["ledger_entries"] = {
        "count": int(ledger[0]),
        "eur": ledger[1],
        "first": ledger[2],
        "last": ledger[3],
    }
    found["evidence"] = [
        dict(r)
        for r in connection.execute(
            select(evidence.c.record_kind, evidence.c.record_id, evidence.c.quote).where(
                evidence.c.source_id == source_id, live_at(evidence, moment)
            )
        ).mappings()
    ]
    return found


@views.api.get("/sources/{source_id}", summary="One source and the records citing it")
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


@views.api.post("/sources", status_code=201, summary="Record a source")
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
