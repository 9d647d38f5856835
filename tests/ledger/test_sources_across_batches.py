"""A write of many batches stores a source (and a dataset's declaration) once while its batches give
it unchanged; one that a later batch gives differently is revised, and revised back, as when each
batch is written alone."""

from __future__ import annotations

from dataclasses import replace

from ledger_sample import DATASET, FIRST_KNOWN, ROWS, SOURCE, frame
from sqlalchemy import select

from ltsplan.ledger.imports import write_batches
from ltsplan.ledger.model import LedgerBatch, ledger_dataset
from ltsplan.ledger.money import rates_for
from ltsplan.ledger.writes import prepare, write_batch
from ltsplan.provenance.model import source
from ltsplan.store.db import Database

B2, C3 = ("B", 2), ("C", 3)
PLEDGES, BOTH = ("commitments",), ("commitments", "deliveries")


def _batches(
    database: Database, grades: list[tuple[str, int]], reports: list[tuple[str, ...]] | None = None
) -> list:
    with database.reading() as connection:
        rates = rates_for(connection)
    return [
        prepare(
            LedgerBatch(
                entries=frame([ROWS[number]]),
                sources=[replace(SOURCE, reliability=reliability, credibility=credibility)],
                reports={DATASET: reports[number]} if reports else {},
            ),
            rates=rates,
            file=None,
        )
        for number, (reliability, credibility) in enumerate(grades)
    ]


def _versions(database: Database) -> list[tuple[str, int, bool]]:
    """The source's versions, oldest first: its grade, and whether it is the current one."""
    s = source.c
    with database.reading() as connection:
        rows = connection.execute(
            select(s.reliability, s.credibility, s.retracted_at.is_(None))
            .where(s.id == SOURCE.id)
            .order_by(s.row_id)
        )
        return [(r, c, bool(live)) for r, c, live in rows]


def test_a_source_every_batch_gives_unchanged_is_stored_once(db: Database) -> None:
    with db.transaction() as connection:
        write_batches(connection, _batches(db, [B2] * 4), origin="test", fmt="csv", recorded_at=FIRST_KNOWN)
    assert _versions(db) == [(*B2, True)]


def test_a_source_later_batches_give_differently_is_revised_as_when_each_is_written_alone(
    db: Database,
) -> None:
    grades = [B2, B2, C3, C3, B2, B2]
    with db.transaction() as connection:
        write_batches(connection, _batches(db, grades), origin="test", fmt="csv", recorded_at=FIRST_KNOWN)
    together = _versions(db)
    assert [(r, c) for r, c, _ in together] == [B2, C3, B2]
    assert [live for *_, live in together] == [False, False, True]

    # The same batches, each written on its own, with nothing remembered between them.
    with db.transaction() as connection:
        connection.execute(source.delete())
        for batch in _batches(db, grades):
            write_batch(connection, batch, recorded_at=FIRST_KNOWN)
    assert _versions(db) == together


def _declarations(database: Database) -> list[tuple[str, bool]]:
    d = ledger_dataset.c
    with database.reading() as connection:
        rows = connection.execute(
            select(d.reports, d.retracted_at.is_(None)).where(d.dataset == DATASET).order_by(d.row_id)
        )
        return [(reports, bool(live)) for reports, live in rows]


def test_a_declaration_later_batches_give_differently_is_revised_as_when_each_is_written_alone(
    db: Database,
) -> None:
    reports = [PLEDGES, PLEDGES, BOTH, BOTH, PLEDGES]
    batches = _batches(db, [B2] * len(reports), reports)
    with db.transaction() as connection:
        write_batches(connection, batches, origin="test", fmt="csv", recorded_at=FIRST_KNOWN)
    together = _declarations(db)
    assert [r for r, _ in together] == ["commitments", "commitments, deliveries", "commitments"]
    assert [live for _, live in together] == [False, False, True]

    with db.transaction() as connection:
        connection.execute(ledger_dataset.delete())
        for batch in _batches(db, [B2] * len(reports), reports):
            write_batch(connection, batch, recorded_at=FIRST_KNOWN)
    assert _declarations(db) == together
