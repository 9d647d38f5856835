"""Generate planner instances (seeded, deterministic) that make the greedy baseline myopic.

Force elements come in types (a cohort of identical battalions: same domain, same targets, same
levels); every target is due at a milestone and counts at that milestone and every later one.
The offers are scarce and shared, so that what the greedy plan gives the earliest gap, a later and
heavier one lacks:

- training courses with few seats, open to a domain, whose best ones need an equipment batch
  delivered first (the greedy plan spends the batches on the gaps they raise themselves);
- equipment batches of a few elements each, with lead times of months;
- funds with yearly budgets that pay for the dearer courses and batches as well as their own use;
- packages that raise several requirements at once beside quick ones that raise one.

Usage: python benchmarks/generate_planner.py SIZE SEED   (SIZE: tiny, S, M or L)
writes benchmarks/data/planner-SIZE-SEED.pkl (a pickled ``ltsplan.planner.problem.Problem``).
"""

from __future__ import annotations

import pickle
import sys
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import DATA
from ltsplan.planner.problem import EQUIPMENT, FUNDS, TRAINING, UNLIMITED, Packages, Problem

START = date(2027, 1, 1)
# elements, packages, months, element types, requirements, milestones
SIZES = {
    "tiny": (20, 24, 18, 4, 24, 2),
    "S": (50, 100, 36, 10, 60, 3),
    "M": (500, 300, 60, 40, 150, 5),
    "L": (2000, 1000, 120, 100, 400, 10),
}
DOMAINS = ("land", "air", "maritime", "cyber", "logistics", "command and control")


def path_of(size: str, seed: int) -> Path:
    return DATA / f"planner-{size}-{seed}.pkl"


def generate(size: str, seed: int) -> Problem:
    n_elements, n_packages, months, n_types, n_requirements, n_milestones = SIZES[size]
    rng = np.random.default_rng(seed)
    # Requirements: a pool per domain; kind 0 binary (goal 1), 1 ordinal (goal 3), 2 percentage (goal 80).
    req_domain = np.arange(n_requirements) % len(DOMAINS)
    req_kind = rng.integers(0, 3, n_requirements)
    goal_of = np.array([1.0, 3.0, 80.0])[req_kind]
    milestone_due = np.linspace(months / n_milestones, months, n_milestones).astype(np.int64) - 1
    # Element types and their targets.
    type_domain = rng.integers(0, len(DOMAINS), n_types)
    per_type = max(4, min(12, n_requirements // len(DOMAINS)))
    type_targets = []
    for t in range(n_types):
        pool = np.nonzero(req_domain == type_domain[t])[0]
        chosen = rng.choice(pool, size=min(per_type, pool.size), replace=False)
        due_ms = rng.integers(0, n_milestones, chosen.size)
        weight = rng.choice([1.0, 1.0, 2.0, 3.0], chosen.size)
        partly = np.array([0.0, 1.0, 20.0])[req_kind[chosen]]  # a binary target is met or not
        current = np.where(rng.random(chosen.size) < 0.2, partly, 0.0)
        type_targets.append((chosen, due_ms, weight, current))
    element_type = np.sort(rng.integers(0, n_types, n_elements))
    t_element, t_req, t_due_ms, t_weight, t_current = [], [], [], [], []
    for e, t in enumerate(element_type):
        chosen, due_ms, weight, current = type_targets[t]
        t_element.append(np.full(chosen.size, e))
        t_req.append(chosen)
        t_due_ms.append(due_ms)
        t_weight.append(weight)
        t_current.append(current)
    t_element_a = np.concatenate(t_element)
    t_req_a = np.concatenate(t_req)
    t_due_ms_a = np.concatenate(t_due_ms)
    member_target, member_milestone = [], []
    for m in range(n_milestones):  # a target counts at its milestone and every later one
        holds = np.nonzero(t_due_ms_a <= m)[0]
        member_target.append(holds)
        member_milestone.append(np.full(holds.size, m))
    packages = _packages(rng, n_packages, n_requirements, req_domain, req_kind, months, n_elements, n_types)
    return Problem(
        start=START,
        months=months,
        element_codes=[f"E{e:05d}" for e in range(n_elements)],
        element_domain=[DOMAINS[type_domain[t]] for t in element_type],
        requirement_labels=[f"R{r:04d}" for r in range(n_requirements)],
        t_element=t_element_a.astype(np.int64),
        t_requirement=t_req_a.astype(np.int64),
        t_goal=goal_of[t_req_a],
        t_current=np.concatenate(t_current),
        t_weight=np.concatenate(t_weight),
        t_due=milestone_due[t_due_ms_a].astype(np.int64),
        milestone_codes=[f"M{m + 1}" for m in range(n_milestones)],
        milestone_due=milestone_due,
        member_milestone=np.concatenate(member_milestone).astype(np.int64),
        member_target=np.concatenate(member_target).astype(np.int64),
        packages=packages,
    )


def _packages(
    rng: np.random.Generator,
    n: int,
    n_requirements: int,
    req_domain: np.ndarray,
    req_kind: np.ndarray,
    months: int,
    n_elements: int,
    n_types: int,
) -> Packages:
    kind = rng.choice([TRAINING, EQUIPMENT, FUNDS], n, p=[0.45, 0.4, 0.15])
    kind[: max(1, n // 20)] = FUNDS  # a few funds first, so that others can name them
    domain = rng.integers(0, len(DOMAINS), n)
    per_type = n_elements / n_types
    lead = np.where(
        kind == TRAINING,
        rng.integers(2, 7, n),
        np.where(kind == EQUIPMENT, rng.integers(3, 13, n), rng.integers(1, 7, n)),
    )
    seats = np.where(kind == TRAINING, rng.integers(1, max(2, int(per_type)) + 1, n), 0)
    quantity = np.where(kind == EQUIPMENT, rng.integers(2, max(3, int(2 * per_type)) + 1, n), UNLIMITED)
    first = rng.integers(0, max(1, months // 2), n)
    first[rng.random(n) < 0.4] = 0
    last = np.minimum(first + rng.integers(12, months + 1, n), months - 1)
    funds = np.nonzero(kind == FUNDS)[0]
    budget = np.where(kind == FUNDS, rng.integers(4, 16, n) * 1_000_000.0, 0.0)
    cost = np.where(kind == FUNDS, rng.integers(1, 4, n) * 1_000_000.0, 0.0)
    fund = np.where(kind == FUNDS, np.arange(n), -1)
    paid = (kind != FUNDS) & (rng.random(n) < 0.35)
    fund[paid] = rng.choice(funds, paid.sum())
    cost[paid] = rng.integers(1, 4, paid.sum()) * 1_000_000.0
    raise_package, raise_requirement, raise_amount = [], [], []
    for p in range(n):
        pool = np.nonzero(req_domain == domain[p])[0]
        many = 1 + (rng.random() < 0.35) + (rng.random() < 0.15)
        for r in rng.choice(pool, size=min(many, pool.size), replace=False):
            step = (1.0, float(rng.integers(1, 4)), float(rng.choice([40.0, 60.0, 80.0])))[req_kind[r]]
            raise_package.append(p)
            raise_requirement.append(r)
            raise_amount.append(step)
    needs, needed = [], []
    equipment = np.nonzero(kind == EQUIPMENT)[0]
    for p in np.nonzero(kind == TRAINING)[0]:
        same = equipment[domain[equipment] == domain[p]]
        if same.size and rng.random() < 0.5:
            needs.append(p)
            needed.append(int(rng.choice(same)))
    return Packages(
        codes=[f"P{p:05d}" for p in range(n)],
        kind=kind.astype(np.int64),
        lead=lead.astype(np.int64),
        seats=seats.astype(np.int64),
        quantity=quantity.astype(np.int64),
        cost=cost,
        fund=fund.astype(np.int64),
        budget=budget,
        first=first.astype(np.int64),
        last=last.astype(np.int64),
        domain=[DOMAINS[d] for d in domain],
        donor=[f"D{p % 12:02d}" for p in range(n)],
        raise_package=np.array(raise_package, dtype=np.int64),
        raise_requirement=np.array(raise_requirement, dtype=np.int64),
        raise_amount=np.array(raise_amount, dtype=np.float64),
        requires_package=np.array(needs, dtype=np.int64),
        requires_prerequisite=np.array(needed, dtype=np.int64),
    )


def main(argv: list[str]) -> int:
    size, seed = argv[0], int(argv[1])
    target = path_of(size, seed)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        pickle.dump(generate(size, seed), handle, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
