"""One donor under many names (provenance/aliases.py): IATI organisation references resolve to the
actors the rest of the ledger uses when a question is asked, through the shipped lists and the
user's aliases, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from alias_sample import NATIVE, iati_sum, native_usa_pledged, write_iati
from sqlalchemy import select

from ltsplan.errors import InvalidInput, NotFound
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.ledger.reports import LedgerFilter, lag_counts, totals
from ltsplan.provenance.aliases import (
    actor_alias,
    donor_map,
    record_alias,
    references_of,
    remove_alias,
    shipped_actor,
)
from ltsplan.store.db import Database
from ltsplan.store.time import live_at, utcnow

IMPORTED = datetime(2024, 1, 10, 9, 0)
CENTS = 0.02  # totals are kept in whole cents, each entry rounded
BEFORE_ANY_ALIAS = datetime(2024, 2, 1)


@pytest.mark.parametrize(
    ("reference", "actor"),
    [
        ("US-GOV-1", "USA"),  # USAID, under the prefix US government agencies publish with
        ("GB-GOV-1", "GBR"),  # UK Government Departments Reference Numbers
        ("XM-DAC-302", "USA"),  # DAC donor code of the United States
        ("XM-DAC-12", "GBR"),
        ("XM-DAC-5-1", "DEU"),  # DAC agency code: Germany (5), BMZ (1)
        ("XM-DAC-7", "NLD"),  # the Netherlands' MFA publishes under its donor code
        ("XM-DAC-918-3", "EU"),  # EU institutions (918)
        ("XM-DAC-42001", "EU"),  # DAC channel: European Commission, development budget
        ("XM-DAC-42004", "EU"),  # European Investment Bank
        ("DE-1", "DEU"),  # identifiers before IATI 1.04
        ("US-1", "USA"),
        ("EU-1", "EU"),
        ("XI-IATI-EC_NEAR", "EU"),  # DG NEAR's own IATI identifier
        ("UA-COA-1234", "UKR"),  # a body in Ukraine's chart of accounts
        ("CA-GOV-13", "CAN"),
        ("xm-dac-302", "USA"),  # as some publishers write it
    ],
)
def test_the_shipped_lists_name_the_actor_of_common_references(reference: str, actor: str) -> None:
    assert shipped_actor(reference) == actor


@pytest.mark.parametrize(
    "reference",
    [
        "XM-DAC-41114",  # UNDP: a multilateral, no state's
        "GB-COH-01234567",  # a company registered in the UK is not the UK
        "US-EIN-123456789",
        "SE-0",  # Sida: not in any list; an alias says so
        "XM-DAC-999",  # no such donor
        "XM-DAC-5-1-9",  # not the agency form
        "USA",
        "NATO",
    ],
)
def test_other_references_name_no_actor_by_themselves(reference: str) -> None:
    assert shipped_actor(reference) is None


@pytest.fixture
def imported(db: Database, tmp_path: Path) -> Database:
    """The IATI file and the native example, known from ``IMPORTED``."""
    import_file(db, write_iati(tmp_path), recorded_at=IMPORTED)
    import_file(db, NATIVE, recorded_at=IMPORTED)
    return db


def by_donor(db: Database, moment: datetime | None = None, **filters: tuple[str, ...]) -> dict[str, dict]:
    with db.reading() as connection:
        report = totals(connection, by=["donor"], moment=moment, filters=LedgerFilter(**filters))
    return {row["donor"]: row for row in report.frame.to_dicts()}


def test_an_iati_reference_and_an_iso_code_sum_under_one_donor(imported: Database) -> None:
    rows = by_donor(imported)
    assert "US-GOV-1" not in rows and "GB-GOV-1" not in rows
    expected = native_usa_pledged() + iati_sum({"US-GOV-1"}, "commitment")
    assert rows["USA"]["pledged"] == pytest.approx(expected, abs=CENTS)
    # The native USA entry is a commitment: USA's deliveries are the IATI file's, valued as the
    # ledger values deliveries (its own rule, tested elsewhere).
    with imported.reading() as connection:
        iati = totals(connection, by=["dataset"], filters=LedgerFilter(datasets=("iati:US-GOV-1",)))
    assert rows["USA"]["delivered"] == pytest.approx(iati.frame.get_column("delivered").sum(), abs=CENTS)
    assert rows["USA"]["delivered"] > 0
    assert rows["USA"]["entries"] == 3
    assert rows["USA"]["donor_name"] == "United States"
    assert rows["GBR"]["entries"] == 2  # the native guarantee and the FCDO's commitment to UNDP
    assert rows["SE-0"]["pledged"] == pytest.approx(iati_sum({"SE-0"}, "commitment"), abs=CENTS)


def test_the_entries_keep_the_reference_they_were_given(imported: Database) -> None:
    with imported.reading() as connection:
        donors = set(
            connection.execute(select(ledger_entry.c.donor).where(live_at(ledger_entry, None))).scalars()
        )
    assert {"US-GOV-1", "SE-0", "GB-GOV-1", "USA"} <= donors


def test_an_alias_counts_from_when_it_was_recorded(imported: Database) -> None:
    record_alias(imported, "SE-0", "SWE", "Sida's IATI organisation identifier")
    today, before = by_donor(imported), by_donor(imported, BEFORE_ANY_ALIAS)
    assert "SE-0" not in today
    assert today["SWE"]["pledged"] == pytest.approx(iati_sum({"SE-0"}, "commitment"), abs=CENTS)
    assert today["SWE"]["donor_name"] == "Sweden"
    assert "SWE" not in before
    assert before["SE-0"]["entries"] == 2


def test_a_removed_alias_keeps_its_history(imported: Database) -> None:
    record_alias(imported, "SE-0", "SWE")
    aliased = utcnow()
    removed = remove_alias(imported, "SE-0")
    assert aliased < removed
    assert "SE-0" in by_donor(imported) and "SWE" not in by_donor(imported)
    assert "SWE" in by_donor(imported, aliased)
    with pytest.raises(NotFound, match="'SE-0' has no alias to remove"):
        remove_alias(imported, "SE-0")


def test_an_alias_overrides_the_shipped_lists(imported: Database) -> None:
    with imported.reading() as connection:
        assert donor_map(connection, None)["GB-GOV-1"] == "GBR"
    record_alias(imported, "GB-GOV-1", "IRL", "a test of precedence, not a fact")
    rows = by_donor(imported)
    assert rows["IRL"]["pledged"] == pytest.approx(iati_sum({"GB-GOV-1"}, "commitment"), abs=CENTS)
    assert rows["GBR"]["entries"] == 1


def test_a_donor_filter_takes_in_the_references_that_name_the_donor(imported: Database) -> None:
    with imported.reading() as connection:
        assert references_of(connection, ["USA"], None) == ["US-GOV-1", "USA"]
        by_dataset = totals(connection, by=["dataset"], filters=LedgerFilter(donors=("USA",)))
    rows = {r["dataset"]: r for r in by_dataset.frame.to_dicts()}
    assert set(rows) == {"iati:US-GOV-1", "example"}
    assert rows["iati:US-GOV-1"]["entries"] == 2
    assert rows["example"]["entries"] == 1


def test_lags_count_a_references_deliveries_under_its_actor(imported: Database) -> None:
    with imported.reading() as connection:
        counts = lag_counts(connection, ["donor"], None, LedgerFilter(donors=("USA",)))
    assert counts.get_column("donor").to_list() == ["USA"]
    assert counts.get_column("lag_days").to_list() == [(62)]  # 2023-03-01 → 2023-05-02
    assert counts.get_column("deliveries").to_list() == [1]


def alias_count(db: Database) -> int:
    with db.reading() as connection:
        return len(connection.execute(select(actor_alias.c.id).where(live_at(actor_alias, None))).all())


@pytest.mark.parametrize(
    ("reference", "actor", "message"),
    [
        ("SWE", "SWE", "'SWE' cannot be another name for itself"),
        ("DEU", "FRA", "'DEU' is an actor's own code, not another name for one"),
        ("EU", "BEL", "'EU' is an actor's own code"),
        ("SE-0", "XYZ", "'XYZ' is not a known actor"),
        ("SE-0", "US-GOV-1", "'US-GOV-1' is itself another name for USA; alias 'SE-0' to USA"),
        ("SE-0", "bad code!", "'bad code!' is not a code"),
    ],
)
def test_an_alias_that_would_mislead_is_refused_and_nothing_is_written(
    imported: Database, reference: str, actor: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        record_alias(imported, reference, actor)
    assert message in str(refused.value)
    assert alias_count(imported) == 0


def test_aliases_are_one_step_so_no_chain_or_cycle_can_be_recorded(imported: Database) -> None:
    record_alias(imported, "SE-0", "SWE")
    with pytest.raises(InvalidInput, match="'SE-0' is itself another name for SWE"):
        record_alias(imported, "SE-1", "SE-0")  # a chain SE-1 → SE-0 → SWE
    record_alias(imported, "41114", "XM-DAC-41114")  # UNDP's bare channel code → its identifier
    with pytest.raises(InvalidInput, match="'XM-DAC-41114' is the actor that 41114 name"):
        record_alias(imported, "XM-DAC-41114", "41114")  # would close a cycle
    with imported.reading() as connection:
        mapping = donor_map(connection, None)
    assert all(code not in mapping for code in mapping.values())  # every actor named is final


def test_re_recording_the_same_alias_changes_nothing(imported: Database) -> None:
    first = record_alias(imported, "SE-0", "SWE").total
    again = record_alias(imported, "SE-0", "SWE").total
    assert (first.inserted, again.inserted, again.unchanged) == (1, 0, 1)
    assert alias_count(imported) == 1


def test_donor_map_asks_only_about_the_given_references(imported: Database) -> None:
    record_alias(imported, "SE-0", "SWE")
    with imported.reading() as connection:
        assert donor_map(connection, None, ["SE-0", "USA", "NATO"]) == {"SE-0": "SWE"}
        assert donor_map(connection, IMPORTED + timedelta(days=1), ["SE-0", "US-GOV-1"]) == {
            "US-GOV-1": "USA"
        }
