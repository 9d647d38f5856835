"""``ltsplan import`` and ``ltsplan export`` with the native formats, through the real CLI: exit
status, messages on stderr naming file, line and field, nothing written, the skip report."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from ltsplan.ledger.model import ledger_entry

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def ltsplan(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in a process of its own (as a user runs it)."""
    return subprocess.run(
        [sys.executable, "-c", "from ltsplan.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def entries_in(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(ledger_entry)).scalar_one()
    finally:
        engine.dispose()


def test_import_then_export_through_the_cli(database_url: str, tmp_path: Path) -> None:
    result = ltsplan(*["import", str(EXAMPLES / "ledger.csv"), "--db", database_url])
    assert result.returncode == 0, result.stderr
    assert "7 new" in result.stdout
    again = ltsplan(*["import", str(EXAMPLES / "ledger.csv"), "--db", database_url])
    assert again.returncode == 0 and "0 new, 0 revised, 7 unchanged" in again.stdout
    for suffix in ("csv", "xlsx", "json"):
        target = tmp_path / f"out.{suffix}"
        exported = ltsplan(*["export", str(target), "--db", database_url])
        assert exported.returncode == 0, exported.stderr
        assert "wrote 7 ledger entries" in exported.stdout and target.exists()


def test_a_bad_file_exits_1_naming_file_line_and_field_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    text = (EXAMPLES / "ledger.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines[2] = lines[2].replace("2023-09-15", "2023-13-01")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = ltsplan(*["import", str(bad), "--db", database_url])
    assert result.returncode == 1
    assert f"{bad}, line 3, field 'event_date'" in result.stderr
    assert "'2023-13-01' is not a date" in result.stderr
    assert "nothing was written" in result.stderr
    assert entries_in(database_url) == 0


def test_skip_invalid_writes_a_report_naming_each_skipped_record(database_url: str, tmp_path: Path) -> None:
    lines = (EXAMPLES / "ledger.csv").read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace(",committed,", ",promised,")
    bad = tmp_path / "partly.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    result = ltsplan(*["import", str(bad), "--skip-invalid", "--db", database_url], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # The commitment is refused, and with it the two deliveries that name it.
    assert "3 invalid records skipped" in result.stdout
    with (tmp_path / "partly.skipped.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["line"], r["record"], r["field"]) for r in rows] == [
        (str(bad), "2", "example/DEU-001", "stage"),
        (str(bad), "3", "example/DEU-001-D1", "commitment_id"),
        (str(bad), "4", "example/DEU-001-D2", "commitment_id"),
    ]
    assert "'promised' is not allowed; use one of announced" in rows[0]["message"]
    assert "names no commitment" in rows[1]["message"]
    assert entries_in(database_url) == 4


def test_a_zip_bomb_workbook_exits_1(database_url: str, tmp_path: Path) -> None:
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (32 << 20))
    result = ltsplan(*["import", str(bomb), "--db", database_url])
    assert result.returncode == 1
    assert str(bomb) in result.stderr and "zip bomb" in result.stderr
    assert entries_in(database_url) == 0


def test_export_to_an_unknown_suffix_is_refused(tmp_path: Path) -> None:
    result = ltsplan("export", str(tmp_path / "ledger.txt"), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1
    assert ".csv, .xlsx or .json" in result.stderr
    assert not (tmp_path / "ledger.txt").exists()


def test_replace_withdraws_what_a_revised_file_dropped(database_url: str, tmp_path: Path) -> None:
    header = "dataset,reference,kind,stage,donor,category,event_date,amount,currency,source_title,source_kind"
    line = "tracker,{ref},commitment,committed,DEU,military,2023-06-01,5,EUR,Aid list,official document"
    first = tmp_path / "r1.csv"
    first.write_text("\n".join([header, line.format(ref="A"), line.format(ref="B")]) + "\n", encoding="utf-8")
    revised = tmp_path / "r2.csv"
    revised.write_text("\n".join([header, line.format(ref="A")]) + "\n", encoding="utf-8")
    assert ltsplan("import", str(first), "--db", database_url).returncode == 0

    kept = ltsplan("import", str(revised), "--db", database_url)
    assert kept.returncode == 0 and "withdrawn" not in kept.stdout
    replaced = ltsplan("import", str(revised), "--replace", "--db", database_url)
    assert replaced.returncode == 0, replaced.stderr
    assert "withdrawn, no longer in the file: 1 ledger entries" in replaced.stdout

    refused = ltsplan("import", str(revised), "--replace", "--skip-invalid", "--db", database_url)
    assert refused.returncode == 1 and "do not go together" in refused.stderr
