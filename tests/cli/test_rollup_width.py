"""``ltsplan readiness rollup`` in a terminal: the table fits 100 characters by default (the main
columns, long names cut with "…"), whatever the terminal's width; ``--wide`` shows every column;
CSV and JSON carry everything whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.readiness.imports import import_path
from ltsplan.standards.imports import import_files
from ltsplan.store.db import Database

READINESS_FIXTURES = Path(__file__).resolve().parents[1] / "readiness" / "fixtures"
LONG_NAME = "1st Mechanised Infantry Battalion of the 10th Separate Mountain Assault Brigade"
PROGRAMME = f"""\
elements:
  - {{code: BDE, name: 10th Separate Mountain Assault Brigade of the Territorial Defence Forces, kind: brigade, domain: land}}
  - {{code: BN1, name: {LONG_NAME}, kind: battalion, domain: land, parent: BDE}}
targets:
  - {{element: BN1, standard: STANAG 9001, requirement: R1, level: met, due: 2024-12-31}}
  - {{element: BDE, standard: STANAG 9001, requirement: R3, level: 80, due: 2025-06-30}}
assessments:
  - {{element: BN1, standard: STANAG 9001, requirement: R1, observed: met, assessed_on: 2024-01-10,
     assessor: BN1 staff, method: self-evaluation}}
overrides:
  - {{element: BN1, level: R2, reason: New equipment fielded since the last assessment and not yet assessed by anyone, by: BN1 commander, valid_from: 2024-03-01}}
"""

runner = CliRunner()


@pytest.fixture
def url(db: Database, tmp_path: Path) -> str:
    import_files(db, [READINESS_FIXTURES / "catalogue.yaml"])
    path = tmp_path / "programme.yaml"
    path.write_text(PROGRAMME, encoding="utf-8")
    import_path(db, path)
    return db.url


def rollup(url: str, *args: str, columns: int) -> str:
    result = runner.invoke(
        build_app(),
        ["readiness", "rollup", "--db", url, "--on", "2024-06-30", *args],
        env={"COLUMNS": str(columns)},
    )
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [100, 200])
def test_the_table_fits_100_characters_with_one_line_per_element(url: str, columns: int) -> None:
    output = rollup(url, columns=columns)
    lines = output.splitlines()
    assert max(len(line) for line in lines) <= 100
    rows = [line for line in lines if line.startswith("│")]
    assert len(rows) == 2  # BDE and BN1, each on one line: nothing folded
    assert "…" in next(line for line in rows if "BN1" in line)
    assert LONG_NAME not in output
    assert "--wide shows every column" in " ".join(output.split())  # a note, wrapped at the width


def test_a_narrower_terminal_gets_a_narrower_table(url: str) -> None:
    output = rollup(url, columns=72)
    assert max(len(line) for line in output.splitlines()) <= 72


@pytest.mark.parametrize("level", ["domain", "standard"])
def test_every_level_fits(url: str, level: str) -> None:
    output = rollup(url, "--level", level, columns=100)
    assert max(len(line) for line in output.splitlines()) <= 100


def test_wide_shows_every_column_and_longer_names(url: str) -> None:
    every = next(csv.reader(io.StringIO(rollup(url, "--format", "csv", columns=100))))
    output = rollup(url, "--wide", columns=1000)
    header = next(line for line in output.splitlines() if line.startswith("┃"))
    shown = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert shown == every
    # cells as every terminal table cuts them (render.TABLE_CELL_LIMIT), not to the narrow width
    assert LONG_NAME[:50] in output
    assert "New equipment fielded since the last assessment" in output


def test_csv_and_json_are_not_narrowed(url: str) -> None:
    rows = list(csv.DictReader(io.StringIO(rollup(url, "--format", "csv", columns=100))))
    assert {r["name"] for r in rows} >= {LONG_NAME}
    assert "override_reason" in rows[0]
