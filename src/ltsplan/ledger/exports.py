"""Exporting the ledger in ltsplan's native formats: what was known at a moment (or now), written
so that importing it again reproduces it exactly (docs/formats.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, select

from ltsplan.ledger.formats import format_for, write_ledger
from ltsplan.ledger.formats.native_sources import SOURCE_FIELDS
from ltsplan.ledger.model import ENTRY_SCHEMA, NATIVE_COLUMNS, ledger_entry
from ltsplan.provenance.model import source
from ltsplan.store.db import Database
from ltsplan.store.time import live_at

CHUNK_ROWS = 100_000


def export_ledger(database: Database, path: Path, *, moment: datetime | None = None) -> int:
    """Write the ledger entries live at ``moment`` (now when None) with the sources they cite, as
    .csv, .xlsx or .json by the file's suffix; returns the number of entries written.

    The file appears whole or not at all: it is written beside the target and then renamed."""
    format_for(path)
    scratch = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        with database.reading() as connection:
            sources = cited_sources(connection, moment)
            count = write_ledger(scratch, entry_chunks(connection, moment), sources)
        os.replace(scratch, path)
    finally:
        scratch.unlink(missing_ok=True)
    return count


def entry_chunks(connection: Connection, moment: datetime | None) -> Iterator[pl.DataFrame]:
    """Live entries in a stable order (dataset, date, kind, id), a chunk at a time."""
    t = ledger_entry
    statement = (
        select(*(t.c[c] for c in NATIVE_COLUMNS))
        .where(live_at(t, moment))
        .order_by(t.c.dataset, t.c.event_date, t.c.kind, t.c.id)
    )
    schema = {c: ENTRY_SCHEMA[c] for c in NATIVE_COLUMNS}
    result = connection.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(statement)
    for rows in result.partitions():
        yield pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def cited_sources(connection: Connection, moment: datetime | None) -> pl.DataFrame:
    """The sources the live entries cite, as known at ``moment``; a source recorded after the entry
    that cites it (a back-dated entry) is given as it is known now."""
    t = ledger_entry
    cited = select(t.c.source_id).where(live_at(t, moment)).distinct().scalar_subquery()
    columns = (
        source.c.id,
        source.c.kind,
        source.c.title,
        source.c.publisher,
        source.c.url,
        source.c.published,
        source.c.attribution,
        source.c.reliability,
        source.c.credibility,
        source.c.note,
    )
    found = {
        r[0]: r
        for r in connection.execute(select(*columns).where(source.c.id.in_(cited), live_at(source, moment)))
    }
    if moment is not None:
        later = select(*columns).where(source.c.id.in_(cited), live_at(source, None))
        for r in connection.execute(later):
            found.setdefault(r[0], r)
    rows = [
        (sid, kind, title, publisher, url, published, attribution, f"{reliability}{credibility}", note)
        for sid, kind, title, publisher, url, published, attribution, reliability, credibility, note in (
            found[k] for k in sorted(found)
        )
    ]
    schema = dict.fromkeys(SOURCE_FIELDS, pl.Utf8) | {"date": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row")
