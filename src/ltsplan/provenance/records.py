"""Sources, evidence and actors: written through the same versioned write as everything else."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, RowMapping, Table, select

from ltsplan.errors import NotFound, Problem
from ltsplan.provenance.model import Source, state_name
from ltsplan.store.history import WriteResult, live_at, write_versions
from ltsplan.store.ids import record_id, version_hash
from ltsplan.store.tables import actor, evidence, source


def source_problems(sources: Iterable[Source], file: str | None = None) -> list[Problem]:
    return [
        Problem(message, file=file, field=field, record=s.title)
        for s in sources
        for field, message in s.problems()
    ]


def store_sources(connection: Connection, sources: Iterable[Source], *, recorded_at: datetime) -> WriteResult:
    unique = {s.id: s.record() for s in sources}
    if not unique:
        return WriteResult()
    frame = pl.DataFrame(list(unique.values()), infer_schema_length=None).with_columns(
        pl.col("published").cast(pl.Date)
    )
    return write_versions(connection, source, frame, recorded_at=recorded_at)


def _live_rows(connection: Connection, table: Table, column: str, values: Iterable[str]) -> list[RowMapping]:
    """The live rows whose ``column`` is one of ``values``, asked in chunks under SQLite's
    bound-parameter limit."""
    wanted = list(set(values))
    found: list[RowMapping] = []
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        statement = select(table).where(table.c.retracted_at.is_(None), table.c[column].in_(chunk))
        found.extend(connection.execute(statement).mappings())
    return found


def known_source_ids(connection: Connection, candidates: Iterable[str]) -> set[str]:
    return {row["id"] for row in _live_rows(connection, source, "id", candidates)}


def get_source(connection: Connection, source_id: str, moment: datetime | None = None) -> dict:
    row = (
        connection.execute(select(source).where(source.c.id == source_id, live_at(source, moment)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no source with id '{source_id}'")
    return dict(row)


def sources_by_id(connection: Connection, ids: Iterable[str]) -> dict[str, dict]:
    return {row["id"]: dict(row) for row in _live_rows(connection, source, "id", ids)}


def actor_record(code: str, kind: str, name: str | None = None, source_id: str | None = None) -> dict:
    """A row for the actor table; states are named from ISO 3166 when no name is given."""
    iso3 = code if kind == "state" else None
    name = name or (state_name(code) if kind == "state" else None) or code
    values = {"code": code, "kind": kind, "name": name, "iso3": iso3, "source_id": source_id}
    return {"id": record_id("actor", code), "version": version_hash(values.values()), **values}


def store_actors(connection: Connection, records: Iterable[dict], *, recorded_at: datetime) -> WriteResult:
    unique = {r["id"]: r for r in records}
    if not unique:
        return WriteResult()
    frame = pl.DataFrame(
        list(unique.values()),
        schema={
            "id": pl.Utf8,
            "version": pl.Utf8,
            "code": pl.Utf8,
            "kind": pl.Utf8,
            "name": pl.Utf8,
            "iso3": pl.Utf8,
            "source_id": pl.Utf8,
        },
    )
    return write_versions(connection, actor, frame, recorded_at=recorded_at)


def known_actor_codes(connection: Connection, codes: Iterable[str]) -> set[str]:
    """Which of these codes already name a live actor."""
    return {row["code"] for row in _live_rows(connection, actor, "code", codes)}


def actor_names(connection: Connection, moment: datetime | None = None) -> dict[str, str]:
    rows = connection.execute(select(actor.c.code, actor.c.name).where(live_at(actor, moment)))
    return {code: name for code, name in rows}


def store_evidence(
    connection: Connection,
    links: Iterable[tuple[str, str, str, str | None]],
    *,
    recorded_at: datetime,
) -> WriteResult:
    """Links (record kind, record id, source id, quote) from any record to its sources."""
    records = {}
    for kind, rid, sid, quote in links:
        values = {"record_kind": kind, "record_id": rid, "source_id": sid, "quote": quote}
        eid = record_id("evidence", kind, rid, sid)
        records[eid] = {"id": eid, "version": version_hash(values.values()), **values}
    if not records:
        return WriteResult()
    frame = pl.DataFrame(
        list(records.values()),
        schema={
            "id": pl.Utf8,
            "version": pl.Utf8,
            "record_kind": pl.Utf8,
            "record_id": pl.Utf8,
            "source_id": pl.Utf8,
            "quote": pl.Utf8,
        },
    )
    return write_versions(connection, evidence, frame, recorded_at=recorded_at)


def evidence_for(
    connection: Connection, record_kind: str, record_id_: str, moment: datetime | None = None
) -> list[dict]:
    """The sources behind one record, each with its grade and the quote that links them."""
    rows = connection.execute(
        select(evidence.c.quote, source)
        .join(source, source.c.id == evidence.c.source_id)
        .where(
            evidence.c.record_kind == record_kind,
            evidence.c.record_id == record_id_,
            live_at(evidence, moment),
            source.c.retracted_at.is_(None),
        )
    ).mappings()
    return [dict(r) for r in rows]
