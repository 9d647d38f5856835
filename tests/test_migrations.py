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


def test_totals_kept_as_floats_are_rebuilt_in_whole_cents_by_0006(database_url: str) -> None:
    """A ledger written before 0006: entries with figures not rounded to the cent and float deltas
    holding a residue. After the upgrade, the totals are whole cents, equal to the entries'."""
    from datetime import datetime

    from sqlalchemy import MetaData, Table, insert

    from ltsplan.ledger.check import check_totals
    from ltsplan.ledger.reports import totals

    database = _upgrade_to(database_url, "0005")
    old = MetaData()
    with database.engine.begin() as connection:
        entry = Table("ledger_entry", old, autoload_with=connection)
        delta = Table("ledger_total_delta", old, autoload_with=connection)
        known, gone = datetime(2023, 1, 1), datetime(2023, 6, 1)
        figures = [
            (0.1 + 0.2, known, None),
            (1 / 3, known, gone),
            (2 / 3, known, None),
            (12.345678, gone, None),
        ]
        for number, (eur, recorded, retracted) in enumerate(figures):
            values = {c.name: None for c in entry.columns if c.name != "row_id"}
            values.update(
                id=f"{number:032x}",
                version=f"{number:032x}",
                dataset="old",
                kind="commitment",
                stage="committed",
                donor="DEU",
                category="military",
                event_date=datetime(2022, 5, 1).date(),
                amount=eur,
                currency="EUR",
                eur=eur,
                usd=eur * 1.1,
                recorded_at=recorded,
                retracted_at=retracted,
                source_id="s",
            )
            connection.execute(insert(entry).values(**{k: v for k, v in values.items() if k in entry.c}))
        # the old totals, with a residue where the retracted figure left
        connection.execute(
            insert(delta).values(
                at=known,
                dataset="old",
                kind="commitment",
                stage="committed",
                donor="DEU",
                category="military",
                year=2022,
                month=5,
                entries=4,
                eur=1e-7,
                usd=0.0,
                eur_missing=0,
                usd_missing=0,
            )
        )
    database.migrate()
    with database.transaction() as connection:
        assert check_totals(connection).clean
        today = totals(connection, by=[]).frame.to_dicts()[0]
        before = totals(connection, by=[], moment=datetime(2023, 3, 1)).frame.to_dicts()[0]
    assert today["pledged"] == round(0.30, 2) + round(2 / 3, 2) + round(12.345678, 2)
    assert before["pledged"] == round(0.30, 2) + round(1 / 3, 2) + round(2 / 3, 2)
    assert today["entries"] == 3 and before["entries"] == 3
    database.dispose()
