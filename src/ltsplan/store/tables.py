"""Tables of the foundation: provenance, actors and the support ledger.

Other domains define theirs in modules of their own beside this one (``standards_tables.py``, …) on
the same ``metadata``; ``store.db.load_all_tables`` imports them all.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, Index, Integer, String, Table, Text

from ltsplan.store.schema import metadata, versioned_table

source = versioned_table(
    "source",
    Column("kind", String(32), nullable=False),
    Column("title", Text, nullable=False),
    Column("publisher", Text),
    Column("url", Text),
    Column("published", Date),
    Column("attribution", String(32), nullable=False),
    Column("reliability", String(1), nullable=False),
    Column("credibility", Integer, nullable=False),
    Column("note", Text),
)

evidence = versioned_table(
    "evidence",
    Column("record_kind", String(40), nullable=False),
    Column("record_id", String(32), nullable=False),
    Column("source_id", String(32), nullable=False),
    Column("quote", Text),
)
Index("ix_evidence_record", evidence.c.record_kind, evidence.c.record_id)

actor = versioned_table(
    "actor",
    Column("code", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("iso3", String(3)),
    Column("source_id", String(32)),
)
Index("ix_actor_code", actor.c.code)

ledger_entry = versioned_table(
    "ledger_entry",
    Column("dataset", String(80), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("donor", String(64), nullable=False),
    Column("recipient", String(64)),
    Column("category", String(16), nullable=False),
    Column("subtype", String(32)),
    Column("event_date", Date, nullable=False),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("amount", Float),
    Column("currency", String(3)),
    Column("value_date", Date),
    Column("eur", Float),
    Column("usd", Float),
    Column("item", Text),
    Column("quantity", Float),
    Column("description", Text),
    Column("commitment_id", String(32)),
    Column("reference", Text),
    Column("source_id", String(32), nullable=False),
    Column("note", Text),
    bulk=True,
)
# No further indexes: each costs every inserted row about 2 µs on SQLite (an import of millions of
# rows), while totals read the maintained deltas below, a delivery finds its commitment through the
# live-id index, and a listing filtered by dataset or donor stops at its page size.

# Aggregates maintained on write, for answers in milliseconds over millions of entries. A version's
# arrival adds its figures at its recorded_at; its retraction subtracts them at its retracted_at.
# Totals as of T are the sum of deltas with at <= T, today's totals the sum of all of them.
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
    Column("year", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("entries", Integer, nullable=False),
    Column("eur", Float, nullable=False),
    Column("usd", Float, nullable=False),
    Column("eur_missing", Integer, nullable=False),
    Column("usd_missing", Integer, nullable=False),
)
Index("ix_ledger_total_delta_at", ledger_total_delta.c.at)

# Budgets and planned disbursements: forward-looking figures that are never counted as pledges or
# deliveries. A revised budget replaces the original for the same period (same record id).
ledger_plan = versioned_table(
    "ledger_plan",
    Column("dataset", String(80), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("status", String(16)),
    Column("donor", String(64), nullable=False),
    Column("recipient", String(64)),
    Column("activity", Text),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("amount", Float, nullable=False),
    Column("currency", String(3)),
    Column("value_date", Date),
    Column("eur", Float),
    Column("usd", Float),
    Column("source_id", String(32), nullable=False),
    Column("note", Text),
)

gdp = versioned_table(
    "gdp",
    Column("country", String(3), nullable=False),
    Column("year", Integer, nullable=False),
    Column("usd", Float, nullable=False),
    Column("source_id", String(32), nullable=False),
)

import_run = Table(
    "import_run",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("path", Text, nullable=False),
    Column("format", String(16), nullable=False),
    Column("dataset", String(80)),
    Column("inserted", Integer, nullable=False),
    Column("revised", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("skipped", Integer, nullable=False),
    Column("report", Text),
    Column("withdrawn", Integer, nullable=False, server_default="0"),  # by --replace
)
