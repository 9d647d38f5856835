"""The command line and the API give one answer to one question: for each list of positions,
assessments and statements, ``--format csv`` prints the bytes the API's ``.csv`` address serves
(the same columns, ``source_id`` included), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.config import Settings
from ltsplan.objectives import reports as objectives
from ltsplan.pathway import reports as pathway
from ltsplan.pathway.demo import load
from ltsplan.server import create_app
from ltsplan.store.db import Database


@pytest.fixture
def recorded(db: Database) -> Database:
    load(db)  # the shipped scenario 2017–2025, every file of it
    return db


def questions(db: Database) -> list[tuple[list[str], str]]:
    """(command line, API address) pairs for every decision, objective and the statements."""
    with db.reading() as connection:
        decisions = pathway.decisions(connection, None).frame.get_column("decision").to_list()
        aims = objectives.scoreboard(connection, None).frame.get_column("objective").unique().to_list()
    asked = [
        (["pathway", "positions", code], f"/api/pathway/decisions/{code}/positions.csv") for code in decisions
    ]
    asked += [(["objectives", "show", code], f"/api/objectives/{code}.csv") for code in aims]
    asked += [
        (["objectives", "scoreboard"], "/api/objectives.csv"),
        (["objectives", "statements"], "/api/objectives-statements.csv"),
    ]
    return asked


def test_each_list_prints_what_the_api_serves(recorded: Database) -> None:
    asked = questions(recorded)
    assert any(a[0][1] == "positions" for a in asked), "the scenario has decisions"
    runner = CliRunner()
    with TestClient(create_app(Settings(database_url=recorded.url), database=recorded)) as client:
        for command, address in asked:
            printed = runner.invoke(build_app(), [*command, "--db", recorded.url, "--format", "csv"])
            assert printed.exit_code == 0, printed.output
            served = client.get(address)
            assert served.status_code == 200, (address, served.text)
            assert "source_id" in served.text.splitlines()[0], address
            assert printed.stdout == served.text, (command, address)
