"""The versioned write and the as-of read (store/history.py, store/time.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ltsplan.errors import InvalidInput
from ltsplan.ledger.model import ledger_entry
from ltsplan.provenance.model import actor
from ltsplan.store.db import Database
from ltsplan.store.history import retract, write_versions
from ltsplan.store.ids import record_id, version_hash
from ltsplan.store.time import as_of, live_at, version_at, versions_of

MONDAY = datetime(2024, 3, 4, 9, 0)
TUESDAY = datetime(2024, 3, 5, 9, 0)
FRIDAY = datetime(2024, 3, 8, 9, 0)


def actors(*names: tuple[str, str]) -> pl.DataFrame:
    rows = []
    for code, name in names:
        values = {"code": code, "kind": "state", "name": name, "iso3": code, "source_id": None}
        rows.append({"id": record_id("actor", code), "version": version_hash(values.values()), **values})
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.Utf8,
            "version": pl.Utf8,
            "code": pl.Utf8,
            "kind": pl.Utf8,
            "name": pl.Utf8,
            "iso3": pl.Utf8,
            "source_id": pl.Utf8,
        },
    )


def names_at(db: Database, moment: datetime | None) -> dict[str, str]:
    with db.reading() as connection:
        rows = connection.execute(select(actor.c.code, actor.c.name).where(live_at(actor, moment)))
        return {code: name for code, name in rows}


def test_new_records_are_inserted_and_counted(db: Database) -> None:
    with db.transaction() as connection:
        result = write_versions(
            connection, actor, actors(("DEU", "Germany"), ("POL", "Poland")), recorded_at=MONDAY
        )
    assert (result.inserted, result.revised, result.unchanged) == (2, 0, 0)
    assert names_at(db, None) == {"DEU": "Germany", "POL": "Poland"}


def test_writing_the_same_content_again_changes_nothing(db: Database) -> None:
    frame = actors(("DEU", "Germany"), ("POL", "Poland"))
    with db.transaction() as connection:
        write_versions(connection, actor, frame, recorded_at=MONDAY)
    with db.transaction() as connection:
        again = write_versions(connection, actor, frame, recorded_at=TUESDAY)
    assert (again.inserted, again.revised, again.unchanged) == (0, 0, 2)
    with db.reading() as connection:
        assert len(versions_of(connection, actor, record_id("actor", "DEU"))) == 1


def test_a_revision_retracts_the_old_version_and_keeps_it_in_history(db: Database) -> None:
    with db.transaction() as connection:
        write_versions(connection, actor, actors(("DEU", "Germany")), recorded_at=MONDAY)
    with db.transaction() as connection:
        result = write_versions(
            connection, actor, actors(("DEU", "Federal Republic of Germany")), recorded_at=FRIDAY
        )
    assert (result.inserted, result.revised) == (0, 1)
    with db.reading() as connection:
        history = versions_of(connection, actor, record_id("actor", "DEU"))
    assert [v["name"] for v in history] == ["Germany", "Federal Republic of Germany"]
    assert history[0]["retracted_at"] == FRIDAY
    assert history[1]["retracted_at"] is None


def test_as_of_before_a_revision_answers_with_the_old_version(db: Database) -> None:
    with db.transaction() as connection:
        write_versions(connection, actor, actors(("DEU", "Germany")), recorded_at=MONDAY)
    with db.transaction() as connection:
        write_versions(connection, actor, actors(("DEU", "Federal Republic of Germany")), recorded_at=FRIDAY)
    assert names_at(db, as_of(TUESDAY.date())) == {"DEU": "Germany"}
    assert names_at(db, as_of(FRIDAY.date())) == {"DEU": "Federal Republic of Germany"}
    assert names_at(db, None) == {"DEU": "Federal Republic of Germany"}
    assert names_at(db, datetime(2024, 3, 1)) == {}  # before anything was known
    with db.reading() as connection:
        old = version_at(connection, actor, record_id("actor", "DEU"), as_of(TUESDAY.date()))
        assert old is not None and old["name"] == "Germany"


def test_retract_withdraws_a_record_from_that_moment_on(db: Database) -> None:
    with db.transaction() as connection:
        write_versions(connection, actor, actors(("DEU", "Germany"), ("POL", "Poland")), recorded_at=MONDAY)
    with db.transaction() as connection:
        gone = retract(connection, actor, [record_id("actor", "POL")], at=TUESDAY)
    assert gone.get_column("code").to_list() == ["POL"]
    assert names_at(db, None) == {"DEU": "Germany"}
    assert names_at(db, MONDAY) == {"DEU": "Germany", "POL": "Poland"}


def test_the_same_record_twice_in_one_write_is_refused_and_nothing_is_written(db: Database) -> None:
    frame = pl.concat([actors(("DEU", "Germany")), actors(("DEU", "Deutschland"))])
    with pytest.raises(InvalidInput), db.transaction() as connection:
        write_versions(connection, actor, frame, recorded_at=MONDAY)
    assert names_at(db, None) == {}


@pytest.mark.parametrize("table", [actor, ledger_entry], ids=["small table", "bulk table"])
def test_the_database_refuses_a_second_live_version_of_a_record(db: Database, table) -> None:
    """The partial unique index, not only the code, keeps one live version per id."""
    values = {c.name: None for c in table.columns if c.name != "row_id"}
    required = {
        "id": "a" * 32,
        "version": "v1",
        "recorded_at": MONDAY,
        "code": "DEU",
        "kind": "state",
        "name": "Germany",
        "dataset": "d",
        "stage": "committed",
        "donor": "DEU",
        "category": "military",
        "event_date": MONDAY.date(),
        "source_id": "s",
    }
    values.update({k: v for k, v in required.items() if k in values})
    with db.transaction() as connection:
        connection.execute(insert(table).values(**values))
        connection.execute(insert(table).values(**{**values, "version": "v0", "retracted_at": MONDAY}))
    with pytest.raises(IntegrityError), db.transaction() as connection:
        connection.execute(insert(table).values(**{**values, "version": "v2"}))
