"""The ledger's vocabulary and the canonical shape of ledger entries (pure: no I/O).

Every importer (native CSV/XLSX/JSON, IATI, Kiel) turns its input into a frame of ``ENTRY_SCHEMA``;
one validation and one write path serve them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ltsplan.errors import Problem
from ltsplan.provenance.model import Source
from ltsplan.store.ids import version_expr

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

ENTRY_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "id": pl.Utf8,
    "version": pl.Utf8,
    "dataset": pl.Utf8,
    "kind": pl.Utf8,
    "stage": pl.Utf8,
    "donor": pl.Utf8,
    "recipient": pl.Utf8,
    "category": pl.Utf8,
    "subtype": pl.Utf8,
    "event_date": pl.Date,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "amount": pl.Float64,
    "currency": pl.Utf8,
    "value_date": pl.Date,
    "eur": pl.Float64,
    "usd": pl.Float64,
    "item": pl.Utf8,
    "quantity": pl.Float64,
    "description": pl.Utf8,
    "commitment_id": pl.Utf8,
    "reference": pl.Utf8,
    "source_id": pl.Utf8,
    "note": pl.Utf8,
}

# The columns whose content defines a version (normalised figures are derived, so left out).
VERSIONED_COLUMNS = [c for c in ENTRY_SCHEMA if c not in ("id", "version", "eur", "usd")]

# Columns a person writes in the native formats (ids are derived unless given).
NATIVE_COLUMNS = [
    "id",
    "dataset",
    "kind",
    "stage",
    "donor",
    "recipient",
    "category",
    "subtype",
    "event_date",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "value_date",
    "item",
    "quantity",
    "description",
    "commitment_id",
    "reference",
    "source_id",
    "note",
]


def subtype_allowed(category: str, subtype: str | None) -> bool:
    return subtype is None or subtype in CATEGORIES.get(category, ())


def with_versions(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill the ``version`` column: a digest of each row's content."""
    present = [c for c in VERSIONED_COLUMNS if c in frame.columns]
    return frame.with_columns(version_expr(present).alias("version"))


META_COLUMNS = ("_line", "_record", "recorded_at")


def conform(frame: pl.DataFrame, *, keep_meta: bool = False) -> pl.DataFrame:
    """Give a frame every entry column, in order, with the canonical types (missing → null);
    with ``keep_meta`` the reader's line numbers, labels and record times stay alongside."""
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
