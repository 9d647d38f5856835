"""``ltsplan plan …`` end to end: exit status, formats, files written, errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.store.db import Database

from .conftest import FIXTURES

runner = CliRunner()


def _run(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(build_app(), list(args))


@pytest.fixture
def url(programme: Database, database_url: str) -> str:
    return database_url


def _make(url: str, code: str = "P1", *more: str):  # type: ignore[no-untyped-def]
    return _run(
        "plan",
        "make",
        code,
        "--start",
        "2027-01-01",
        "--months",
        "12",
        "--time-limit",
        "20",
        "--seed",
        "1",
        "--db",
        url,
        *more,
    )


def test_import_make_show_explain_in_every_format(url: str) -> None:
    imported = _run("plan", "import", str(FIXTURES / "packages.yaml"), "--db", url)
    assert imported.exit_code == 0, imported.output
    assert "packages: 5 new" in imported.output
    made = _make(url)
    assert made.exit_code == 0, made.output
    assert "plan P1: 5 assignments" in made.output
    assert "with the greedy plan (earliest due, largest gap first)" in made.output
    for fmt in ("table", "csv", "json"):
        for args in (
            ("show",),
            ("show", "P1"),
            ("show", "P1", "--milestones"),
            ("explain", "P1"),
            ("explain", "P1", "--shortfalls"),
        ):
            result = _run("plan", *args, "--db", url, "--format", fmt)
            assert result.exit_code == 0, (args, result.output)
    body = json.loads(_run("plan", "show", "P1", "--db", url, "-f", "json").output)
    assert {r["element"] for r in body["rows"]} == {"BN1", "BN2", "BDE", "SQN"}
    assert any(note.startswith("status: optimal") for note in body["notes"])
    rows = list(
        csv.DictReader(
            io.StringIO(_run("plan", "explain", "P1", "--binding", "budget", "--db", url, "-f", "csv").output)
        )
    )
    assert {r["binding"] for r in rows} == {"budget"} and rows


def test_a_plan_exports_to_csv_xlsx_and_json(url: str, tmp_path: Path) -> None:
    _run("plan", "import", str(FIXTURES / "packages.yaml"), "--db", url)
    _make(url)
    for name in ("plan.json", "plan.xlsx", "plan-csv"):
        result = _run("plan", "export", str(tmp_path / name), "--plan", "P1", "--db", url)
        assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert set(document) == {"plans", "assignments", "milestones", "shortfalls"}
    assert document["plans"][0]["code"] == "P1" and len(document["assignments"]) == 5
    assert sorted(p.name for p in (tmp_path / "plan-csv").iterdir()) == [
        "assignments.csv", "milestones.csv", "plans.csv", "shortfalls.csv"
    ]  # fmt: skip
    with (tmp_path / "plan-csv" / "shortfalls.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header[:5] == ["plan", "element", "standard", "requirement", "milestone"]


def test_diff_of_two_plans(url: str) -> None:
    _run("plan", "import", str(FIXTURES / "packages.yaml"), "--db", url)
    _make(url, "P1")
    _make(url, "P2", "--objective", "lateness")
    result = _run("plan", "diff", "P1", "P2", "--db", url, "-f", "json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["title"] == "Plans P1 → P2"
    assert all(r["change"] in ("added", "dropped", "earlier", "later") for r in body["rows"])


def test_errors_are_plain_and_exit_1(url: str, tmp_path: Path) -> None:
    missing = _run("plan", "show", "NOPE", "--db", url)
    assert missing.exit_code == 1 and "no plan 'NOPE'" in missing.output and "Traceback" not in missing.output
    nothing = _make(url)
    assert nothing.exit_code == 1 and "no support packages to plan with" in nothing.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "raises:\n  - {package: X, standard: STANAG 9101, requirement: R1, amount: 1}\n", encoding="utf-8"
    )
    refused = _run("plan", "import", str(bad), "--db", url)
    assert (
        refused.exit_code == 1
        and "line 2" in refused.output
        and "no support package with code 'X'" in refused.output
    )
    misuse = _run("plan", "make", "P1", "--objective", "fastest", "--db", url)
    assert misuse.exit_code == 2 and "fastest" in misuse.output


def test_a_plan_starting_after_every_deadline_is_refused_and_writes_nothing(url: str) -> None:
    _run("plan", "import", str(FIXTURES / "packages.yaml"), "--db", url)
    after = _run("plan", "make", "LATE", "--start", "2030-01-01", "--time-limit", "5", "--db", url)
    assert after.exit_code == 1 and "Traceback" not in after.output, after.output
    assert "nothing is due from 2030-01 on" in after.output
    shown = _run("plan", "show", "--db", url, "-f", "json")
    assert [r["plan"] for r in json.loads(shown.output)["rows"]] == []
