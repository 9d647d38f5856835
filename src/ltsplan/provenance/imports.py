"""Writing sources, evidence and actors: every domain's write records them beside its own records,
through the same versioned write (one transaction with them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import Problem
from ltsplan.provenance.model import ACTOR, EVIDENCE, SOURCE, Source, actor_values
from ltsplan.store.history import WriteResult, write_versions

# A link from a record to a source: (record kind, record id, source id, quote).
Link = tuple[str, str, str, str | None]


def source_problems(sources: Iterable[Source], file: str | None = None) -> list[Problem]:
    return [
        Problem(message, file=file, field=field, record=s.title)
        for s in sources
        for field, message in s.problems()
    ]


def _write(
    connection: Connection, rows: dict[str, dict[str, Any]], table: Any, recorded_at: datetime
) -> WriteResult:
    if not rows:
        return WriteResult()
    return write_versions(connection, table.table, table.frame(rows.values()), recorded_at=recorded_at)


def store_sources(connection: Connection, sources: Iterable[Source], *, recorded_at: datetime) -> WriteResult:
    return _write(connection, {s.id: s.record() for s in sources}, SOURCE, recorded_at)


def actor_record(
    code: str, kind: str, name: str | None = None, source_id: str | None = None
) -> dict[str, Any]:
    """A row for the actor table; states are named from ISO 3166 when no name is given."""
    return ACTOR.row(actor_values(code, kind, name, source_id))


def store_actors(
    connection: Connection, records: Iterable[dict[str, Any]], *, recorded_at: datetime
) -> WriteResult:
    return _write(connection, {r["id"]: r for r in records}, ACTOR, recorded_at)


def store_evidence(connection: Connection, links: Iterable[Link], *, recorded_at: datetime) -> WriteResult:
    """Links from any record to its sources."""
    rows = {}
    for kind, rid, sid, quote in links:
        row = EVIDENCE.row({"record_kind": kind, "record_id": rid, "source_id": sid, "quote": quote})
        rows[row["id"]] = row
    return _write(connection, rows, EVIDENCE, recorded_at)
