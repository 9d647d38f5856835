"""The migrated schema is exactly the schema the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from ltsplan import domains
from ltsplan.store.db import Database, open_database
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


HEAD = max(
    p.name[:4] for p in (Path(__file__).parents[1] / "src/ltsplan/store/migrations/versions").glob("0*.py")
)


def _upgrade_to(database_url: str, revision: str) -> Database:
    """A database migrated only as far as ``revision`` (an older release's file, say)."""
    from alembic import command
    from alembic.config import Config

    from ltsplan.store.db import MIGRATIONS

    database = open_database(database_url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return database


def _stamp(database: Database, revision: str) -> None:
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def _head(database: Database) -> str:
    with database.engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


@pytest.mark.parametrize(
    ("reached", "old_number"),
    [("0003", "0004"), ("0004", "0003")],
    ids=["readiness, numbered 0004 before", "pathway, numbered 0003 before"],
)
def test_a_database_stamped_with_the_old_numbering_opens_and_upgrades(
    database_url: str, reached: str, old_number: str
) -> None:
    """Releases before the renumbering called readiness 0004 and the pathway 0003: a file they
    stamped so opens, is stamped again by the tables it has, and upgrades to the head."""
    database = _upgrade_to(database_url, reached)
    _stamp(database, old_number)
    database.migrate()
    assert _head(database) == HEAD
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    database.dispose()


def test_a_database_of_the_new_numbering_is_left_as_it_is(database_url: str) -> None:
    database = _upgrade_to(database_url, "0003")
    database.migrate()
    assert _head(database) == HEAD
    database.dispose()
