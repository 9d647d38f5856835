"""``ltsplan readiness …`` end to end: exit status, formats, files written."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ltsplan.cli.main import build_app

from .conftest import FIXTURES

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(build_app(), list(args))


@pytest.fixture
def url(programme, database_url) -> str:
    return database_url


def test_rollup_answers_in_every_format(url):
    for fmt in ("table", "csv", "json"):
        result = _run("readiness", "rollup", "--db", url, "--on", "2024-06-30", "--format", fmt)
        assert result.exit_code == 0, result.output
    body = json.loads(_run("readiness", "rollup", "--db", url, "--rule", "weighted", "-f", "json").output)
    assert body["params"]["rule"] == "weighted"
    rows = list(
        csv.DictReader(
            io.StringIO(_run("readiness", "rollup", "--db", url, "--level", "standard", "-f", "csv").output)
        )
    )
    assert {r["standard"] for r in rows} == {"STANAG 9001", "AJP-9"}


def test_milestones_gaps_trend_findings_evaluations_answer(url):
    for args in (
        ("milestones", "--as-of", "2030-01-01"),
        ("gaps", "M2", "--on", "2025-01-15"),
        ("trend", "--level", "domain"),
        ("findings", "--open"),
        ("evaluations", "--element", "BN1"),
    ):
        result = _run("readiness", *args, "--db", url, "-f", "csv")
        assert result.exit_code == 0, (args, result.output)
        assert result.output.count("\n") >= 2, args


def test_misuse_exits_2_and_bad_input_exits_1(url, tmp_path: Path):
    assert _run("readiness", "rollup", "--db", url, "--rule", "median").exit_code == 2
    assert _run("readiness", "rollup", "--db", url, "--as-of", "yesterday").exit_code == 2
    assert _run("readiness", "rollup", "--db", url, "--format", "xml").exit_code == 2
    bad = _run("readiness", "import", str(FIXTURES / "bad.yaml"), "--db", url)
    assert bad.exit_code == 1
    unknown = _run("readiness", "gaps", "NOPE", "--db", url)
    assert unknown.exit_code == 1


def test_override_then_rollup_shows_both(url):
    result = _run(
        "readiness",
        "override",
        "BN1",
        "--level",
        "R1",
        "--reason",
        "fresh kit",
        "--from",
        "2024-01-01",
        "--db",
        url,
    )
    assert result.exit_code == 0, result.output
    body = json.loads(
        _run(
            "readiness", "rollup", "--db", url, "--rule", "lowest", "--on", "2024-06-30", "-f", "json"
        ).output
    )
    bn1 = next(r for r in body["rows"] if r["element"] == "BN1")
    assert bn1["override_level"] == "R1" and bn1["computed_level"] != "R1"


def test_charts_and_export_write_files(url, tmp_path: Path):
    assert _run("readiness", "heatmap", "-o", str(tmp_path / "h.png"), "--db", url).exit_code == 0
    assert _run("readiness", "burnup", "-o", str(tmp_path / "b.png"), "--db", url).exit_code == 0
    assert (tmp_path / "h.svg").stat().st_size > 0 and (tmp_path / "b.png").stat().st_size > 0
    assert _run("readiness", "export", str(tmp_path / "r.xlsx"), "--db", url).exit_code == 0
    again = _run("readiness", "import", str(tmp_path / "r.xlsx"), "--db", url)
    assert again.exit_code == 0 and "0 new" in again.output


def test_every_command_help_shows_an_example():
    from ltsplan.cli.readiness import app

    for command in app.registered_commands:
        assert "Example: ltsplan readiness" in (command.callback.__doc__ or ""), command.callback.__name__
