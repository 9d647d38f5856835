"""``ltsplan actors …`` and ``ltsplan ledger`` with donors named by IATI organisation references,
driven through the real command line on SQLite and PostgreSQL: totals by donor, --as-of before an
alias, --donor, the unmapped references and the refused aliases (exit status and message)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from alias_sample import NATIVE, iati_sum, native_usa_pledged, write_iati
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.store.time import utcnow

RUNNER = CliRunner()
CENTS = 0.02  # totals are kept in whole cents, each entry rounded


def ltsplan(database_url: str, *args: str):  # type: ignore[no-untyped-def]
    return RUNNER.invoke(build_app(), [*args, "--db", database_url])


def rows_of(result) -> list[dict]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"]


def donors(database_url: str, *more: str) -> dict[str, dict]:
    result = ltsplan(database_url, "ledger", "totals", "--by", "donor", "--format", "json", *more)
    return {r["donor"]: r for r in rows_of(result)}


@pytest.fixture
def imported(database_url: str, tmp_path: Path) -> str:
    for path in (write_iati(tmp_path), NATIVE):
        result = ltsplan(database_url, "import", str(path))
        assert result.exit_code == 0, result.output
    return database_url


def test_an_iati_file_from_us_gov_1_and_a_native_file_from_usa_sum_under_usa(imported: str) -> None:
    rows = donors(imported)
    assert "US-GOV-1" not in rows
    usa = rows["USA"]
    assert usa["donor_name"] == "United States"
    assert usa["pledged"] == pytest.approx(
        native_usa_pledged() + iati_sum({"US-GOV-1"}, "commitment"), abs=CENTS
    )
    # The native USA entry is a commitment: USA's deliveries are the IATI file's, valued as the
    # ledger values deliveries (its own rule, tested elsewhere).
    by_dataset = ltsplan(imported, "ledger", "totals", "--by", "dataset", "--format", "json")
    delivered = {r["dataset"]: r["delivered"] for r in rows_of(by_dataset)}
    assert delivered["iati:US-GOV-1"] > 0
    assert usa["delivered"] == pytest.approx(delivered["iati:US-GOV-1"], abs=CENTS)
    assert usa["entries"] == 3


def test_an_alias_recorded_after_the_import_counts_today_and_not_as_of_before_it(imported: str) -> None:
    between = utcnow()
    time.sleep(0.01)  # the alias is recorded strictly after ``between``
    result = ltsplan(
        imported, "actors", "alias", "SE-0", "SWE", "--note", "Sida's IATI organisation identifier"
    )
    assert result.exit_code == 0, result.output
    assert "SE-0 → SWE" in result.stdout
    today = donors(imported)
    assert "SE-0" not in today
    assert today["SWE"]["pledged"] == pytest.approx(iati_sum({"SE-0"}, "commitment"), abs=CENTS)
    before = donors(imported, "--as-of", between.isoformat())
    assert "SWE" not in before
    assert before["SE-0"]["entries"] == 2


def test_donor_usa_takes_in_the_entries_an_iati_file_gives_as_us_gov_1(imported: str) -> None:
    result = ltsplan(imported, "ledger", "totals", "--by", "dataset", "--donor", "USA", "--format", "json")
    rows = {r["dataset"]: r["entries"] for r in rows_of(result)}
    assert rows == {"iati:US-GOV-1": 2, "example": 1}
    lags = ltsplan(imported, "ledger", "lags", "--by", "donor", "--donor", "USA", "--format", "json")
    assert [(r["donor"], r["deliveries"]) for r in rows_of(lags)] == [("USA", 1)]


def test_actors_unmapped_lists_each_unknown_reference_with_its_entries(imported: str) -> None:
    rows = rows_of(ltsplan(imported, "actors", "--unmapped", "--format", "json"))
    assert [(r["reference"], r["entries"], r["donor_entries"], r["recipient_entries"]) for r in rows] == [
        ("SE-0", 2, 2, 0),
        ("XM-DAC-41114", 1, 0, 1),
    ]
    assert rows[1]["name"] == "United Nations Development Programme"
    ltsplan(imported, "actors", "alias", "SE-0", "SWE")
    after = rows_of(ltsplan(imported, "actors", "--unmapped", "--format", "json"))
    assert [r["reference"] for r in after] == ["XM-DAC-41114"]


def test_actors_lists_each_actor_with_the_references_that_count_as_it(imported: str) -> None:
    ltsplan(imported, "actors", "alias", "SE-0", "SWE")
    rows = {r["code"]: r for r in rows_of(ltsplan(imported, "actors", "--format", "json"))}
    assert rows["USA"]["also_named"] == "US-GOV-1"
    assert rows["GBR"]["also_named"] == "GB-GOV-1"
    assert rows["SWE"] == {"code": "SWE", "kind": "state", "name": "Sweden", "also_named": "SE-0"}
    assert "US-GOV-1" not in rows and "SE-0" not in rows


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["SE-0", "XYZ"], 1, "'XYZ' is not a known actor: give a state's ISO 3166 alpha-3 code"),
        (["SWE", "SWE"], 1, "'SWE' cannot be another name for itself"),
        (["DEU", "FRA"], 1, "'DEU' is an actor's own code"),
        (["SE-1", "US-GOV-1"], 1, "'US-GOV-1' is itself another name for USA"),
        (["SE-0"], 2, "give the actor REFERENCE names"),
        (["--remove", "SE-0", "SWE"], 2, "--remove takes the reference only"),
        (["--remove", "SE-0"], 1, "'SE-0' has no alias to remove"),
    ],
)
def test_a_bad_alias_command_is_refused_with_a_clear_message_and_writes_nothing(
    imported: str, args: list[str], status: int, said: str
) -> None:
    result = ltsplan(imported, "actors", "alias", *args)
    assert result.exit_code == status
    assert said in " ".join(result.output.split())
    assert "SE-0" in donors(imported)


def test_removing_an_alias_counts_the_reference_on_its_own_again(imported: str) -> None:
    ltsplan(imported, "actors", "alias", "SE-0", "SWE")
    aliased = utcnow()
    result = ltsplan(imported, "actors", "alias", "--remove", "SE-0")
    assert result.exit_code == 0, result.output
    assert "withdrawn" in result.stdout
    assert "SE-0" in donors(imported)
    assert "SWE" in donors(imported, "--as-of", aliased.isoformat())
