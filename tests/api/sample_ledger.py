"""A small ledger written through the ledger's own write path; the tests compute every expected
figure from ``ENTRIES`` below (nothing is copied from the app's answers)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from ltsplan.ledger.model import LedgerBatch, conform
from ltsplan.ledger.writes import write_batch
from ltsplan.provenance.model import Source
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id

EARLY = datetime(2023, 1, 10)  # what was known in early 2023
LATE = datetime(2024, 1, 10)  # what was learned later

GOVERNMENT = Source(
    kind="official document",
    title="Announcement of support packages",
    publisher="Federal Government",
    url="https://example.org/packages",
    published=date(2023, 1, 5),
    reliability="A",
    credibility=2,
)
NEWSPAPER = Source(
    kind="news report",
    title="Allies pledge more",
    publisher="Daily Example",
    published=date(2023, 12, 20),
    reliability="C",
    credibility=3,
)

# An entry in the API's JSON form, with its source: one the sample ledger does not hold.
NEW_ENTRY = {
    "dataset": "api-test",
    "reference": "N-1",
    "kind": "commitment",
    "stage": "committed",
    "donor": "NLD",
    "category": "military",
    "event_date": "2023-04-01",
    "amount": 25000000,
    "currency": "EUR",
    "source": {
        "kind": "statement",
        "title": "Minister's statement",
        "publisher": "Ministry of Defence",
        "published": "2023-04-01",
        "reliability": "B",
        "credibility": 2,
    },
}

# (reference, kind, stage, donor, category, event_date, eur amount, source, known from, description)
ENTRIES = [
    (
        "D-1",
        "commitment",
        "committed",
        "DEU",
        "military",
        date(2022, 9, 1),
        100.0e6,
        GOVERNMENT,
        EARLY,
        "tanks",
    ),
    (
        "D-2",
        "commitment",
        "allocated",
        "DEU",
        "financial",
        date(2022, 11, 1),
        60.0e6,
        GOVERNMENT,
        EARLY,
        "budget",
    ),
    (
        "D-3",
        "delivery",
        "delivered",
        "DEU",
        "military",
        date(2023, 3, 1),
        40.0e6,
        GOVERNMENT,
        LATE,
        "first batch",
    ),
    (
        "F-1",
        "commitment",
        "committed",
        "FRA",
        "military",
        date(2022, 10, 1),
        80.0e6,
        NEWSPAPER,
        LATE,
        "=cmd()",
    ),
    (
        "F-2",
        "commitment",
        "announced",
        "FRA",
        "humanitarian",
        date(2023, 2, 1),
        30.0e6,
        NEWSPAPER,
        LATE,
        "aid",
    ),
    (
        "P-1",
        "commitment",
        "allocated",
        "POL",
        "military",
        date(2022, 4, 1),
        50.0e6,
        GOVERNMENT,
        EARLY,
        "+SUM(A1)",
    ),
]


def entry_id(reference: str) -> str:
    return record_id("test", reference)


def entries_frame() -> pl.DataFrame:
    rows = []
    for line, (ref, kind, stage, donor, category, when, amount, source, known, text) in enumerate(ENTRIES, 2):
        rows.append(
            {
                "id": entry_id(ref),
                "dataset": "test",
                "reference": ref,
                "kind": kind,
                "stage": stage,
                "donor": donor,
                "recipient": "UKR",
                "category": category,
                "event_date": when,
                "amount": amount,
                "currency": "EUR",
                "value_date": when,
                "description": text,
                "commitment_id": entry_id("D-1") if ref == "D-3" else None,
                "source_id": source.id,
                "recorded_at": known,
                "_line": line,
            }
        )
    return conform(pl.DataFrame(rows, infer_schema_length=None), keep_meta=True)


def load_ledger(database: Database) -> None:
    with database.transaction() as connection:
        write_batch(
            connection,
            LedgerBatch(entries=entries_frame(), sources=[GOVERNMENT, NEWSPAPER]),
            recorded_at=LATE,
        )


def expected(measure: str, *, donor: str | None = None, known_by: datetime | None = None) -> float:
    """A measure summed straight from ENTRIES, by the rule docs/ledger.md states."""
    stages = {
        "pledged": ("committed", "allocated", "delivered"),
        "allocated": ("allocated", "delivered"),
        "announced": ("announced",),
    }
    total = 0.0
    for _, kind, stage, who, _, _, amount, _, known, _ in ENTRIES:
        if (donor and who != donor) or (known_by and known > known_by):
            continue
        if (measure == "delivered" and kind == "delivery") or (
            measure != "delivered" and kind == "commitment" and stage in stages[measure]
        ):
            total += amount
    return total
