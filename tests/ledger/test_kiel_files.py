"""The Kiel tracker's other files through `ltsplan import`: the heavy-weapons list becomes entries,
the monthly totals check the ledger, and a CSV of no known format gets one message.

Expected values are computed here from the tracker's own files (tests/fixtures/kiel, release 29)
with the csv module and a regular expression, never through the code under test.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.ledger.imports import guess_format, import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.records.writing import import_run
from ltsplan.store.db import Database

KIEL = Path(__file__).parents[1] / "fixtures" / "kiel"
WEAPONS = KIEL / "weapons.csv"
TOTALS = KIEL / "total_allocations.csv"
EXPLORER = KIEL / "data_explorer.csv"
RELEASE_DATE = datetime(2026, 8, 4)
DATASET = "kiel-ust-weapons-r29"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args), catch_exceptions=False)
    return result.exit_code, " ".join(result.output.split())  # line wrapping undone


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def count(db: Database, table=ledger_entry) -> int:
    with db.reading() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def tracker_codes() -> dict[str, str]:
    return {r["country"]: r["iso"] for r in rows(EXPLORER)}


def expected_models() -> dict[tuple[str, str, str], float]:
    """(donor code, category, model) → count, read from weapons.csv as the tracker packs it."""
    codes = tracker_codes()
    found: dict[tuple[str, str, str], float] = defaultdict(float)
    for row in rows(WEAPONS):
        for part in row["weapons_list"].split(";"):
            name, number = re.fullmatch(r"\s*(.*\S)\s*\((\d+)\)\s*", part).groups()  # type: ignore[union-attr]
            found[(codes[row["donor"]], row["category"], name)] += int(number)
    return dict(found)


def exported(database_url: str, tmp_path: Path, dataset: str) -> list[dict[str, str]]:
    out = tmp_path / "export.csv"
    assert run("export", str(out), "--db", database_url)[0] == 0
    return [r for r in rows(out) if r["dataset"] == dataset]


def category_of(entry: dict[str, str], categories: set[str]) -> str:
    """The category an exported entry's reference names ("weapons.csv DEU Air Defense IRIS-T …")."""
    rest = entry["reference"].removeprefix(f"weapons.csv {entry['donor']} ")
    return next(c for c in categories if rest.startswith(c + " "))


def copy_release(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "r29"
    folder.mkdir()
    for name in ("release_info.csv", *names):
        shutil.copy(KIEL / name, folder / name)
    return folder


# -- telling the files apart --------------------------------------------------------------------
def test_each_tracker_file_is_told_apart_by_its_header() -> None:
    assert guess_format(EXPLORER) == "kiel"
    assert guess_format(WEAPONS) == "kiel-weapons"
    assert guess_format(TOTALS) == "kiel-totals"
    assert guess_format(Path(__file__).parents[2] / "docs" / "examples" / "ledger.csv") == "csv"


# -- weapons.csv --------------------------------------------------------------------------------
def test_the_weapons_list_becomes_one_allocated_commitment_per_donor_category_and_model(
    database_url: str, tmp_path: Path
) -> None:
    code, said = run("import", str(WEAPONS), "--db", database_url)
    assert code == 0, said
    expected = expected_models()
    assert f"{len(expected)} new" in said

    entries = exported(database_url, tmp_path, DATASET)
    categories = {category for _, category, _ in expected}
    got = {(r["donor"], category_of(r, categories), r["item"]): float(r["quantity"]) for r in entries}
    assert got == expected
    assert {(r["kind"], r["stage"], r["category"], r["subtype"]) for r in entries} == {
        ("commitment", "allocated", "military", "weapons and equipment")
    }
    assert {(r["event_date"], r["period_start"], r["period_end"]) for r in entries} == {
        ("2026-04-30", "2022-01-24", "2026-04-30")  # release 29 covers the tracking to 04/2026
    }
    assert all(r["amount"] == "" and r["recipient"] == "UKR" for r in entries)
    # the tracker's value per donor and category is kept in the note of each of its models
    values = {(tracker_codes()[r["donor"]], r["category"]): r["monetary_value_eur"] for r in rows(WEAPONS)}
    for r in entries:
        assert f"EUR {values[(r['donor'], category_of(r, categories))]}" in r["note"]


def test_totals_count_the_weapons_models_per_donor_and_add_no_money(database_url: str) -> None:
    assert run("import", str(WEAPONS), "--db", database_url)[0] == 0
    result = CliRunner().invoke(
        build_app(),
        ["ledger", "totals", "--by", "donor", "--dataset", DATASET, "--format", "json", "--db", database_url],
    )
    got = {r["donor"]: r for r in json.loads(result.output)["rows"]}
    models: dict[str, int] = defaultdict(int)
    for donor, _, _ in expected_models():
        models[donor] += 1
    assert {d: r["entries"] for d, r in got.items()} == dict(models)
    assert all(r["allocated"] == 0 and r["pledged"] == 0 for r in got.values())


def test_reimporting_the_weapons_list_changes_nothing(db: Database, database_url: str) -> None:
    assert run("import", str(WEAPONS), "--db", database_url)[0] == 0
    versions = count(db)
    code, said = run("import", str(WEAPONS), "--db", database_url)
    assert code == 0
    assert f"0 new, 0 revised, {len(expected_models())} unchanged" in said
    assert count(db) == versions


def test_a_bad_weapons_row_is_named_by_line_and_field_and_nothing_is_written(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    folder = copy_release(tmp_path, "data_explorer.csv")
    lines = WEAPONS.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith('"Australia","Howitzers",6,')
    lines[1] = lines[1].replace('"Australia","Howitzers",6,', '"Australia","Howitzers",7,')  # list says 6
    lines[2] = lines[2].replace("M1A1 Abrams (49)", "M1A1 Abrams")  # no count
    lines[3] = lines[3].replace('"Belgium"', '"Atlantis"')  # no such donor
    folder.joinpath("weapons.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    code, said = run("import", str(folder / "weapons.csv"), "--db", database_url)
    assert code == 1
    assert "line 2, field 'number_of_weapons': the weapons list adds up to 6, not 7" in said
    assert "line 3, field 'weapons_list': 'M1A1 Abrams' is not a model with its count" in said
    assert "line 4, field 'donor': 'Atlantis' is neither a donor" in said
    assert "nothing was written" in said
    assert count(db) == 0


def test_the_weapons_list_needs_its_release_period(database_url: str, tmp_path: Path) -> None:
    folder = copy_release(tmp_path, "weapons.csv")
    folder.joinpath("release_info.csv").write_text(
        '"release","period","date","label"\n"29","","2026-08-04","Release 29"\n', encoding="utf-8"
    )
    code, said = run("import", str(folder / "weapons.csv"), "--db", database_url)
    assert code == 1
    assert "release_info.csv, line 2, field 'period'" in said


# -- total_allocations.csv ----------------------------------------------------------------------
def test_total_allocations_agree_with_the_imported_release_and_the_check_writes_nothing(
    db: Database, database_url: str
) -> None:
    import_file(db, EXPLORER, recorded_at=RELEASE_DATE)
    versions, runs = count(db), count(db, import_run)
    code, said = run("import", str(TOTALS), "--db", database_url)
    assert code == 0, said
    months = len(rows(TOTALS))
    assert (
        f"total_allocations.csv agrees with the ledger's kiel-ust-r29: {months} months, {months * 4} figures"
        in said
    )
    assert (count(db), count(db, import_run)) == (versions, runs)


def test_a_planted_difference_is_reported_with_its_line_field_and_both_figures(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    folder = copy_release(tmp_path, "data_explorer.csv", "total_allocations.csv")
    import_file(db, folder / "data_explorer.csv", recorded_at=RELEASE_DATE)
    published = rows(TOTALS)
    planted = 5  # line 6 of the file: the fifth month
    row = published[planted - 1]
    lines = TOTALS.read_text(encoding="utf-8").splitlines()
    cells = lines[planted].split(",")
    header = lines[0].replace('"', "").split(",")
    cells[header.index("humanitarian")] = f"{float(row['humanitarian']) + 0.25:.6f}"
    lines[planted] = ",".join(cells)
    folder.joinpath("total_allocations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    versions, runs = count(db), count(db, import_run)

    code, said = run("import", str(folder / "total_allocations.csv"), "--db", database_url)
    assert code == 1
    month = f"{int(row['year'])}-{int(row['month']):02d}"
    ledger = sum(
        float(r["humanitarian"])
        for r in rows(EXPLORER)
        if (r["year"], r["month"]) == (row["year"], row["month"])
    )
    assert "1 of" in said and "figures differ from the ledger's kiel-ust-r29" in said
    assert (
        f"line {planted + 1}, {month}, field 'humanitarian': the tracker gives EUR "
        f"{float(row['humanitarian']) + 0.25:.6f} bn; the ledger's kiel-ust-r29 holds EUR {ledger:.6f} bn "
        "of humanitarian allocations, 0.250000 bn less"
    ) in said
    assert (count(db), count(db, import_run)) == (versions, runs)


def test_checking_totals_before_their_release_is_imported_says_what_to_do(
    db: Database, database_url: str
) -> None:
    code, said = run("import", str(TOTALS), "--db", database_url)
    assert code == 1
    assert "holds no allocations of release 29 (kiel-ust-r29)" in said
    assert "import the release's data_explorer.csv first" in said
    assert count(db, import_run) == 0


# -- a CSV of no known format -------------------------------------------------------------------
def foreign_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contracts.csv"
    body = "".join(f"Supplier {n},{n * 1000},2023-01-{n % 28 + 1:02d},note {n}\n" for n in range(300))
    path.write_text("Supplier,Amount (EUR),Signed,Notes\n" + body, encoding="utf-8")
    return path


def test_a_csv_of_no_known_format_gets_one_message_naming_the_formats_tried_and_its_header(
    database_url: str, tmp_path: Path
) -> None:
    code, said = run("import", str(foreign_csv(tmp_path)), "--db", database_url)
    assert code == 1
    assert said.count("error:") == 1 and "line 2" not in said
    assert '"Supplier", "Amount (EUR)", "Signed", "Notes" (4 columns)' in said
    for fmt in ("kiel:", "kiel-weapons:", "kiel-totals:", "csv:"):
        assert fmt in said
    assert "--format" in said


def test_read_as_ledger_csv_on_purpose_it_is_still_one_problem_on_the_header(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    code, said = run("import", str(foreign_csv(tmp_path)), "--format", "csv", "--db", database_url)
    assert code == 1
    assert "line 1: the header names none of the ledger's required columns" in said
    assert '"Supplier", "Amount (EUR)"' in said
    assert "line 2" not in said and "line 300" not in said
    assert count(db) == 0


@pytest.mark.parametrize("name", ["data_explorer.csv", "weapons.csv"])
def test_a_tracker_file_missing_a_column_is_still_recognised_and_the_column_named(
    database_url: str, tmp_path: Path, name: str
) -> None:
    folder = copy_release(tmp_path, name)
    lines = (KIEL / name).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    dropped = header.index('"category"') if name == "weapons.csv" else header.index('"military"')
    trimmed = [",".join(c for i, c in enumerate(line.split(",")) if i != dropped) for line in lines[:5]]
    folder.joinpath(name).write_text("\n".join(trimmed) + "\n", encoding="utf-8")
    code, said = run("import", str(folder / name), "--db", database_url)
    assert code == 1
    missing = "category" if name == "weapons.csv" else "military"
    assert f"line 1, field '{missing}'" in said
