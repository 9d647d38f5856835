"""Actors named by one import keep their name when a later import only mentions their code."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import select

from ltsplan.ledger.model import LedgerBatch
from ltsplan.ledger.writes import write_batch
from ltsplan.provenance.model import Source, actor
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id

SOURCE = Source(kind="dataset release", title="Actors test", reliability="B", credibility=2)


def _batch(reference: str, names: dict[str, tuple[str, str]]) -> LedgerBatch:
    frame = pl.DataFrame(
        {
            "id": [record_id("actors-test", reference)],
            "dataset": ["actors-test"],
            "kind": ["commitment"],
            "stage": ["committed"],
            "donor": ["EU"],
            "category": ["financial"],
            "event_date": [date(2023, 5, 1)],
            "amount": [1e6],
            "currency": ["EUR"],
            "value_date": [date(2023, 5, 1)],
            "source_id": [SOURCE.id],
            "_line": [2],
        }
    )
    return LedgerBatch(frame, [SOURCE], actor_names=names)


def _live_names(db: Database) -> list[str]:
    with db.reading() as connection:
        rows = connection.execute(
            select(actor.c.name).where(actor.c.code == "EU", actor.c.retracted_at.is_(None))
        )
        return [r[0] for r in rows]


def test_a_later_import_that_only_mentions_an_actor_keeps_its_name(db: Database) -> None:
    full_name = "European Union (Commission and Council)"
    with db.transaction() as connection:
        write_batch(
            connection, _batch("a", {"EU": ("organisation", full_name)}), recorded_at=datetime(2024, 1, 1)
        )
    with db.transaction() as connection:
        write_batch(connection, _batch("b", {}), recorded_at=datetime(2024, 2, 1))
    assert _live_names(db) == [full_name]


def test_an_actor_first_seen_without_a_name_is_created_under_its_code(db: Database) -> None:
    with db.transaction() as connection:
        write_batch(connection, _batch("a", {}), recorded_at=datetime(2024, 1, 1))
    assert _live_names(db) == ["EU"]
