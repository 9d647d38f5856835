"""Table definitions shared by every domain: one MetaData, and the record-time columns every
versioned table carries.

A versioned table keeps every version of every record. ``id`` names the record (deterministic, a hash
of its natural key), ``version`` is a digest of its content, ``recorded_at`` is when we learned this
version and ``retracted_at`` when it was superseded or withdrawn. Nothing is updated in place except
``retracted_at``; a partial unique index keeps one live version per record on SQLite and PostgreSQL.

Every version of a record is found by its id through two partial indexes: the unique one over live
versions and one over retracted versions. A table that takes millions of rows (the ledger's entries)
keeps only these two, because every extra index over random hash ids costs several microseconds per
inserted row; smaller tables also index (id, recorded_at) over all versions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, text
from sqlalchemy.sql.schema import SchemaItem

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

LIVE = text("retracted_at IS NULL")
RETRACTED = text("retracted_at IS NOT NULL")


def versioned_table(name: str, *columns: SchemaItem, bulk: bool = False, **kwargs: Any) -> Table:
    """A table with the record-time columns and the one-live-version-per-id index.

    ``bulk`` tables (millions of rows) index retracted versions by id instead of every version by
    (id, recorded_at): inserts then maintain one index over ids, not two.
    """
    from sqlalchemy import Integer

    table = Table(
        name,
        metadata,
        Column("row_id", Integer, primary_key=True, autoincrement=True),
        Column("id", String(32), nullable=False),
        Column("version", String(32), nullable=False),
        *columns,
        Column("recorded_at", DateTime, nullable=False),
        Column("retracted_at", DateTime, nullable=True),
        **kwargs,
    )
    Index(
        f"uq_{name}_live_id",
        table.c.id,
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )
    if bulk:
        Index(
            f"ix_{name}_retracted_id",
            table.c.id,
            sqlite_where=RETRACTED,
            postgresql_where=RETRACTED,
        )
    else:
        Index(f"ix_{name}_id_recorded", table.c.id, table.c.recorded_at)
    return table
