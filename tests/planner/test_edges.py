"""The planner on inputs at the edges, each checked against what a hand count gives."""

from __future__ import annotations

import pytest

from ltsplan.planner.evaluate import evaluate
from ltsplan.planner.solve import Options, make

from .builders import Offer, Target, plan_of, problem

FAST = Options(time_limit=10.0, workers=2, seed=1)


def test_two_milestones_due_the_same_month_count_a_raise_once() -> None:
    """A target four steps short, held by two milestones both due in month 3; one batch raises it
    one step. Whatever the plan, the element is one step up of four at both milestones: 0.25 each,
    not twice the raise."""
    twice = problem(
        {"BN": "land"},
        [Target("BN", "R", due=3, goal=4.0, milestones=("M1", "M2"))],
        [Offer("BATCH", "equipment", {"R": 1}, lead=1, quantity=1)],
        months=6,
        milestones={"M1": 3, "M2": 3},
    )
    outcome = make(twice, FAST)
    assert {(e, p) for e, p, _ in plan_of(twice, outcome.assignments)} == {("BN", "BATCH")}
    assert outcome.objective == pytest.approx(0.25)
    readiness = dict(outcome.evaluation.milestones.select("milestone", "readiness").iter_rows())
    assert readiness == {0: pytest.approx(0.25), 1: pytest.approx(0.25)}
    assert evaluate(twice, outcome.assignments).terms.get_column("attainment").to_list() == [
        pytest.approx(0.25),
        pytest.approx(0.25),
    ]
