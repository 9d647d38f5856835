"""The June 2023 scenario in the store, on SQLite and PostgreSQL: as of June, after Vilnius, and
loaded twice. Expected figures are computed from the scenario file itself."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from ltsplan.objectives.model import statement
from ltsplan.pathway import demo as demo_pathway
from ltsplan.pathway import reports as service
from ltsplan.pathway.model import position
from ltsplan.provenance.model import evidence
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

JUNE = as_of(date(2023, 6, 14))


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return yaml.safe_load(demo_pathway.scenario_path().read_text(encoding="utf-8"))


def members_on(scenario: dict[str, Any], body: str, day: date) -> set[str]:
    found: set[str] = set()
    for m in scenario["memberships"]:
        codes = m.get("members") or [m["member"]]
        if m["body"] == body and m["from"] <= day and (m.get("to") is None or day < m["to"]):
            found.update(codes)
    return found


def test_loading_the_scenario_twice_changes_nothing(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        before = [
            c.execute(select(func.count()).select_from(t)).scalar() for t in (position, statement, evidence)
        ]
    lines = demo_pathway.load(db)
    with db.reading() as c:
        after = [
            c.execute(select(func.count()).select_from(t)).scalar() for t in (position, statement, evidence)
        ]
    assert after == before
    assert "nothing changed" in lines[0]


def test_in_june_2023_not_while_fighting_is_every_allys_condition_and_the_us_and_germany_are_wary(
    db: Database, scenario: dict[str, Any]
) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        rows = {r["decision"]: r for r in service.decisions(c, JUNE).records()}
        positions = {r["actor"]: r for r in service.positions(c, "invite-ukraine", JUNE).records()}
    june_members = members_on(scenario, "NATO", date(2023, 6, 14))
    invite = rows["invite-ukraine"]
    assert invite["consensus"] == "pending" and invite["status"] == "open"
    assert invite["members"] == len(june_members)
    # the general allied agreement is every member's condition, not two members' position
    assert invite["conditional"].split(", ") == sorted(june_members)
    agreement = "Ukraine joins only once fighting has ended (general allied agreement)"
    assert all(positions[m]["conditions"].startswith(agreement) for m in june_members)
    wary = {m for m in june_members if "wary" in positions[m]["conditions"]}
    assert wary == {"USA", "DEU"}
    assert "RUS: oppose" in invite["non_members"]  # shown, but not a blocker
    assert invite["blockers"] == ""
    assert {
        r["status"] for r in rows.values() if r["decision"] in {d["code"] for d in scenario["decisions"]}
    } == {"open"}


def test_after_vilnius_the_council_and_programme_are_adopted_and_the_invitation_deferred(
    db: Database, scenario: dict[str, Any]
) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        rows = {r["decision"]: r for r in service.decisions(c, as_of(date(2023, 7, 12))).records()}
    outcomes = {o["decision"]: o["result"] for o in scenario["outcomes"]}
    assert {k: rows[k]["status"] for k in outcomes} == outcomes
    vilnius_members = members_on(scenario, "NATO", date(2023, 7, 11))
    assert rows["upgrade-cooperation"]["consensus"] == "adopted"
    assert rows["upgrade-cooperation"]["support"] == len(vilnius_members)
    assert rows["invite-ukraine"]["consensus"] == "pending"


def test_an_adopted_decision_is_judged_among_the_members_of_its_day_and_sweden_is_awaited_later(
    db: Database,
) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        rows = {r["decision"]: r for r in service.decisions(c, as_of(date(2024, 6, 1))).records()}
        history = service.history(c, "invite-ukraine", None).records()
    assert rows["upgrade-cooperation"]["consensus"] == "adopted"
    assert rows["upgrade-cooperation"]["judged_on"] == date(2023, 7, 11)
    assert rows["invite-ukraine"]["no_position"] == "SWE"
    joined = next(h for h in history if h["date"] == date(2024, 3, 7))
    assert joined["changed"] == "SWE joined" and joined["no_position"] == 1


def test_conditions_show_what_the_membership_pathway_still_waits_on(
    db: Database, scenario: dict[str, Any]
) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        june = service.conditions(c, JUNE, "invite-ukraine")
        today = service.conditions(c, None, "invite-ukraine")
    stated_by_june = {k["code"] for k in scenario["conditions"] if k["stated"] <= date(2023, 6, 14)}
    assert set(june.frame.get_column("condition")) == stated_by_june
    assert set(today.frame.get_column("condition")) == {k["code"] for k in scenario["conditions"]}
    statuses = dict(today.frame.select("condition", "status").iter_rows())
    assert statuses == {"hostilities-ended": "not met", "allies-agree": "not met", "reforms": "unknown"}
    assert set(today.frame.get_column("pathway")) == {"closed"}


def test_positions_list_every_member_and_mark_non_members_as_not_counting(db: Database) -> None:
    demo_pathway.load(db)
    with db.reading() as c:
        rows = {r["actor"]: r for r in service.positions(c, "invite-ukraine", JUNE).records()}
    assert rows["RUS"]["stance"] == "oppose" and rows["RUS"]["counts"] is False
    assert rows["USA"]["stance"] == "conditional" and "(C2)" in rows["USA"]["sources"]
    assert rows["FRA"]["stance"] == "conditional" and "wary" not in rows["FRA"]["conditions"]
    assert rows["UKR"]["stance"] == "support" and rows["UKR"]["counts"] is False
