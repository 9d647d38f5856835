"""Small planning problems written out by hand for the tests (pure arrays, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from ltsplan.planner.problem import KINDS, UNLIMITED, Packages, Problem


@dataclass
class Offer:
    code: str
    kind: str
    raises: dict[str, float]
    lead: int = 1
    seats: int = 0
    quantity: int = UNLIMITED
    first: int = 0
    last: int = UNLIMITED
    domain: str | None = None
    cost: float = 0.0
    fund: str | None = None
    budget: float = 0.0
    needs: tuple[str, ...] = ()


@dataclass
class Target:
    element: str
    requirement: str
    due: int
    weight: float = 1.0
    goal: float = 1.0
    current: float = 0.0
    milestones: tuple[str, ...] = field(default_factory=tuple)


def problem(
    elements: dict[str, str],
    targets: list[Target],
    offers: list[Offer],
    months: int,
    milestones: dict[str, int] | None = None,
    start: date = date(2027, 1, 1),
) -> Problem:
    """``elements``: code → domain; ``milestones``: code → due month."""
    codes = list(elements)
    requirements = sorted({t.requirement for t in targets} | {r for o in offers for r in o.raises})
    marks = dict(milestones or {})
    index = {o.code: i for i, o in enumerate(offers)}
    member_target = [i for i, t in enumerate(targets) for _ in t.milestones]
    member_milestone = [list(marks).index(m) for t in targets for m in t.milestones]
    packages = Packages(
        codes=[o.code for o in offers],
        kind=np.array([KINDS.index(o.kind) for o in offers], dtype=np.int64),
        lead=np.array([o.lead for o in offers], dtype=np.int64),
        seats=np.array([o.seats for o in offers], dtype=np.int64),
        quantity=np.array([o.quantity for o in offers], dtype=np.int64),
        cost=np.array([o.cost for o in offers], dtype=np.float64),
        fund=np.array(
            [index[o.fund] if o.fund else (i if o.kind == "funds" else -1) for i, o in enumerate(offers)],
            dtype=np.int64,
        ),
        budget=np.array([o.budget for o in offers], dtype=np.float64),
        first=np.array([o.first for o in offers], dtype=np.int64),
        last=np.array([o.last for o in offers], dtype=np.int64),
        domain=[o.domain for o in offers],
        donor=["TST"] * len(offers),
        raise_package=np.array([index[o.code] for o in offers for _ in o.raises], dtype=np.int64),
        raise_requirement=np.array([requirements.index(r) for o in offers for r in o.raises], dtype=np.int64),
        raise_amount=np.array([a for o in offers for a in o.raises.values()], dtype=np.float64),
        requires_package=np.array([index[o.code] for o in offers for _ in o.needs], dtype=np.int64),
        requires_prerequisite=np.array([index[n] for o in offers for n in o.needs], dtype=np.int64),
    )
    return Problem(
        start=start,
        months=months,
        element_codes=codes,
        element_domain=[elements[c] for c in codes],
        requirement_labels=requirements,
        t_element=np.array([codes.index(t.element) for t in targets], dtype=np.int64),
        t_requirement=np.array([requirements.index(t.requirement) for t in targets], dtype=np.int64),
        t_goal=np.array([t.goal for t in targets], dtype=np.float64),
        t_current=np.array([t.current for t in targets], dtype=np.float64),
        t_weight=np.array([t.weight for t in targets], dtype=np.float64),
        t_due=np.array([t.due for t in targets], dtype=np.int64),
        milestone_codes=list(marks),
        milestone_due=np.array(list(marks.values()), dtype=np.int64),
        member_milestone=np.array(member_milestone, dtype=np.int64),
        member_target=np.array(member_target, dtype=np.int64),
        packages=packages,
    )


def plan_of(problem: Problem, assignments: object) -> set[tuple[str, str, int]]:
    """A plan as (element, package, start month) triples."""
    return {
        (problem.element_codes[e], problem.packages.codes[p], int(s))
        for e, p, s in zip(assignments.element, assignments.package, assignments.start, strict=True)  # type: ignore[attr-defined]
    }
