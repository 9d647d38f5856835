"""Importing IATI files into a real database (SQLite and PostgreSQL): one transaction, idempotent,
no double counting, budgets revised not added, history kept. Expected figures come from the XML,
read here with the standard library's ElementTree.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry, ledger_plan
from ltsplan.ledger.reports import LedgerFilter, delta_sums
from ltsplan.provenance.model import source
from ltsplan.store.db import Database
from ltsplan.store.time import versions_of

IATI = Path(__file__).parents[1] / "fixtures" / "iati"
HANDMADE = IATI / "handmade"
FIRST = datetime(2023, 7, 2)
LATER = datetime(2024, 3, 2)


def live(db: Database, table, *columns):  # type: ignore[no-untyped-def]
    with db.transaction() as connection:
        return connection.execute(select(*columns).where(table.c.retracted_at.is_(None))).all()


def totals(db: Database) -> dict[tuple[str, str, str], float]:
    with db.transaction() as connection:
        frame = delta_sums(connection, ["donor"], None, LedgerFilter())
    return {
        (d, k, s): round(e, 2) for d, k, s, e in frame.select("donor", "kind", "stage", "entries").iter_rows()
    }


def counted_transactions(path: Path) -> list[tuple[str, str, float]]:
    """(activity, type, value) of the transactions the documented rules count, found with
    ElementTree: outgoing types only, and not a parent's type that one of its children reports."""
    tree = ET.parse(path)
    activities = {a.findtext("iati-identifier"): a for a in tree.iter("iati-activity")}
    children: dict[str, set[str]] = {i: set() for i in activities}
    for i, a in activities.items():
        for r in a.iter("related-activity"):
            if r.get("type") == "2" and r.get("ref") in activities:
                children[i].add(r.get("ref"))
            if r.get("type") == "1" and r.get("ref") in activities:
                children[r.get("ref")].add(i)
    types = {
        i: {t.find("transaction-type").get("code") for t in a.iter("transaction")}
        for i, a in activities.items()
    }
    found = []
    for i, a in activities.items():
        covered = set().union(*(types[c] for c in children[i])) if children[i] else set()
        for t in a.iter("transaction"):
            code = t.find("transaction-type").get("code")
            if code in ("2", "3", "4") and code not in covered:
                found.append((i, code, float(t.findtext("value"))))
    return found


def test_importing_the_annotated_example_writes_its_plans_and_cites_the_file(db: Database) -> None:
    path = IATI / "activity-standard-example-annotated.xml"
    outcome = import_file(db, path, recorded_at=FIRST)
    tree = ET.parse(path)
    plans = len(list(tree.iter("budget"))) + len(list(tree.iter("planned-disbursement")))
    assert outcome.summary.plans.inserted == plans
    rows = live(db, source, source.c.title, source.c.kind, source.c.published, source.c.reliability)
    assert [(r.kind, r.published.isoformat(), r.reliability) for r in rows] == [
        ("dataset release", tree.getroot().get("generated-datetime")[:10], "B")
    ]
    assert "Organisation name" in rows[0].title


def test_a_flow_reported_by_funder_and_implementer_and_by_parent_and_children_counts_once(
    db: Database,
) -> None:
    path = HANDMADE / "double-counting.xml"
    import_file(db, path, recorded_at=FIRST)
    expected = counted_transactions(path)
    rows = live(db, ledger_entry, ledger_entry.c.reference, ledger_entry.c.amount)
    assert sorted(r.amount for r in rows) == sorted(v for _, _, v in expected)
    assert not any(r.reference.startswith("XM-EXAMPLE-IMPL") for r in rows)  # incoming only
    budgets = live(db, ledger_plan, ledger_plan.c.activity, ledger_plan.c.amount)
    assert [(b.activity, b.amount) for b in budgets] == [("XM-EXAMPLE-FUNDER-PROJ-A", 400000.0)]


def test_reimporting_the_same_file_changes_nothing(db: Database) -> None:
    path = HANDMADE / "double-counting.xml"
    first = import_file(db, path, recorded_at=FIRST)
    before = totals(db)
    second = import_file(db, path, recorded_at=LATER)
    n = len(counted_transactions(path))
    assert (first.summary.entries.inserted, first.summary.entries.unchanged) == (n, 0)
    assert (second.summary.entries.inserted, second.summary.entries.revised) == (0, 0)
    assert second.summary.entries.unchanged == n
    assert second.summary.plans.inserted + second.summary.plans.revised == 0
    assert totals(db) == before


def test_a_revised_budget_replaces_the_original_for_its_period_and_history_is_kept(db: Database) -> None:
    import_file(db, HANDMADE / "budget-revision.xml", recorded_at=FIRST)
    budgets = {
        (b.period_start.year, b.kind): b.amount
        for b in live(db, ledger_plan, ledger_plan.c.period_start, ledger_plan.c.kind, ledger_plan.c.amount)
    }
    assert budgets[(2023, "budget")] == 1200.0  # revised, not 1000 + 1200
    assert budgets[(2024, "budget")] == 800.0
    tree = ET.parse(HANDMADE / "budget-revision.xml")
    planned = sum(float(p.findtext("value")) for p in tree.iter("planned-disbursement"))
    with db.transaction() as connection:
        pd_total = connection.execute(
            select(func.sum(ledger_plan.c.amount)).where(
                ledger_plan.c.kind == "planned-disbursement", ledger_plan.c.retracted_at.is_(None)
            )
        ).scalar()
    assert pd_total == planned

    later = import_file(db, HANDMADE / "budget-revision-2024.xml", recorded_at=LATER)
    assert later.summary.entries.revised == 1  # the commitment raised to 2500
    rows = live(
        db,
        ledger_plan,
        ledger_plan.c.id,
        ledger_plan.c.period_start,
        ledger_plan.c.kind,
        ledger_plan.c.amount,
    )
    now = {(r.period_start.year, r.kind): r for r in rows}
    assert now[(2024, "budget")].amount == 950.0
    assert len(rows) == 4  # still one plan per activity, kind and period
    with db.transaction() as connection:
        history = versions_of(connection, ledger_plan, now[(2024, "budget")].id)
        commitment = (
            connection.execute(select(ledger_entry.c.id).where(ledger_entry.c.kind == "commitment"))
            .scalars()
            .first()
        )
        entry_history = versions_of(connection, ledger_entry, commitment)
    assert [h["amount"] for h in history] == [800.0, 950.0]
    assert history[0]["retracted_at"] == LATER
    assert [h["amount"] for h in entry_history] == [2000.0, 2500.0]


def test_an_invalid_file_writes_nothing_and_lists_every_problem(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_file(db, HANDMADE / "messy.xml", recorded_at=FIRST)
    assert {p.field for p in refused.value.problems} == {"value", "transaction-date", "transaction-type"}
    assert live(db, ledger_entry, ledger_entry.c.id) == []
    assert live(db, source, source.c.id) == []


def test_skip_invalid_writes_the_valid_transactions_and_names_each_skipped_one(
    db: Database, tmp_path: Path
) -> None:
    outcome = import_file(
        db, HANDMADE / "messy.xml", skip_invalid=True, recorded_at=FIRST, report_dir=tmp_path
    )
    assert outcome.summary.entries.inserted == 1
    assert outcome.report_path is not None
    with outcome.report_path.open(newline="") as handle:
        skipped = list(csv.DictReader(handle))
    assert sorted(r["field"] for r in skipped) == ["transaction-date", "transaction-type", "value"]
    assert {r["record"] for r in skipped} == {"XM-EXAMPLE-MESSY-1"}
    assert all(r["line"] for r in skipped)


def test_every_entry_cites_the_files_source(db: Database) -> None:
    import_file(db, HANDMADE / "defaults-and-reflows.xml", recorded_at=FIRST)
    cited = {r.source_id for r in live(db, ledger_entry, ledger_entry.c.source_id)}
    sources = {r.id for r in live(db, source, source.c.id)}
    assert cited == sources and len(sources) == 1


def test_the_command_line_refuses_a_hostile_file_with_exit_status_1(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "ltsplan"),
            "import",
            str(IATI / "hostile" / "external-entity.xml"),
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "DOCTYPE" in done.stderr and "external-entity.xml" in done.stderr
    assert "root:" not in done.stderr + done.stdout
