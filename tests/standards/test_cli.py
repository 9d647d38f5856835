"""``ltsplan standards …`` as a user runs it: exit 0 on success, 1 on bad input, 2 on misuse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from typer.main import get_command

from ltsplan.cli.main import build_app

from .helpers import ADOPTION, CATALOGUE, FIXTURES, expected_coverage


def ltsplan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from ltsplan.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_commands_succeed_fail_on_bad_input_and_refuse_misuse(database_url: str, tmp_path: Path):
    db = ("--db", database_url)
    done = ltsplan("standards", "import", str(CATALOGUE), str(ADOPTION), *db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "adoption: 5 new" in done.stdout

    listed = ltsplan("standards", "list", "--format", "csv", *db, cwd=tmp_path)
    assert listed.returncode == 0
    assert len(listed.stdout.strip().splitlines()) == 1 + 5

    coverage = ltsplan(
        "standards", "coverage", "--by", "domain", "--on", "2019-12-31", "-f", "json", *db, cwd=tmp_path
    )
    assert coverage.returncode == 0, coverage.stderr
    rows = {r["domain"]: (r["implemented"], r["applicable"]) for r in json.loads(coverage.stdout)["rows"]}
    assert rows == expected_coverage(date(2019, 12, 31))

    bad = ltsplan("standards", "import", str(FIXTURES / "bad-adoption.csv"), *db, cwd=tmp_path)
    assert bad.returncode == 1
    assert "line 3" in bad.stderr and "reservation" in bad.stderr

    unknown = ltsplan("standards", "show", "STANAG 9999", *db, cwd=tmp_path)
    assert unknown.returncode == 1 and "STANAG 9999" in unknown.stderr

    misuse = ltsplan("standards", "list", "--format", "html", *db, cwd=tmp_path)
    assert misuse.returncode == 2
    wrong_day = ltsplan("standards", "coverage", "--on", "yesterday", *db, cwd=tmp_path)
    assert wrong_day.returncode == 2

    exported = ltsplan("standards", "export", str(tmp_path / "all.yaml"), *db, cwd=tmp_path)
    assert exported.returncode == 0 and (tmp_path / "all.yaml").exists()
    chart = ltsplan("standards", "coverage-chart", "-o", str(tmp_path / "c.png"), *db, cwd=tmp_path)
    assert chart.returncode == 0, chart.stderr
    assert (tmp_path / "c.png").stat().st_size > 0 and (tmp_path / "c.svg").exists()


def test_every_standards_command_shows_an_example_in_its_help():
    group = get_command(build_app()).commands["standards"]  # type: ignore[attr-defined]
    for name, command in group.commands.items():
        assert "Example: ltsplan standards" in (command.help or ""), name
