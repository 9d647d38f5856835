"""A plan against the ledger: planned deliveries of packages linked to commitments, as of any date,
and what re-planning from that day, keeping what is done, changes."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from ltsplan.errors import NotFound
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ENTRY
from ltsplan.planner import reports
from ltsplan.planner.imports import import_path
from ltsplan.planner.plans import PlanInfeasible, make_plan, stored
from ltsplan.planner.reality import reality_frame, replan
from ltsplan.planner.solve import Options
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

from .conftest import FIXTURES

OPTIONS = Options(time_limit=20.0, workers=2, seed=1)


@pytest.fixture
def linked(offered: Database, tmp_path: Path) -> Database:
    """The radio sets offered from 2025 and linked to a commitment of two, one delivered in May 2025;
    the plan made in January 2025."""
    import_file(offered, FIXTURES / "ledger.csv")
    commitment = ENTRY.id_of({"dataset": "planner-test", "reference": "EQ-1-C"})
    text = (FIXTURES / "packages.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "kind: equipment, available_from: 2027-01-01, quantity: 2",
        "kind: equipment, available_from: 2025-01-01, quantity: 2",
    )
    text = text.replace("lead_months: 3}", f"lead_months: 3, commitment_id: {commitment}}}")
    text = text.replace(
        "available_from: 2027-01-01, available_until: 2027-12-31, seats: 1",
        "available_from: 2025-01-01, available_until: 2027-12-31, seats: 1",
    )
    path = tmp_path / "linked.yaml"
    path.write_text(text, encoding="utf-8")
    import_path(offered, path)
    make_plan(offered, "P2025", options=OPTIONS, start=date(2025, 1, 1), months=36)
    return offered


def _states(db: Database, on: date, moment: datetime | None = None) -> dict[tuple[str, str], str]:
    with db.reading() as connection:
        frame = reality_frame(connection, "P2025", on, moment)
    return {(e, p): s for e, p, s in frame.select("element_code", "package_code", "state").iter_rows()}


def test_planned_deliveries_happen_or_run_late_as_the_ledger_says(linked: Database) -> None:
    with linked.reading() as connection:
        radios = stored(connection, "P2025").assignments.filter(pl.col("package_code") == "EQ-1")
    assert radios.height == 2 and radios.get_column("effective").max() <= date(2025, 6, 30)
    before = _states(linked, date(2025, 3, 1))
    assert {before[(e, "EQ-1")] for e in ("BN1", "BN2")} == {"due later"}
    on = _states(linked, date(2025, 6, 30))
    assert sorted(on[(e, "EQ-1")] for e in ("BN1", "BN2")) == ["delivered", "late"]
    assert all(state == "not tracked" for (_, package), state in on.items() if package != "EQ-1")


def test_a_plan_is_held_against_the_ledger_as_known_with_it(linked: Database) -> None:
    """One moment for every table the question reads: as known on a day before the plan was made,
    there was no plan to hold against anything."""
    with (
        linked.reading() as connection,
        pytest.raises(NotFound, match="no plan 'P2025' as known on 2025-05-05"),
    ):
        reality_frame(connection, "P2025", date(2025, 6, 30), as_of(date(2025, 5, 5)))


def test_replanning_keeps_what_is_done_and_says_what_changes(linked: Database) -> None:
    made = replan(linked, "P2025", "P2025-07", date(2025, 7, 1), options=OPTIONS)
    assert made.head["replans"] == "P2025" and made.head["fixed"] >= 1
    with linked.reading() as connection:
        plan = stored(connection, "P2025-07")
        diff = reports.diff_report(connection, "P2025", "P2025-07")
    done = plan.assignments.filter(pl.col("done"))
    assert ("EQ-1", date(2025, 1, 1)) in set(done.select("package_code", "start").iter_rows())
    late = [r for r in diff.frame.to_dicts() if r["package"] == "EQ-1"]
    assert len(late) == 1 and late[0]["change"] == "later" and late[0]["start_b"] >= date(2025, 7, 1)
    assert plan.head["start"] == date(2025, 7, 1)


def test_a_prerequisite_added_after_the_delivery_is_explained(linked: Database, tmp_path: Path) -> None:
    """What was done can contradict the offers as they now are: radio sets delivered before the
    antennas they are now said to need. The re-plan names the constraint and the records, and
    writes nothing."""
    path = tmp_path / "new-prerequisite.yaml"
    path.write_text(
        "packages:\n"
        "  - {code: EQ-3, name: Antennas, donor: GBR, kind: equipment, available_from: 2025-01-01, quantity: 2, lead_months: 1}\n"
        "prerequisites:\n"
        "  - {package: EQ-1, requires: EQ-3}\n",
        encoding="utf-8",
    )
    import_path(linked, path)
    with pytest.raises(PlanInfeasible) as raised:
        replan(linked, "P2025", "P2025-07", date(2025, 7, 1), options=OPTIONS)
    said = [p.message for p in raised.value.problems]
    assert said == ["prerequisite: BN1 started EQ-1 in 2025-01 without EQ-3 in effect"]
    with linked.reading() as connection, pytest.raises(Exception, match="no plan 'P2025-07'"):
        stored(connection, "P2025-07")
