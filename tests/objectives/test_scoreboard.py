"""The scoreboard keeps each assessor's latest verdict side by side and measures their divergence."""

from __future__ import annotations

from datetime import date

from ltsplan.objectives.model import SCALE, ObjectiveAssessment
from ltsplan.objectives.scoreboard import latest_verdicts

JUNE = date(2023, 6, 14)


def verdict(assessor: str, status: str, when: date = JUNE) -> ObjectiveAssessment:
    return ObjectiveAssessment("aim", assessor, status, when)


def test_disagreeing_assessors_stand_side_by_side_with_their_ordinal_distance() -> None:
    verdicts = latest_verdicts([verdict("commentary", "achieved"), verdict("wire", "ongoing")], "aim", JUNE)
    assert [(a.assessor, a.status) for a in verdicts.latest] == [
        ("commentary", "achieved"),
        ("wire", "ongoing"),
    ]
    assert verdicts.divergence == SCALE["achieved"] - SCALE["ongoing"]
    assert verdicts.agreement == "diverge"


def test_only_each_assessors_latest_verdict_on_or_before_the_date_counts() -> None:
    history = [verdict("wire", "ongoing"), verdict("wire", "not achieved", date(2023, 7, 12))]
    assert latest_verdicts(history, "aim", JUNE).latest[0].status == "ongoing"
    assert latest_verdicts(history, "aim", date(2023, 7, 12)).latest[0].status == "not achieved"
    assert latest_verdicts(history, "aim", date(2023, 6, 13)).latest == ()


def test_abandoned_stands_apart_from_the_scale() -> None:
    verdicts = latest_verdicts([verdict("a", "abandoned"), verdict("b", "ongoing")], "aim", JUNE)
    assert verdicts.divergence is None
    assert verdicts.abandoned_split is True
    assert verdicts.agreement == "diverge"


def test_one_assessor_has_no_divergence_and_agreeing_assessors_have_zero() -> None:
    assert latest_verdicts([verdict("a", "achieved")], "aim", JUNE).divergence is None
    agreeing = latest_verdicts([verdict("a", "achieved"), verdict("b", "achieved")], "aim", JUNE)
    assert agreeing.divergence == 0 and agreeing.agreement == "agree"
