"""The pathway's status is derived from its conditions."""

from __future__ import annotations

from datetime import date

from ltsplan.pathway.conditions import pathway_status
from ltsplan.pathway.consensus import consensus
from ltsplan.pathway.model import Condition, ConditionStatus, Membership, Position, Rule

DAY = date(2023, 7, 12)
MEMBERS = [Membership("NATO", c, date(1949, 8, 24)) for c in ("USA", "DEU")]
CONDITIONS = [
    Condition("hostilities", "invite", "Active hostilities have ended", stated=date(2023, 6, 14)),
    Condition("allies", "invite", "All allies agree", derive="consensus"),
    Condition("reforms", "invite", "Reforms", stated=date(2023, 7, 11)),
]


def test_the_pathway_is_closed_while_a_condition_is_not_met_and_lists_what_remains() -> None:
    agreed = consensus(
        Rule(), MEMBERS, "NATO", [Position("invite", c, "support", DAY) for c in ("USA", "DEU")], DAY
    )
    statuses = [ConditionStatus("hostilities", "not met", date(2023, 6, 14))]
    status = pathway_status("invite", CONDITIONS, statuses, agreed, DAY)
    assert status.status == "closed"
    assert status.met == ["allies"]
    assert status.remaining == ["hostilities", "reforms"]  # not met first, then unknown


def test_a_consensus_condition_is_not_met_while_the_consensus_is_pending() -> None:
    pending = consensus(Rule(), MEMBERS, "NATO", [Position("invite", "USA", "support", DAY)], DAY)
    status = pathway_status("invite", CONDITIONS, [], pending, DAY)
    assert {c.condition.code: c.status for c in status.conditions}["allies"] == "not met"


def test_unknown_conditions_make_the_pathway_uncertain_and_all_met_make_it_open() -> None:
    agreed = consensus(
        Rule(), MEMBERS, "NATO", [Position("invite", c, "support", DAY) for c in ("USA", "DEU")], DAY
    )
    met = [ConditionStatus("hostilities", "met", date(2030, 1, 1))]
    assert pathway_status("invite", CONDITIONS, met, agreed, date(2030, 1, 1)).status == "uncertain"
    met.append(ConditionStatus("reforms", "met", date(2030, 1, 1)))
    assert pathway_status("invite", CONDITIONS, met, agreed, date(2030, 1, 1)).status == "open"


def test_a_condition_stated_after_the_date_is_not_yet_part_of_the_pathway() -> None:
    status = pathway_status("invite", CONDITIONS, [], None, date(2023, 6, 14))
    assert [c.condition.code for c in status.conditions] == ["allies", "hostilities"]
