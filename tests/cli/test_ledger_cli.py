"""``ltsplan ledger …`` driven through the real command line: output formats, exit codes, messages."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from ledger_sample import ROWS, entry_id, expected_frame, load
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.store.db import Database

RUNNER = CliRunner()


def ledger(database_url: str, *args: str):
    return RUNNER.invoke(build_app(), ["ledger", *args, "--db", database_url])


@pytest.fixture
def loaded(db: Database, database_url: str) -> str:
    load(db)
    return database_url


def expected_pledged_by_donor() -> dict[str, float]:
    frame = expected_frame(ROWS)
    return {d: float(frame.filter(frame["donor"] == d)["pledged"].sum()) for d in set(frame["donor"])}


def test_totals_as_csv_parse_and_match_the_inputs(loaded: str) -> None:
    result = ledger(loaded, "totals", "--by", "donor", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    got = {r["donor"]: float(r["pledged"]) for r in rows}
    assert got == pytest.approx(expected_pledged_by_donor(), rel=1e-9)


def test_totals_as_json_carry_columns_units_and_rows(loaded: str) -> None:
    result = ledger(loaded, "totals", "--by", "donor,year,category", "--format", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    units = {c["name"]: c["unit"] for c in body["columns"]}
    assert units["pledged"] == "EUR"
    pledged = sum(r["pledged"] for r in body["rows"])
    assert pledged == pytest.approx(sum(expected_pledged_by_donor().values()), rel=1e-9)


def test_totals_as_a_table_name_the_donors(loaded: str) -> None:
    result = ledger(loaded, "totals", "--by", "donor")
    assert result.exit_code == 0, result.output
    assert "DEU" in result.stdout and "POL" in result.stdout


@pytest.mark.parametrize("command", ["fulfilment", "lags", "series"])
def test_every_report_command_answers_in_json(loaded: str, command: str) -> None:
    result = ledger(loaded, command, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]


def test_as_of_before_anything_was_known_answers_with_nothing(loaded: str) -> None:
    result = ledger(loaded, "totals", "--by", "donor", "--as-of", "2020-01-01", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] == []


def test_a_malformed_as_of_date_is_a_misuse_with_a_message_on_stderr(loaded: str) -> None:
    result = ledger(loaded, "totals", "--as-of", "14/06/2023")
    assert result.exit_code == 2
    assert "14/06/2023" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert result.stdout == ""


def test_as_of_the_last_day_there_is_answers_with_everything_known(loaded: str) -> None:
    result = ledger(loaded, "totals", "--by", "donor", "--as-of", "9999-12-31", "--format", "json")
    assert result.exit_code == 0, result.output
    got = {r["donor"]: r["pledged"] for r in json.loads(result.stdout)["rows"]}
    assert got == pytest.approx(expected_pledged_by_donor(), rel=1e-9)


@pytest.mark.parametrize(
    ("command", "moment"),
    [
        (["ledger", "totals", "--as-of"], "9999-12-31T23:00:00-05:00"),
        (["ledger", "totals", "--as-of"], "0001-01-01T00:00:00+05:00"),
        (["import", "no-such.csv", "--recorded-at"], "0001-01-01T00:00:00+05:00"),
    ],
)
def test_a_moment_whose_zone_leaves_the_calendar_is_a_misuse_with_a_message(
    loaded: str, command: list[str], moment: str
) -> None:
    result = RUNNER.invoke(build_app(), [*command, moment, "--db", loaded])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.replace("│", " ").split())  # the message as one line, out of its box
    assert moment in said and "years 1 to 9999" in said


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["totals", "--by", "donor,colour"], "colour"),
        (["totals", "--currency", "GBP"], "GBP"),
        (["fulfilment", "--format", "xml"], "xml"),
        (["totals", "--no-such-option"], "--no-such-option"),
    ],
)
def test_misuse_exits_2_and_says_what_is_accepted(loaded: str, args: list[str], named: str) -> None:
    result = ledger(loaded, *args)
    assert result.exit_code == 2
    assert named in result.stderr


def test_an_unknown_entry_is_bad_input_exit_1_with_a_message(loaded: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ltsplan.cli.main import main; main()",
            "ledger",
            "history",
            "ffff0000",
            "--db",
            loaded,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert "no ledger entry has an id starting with 'ffff0000'" in completed.stderr
    assert completed.stdout == ""


def test_history_lists_every_version_of_a_revised_figure(db: Database, database_url: str) -> None:
    load(db)
    revised = [(*r[:7], r[7] * 1.5, *r[8:]) if r[0] == "C2" else r for r in ROWS]
    load(db, revised, recorded_at=datetime(2024, 4, 4, 10, 0))
    result = ledger(database_url, "history", entry_id("C2")[:10], "--format", "json")
    assert result.exit_code == 0, result.output
    versions = json.loads(result.stdout)["rows"]
    assert [v["amount"] for v in versions] == [40e6, 60e6]
    assert versions[0]["retracted_at"].startswith("2024-04-04")
    assert versions[1]["retracted_at"] is None
    earlier = ledger(database_url, "history", entry_id("C2"), "--as-of", "2024-01-01", "--format", "json")
    assert [v["amount"] for v in json.loads(earlier.stdout)["rows"]] == [40e6]


def test_chart_writes_a_real_png_and_svg(loaded: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "pledged.png"
    result = ledger(loaded, "chart", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from xml.etree import ElementTree

    root = ElementTree.parse(target.with_suffix(".svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
