"""A small ledger for the ledger-core tests, written through the real write path.

``ROWS`` are the inputs; tests compute every expected figure from them (with the ECB table read
straight from the currencyconverter package), never from the app's own answers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
from currency_converter import CurrencyConverter, RateNotFoundError

from ltsplan.ledger.model import LedgerBatch
from ltsplan.ledger.writes import write_batch
from ltsplan.provenance.model import Source
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id

DATASET = "sample"
FIRST_KNOWN = datetime(2023, 3, 1, 12, 0)
SOURCE = Source(
    kind="official document",
    title="Support packages announced by allies",
    publisher="Example Ministry",
    url="https://example.org/support",
    published=date(2023, 2, 1),
    reliability="B",
    credibility=2,
)

# reference, kind, stage, donor, category, subtype, event_date, amount, currency, commitment reference
ROWS: list[tuple] = [
    ("C1", "commitment", "committed", "DEU", "military", "ammunition", date(2022, 3, 4), 100e6, "EUR", None),
    ("C2", "commitment", "allocated", "DEU", "financial", "grant", date(2022, 6, 11), 40e6, "EUR", None),
    ("C3", "commitment", "announced", "DEU", "military", "training", date(2023, 1, 20), 25e6, "EUR", None),
    (
        "C4",
        "commitment",
        "committed",
        "USA",
        "military",
        "weapons and equipment",
        date(2022, 4, 2),
        300e6,
        "USD",
        None,
    ),
    ("C5", "commitment", "delivered", "USA", "humanitarian", "cash", date(2023, 2, 14), 50e6, "USD", None),
    ("C6", "commitment", "committed", "POL", "military", "ammunition", date(2022, 5, 7), 200e6, "PLN", None),
    ("C7", "commitment", "committed", "POL", "humanitarian", "in kind", date(2022, 8, 3), 90e6, "UAH", None),
    ("D1", "delivery", "delivered", "DEU", "military", "ammunition", date(2022, 7, 2), 30e6, "EUR", "C1"),
    ("D2", "delivery", "delivered", "DEU", "military", "ammunition", date(2023, 1, 9), 50e6, "EUR", "C1"),
    ("D3", "delivery", "delivered", "DEU", "financial", "grant", date(2022, 9, 10), 40e6, "EUR", "C2"),
    (
        "D4",
        "delivery",
        "delivered",
        "USA",
        "military",
        "weapons and equipment",
        date(2022, 10, 1),
        120e6,
        "USD",
        "C4",
    ),
    ("D5", "delivery", "delivered", "POL", "military", "ammunition", date(2022, 12, 17), 80e6, "PLN", "C6"),
]
COLUMNS = [
    "reference",
    "kind",
    "stage",
    "donor",
    "category",
    "subtype",
    "event_date",
    "amount",
    "currency",
    "commitment_reference",
]


def entry_id(reference: str) -> str:
    return record_id(DATASET, reference)


def frame(rows: list[tuple]) -> pl.DataFrame:
    """Rows in the ledger's entry shape, ids from dataset and reference, value date = event date."""
    records = []
    for line, row in enumerate(rows, start=2):
        values = dict(zip(COLUMNS, row, strict=True))
        parent = values.pop("commitment_reference")
        values.update(
            id=entry_id(values["reference"]),
            dataset=DATASET,
            recipient="UKR",
            value_date=values["event_date"],
            commitment_id=entry_id(parent) if parent else None,
            source_id=SOURCE.id,
            _line=line,
        )
        records.append(values)
    return pl.DataFrame(records, infer_schema_length=None)


def load(database: Database, rows: list[tuple] = ROWS, recorded_at: datetime = FIRST_KNOWN) -> None:
    with database.transaction() as connection:
        write_batch(connection, LedgerBatch(entries=frame(rows), sources=[SOURCE]), recorded_at=recorded_at)


_CONVERTER = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def in_currency(amount: float, currency: str, on: date, target: str = "EUR") -> float | None:
    """The ECB reference rate of the value date, or of the last business day before it; None for a
    currency the ECB does not quote."""
    if currency not in _CONVERTER.currencies or target not in _CONVERTER.currencies:
        return None
    day = on
    for _ in range(10):
        try:
            return float(_CONVERTER.convert(amount, currency, target, date=day))
        except RateNotFoundError:
            day -= timedelta(days=1)
    raise AssertionError(f"no ECB rate near {on}")


def expected_frame(rows: list[tuple] = ROWS, target: str = "EUR") -> pl.DataFrame:
    """The inputs with their converted value and the four measures, computed here from first
    principles (docs/ledger.md: pledged = committed, allocated or delivered commitments …)."""
    records = []
    for row in rows:
        values = dict(zip(COLUMNS, row, strict=True))
        value = in_currency(values["amount"], values["currency"], values["event_date"], target)
        commitment = values["kind"] == "commitment"
        stage = values["stage"]
        records.append(
            {
                **values,
                "year": values["event_date"].year,
                "value": value,
                "announced": value if commitment and stage == "announced" and value is not None else 0.0,
                "pledged": value
                if commitment and stage in ("committed", "allocated", "delivered") and value is not None
                else 0.0,
                "allocated": value
                if commitment and stage in ("allocated", "delivered") and value is not None
                else 0.0,
                "delivered": value if values["kind"] == "delivery" and value is not None else 0.0,
                "converted": value is not None,
            }
        )
    return pl.DataFrame(records, infer_schema_length=None)
