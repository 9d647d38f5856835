"""Every record type is declared once; what is derived from the declaration agrees with it, and what
is written by hand beside it (a rule's dataclass, a reader's columns) fails here when it drifts."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Connection

from ltsplan import demo, domains
from ltsplan.ledger.formats.native import INPUT_COLUMNS
from ltsplan.ledger.model import ENTRY, ENTRY_SCHEMA, NATIVE_COLUMNS, conform
from ltsplan.objectives import model as objectives
from ltsplan.pathway import model as pathway
from ltsplan.provenance.model import SOURCE, Source
from ltsplan.readiness.data import requirements
from ltsplan.records.reading import read_record
from ltsplan.records.types import RecordType
from ltsplan.standards.model import standard
from ltsplan.store.db import Database, open_database
from ltsplan.store.schema import metadata
from ltsplan.store.time import live_rows

# The rules' objects made from stored rows (``records.types.made``): their fields are the records'.
MADE = [
    (pathway.Membership, pathway.MEMBERSHIP),
    (pathway.Decision, pathway.DECISION),
    (pathway.Outcome, pathway.OUTCOME),
    (pathway.Position, pathway.POSITION),
    (pathway.Condition, pathway.CONDITION),
    (pathway.ConditionStatus, pathway.CONDITION_STATUS),
    (objectives.Objective, objectives.OBJECTIVE),
    (objectives.ObjectiveAssessment, objectives.ASSESSMENT),
    (objectives.Statement, objectives.STATEMENT),
    (Source, SOURCE),
]


@pytest.mark.parametrize(("kind", "record"), MADE, ids=[r.name for _, r in MADE])
def test_a_rules_object_has_exactly_its_records_fields(kind: type, record: RecordType) -> None:
    assert [f.name for f in dataclasses.fields(kind)] == record.columns


@pytest.mark.parametrize(("kind", "record"), MADE[:-1], ids=[r.name for _, r in MADE[:-1]])
def test_a_rules_object_is_named_as_its_record(kind: type, record: RecordType) -> None:
    """Its id (what evidence and history name it by) is the record's id for the same values."""
    values = {f.name: f"v-{f.name}" for f in record.fields}
    assert kind(**values).id == record.id_of(values)


def test_every_record_type_is_declared_once_and_has_a_table() -> None:
    names = [r.name for r in domains.RECORDS]
    assert len(names) == len(set(names))
    tables = domains.tables()
    assert {t.name for t in tables} <= set(metadata.tables)
    for record in domains.RECORDS:
        assert [c.name for c in record.table.columns][3:-2] == record.columns
        assert {n for n, c in record.table.c.items() if not c.nullable} >= {
            f.name for f in record.fields if f.required
        }


def test_the_ledgers_frames_and_native_columns_follow_the_entry_declaration() -> None:
    assert ENTRY.schema() == ENTRY_SCHEMA
    assert conform(pl.DataFrame({"amount": ["1.5"]})).schema == pl.Schema(ENTRY.schema())
    assert ["id", *(f.name for f in ENTRY.fields if f.in_files)] == NATIVE_COLUMNS
    assert set(NATIVE_COLUMNS) <= set(INPUT_COLUMNS)
    assert not {f.name for f in ENTRY.fields if not f.in_files} & set(INPUT_COLUMNS)


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    path = tmp_path_factory.mktemp("declarations") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    cwd = Path.cwd()
    try:
        import os

        os.chdir(path.parent)
        demo.run(database)
    finally:
        os.chdir(cwd)
    return database


def _lookup(connection: Connection) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        "standard": {r["id"]: r for r in live_rows(connection, standard, None)},
        "requirement": {r["id"]: r for r in requirements(connection, None).to_dicts()},
        "assessment": {r["id"]: r for r in live_rows(connection, domains.readiness.assessment, None)},
        "target": {r["id"]: r for r in live_rows(connection, domains.readiness.target, None)},
    }


FILED = [r for r in domains.RECORDS if r.section and r.name not in ("ledger_entry",)]


@pytest.mark.parametrize("record", FILED, ids=[r.name for r in FILED])
def test_a_stored_record_in_file_form_reads_back_as_itself(
    demo_database: Database, record: RecordType
) -> None:
    """Export (``file_row``) then import (``read_record``) gives back the same stored record, its
    id and its version: for every record type a file carries."""
    with demo_database.reading() as connection:
        rows = live_rows(connection, record.table, None)[:60]
        lookup = _lookup(connection)
    if not rows:
        pytest.skip(f"the demo has no {record.title}")
    for row in rows:
        given = record.file_row(row, lookup)
        located, problems = read_record(record, given, file="round trip")
        assert not problems, (record.name, given, problems)
        again = record.row(located.values)
        assert again["id"] == row["id"], (record.name, given)
        assert again["version"] == row["version"], (record.name, given)
