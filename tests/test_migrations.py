"""The migrated schema is exactly the schema the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ltsplan import domains
from ltsplan.store.db import Database
from ltsplan.store.schema import metadata


def test_migrated_schema_equals_the_declared_tables(db: Database) -> None:
    domains.tables()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_declared_table_exists_after_migrating(db: Database) -> None:
    domains.tables()
    from sqlalchemy import inspect

    present = set(inspect(db.engine).get_table_names())
    assert set(metadata.tables) <= present


def test_migrating_twice_changes_nothing(db: Database) -> None:
    db.migrate()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, metadata) == []
