"""``ltsplan ledger check``: the maintained totals rebuilt from the versions find damage (a delta
row lost, infinities written by code from before the finite rule) and ``--repair`` makes the totals
equal the sums of the entries again, computed here straight from the entry table."""

from __future__ import annotations

import polars as pl
import pytest
from ledger_sample import COLUMNS, FIRST_KNOWN, ROWS, SOURCE, entry_id, expected_frame, frame, load
from sqlalchemy import delete, func, insert, select, update
from typer.testing import CliRunner

from ltsplan.cli.main import app
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger import writes
from ltsplan.ledger.check import check_totals
from ltsplan.ledger.model import LedgerBatch, ledger_entry, ledger_total_delta
from ltsplan.store.db import Database

runner = CliRunner()


def donor_totals(db: Database) -> dict[str, tuple[int, float]]:
    with db.reading() as connection:
        frame = ledger_reports.totals(connection, by=["donor"]).frame
    return {r["donor"]: (r["entries"], r["pledged"]) for r in frame.to_dicts()}


def test_an_intact_ledger_checks_clean_and_exits_0(db: Database) -> None:
    load(db)
    with db.transaction() as connection:
        result = check_totals(connection)
    assert result.clean and result.groups > 0 and result.not_finite.is_empty()
    outcome = runner.invoke(app, ["ledger", "check", "--db", db.url, "--format", "json"])
    assert outcome.exit_code == 0, outcome.output
    assert '"rows": []' in outcome.output


def test_totals_summed_share_by_share_over_many_batches_equal_the_entries(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large import's running sums are merged share by share as its batches arrive
    (``writes.DELTA_SHARES``); merged after nearly every batch here, the totals written at the
    commit are still those rebuilt from the entries."""
    monkeypatch.setattr(writes, "DELTA_MERGE_ROWS", 16)
    batches = 30
    with db.transaction() as connection:
        for number in range(batches):
            rows = [(f"{r[0]}-{number}", *r[1:-1], r[-1] and f"{r[-1]}-{number}") for r in ROWS]
            batch = LedgerBatch(entries=frame(rows), sources=[SOURCE])
            writes.write_batch(connection, batch, recorded_at=FIRST_KNOWN)
    with db.transaction() as connection:
        assert check_totals(connection).clean
    donors = [r[COLUMNS.index("donor")] for r in ROWS]
    assert {d: n for d, (n, _) in donor_totals(db).items()} == {d: batches * donors.count(d) for d in donors}


def test_a_lost_delta_is_found_and_repaired(db: Database) -> None:
    load(db)
    before = donor_totals(db)
    with db.transaction() as connection:
        lost = connection.execute(select(func.max(ledger_total_delta.c.row_id))).scalar_one()
        connection.execute(delete(ledger_total_delta).where(ledger_total_delta.c.row_id == lost))
    assert donor_totals(db) != before

    found = runner.invoke(app, ["ledger", "check", "--db", db.url, "--format", "csv"])
    assert found.exit_code == 1
    assert found.output.count("\n") == 2  # the header and the one group that lost its row

    repaired = runner.invoke(app, ["ledger", "check", "--repair", "--db", db.url])
    assert repaired.exit_code == 0, repaired.output
    after = donor_totals(db)
    assert after.keys() == before.keys()
    for donor, (entries, pledged) in before.items():
        assert after[donor] == (entries, pytest.approx(pledged, rel=1e-12))
    with db.transaction() as connection:
        assert check_totals(connection).clean


def test_an_infinite_entry_and_a_damaged_total_are_repaired_to_the_exact_sums(db: Database) -> None:
    """What older code or a hand edit left behind: an entry stored with an infinite amount, and a
    total moved by a figure no entry gives."""
    load(db)
    reference = next(r[COLUMNS.index("reference")] for r in ROWS if r[COLUMNS.index("stage")] == "committed")
    with db.transaction() as connection:
        victim = connection.execute(select(ledger_entry).where(ledger_entry.c.id == entry_id(reference)))
        row = victim.mappings().one()
        keys = {c: row[c] for c in ("dataset", "kind", "stage", "donor", "recipient", "category", "subtype")}
        day = row["event_date"]
        connection.execute(
            insert(ledger_total_delta).values(
                at=row["recorded_at"],
                **keys,
                currency=row["currency"],
                year=day.year,
                month=day.month,
                entries=0,
                eur_cents=-round(row["eur"] * 100) + 123_456,
                usd_cents=-round(row["usd"] * 100),
                eur_missing=0,
                usd_missing=0,
                no_amount=0,
            )
        )
        infinite = dict.fromkeys(("amount", "eur", "usd"), float("inf"))
        connection.execute(
            update(ledger_entry).where(ledger_entry.c.row_id == row["row_id"]).values(**infinite)
        )
    # Expected: the inputs' sums, with the damaged entry's money counted as not converted.
    inputs = expected_frame(ROWS).with_columns(
        pl.when(pl.col("reference") == reference).then(0.0).otherwise(pl.col("pledged")).alias("pledged")
    )
    expected = inputs.group_by("donor").agg(pl.len().alias("entries"), pl.col("pledged").sum())
    pledged = dict(expected.select("donor", "pledged").iter_rows())
    assert donor_totals(db)[row["donor"]][1] == pytest.approx(pledged[row["donor"]] + 1234.56)

    with db.transaction() as connection:
        result = check_totals(connection)
    assert not result.clean
    assert result.not_finite.get_column("id").to_list() == [row["id"]]

    repaired = runner.invoke(app, ["ledger", "check", "--repair", "--db", db.url, "--format", "json"])
    assert repaired.exit_code == 0, repaired.output
    assert "not a finite number" in repaired.output

    got = donor_totals(db)
    for donor, entries, pledged_sum in expected.iter_rows():
        assert got[donor][0] == entries
        assert got[donor][1] == pytest.approx(pledged_sum, rel=1e-12, abs=0.005), donor
    with db.transaction() as connection:
        assert check_totals(connection).clean
