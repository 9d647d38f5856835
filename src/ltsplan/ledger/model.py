"""The ledger's vocabulary and the canonical shape of ledger entries (pure: no I/O).

Every importer (native CSV/XLSX/JSON, IATI, Kiel) turns its input into a frame of ``ENTRY_SCHEMA``;
one validation and one write path serve them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl
from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, String, Table

from ltsplan.errors import Problem
from ltsplan.provenance.model import Source
from ltsplan.records.fields import DATE, ID, INTEGER, NUMBER, Field, code_field, currency
from ltsplan.records.types import RecordType, id_field
from ltsplan.store.ids import record_id, version_expr
from ltsplan.store.schema import metadata

KINDS = ("commitment", "delivery")
STAGES = ("announced", "committed", "allocated", "delivered")
CATEGORIES: dict[str, tuple[str, ...]] = {
    "military": ("weapons and equipment", "ammunition", "training", "other"),
    "financial": ("grant", "loan", "guarantee", "other"),
    "humanitarian": ("in kind", "cash", "other"),
    # A figure its source does not split by category (the Kiel tracker's "to be allocated").
    "unspecified": (),
}

# Stages that count as a firm pledge, and as allocated, in the totals (see docs/ledger.md).
PLEDGED_STAGES = ("committed", "allocated", "delivered")
ALLOCATED_STAGES = ("allocated", "delivered")


def _entry_id(values: dict[str, object]) -> str:
    """An entry is named by its dataset and its reference there (ids given in a file are kept)."""
    return record_id(values.get("dataset"), values.get("reference"))


def _money(name: str) -> Field:
    """A normalised figure: derived from amount, currency and value date, never given in a file."""
    return Field(name, NUMBER, file="", versioned=False)


ENTRY = RecordType(
    "ledger_entry",
    (
        Field("dataset", required=True, size=80),
        Field("kind", required=True, size=16, choices=KINDS),
        Field("stage", required=True, size=16, choices=STAGES),
        code_field(
            "donor",
            required=True,
            missing="a donor is required (an ISO 3166 alpha-3 code such as DEU, or an actor code)",
        ),
        code_field("recipient"),
        Field("category", required=True, size=16, choices=tuple(CATEGORIES)),
        Field("subtype", size=32),
        Field("event_date", DATE, required=True, missing="a date is required (YYYY-MM-DD)"),
        Field("period_start", DATE),
        Field("period_end", DATE),
        Field(
            "schedule",
            size=1000,
            doc=(
                "a multi-year commitment's amount by year, in its own currency: YEAR:AMOUNT pairs "
                "separated by semicolons (2023:15000000000;2024:15000000000), within the period, "
                "adding up to the amount (ledger/phasing.py)"
            ),
        ),
        Field("amount", NUMBER),
        Field("currency", size=3, check=currency),
        Field("value_date", DATE),
        _money("eur"),
        _money("usd"),
        Field("item", free=True),
        Field("quantity", NUMBER),
        Field("description", free=True),
        id_field("commitment_id"),
        Field("reference", free=True),
        Field(
            "source_id",
            ID,
            required=True,
            size=32,
            missing="every ledger record needs a source: give source_id (or the source columns)",
        ),
        Field("note", free=True),
    ),
    key=("dataset", "reference"),
    title="ledger entry",
    section="entries",
    bulk=True,
    identify=_entry_id,
)
# No further indexes: each costs every inserted row about 2 µs on SQLite (an import of millions of
# rows), while totals read the maintained deltas below, a delivery finds its commitment through the
# live-id index, and a listing filtered by dataset or donor stops at its page size.

# Budgets and planned disbursements: forward-looking figures that are never counted as pledges or
# deliveries. A revised budget replaces the original for the same period (same record id, which
# the IATI reader makes from the activity, kind and period).
PLAN = RecordType(
    "ledger_plan",
    (
        Field("dataset", required=True, size=80),
        Field("kind", required=True, size=24),
        Field("status", size=16),
        code_field("donor", required=True),
        code_field("recipient"),
        Field("activity", free=True),
        Field("period_start", DATE, required=True),
        Field("period_end", DATE, required=True),
        Field("amount", NUMBER, required=True),
        Field("currency", size=3, check=currency),
        Field("value_date", DATE),
        _money("eur"),
        _money("usd"),
        id_field("source_id", required=True),
        Field("note", free=True),
    ),
    key=("dataset", "activity", "kind", "period_start", "period_end"),
    title="budget or planned disbursement",
)

GDP = RecordType(
    "gdp",
    (
        Field("country", required=True, size=3),
        Field("year", INTEGER, required=True),
        Field("usd", NUMBER, required=True),
        id_field("source_id", required=True),
    ),
    key=("country", "year"),
    title="GDP figure",
)

# What a dataset reports. The Kiel tracker gives commitments and allocations but no deliveries, so
# over its data fulfilment is "not reported", never 0 %; IATI reports commitments and
# disbursements. A dataset that declares nothing is taken to report every measure.
REPORTED_MEASURES = ("commitments", "allocations", "deliveries")


def _measures(value: Any) -> str | None:
    given = [part.strip().lower() for part in str(value).replace(";", ",").split(",") if part.strip()]
    unknown = [part for part in given if part not in REPORTED_MEASURES]
    if unknown or not given:
        return f"'{value}' is not a list of measures; name some of {', '.join(REPORTED_MEASURES)}"
    return None


DATASET = RecordType(
    "ledger_dataset",
    (
        Field("dataset", required=True, size=80),
        Field("reports", required=True, size=64, check=_measures, doc="measures, separated by commas"),
        Field("note", free=True),
    ),
    key=("dataset",),
    title="dataset",
)

RECORDS = (ENTRY, PLAN, GDP, DATASET)
ledger_entry, ledger_plan, gdp, ledger_dataset = ENTRY.table, PLAN.table, GDP.table, DATASET.table

# Aggregates maintained on write, for answers in milliseconds over millions of entries. A version's
# arrival adds its figures at its recorded_at; its retraction subtracts them at its retracted_at.
# Totals as of T are the sum of deltas with at <= T, today's totals the sum of all of them.
# Money is kept in whole cents: sums of whole numbers are exact in any order (as floats too, below
# 2^53 cents, €90 trillion), so figures that arrive and leave at different instants cancel to zero,
# never to a residue. ``eur_missing`` counts entries with an amount but no EUR figure; entries
# with no amount at all (quantities only) are counted apart, in ``no_amount``.
ledger_total_delta = Table(
    "ledger_total_delta",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("dataset", String(80), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("donor", String(64), nullable=False),
    Column("recipient", String(64)),
    Column("category", String(16), nullable=False),
    Column("subtype", String(32)),
    Column("currency", String(3)),  # only of amounts not converted: why they were not
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("eur_cents", BigInteger, nullable=False),
    Column("usd_cents", BigInteger, nullable=False),
    Column("eur_missing", Integer, nullable=False),
    Column("usd_missing", Integer, nullable=False),
    Column("no_amount", Integer, nullable=False, server_default="0"),
)
Index("ix_ledger_total_delta_at", ledger_total_delta.c.at)

# Each import with --replace states its datasets' whole content at its record time. Kept so that
# a release loaded later but dated earlier ends where the next whole release begins: what that
# release did not have, or had otherwise, is not carried past it (ledger/writes.py).
ledger_snapshot = Table(
    "ledger_snapshot",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(80), nullable=False),
    Column("at", DateTime, nullable=False),
)
Index("ix_ledger_snapshot_dataset", ledger_snapshot.c.dataset)

ENTRY_SCHEMA = ENTRY.schema()

# The columns whose content defines a version (normalised figures are derived, so left out).
VERSIONED_COLUMNS = [f.name for f in ENTRY.fields if f.versioned]

# Columns a person writes in the native formats (ids are derived unless given).
NATIVE_COLUMNS = ["id", *ENTRY.file_names]


def subtype_allowed(category: str, subtype: str | None) -> bool:
    return subtype is None or subtype in CATEGORIES.get(category, ())


# Fields declared after entries were first stored: they count in an entry's digest only when it
# gives them, so that an entry stored before them keeps its version and a re-import of an unchanged
# file changes nothing.
LATER_FIELDS = ("schedule",)


def with_versions(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the ``version`` column: a digest of each row's content."""
    present = [c for c in VERSIONED_COLUMNS if c in frame.columns and c not in LATER_FIELDS]
    digest = version_expr(present)
    for later in (c for c in LATER_FIELDS if c in frame.columns):
        digest = pl.when(pl.col(later).is_null()).then(digest).otherwise(version_expr([*present, later]))
    return frame.with_columns(digest.alias("version"))


META_COLUMNS = ("_line", "_record", "recorded_at")


def conform(frame: pl.DataFrame, *, keep_meta: bool = False) -> pl.DataFrame:
    """Give a frame every entry column, in order, with the canonical types (missing → null);
    with ``keep_meta`` the reader's line numbers, labels and record times stay alongside."""
    if not frame.width:  # literals alone would make one row of nulls, not none
        return pl.DataFrame(schema=ENTRY_SCHEMA)
    columns = []
    for name, dtype in ENTRY_SCHEMA.items():
        if name in frame.columns:
            columns.append(pl.col(name).cast(dtype))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    if keep_meta:
        columns.extend(pl.col(m) for m in META_COLUMNS if m in frame.columns)
    return frame.select(columns)


@dataclass
class LedgerBatch:
    """What one import brings: entries in ENTRY_SCHEMA (plus ``_line``/``_record``), the sources they
    cite, names for the actors they mention, budgets and planned disbursements, and what the reader
    already found wrong or assumed."""

    entries: pl.DataFrame
    sources: list[Source] = field(default_factory=list)
    actor_names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code → (kind, name)
    plans: pl.DataFrame | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    evidence: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    # dataset → the measures it reports (REPORTED_MEASURES), for readers whose data are partial
    reports: dict[str, tuple[str, ...]] = field(default_factory=dict)
