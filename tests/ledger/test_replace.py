"""``import --replace``: a revised release that drops a record withdraws it as of the import, in
that release's datasets only; its history and the totals known before stay as they were."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ltsplan.errors import InvalidInput, LtsplanError
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry, ledger_plan
from ltsplan.ledger.reports import LedgerFilter, delta_sums
from ltsplan.records.writing import import_run
from ltsplan.store.db import Database
from ltsplan.store.time import versions_of

HEADER = "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,source_title,source_kind"
FIRST = datetime(2023, 7, 2)
LATER = datetime(2024, 3, 2)
HANDMADE = Path(__file__).parents[1] / "fixtures" / "iati" / "handmade"


def row(dataset: str, reference: str, amount: int) -> str:
    return f"{dataset},{reference},commitment,committed,DEU,UKR,military,2023-06-01,{amount},EUR,Aid list,official document"


def write(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def live_references(db: Database) -> dict[str, float]:
    with db.reading() as connection:
        rows = connection.execute(
            select(ledger_entry.c.reference, ledger_entry.c.amount).where(
                ledger_entry.c.retracted_at.is_(None)
            )
        ).all()
    return {r.reference: r.amount for r in rows}


def entries_counted(db: Database, moment: datetime | None) -> float:
    with db.transaction() as connection:
        frame = delta_sums(connection, ["donor"], moment, LedgerFilter())
    return float(frame.get_column("entries").sum())


def test_a_replacing_release_withdraws_what_it_dropped_in_its_own_datasets(
    db: Database, tmp_path: Path
) -> None:
    import_file(db, write(tmp_path / "other.csv", row("other", "X", 9)), recorded_at=FIRST)
    release = write(
        tmp_path / "r1.csv", row("tracker", "A", 1), row("tracker", "B", 2), row("tracker", "C", 3)
    )
    import_file(db, release, recorded_at=FIRST)

    revised = write(tmp_path / "r2.csv", row("tracker", "A", 10), row("tracker", "B", 2))
    outcome = import_file(db, revised, recorded_at=LATER, replace=True)

    summary = outcome.summary.entries
    assert (summary.inserted, summary.revised, summary.unchanged, summary.retracted) == (0, 1, 1, 1)
    assert live_references(db) == {"A": 10.0, "B": 2.0, "X": 9.0}  # the other dataset is untouched
    assert entries_counted(db, None) == 3 and entries_counted(db, FIRST) == 4
    with db.reading() as connection:
        dropped = connection.execute(
            select(ledger_entry.c.id).where(ledger_entry.c.reference == "C")
        ).scalar_one()
        history = versions_of(connection, ledger_entry, dropped)
        withdrawn = (
            connection.execute(select(import_run.c.withdrawn).order_by(import_run.c.row_id)).scalars().all()
        )
    assert [(h["recorded_at"], h["retracted_at"]) for h in history] == [(FIRST, LATER)]
    assert withdrawn == [0, 0, 1]

    again = import_file(db, revised, recorded_at=datetime(2024, 4, 1), replace=True)
    assert again.summary.entries.retracted == 0 and len(live_references(db)) == 3


def test_without_replace_a_dropped_record_stays(db: Database, tmp_path: Path) -> None:
    import_file(
        db, write(tmp_path / "r1.csv", row("tracker", "A", 1), row("tracker", "C", 3)), recorded_at=FIRST
    )
    outcome = import_file(db, write(tmp_path / "r2.csv", row("tracker", "A", 1)), recorded_at=LATER)
    assert outcome.summary.entries.retracted == 0
    assert set(live_references(db)) == {"A", "C"}


def test_replace_refuses_skip_invalid(db: Database, tmp_path: Path) -> None:
    with pytest.raises(LtsplanError, match="do not go together"):
        import_file(db, write(tmp_path / "r.csv", row("tracker", "A", 1)), replace=True, skip_invalid=True)


def test_a_revised_iati_file_withdraws_a_dropped_transaction_and_budget(db: Database, tmp_path: Path) -> None:
    original = HANDMADE / "budget-revision.xml"
    first = import_file(db, original, recorded_at=FIRST)
    tree = ET.parse(original)
    activity = tree.getroot().find("iati-activity")
    assert activity is not None
    transactions = activity.findall("transaction")
    budgets = activity.findall("budget")
    activity.remove(transactions[-1])
    activity.remove(budgets[1])  # the only budget for 2024 (2023's original and revision share an id)
    revised = tmp_path / "revised.xml"
    tree.write(revised, encoding="utf-8", xml_declaration=True)

    later = import_file(db, revised, recorded_at=LATER, replace=True)
    assert later.summary.entries.retracted == 1
    assert later.summary.plans.retracted == 1
    with db.reading() as connection:
        live_entries = connection.execute(
            select(ledger_entry.c.id).where(ledger_entry.c.retracted_at.is_(None))
        ).all()
        live_plans = connection.execute(
            select(ledger_plan.c.id).where(ledger_plan.c.retracted_at.is_(None))
        ).all()
    assert len(live_entries) == first.summary.entries.inserted - 1
    assert len(live_plans) == first.summary.plans.inserted - first.summary.plans.revised - 1


HEADER_LINKED = HEADER + ",commitment_id"


def linked(dataset: str, reference: str, kind: str, commitment: str = "") -> str:
    stage = "delivered" if kind == "delivery" else "committed"
    return (
        f"{dataset},{reference},{kind},{stage},DEU,UKR,military,2023-06-01,5,EUR,Aid list,official document,"
        f"{commitment}"
    )


def write_linked(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER_LINKED, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kept_in", ["the file", "another dataset"])
def test_a_release_that_drops_a_commitment_a_delivery_still_names_is_refused(
    db: Database, tmp_path: Path, kept_in: str
) -> None:
    """Every import refuses a delivery naming no live commitment; --replace must not make one."""
    first = [linked("tracker", "C1", "commitment"), linked("tracker", "C2", "commitment")]
    if kept_in == "the file":
        first.append(linked("tracker", "D1", "delivery", "C1"))
    import_file(db, write_linked(tmp_path / "r1.csv", *first), recorded_at=FIRST)
    if kept_in == "another dataset":
        commitment = live_ids(db)["C1"]
        import_file(
            db,
            write_linked(tmp_path / "d.csv", linked("ours", "D1", "delivery", commitment)),
            recorded_at=FIRST,
        )
    revised = [linked("tracker", "C2", "commitment")]
    if kept_in == "the file":
        revised.append(linked("tracker", "D1", "delivery", "C1"))
    before = live_references(db)
    with pytest.raises(InvalidInput) as raised:
        import_file(db, write_linked(tmp_path / "r2.csv", *revised), recorded_at=LATER, replace=True)
    [problem] = raised.value.problems
    assert problem.field == "commitment_id" and "--replace withdrawing it" in problem.message
    assert problem.record == ("tracker/D1" if kept_in == "the file" else "ours/D1")
    assert problem.line == (3 if kept_in == "the file" else None)
    assert live_references(db) == before


def test_a_release_that_drops_a_commitment_with_its_deliveries_withdraws_them_all(
    db: Database, tmp_path: Path
) -> None:
    first = [linked("tracker", "C1", "commitment"), linked("tracker", "D1", "delivery", "C1")]
    import_file(
        db,
        write_linked(tmp_path / "r1.csv", *first, linked("tracker", "C2", "commitment")),
        recorded_at=FIRST,
    )
    import_file(
        db,
        write_linked(tmp_path / "r2.csv", linked("tracker", "C2", "commitment")),
        recorded_at=LATER,
        replace=True,
    )
    assert set(live_references(db)) == {"C2"}


def live_ids(db: Database) -> dict[str, str]:
    with db.reading() as connection:
        rows = connection.execute(
            select(ledger_entry.c.reference, ledger_entry.c.id).where(ledger_entry.c.retracted_at.is_(None))
        ).all()
    return {r.reference: r.id for r in rows}
