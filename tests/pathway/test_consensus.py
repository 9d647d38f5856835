"""The consensus rule, computed from dated positions and dated memberships."""

from __future__ import annotations

from datetime import date

from ltsplan.pathway.consensus import ADOPTED, BLOCKED, PENDING, consensus
from ltsplan.pathway.model import Membership, Position, Rule

JUNE = date(2023, 6, 14)
MEMBERS = [
    Membership("NATO", "USA", date(1949, 8, 24)),
    Membership("NATO", "DEU", date(1955, 5, 6)),
    Membership("NATO", "FIN", date(2023, 4, 4)),
    Membership("NATO", "SWE", date(2024, 3, 7)),
]


def stance(actor: str, what: str, when: date = JUNE, conditions: str | None = None) -> Position:
    return Position("invite", actor, what, when, conditions)


def test_one_opposing_current_member_blocks_and_is_named() -> None:
    positions = [stance("USA", "support"), stance("DEU", "oppose"), stance("FIN", "support")]
    result = consensus(Rule(), MEMBERS, "NATO", positions, JUNE)
    assert result.status == BLOCKED
    assert result.blockers == ("DEU",)
    assert "DEU" in result.explanation()


def test_a_non_members_opposition_does_not_count() -> None:
    positions = [stance(m, "support") for m in ("USA", "DEU", "FIN")] + [stance("RUS", "oppose")]
    result = consensus(Rule(), MEMBERS, "NATO", positions, JUNE)
    assert result.status == ADOPTED
    assert result.outside == ("RUS",)
    assert result.blockers == ()


def test_a_state_that_joins_later_neither_blocks_nor_is_awaited_before_it_joins() -> None:
    positions = [stance(m, "support") for m in ("USA", "DEU", "FIN")] + [stance("SWE", "oppose")]
    before = consensus(Rule(), MEMBERS, "NATO", positions, JUNE)
    after = consensus(Rule(), MEMBERS, "NATO", positions, date(2024, 3, 7))
    assert before.status == ADOPTED and "SWE" not in before.members
    assert after.status == BLOCKED and after.blockers == ("SWE",)


def test_membership_ends_the_day_before_valid_to() -> None:
    left = [*MEMBERS, Membership("NATO", "XKX", date(2000, 1, 1), date(2023, 6, 14))]
    assert "XKX" in consensus(Rule(), left, "NATO", [], date(2023, 6, 13)).members
    assert "XKX" not in consensus(Rule(), left, "NATO", [], JUNE).members


def test_undecided_conditional_and_silent_members_are_named_while_pending() -> None:
    positions = [stance("USA", "conditional", conditions="after the war"), stance("DEU", "undecided")]
    result = consensus(Rule(), MEMBERS, "NATO", positions, JUNE)
    assert result.status == PENDING
    assert result.conditional == ("USA",)
    assert result.undecided == ("DEU",)
    assert result.silent == ("FIN",)
    assert result.conditions == {"USA": "after the war"}


def test_the_latest_position_on_or_before_the_date_counts() -> None:
    positions = [stance("DEU", "oppose", date(2023, 1, 1)), stance("DEU", "support", date(2023, 7, 1))]
    positions += [stance("USA", "support"), stance("FIN", "support")]
    assert consensus(Rule(), MEMBERS, "NATO", positions, JUNE).status == BLOCKED
    assert consensus(Rule(), MEMBERS, "NATO", positions, date(2023, 7, 1)).status == ADOPTED


def test_silence_counts_as_consent_only_when_the_rule_says_so() -> None:
    positions = [stance("USA", "support")]
    assert consensus(Rule(), MEMBERS, "NATO", positions, JUNE).status == PENDING
    assert consensus(Rule(silence="consent"), MEMBERS, "NATO", positions, JUNE).status == ADOPTED


def test_a_majority_body_adopts_above_its_threshold_and_blocks_when_a_majority_is_out_of_reach() -> None:
    body = [Membership("EP", code, date(2000, 1, 1)) for code in "ABCDE"]
    rule = Rule(kind="majority", threshold=0.5)
    three_for = [Position("x", a, "support", JUNE) for a in "ABC"]
    assert consensus(rule, body, "EP", three_for, JUNE).status == ADOPTED
    two_for = [Position("x", a, "support", JUNE) for a in "AB"]
    assert consensus(rule, body, "EP", two_for, JUNE).status == PENDING
    three_against = [Position("x", a, "oppose", JUNE) for a in "CDE"]
    assert consensus(rule, body, "EP", two_for + three_against, JUNE).status == BLOCKED


def test_a_majority_threshold_is_the_fraction_written_not_its_binary_approximation() -> None:
    # 0.29 × 100 members is 29: 29 supporters do not exceed it, 30 do. In binary floating point
    # 0.29 × 100 is 28.999999999999996, which 29 "exceeded".
    body = [Membership("EP", f"M{i:03d}", date(2000, 1, 1)) for i in range(100)]
    rule = Rule(kind="majority", threshold=0.29)
    members = [m.member for m in body]
    support = [Position("x", a, "support", JUNE) for a in members[:29]]
    assert consensus(rule, body, "EP", support, JUNE).status == PENDING
    one_more = [Position("x", a, "support", JUNE) for a in members[:30]]
    assert consensus(rule, body, "EP", one_more, JUNE).status == ADOPTED
    # A majority is out of reach once 71 oppose (29 left cannot exceed 29), not before.
    against = [Position("x", a, "oppose", JUNE) for a in members[29:]]  # 71
    assert consensus(rule, body, "EP", against, JUNE).status == BLOCKED
    assert consensus(rule, body, "EP", against[1:], JUNE).status == PENDING  # 70: 30 could still adopt
