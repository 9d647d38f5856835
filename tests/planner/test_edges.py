"""The planner on inputs at the edges, each checked against what a hand count gives."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from ltsplan.errors import LtsplanError
from ltsplan.planner.bindings import shortfalls
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


def test_a_readiness_plan_with_nothing_due_in_it_is_refused() -> None:
    """Every milestone and target is due before the plan's first month: no plan can change their
    readiness, and a weighted mean over no deadline is not 100 %."""
    late = problem(
        {"BN": "land"},
        [Target("BN", "R", due=-2, milestones=("M",)), Target("BN", "S", due=-1)],
        [Offer("BATCH", "equipment", {"R": 1, "S": 1}, lead=1, quantity=1)],
        months=12,
        milestones={"M": -3},
        start=date(2030, 1, 1),
    )
    with pytest.raises(LtsplanError, match="nothing is due from 2030-01 on"):
        make(late, FAST)
    # Lateness still has an answer: both targets are late from the plan's first month.
    lateness = make(late, Options(objective="lateness", time_limit=10.0, seed=1))
    assert lateness.baseline.objective == pytest.approx(24.0)
    assert lateness.objective == pytest.approx(2.0)


def test_a_readiness_plan_whose_targets_all_weigh_nothing_is_refused() -> None:
    weightless = problem(
        {"BN": "land"},
        [Target("BN", "R", due=3, weight=0.0, milestones=("M",))],
        [Offer("BATCH", "equipment", {"R": 1}, lead=1, quantity=1)],
        months=6,
        milestones={"M": 3},
    )
    with pytest.raises(LtsplanError, match="all weigh 0"):
        make(weightless, FAST)


def test_a_course_started_before_the_plan_holds_its_seat_when_it_runs() -> None:
    """What is done holds the one seat of a two-month course in months 1 and 2 (B started it in
    month 1). A needs the course by month 2, so only a start in month 0 would do — and it would sit
    beside B in month 1. No plan can give it: the course stays B's alone."""
    full = problem(
        {"A": "land", "B": "land"},
        [Target("A", "R", due=2, milestones=("M",)), Target("B", "S", due=5, milestones=("N",))],
        [Offer("COURSE", "training", {"R": 1}, lead=2, seats=1)],
        months=6,
        milestones={"M": 2, "N": 5},
    )
    full.fixed_element = np.array([1], dtype=np.int64)
    full.fixed_package = np.array([0], dtype=np.int64)
    full.fixed_start = np.array([1], dtype=np.int64)
    outcome = make(full, FAST)
    assert plan_of(full, outcome.assignments) == set()
    assert outcome.objective == pytest.approx(0.0)


def test_a_plan_proven_optimal_reports_its_objective_as_the_bound() -> None:
    """The one course that could raise A's gap in time has its one seat held by what is done (B,
    from month 1): nothing can help, the solver proves 0 optimal in presolve, and the bound, gap and
    status say so (not the trivial bound of 0.5 that CP-SAT leaves beside a floating objective)."""
    hopeless = problem(
        {"A": "land", "B": "land"},
        [Target("A", "R", due=2, milestones=("M",)), Target("B", "S", due=5, milestones=("N",))],
        [Offer("COURSE", "training", {"R": 1}, lead=2, seats=1)],
        months=6,
        milestones={"M": 2, "N": 5},
    )
    hopeless.fixed_element = np.array([1], dtype=np.int64)
    hopeless.fixed_package = np.array([0], dtype=np.int64)
    hopeless.fixed_start = np.array([1], dtype=np.int64)
    outcome = make(hopeless, FAST)
    assert outcome.objective == pytest.approx(0.0)
    assert outcome.bound == pytest.approx(0.0, abs=1e-4)
    assert outcome.gap == pytest.approx(0.0, abs=1e-4)
    assert outcome.status == "optimal"


@pytest.mark.parametrize(
    "equipment",
    [
        Offer("EQ", "equipment", {}, lead=1, quantity=5, first=-5, last=-1),  # its window has closed
        Offer("EQ", "equipment", {}, lead=1, quantity=5, domain="air"),  # not for land elements
        Offer("EQ", "equipment", {}, lead=1, quantity=5, needs=("OLD",)),  # needs what has closed
    ],
)
def test_a_course_whose_equipment_cannot_be_had_is_bound_by_its_prerequisite(equipment: Offer) -> None:
    """The only course that raises the gap needs equipment that no plan can give the element: the
    shortfall is the prerequisite's, not a course that 'had room' and was not chosen."""
    offers = [
        equipment,
        Offer("COURSE", "training", {"R": 1}, lead=1, seats=1, needs=("EQ",)),
        Offer("OLD", "equipment", {}, lead=1, quantity=5, first=-5, last=-1),
    ]
    stuck = problem(
        {"A": "land"}, [Target("A", "R", due=6, milestones=("M",))], offers, months=8, milestones={"M": 6}
    )
    outcome = make(stuck, FAST)
    assert plan_of(stuck, outcome.assignments) == set()
    short = shortfalls(stuck, outcome)
    assert short.select("element", "binding").rows() == [("A", "prerequisite")]
    assert short.get_column("detail").to_list() == [
        "COURSE: needs EQ first, which cannot be in effect in time for 2027-07"
    ]


def test_a_fund_never_pays_more_than_its_budget_for_costs_below_a_cent() -> None:
    """A fund of 0.01 a year pays a batch of 0.004 an element: two elements a year, not three
    (counted in cents, 0.004 would have cost nothing)."""
    cheap = problem(
        {"A": "land", "B": "land", "C": "land"},
        [Target(e, "R", due=3, milestones=("M",)) for e in "ABC"],
        [
            Offer("FUND", "funds", {}, lead=1, budget=0.01),
            Offer("EQ", "equipment", {"R": 1}, lead=1, quantity=5, cost=0.004, fund="FUND"),
        ],
        months=6,
        milestones={"M": 3},
    )
    outcome = make(cheap, FAST)
    assert len(plan_of(cheap, outcome.assignments)) == 2
    assert outcome.objective == pytest.approx(2 / 3)
    assert outcome.bound == pytest.approx(2 / 3, abs=1e-4)
