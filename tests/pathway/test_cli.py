"""The pathway and objectives commands, run as a user runs them: exit status 0 on success, 1 on bad
input (message on stderr), 2 on misuse; table, CSV and JSON output."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ltsplan.cli.main import build_app
from ltsplan.pathway import demo as demo_pathway

BAD = Path(__file__).parents[1] / "fixtures" / "pathway" / "bad-scenario.yaml"


def ltsplan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from ltsplan.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "250"},
    )


@pytest.fixture
def demo_db(database_url: str) -> str:
    scenario = str(demo_pathway.scenario_path())
    result = ltsplan("pathway", "import", scenario, "--recorded-from-file", "--db", database_url)
    assert result.returncode == 0, result.stderr
    return database_url


def test_decisions_as_json_and_csv_carry_the_same_rows(demo_db: str) -> None:
    as_json = ltsplan("pathway", "decisions", "--as-of", "2023-06-14", "--format", "json", "--db", demo_db)
    as_csv = ltsplan("pathway", "decisions", "--as-of", "2023-06-14", "--format", "csv", "--db", demo_db)
    assert as_json.returncode == 0 and as_csv.returncode == 0
    rows = json.loads(as_json.stdout)["rows"]
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["decision"] for r in rows] == [r["decision"] for r in csv_rows]
    assert {r["consensus"] for r in rows} == {"pending"}


def test_scoreboard_table_shows_both_verdicts(demo_db: str) -> None:
    result = ltsplan("objectives", "scoreboard", "--db", demo_db)
    assert result.returncode == 0
    assert "achieved" in result.stdout and "unresolved" in result.stdout


def test_an_unknown_decision_is_bad_input_with_exit_1(demo_db: str) -> None:
    result = ltsplan("pathway", "positions", "no-such", "--db", demo_db)
    assert result.returncode == 1
    assert "no decision 'no-such'" in result.stderr and "invite-ukraine" in result.stderr


def test_a_bad_document_exits_1_and_lists_its_problems_on_stderr(database_url: str) -> None:
    result = ltsplan("pathway", "import", str(BAD), "--db", database_url)
    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    assert "line 21" in result.stderr and "field 'stance'" in result.stderr


def test_a_bad_date_or_format_is_misuse_with_exit_2(database_url: str) -> None:
    assert ltsplan("pathway", "decisions", "--as-of", "June", "--db", database_url).returncode == 2
    assert ltsplan("objectives", "scoreboard", "--format", "xml", "--db", database_url).returncode == 2


def test_export_to_csv_lists_statements_and_positions(demo_db: str, tmp_path: Path) -> None:
    statements, positions = tmp_path / "statements.csv", tmp_path / "positions.csv"
    assert ltsplan("objectives", "export", str(statements), "--db", demo_db).returncode == 0
    assert ltsplan("pathway", "export", str(positions), "--db", demo_db).returncode == 0
    assert any("peskov" in r["actor"] for r in csv.DictReader(statements.open()))
    assert {r["stance"] for r in csv.DictReader(positions.open())} >= {"oppose", "conditional", "support"}


def test_every_pathway_and_objectives_command_has_an_example_in_its_help() -> None:
    app = build_app()
    groups = {g.name: g.typer_instance for g in app.registered_groups}
    for name in ("pathway", "objectives"):
        group = groups[name]
        assert group is not None
        for command in group.registered_commands:
            assert "Example: ltsplan " + name in (command.callback.__doc__ or ""), command.callback
