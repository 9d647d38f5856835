"""The greedy baseline: earliest due first, largest gap first (pure, NumPy).

The gaps are taken one at a time — by the first deadline they count for (or their due date, for
lateness), then the largest share of the target missing, then the heaviest weight — and each is
given, among the packages open to its cohort that raise its requirement, the one that can take
effect soonest (then the largest raise, the lowest cost), for as many of the cohort's elements as
still need it, each at the earliest period where every capacity, budget, window and prerequisite
allows; a prerequisite not yet delivered is scheduled first, the same way. What one gap takes, the
next cannot have: that is the baseline's myopia, which the solver is measured against.

It works on the same cohorts, pairs and start periods as the solver (``layout``), so its plan is a
complete hint for it.
"""

from __future__ import annotations

import numpy as np

from ltsplan.planner.layout import Layout
from ltsplan.planner.problem import QUANT, TRAINING, Problem


class Capacities:
    """What is left of every capacity as a plan fills: seats per month, batches, yearly budgets,
    each pair's elements; and the pairs' counts per start period."""

    def __init__(self, problem: Problem, layout: Layout) -> None:
        p = problem.packages
        self.problem, self.layout = problem, layout
        months = problem.months
        self.years = (problem.start.month - 1 + months - 1) // 12 + 1
        self.seat_used = np.zeros((p.size, months + 1), dtype=np.int64)
        self.qty_used = np.zeros(p.size, dtype=np.int64)
        self.spent = np.zeros((p.size, self.years), dtype=np.float64)
        self.counts = np.zeros(layout.var_pair.size, dtype=np.int64)
        self.given = np.zeros(layout.pair_cohort.size, dtype=np.int64)
        self.pairs = layout.pair_index()
        for package, start in zip(problem.fixed_package, problem.fixed_start, strict=True):
            self._consume(int(package), int(start), 1)

    def year(self, month: int) -> int:
        return (self.problem.start.month - 1 + month) // 12

    def year_of(self, months: np.ndarray) -> np.ndarray:
        """The calendar year (0: the plan's first) of each month."""
        return (self.problem.start.month - 1 + months) // 12

    def _consume(self, package: int, start: int, n: int) -> None:
        p = self.problem.packages
        if p.kind[package] == TRAINING:
            lo, hi = max(start, 0), max(min(start + int(p.lead[package]), self.problem.months), 0)
            self.seat_used[package, lo:hi] += n
        self.qty_used[package] += n
        fund = int(p.fund[package])
        year = self.year(start)
        if fund >= 0 and 0 <= year < self.years:
            self.spent[fund, year] += n * float(p.cost[package])

    def add(self, var: int, n: int) -> None:
        layout = self.layout
        self.counts[var] += n
        self.given[layout.var_pair[var]] += n
        self._consume(int(layout.pair_package[layout.var_pair[var]]), int(layout.var_start[var]), n)

    def room(self, pair: int) -> np.ndarray:
        """How many more elements each of the pair's start periods can take (prerequisites apart)."""
        layout, p = self.layout, self.problem.packages
        package = int(layout.pair_package[pair])
        span = slice(layout.pair_vars[pair], layout.pair_vars[pair + 1])
        starts = layout.var_start[span]
        size = int(layout.cohort_size[layout.pair_cohort[pair]])
        room = np.full(starts.size, size - self.given[pair], dtype=np.int64)
        if p.kind[package] == TRAINING:
            lead = int(p.lead[package])
            windows = np.lib.stride_tricks.sliding_window_view(
                np.pad(self.seat_used[package], (0, lead)), lead
            ).max(axis=1)
            room = np.minimum(room, p.seats[package] - windows[starts])
        room = np.minimum(room, p.quantity[package] - self.qty_used[package])
        fund, cost = int(p.fund[package]), float(p.cost[package])
        if fund >= 0 and cost > 0:
            years = (self.problem.start.month - 1 + starts) // 12
            left = p.budget[fund] - self.spent[fund, np.minimum(years, self.years - 1)]
            room = np.minimum(room, np.floor(left / cost + 1e-9).astype(np.int64))
        return np.maximum(room, 0)

    def delivered_by(self, cohort: int, package: int, months: np.ndarray) -> np.ndarray:
        """How many of the cohort's elements have ``package`` in effect by each month."""
        layout = self.layout
        history = (layout.fixed_cohort == cohort) & (layout.fixed_package == package)
        if history.any():
            effect = int(layout.fixed_start[history][0] + self.problem.packages.lead[package])
            return np.where(months >= effect, layout.cohort_size[cohort], 0)
        pair = self.pairs.get((cohort, package))
        if pair is None:
            return np.zeros(months.size, dtype=np.int64)
        span = slice(layout.pair_vars[pair], layout.pair_vars[pair + 1])
        effects, counts = layout.var_effect[span], self.counts[span]
        return (counts[None, :] * (effects[None, :] <= months[:, None])).sum(axis=1)

    def ready(self, pair: int) -> np.ndarray:
        """How many more elements each start period can take as far as prerequisites go: elements
        with every prerequisite in effect, less those already started, at that period and every
        later one (a start now uses up a prerequisite for good)."""
        layout, p = self.layout, self.problem.packages
        package, cohort = int(layout.pair_package[pair]), int(layout.pair_cohort[pair])
        span = slice(layout.pair_vars[pair], layout.pair_vars[pair + 1])
        starts = layout.var_start[span]
        started = np.cumsum(self.counts[span])
        ready = np.full(starts.size, 1 << 40, dtype=np.int64)
        for needed in p.requires_prerequisite[p.requires_package == package]:
            slack = self.delivered_by(cohort, int(needed), starts) - started
            ready = np.minimum(ready, np.minimum.accumulate(slack[::-1])[::-1])
        return np.maximum(ready, 0)


def place(state: Capacities, pair: int, wanted: int, last_effect: int, depth: int = 0) -> int:
    """Start up to ``wanted`` elements of the pair at its earliest periods whose effect comes by
    ``last_effect``, scheduling missing prerequisites first; how many were started."""
    layout, p = state.layout, state.problem.packages
    package, cohort = int(layout.pair_package[pair]), int(layout.pair_cohort[pair])
    span = slice(layout.pair_vars[pair], layout.pair_vars[pair + 1])
    in_time = layout.var_effect[span] <= last_effect
    if not in_time.any() or wanted <= 0:
        return 0
    latest_start = int(layout.var_start[span][in_time].max())
    for needed in p.requires_prerequisite[p.requires_package == package]:
        have = int(state.delivered_by(cohort, int(needed), np.array([latest_start]))[0])
        short = wanted + int(state.given[pair]) - have
        other = state.pairs.get((cohort, int(needed)))
        if short > 0 and other is not None and depth < 32:
            place(state, other, short, latest_start, depth + 1)
    placed = 0
    while placed < wanted:
        room = np.minimum(state.room(pair), state.ready(pair))
        room = np.where(in_time, room, 0)
        open_at = np.nonzero(room > 0)[0]
        if open_at.size == 0:
            break
        k = int(open_at[0])
        n = min(int(room[k]), wanted - placed)
        state.add(int(layout.pair_vars[pair]) + k, n)
        placed += n
    return placed


def greedy_counts(problem: Problem, layout: Layout) -> np.ndarray:
    """The greedy plan, as counts per variable of ``layout``."""
    state = Capacities(problem, layout)
    p = problem.packages
    gap = layout.gap
    useful = np.nonzero((layout.ct_deadline >= 0) & (gap > 0))[0]
    first_deadline = np.full(layout.ct_goal.size, 1 << 40, dtype=np.int64)
    np.minimum.at(first_deadline, layout.term_ct, layout.term_deadline)
    due = first_deadline if layout.objective == "readiness" else layout.ct_due
    share = gap / np.maximum(layout.ct_goal, 1)
    order = useful[np.lexsort((useful, -layout.ct_weight[useful], -share[useful], due[useful]))]
    raised = np.zeros(layout.ct_goal.size, dtype=np.int64)
    # Per cohort target, the packages that raise its requirement (amount in the model's units).
    amount = np.round(p.raise_amount * QUANT).astype(np.int64)
    by_requirement: dict[int, list[tuple[int, int]]] = {}
    raises: dict[tuple[int, int], int] = {}
    for package, requirement, units in zip(p.raise_package, p.raise_requirement, amount, strict=True):
        by_requirement.setdefault(int(requirement), []).append((int(package), int(units)))
        raises[(int(package), int(requirement))] = raises.get((int(package), int(requirement)), 0) + int(
            units
        )
    cts_of_cohort: dict[int, np.ndarray] = {}
    for ct in order:
        cohort, requirement = int(layout.ct_cohort[ct]), int(layout.ct_requirement[ct])
        size = int(layout.cohort_size[cohort])
        need = size * int(gap[ct]) - int(raised[ct])
        if need <= 0:
            continue
        candidates = []
        for package, units in by_requirement.get(requirement, []):
            pair = state.pairs.get((cohort, package))
            if pair is None or units <= 0:
                continue
            first_effect = int(layout.var_effect[layout.pair_vars[pair]])
            candidates.append((first_effect, -units, float(p.cost[package]), package, pair, units))
        for _, _, _, package, pair, units in sorted(candidates):
            per_element = min(units, int(gap[ct]))
            wanted = -(-need // per_element)
            started = place(state, pair, wanted, int(layout.ct_deadline[ct]))
            if started:
                mine = cts_of_cohort.get(cohort)
                if mine is None:
                    mine = cts_of_cohort[cohort] = np.nonzero(layout.ct_cohort == cohort)[0]
                for other in mine:  # one package may raise several of the cohort's gaps
                    given = raises.get((package, int(layout.ct_requirement[other])), 0)
                    raised[other] += started * min(given, int(gap[other]))
                need -= started * per_element
            if need <= 0:
                break
    return state.counts
