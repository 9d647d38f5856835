"""The model and the greedy baseline on problems small enough to solve by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ltsplan.errors import LtsplanError
from ltsplan.planner.evaluate import evaluate, to_elements
from ltsplan.planner.greedy import greedy_counts
from ltsplan.planner.layout import build_layout
from ltsplan.planner.solve import Options, make

from .builders import Offer, Target, plan_of, problem

FAST = Options(time_limit=10.0, workers=2, seed=1)


def test_the_optimum_found_by_hand_is_the_plan() -> None:
    """A land battalion (weight 1) and an air squadron (weight 3) each lack R, due in month 3. A
    three-month course open to all has one seat from month 0; a batch with a three-month lead time
    is only for the air domain. By hand: the course must go to the battalion and the batch to the
    squadron, both started in month 0 — everything ready, readiness 1."""
    tiny = problem(
        {"BN": "land", "SQN": "air"},
        [
            Target("BN", "R", due=3, weight=1, milestones=("M",)),
            Target("SQN", "R", due=3, weight=3, milestones=("M",)),
        ],
        [
            Offer("COURSE", "training", {"R": 1}, lead=3, seats=1),
            Offer("BATCH", "equipment", {"R": 1}, lead=3, quantity=1, domain="air"),
        ],
        months=6,
        milestones={"M": 3},
    )
    outcome = make(tiny, FAST)
    assert plan_of(tiny, outcome.assignments) == {("BN", "COURSE", 0), ("SQN", "BATCH", 0)}
    assert outcome.objective == pytest.approx(1.0)
    assert outcome.status == "optimal"
    assert outcome.bound == pytest.approx(1.0, abs=1e-4)
    # The greedy plan serves the heavier squadron first, with the first offer that arrives in time
    # (the course), and the battalion is left with nothing open to it.
    assert plan_of(tiny, outcome.greedy_assignments) == {("SQN", "COURSE", 0)}
    assert outcome.greedy.objective == pytest.approx(0.75)


def test_the_solver_beats_the_myopic_greedy_plan() -> None:
    """The first gap due takes the quick batch that also raises the later gap's requirement — the
    only offer that does — while a slower batch would have served it in time."""
    myopic = problem(
        {"A": "land", "B": "land"},
        [Target("A", "R1", due=4, milestones=("M1",)), Target("B", "R2", due=6, milestones=("M2",))],
        [
            Offer("QUICK", "equipment", {"R1": 1, "R2": 1}, lead=1, quantity=1),
            Offer("SLOW", "equipment", {"R1": 1}, lead=4, quantity=1),
        ],
        months=8,
        milestones={"M1": 4, "M2": 6},
    )
    outcome = make(myopic, FAST)
    assert plan_of(myopic, outcome.greedy_assignments) == {("A", "QUICK", 0)}
    assert outcome.greedy.objective == pytest.approx(0.5)
    assert {(e, p) for e, p, _ in plan_of(myopic, outcome.assignments)} == {("A", "SLOW"), ("B", "QUICK")}
    assert outcome.objective == pytest.approx(1.0)
    assert outcome.objective > outcome.greedy.objective


def test_a_course_needs_its_equipment_in_effect_first() -> None:
    """Two elements need training that needs a batch delivered first: the plan never starts the
    course before the batch takes effect for the same element."""
    chained = problem(
        {"A": "land", "B": "land"},
        [Target(e, "R", due=11, milestones=("M",)) for e in ("A", "B")],
        [
            Offer("BATCH", "equipment", {}, lead=3, quantity=2),
            Offer("COURSE", "training", {"R": 1}, lead=2, seats=1, needs=("BATCH",)),
        ],
        months=12,
        milestones={"M": 11},
    )
    outcome = make(chained, FAST)
    given = plan_of(chained, outcome.assignments)
    assert outcome.objective == pytest.approx(1.0)
    for element in ("A", "B"):
        batch = next(s for e, p, s in given if e == element and p == "BATCH")
        course = next(s for e, p, s in given if e == element and p == "COURSE")
        assert course >= batch + 3
    courses = sorted(s for _, p, s in given if p == "COURSE")
    assert courses[1] >= courses[0] + 2  # one seat: the second course starts when the first ends


def test_a_fund_pays_its_budget_per_year_and_no_more() -> None:
    """A fund of 1,000,000 a year at 600,000 an element funds one element a year."""
    funded = problem(
        {e: "land" for e in ("A", "B", "C")},
        [Target(e, "R", due=23, goal=80.0, milestones=("M",)) for e in ("A", "B", "C")],
        [Offer("FUND", "funds", {"R": 80}, lead=1, cost=600_000, budget=1_000_000)],
        months=24,
        milestones={"M": 23},
    )
    outcome = make(funded, FAST)
    years = [s // 12 for _, _, s in plan_of(funded, outcome.assignments)]
    assert sorted(years) == [0, 1]
    assert outcome.objective == pytest.approx(2 / 3)


def test_the_lateness_objective_counts_months_late() -> None:
    """One seat, two elements due in month 2: one is met in month 2, the other two months late."""
    late = problem(
        {"A": "land", "B": "land"},
        [Target("A", "R", due=2, weight=1), Target("B", "R", due=2, weight=3)],
        [Offer("COURSE", "training", {"R": 1}, lead=2, seats=1)],
        months=8,
    )
    outcome = make(late, Options(objective="lateness", time_limit=10.0, workers=2, seed=1))
    assert outcome.objective == pytest.approx(2.0)  # the lighter element waits: 1 × 2 months
    assert ("B", "COURSE", 0) in plan_of(late, outcome.assignments)


def test_the_same_seed_and_inputs_give_the_same_plan() -> None:
    """A generated instance stopped by its deterministic work limit, twice, with two workers."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate_planner import generate

    instance = generate("S", 3)
    options = Options(time_limit=120.0, work_limit=0.4, workers=2, seed=11)
    first, second = make(instance, options), make(instance, options)
    assert not any("wall clock" in note for note in first.notes + second.notes)
    assert np.array_equal(first.counts, second.counts)
    assert plan_of(instance, first.assignments) == plan_of(instance, second.assignments)
    assert first.objective == second.objective


def test_the_greedy_plan_respects_every_capacity() -> None:
    """Seats, batches and yearly budgets on a generated instance: the greedy counts never exceed them."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from benchmarks.generate_planner import generate

    instance = generate("S", 4)
    layout = build_layout(instance)
    counts = greedy_counts(instance, layout)
    p = instance.packages
    package = layout.pair_package[layout.var_pair]
    for k in np.nonzero(p.kind == 0)[0]:
        mine = (package == k) & (counts > 0)
        for month in range(instance.months):
            running = mine & (layout.var_start <= month) & (layout.var_start + p.lead[k] > month)
            assert counts[running].sum() <= p.seats[k]
    for k in np.nonzero(p.kind == 1)[0]:
        assert counts[package == k].sum() <= p.quantity[k]
    assignments = to_elements(instance, layout, counts)
    pairs = set(zip(assignments.element.tolist(), assignments.package.tolist(), strict=True))
    assert len(pairs) == assignments.size  # each element takes a package once
    assert evaluate(instance, assignments).objective <= 1.0


def test_bad_options_are_refused_with_what_is_accepted() -> None:
    tiny = problem(
        {"A": "land"},
        [Target("A", "R", due=2)],
        [Offer("C", "training", {"R": 1}, lead=1, seats=1)],
        months=3,
    )
    with pytest.raises(LtsplanError, match="objective; use one of readiness, lateness"):
        make(tiny, Options(objective="fastest"))
    with pytest.raises(LtsplanError, match="relative gap must be at least 0"):
        make(tiny, Options(relative_gap=2.0))
