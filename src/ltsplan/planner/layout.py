"""What both planners work on, derived from a ``Problem`` (pure): cohorts of identical elements,
their targets in the model's units, the objective's terms, and the (cohort, package) pairs that can
help — each with the start periods it may use.

A pair exists when the package is open to the cohort's domain and either raises one of its gaps in
time for a deadline (readiness) or before the horizon ends (lateness), or is a prerequisite of a
pair that does. Its start periods run from the later of the package's window and its
prerequisites' earliest delivery to the earlier of the window's end and the last start that still
helps. Nothing else becomes a variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ltsplan.planner.problem import QUANT, TRAINING, UNLIMITED, Problem, cohorts

NEVER = -(1 << 40)


@dataclass
class Layout:
    """What the planners work on: cohorts, pairs, start periods and the objective's terms.

    ``cohort_*``: identical elements (same domain, same targets at the same levels, same
    milestones, same history) — one decision per cohort, counted in elements. ``ct_*``: a
    cohort's targets (from its first element). ``pair_*``: the (cohort, package) pairs that can
    raise one of the cohort's gaps in time, or lead to one that can. ``var_*``: one variable per
    pair and start period (ascending within a pair, ``pair_vars`` slicing them)."""

    objective: str
    periods: np.ndarray  # each period's first month
    period_end: np.ndarray  # each period's last month
    element_cohort: np.ndarray
    cohort_size: np.ndarray
    cohort_first: np.ndarray  # an element of each cohort (its targets stand for all)
    ct_cohort: np.ndarray
    ct_requirement: np.ndarray
    ct_goal: np.ndarray  # in QUANT units
    ct_current: np.ndarray
    ct_weight: np.ndarray
    ct_due: np.ndarray
    ct_deadline: np.ndarray  # the latest deadline of the target's terms (readiness) or the horizon's end
    term_ct: np.ndarray  # cohort terms: the cohort target, its deadline, its milestone (-1: own due)
    term_deadline: np.ndarray
    term_milestone: np.ndarray
    fixed_cohort: np.ndarray  # history per cohort (each of its elements has it)
    fixed_package: np.ndarray
    fixed_start: np.ndarray
    pair_cohort: np.ndarray
    pair_package: np.ndarray
    pair_vars: np.ndarray  # pair j's variables are pair_vars[j]:pair_vars[j + 1]
    var_pair: np.ndarray
    var_period: np.ndarray
    var_start: np.ndarray
    var_effect: np.ndarray
    var_upper: np.ndarray

    @property
    def gap(self) -> np.ndarray:
        return self.ct_goal - self.ct_current

    def pair_index(self) -> dict[tuple[int, int], int]:
        return {
            (int(c), int(p)): j
            for j, (c, p) in enumerate(zip(self.pair_cohort, self.pair_package, strict=True))
        }


def period_starts(months: int, detail: int, coarse: int) -> np.ndarray:
    """Every month for the first ``detail`` months, then one start every ``coarse`` months: the
    rolling horizon's fine near term and coarse far term."""
    fine = np.arange(min(detail, months), dtype=np.int64)
    rest = np.arange(min(detail, months), months, max(coarse, 1), dtype=np.int64)
    return np.concatenate([fine, rest])


def build_layout(problem: Problem, objective: str = "readiness", detail: int = 24, coarse: int = 3) -> Layout:
    months = problem.months
    starts = period_starts(months, detail, coarse)
    ends = np.append(starts[1:], months) - 1
    element_cohort, size, first = cohorts(problem)
    representative = np.zeros(len(problem.element_codes), dtype=bool)
    representative[first] = True
    ct_target = (
        np.nonzero(representative[problem.t_element])[0] if problem.t_element.size else np.zeros(0, np.int64)
    )
    ct_cohort = element_cohort[problem.t_element[ct_target]] if ct_target.size else np.zeros(0, np.int64)
    goal = np.round(problem.t_goal[ct_target] * QUANT).astype(np.int64)
    current = np.clip(np.round(problem.t_current[ct_target] * QUANT).astype(np.int64), 0, np.maximum(goal, 0))
    ct_of_target = np.full(problem.t_goal.size, -1, dtype=np.int64)
    ct_of_target[ct_target] = np.arange(ct_target.size)
    terms = problem.terms()
    term_target = terms.get_column("target").to_numpy()
    keep = ct_of_target[term_target] >= 0
    term_ct = ct_of_target[term_target[keep]]
    term_deadline = terms.get_column("deadline").to_numpy()[keep]
    term_milestone = terms.get_column("milestone").to_numpy()[keep]
    ct_due = problem.t_due[ct_target].astype(np.int64)
    gap = goal - current
    if objective == "readiness":
        ct_deadline = np.full(ct_target.size, -1, dtype=np.int64)
        np.maximum.at(ct_deadline, term_ct, term_deadline)
    else:  # every month late counts: an effect helps until the horizon's end, if the target is due in it
        ct_deadline = np.where(ct_due < months, months - 1, -1).astype(np.int64)
    ct_deadline = np.where((gap > 0) & (goal > 0), ct_deadline, -1)

    fixed_rep = representative[problem.fixed_element] if problem.fixed_element.size else np.zeros(0, bool)
    fixed_cohort = (
        element_cohort[problem.fixed_element[fixed_rep]] if fixed_rep.size else np.zeros(0, np.int64)
    )
    fixed_package = problem.fixed_package[fixed_rep] if fixed_rep.size else np.zeros(0, np.int64)
    fixed_start = problem.fixed_start[fixed_rep] if fixed_rep.size else np.zeros(0, np.int64)

    pair_cohort, pair_package, earliest, latest = _pairs(
        problem,
        first,
        ct_cohort,
        problem.t_requirement[ct_target],
        ct_deadline,
        fixed_cohort,
        fixed_package,
        fixed_start,
        months,
    )
    upper = _upper(problem, size[pair_cohort], pair_package)
    useful = upper > 0
    lo = np.searchsorted(starts, earliest[useful], side="left")
    hi = np.searchsorted(starts, latest[useful], side="right")
    has = hi > lo
    pair_cohort, pair_package = pair_cohort[useful][has], pair_package[useful][has]
    lo, hi, upper = lo[has], hi[has], upper[useful][has]
    counts = hi - lo
    pair_vars = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    var_pair = np.repeat(np.arange(counts.size), counts)
    var_period = (np.arange(var_pair.size) - pair_vars[var_pair] + lo[var_pair]).astype(np.int64)
    var_start = starts[var_period]
    lead = problem.packages.lead
    return Layout(
        objective=objective,
        periods=starts,
        period_end=ends,
        element_cohort=element_cohort,
        cohort_size=size,
        cohort_first=first.astype(np.int64),
        ct_cohort=ct_cohort.astype(np.int64),
        ct_requirement=problem.t_requirement[ct_target].astype(np.int64),
        ct_goal=goal,
        ct_current=current,
        ct_weight=problem.t_weight[ct_target].astype(np.float64),
        ct_due=ct_due,
        ct_deadline=ct_deadline,
        term_ct=term_ct.astype(np.int64),
        term_deadline=term_deadline.astype(np.int64),
        term_milestone=term_milestone.astype(np.int64),
        fixed_cohort=fixed_cohort.astype(np.int64),
        fixed_package=fixed_package.astype(np.int64),
        fixed_start=fixed_start.astype(np.int64),
        pair_cohort=pair_cohort.astype(np.int64),
        pair_package=pair_package.astype(np.int64),
        pair_vars=pair_vars,
        var_pair=var_pair.astype(np.int64),
        var_period=var_period,
        var_start=var_start,
        var_effect=var_start + lead[pair_package[var_pair]] if var_pair.size else var_start,
        var_upper=upper[var_pair] if var_pair.size else np.zeros(0, np.int64),
    )


def _upper(problem: Problem, cohort_size: np.ndarray, package: np.ndarray) -> np.ndarray:
    """The most elements one pair can start in one period: its cohort, the course's seats, the
    batch's quantity, what its fund's yearly budget buys."""
    p = problem.packages
    upper = np.minimum(cohort_size, p.quantity[package])
    upper = np.where(p.kind[package] == TRAINING, np.minimum(upper, p.seats[package]), upper)
    fund = p.fund[package]
    cost = p.cost[package]
    paid = (fund >= 0) & (cost > 0)
    affordable = np.floor(p.budget[np.maximum(fund, 0)] / np.where(paid, cost, 1.0)).astype(np.int64)
    return np.where(paid, np.minimum(upper, affordable), upper).astype(np.int64)


def _pairs(
    problem: Problem,
    first: np.ndarray,
    ct_cohort: np.ndarray,
    ct_requirement: np.ndarray,
    ct_deadline: np.ndarray,
    fixed_cohort: np.ndarray,
    fixed_package: np.ndarray,
    fixed_start: np.ndarray,
    months: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairs and each one's earliest and latest start month, on dense cohort × package grids."""
    p = problem.packages
    n_c, n_p = first.size, p.size
    lead = p.lead.astype(np.int64)
    domain = np.array([problem.element_domain[e] for e in first], dtype=object)
    open_to = (
        np.array([d is None for d in p.domain], dtype=bool)[None, :]
        | (domain[:, None] == np.array(p.domain, dtype=object)[None, :])
        if n_c and n_p
        else np.zeros((n_c, n_p), dtype=bool)
    )
    # The last month each pair's effect still helps one of the cohort's gaps.
    helps = np.full((n_c, n_p), NEVER, dtype=np.int64)
    useful = ct_deadline >= 0
    if useful.any() and p.raise_package.size:
        gaps = pl.DataFrame({"c": ct_cohort[useful], "r": ct_requirement[useful], "d": ct_deadline[useful]})
        raises = pl.DataFrame({"p": p.raise_package, "r": p.raise_requirement}).filter(
            pl.Series(p.raise_amount) > 0
        )
        best = gaps.join(raises, on="r").group_by("c", "p").agg(pl.col("d").max())
        helps[best.get_column("c").to_numpy(), best.get_column("p").to_numpy()] = best.get_column(
            "d"
        ).to_numpy()
    fixed = np.zeros((n_c, n_p), dtype=bool)
    fixed_effect = np.full((n_c, n_p), UNLIMITED, dtype=np.int64)
    if fixed_cohort.size:
        fixed[fixed_cohort, fixed_package] = True
        fixed_effect[fixed_cohort, fixed_package] = fixed_start + lead[fixed_package]
    first_start = np.broadcast_to(np.maximum(p.first, 0)[None, :], (n_c, n_p)).astype(np.int64)
    last_start = np.broadcast_to(np.minimum(p.last, months - 1 - lead)[None, :], (n_c, n_p)).astype(np.int64)
    needs, needed = p.requires_package, p.requires_prerequisite
    valid = open_to & ~fixed
    for _ in range(n_p + 1):
        latest = np.minimum(np.where(valid, helps - lead[None, :], NEVER), last_start)
        for _ in range(n_p + 1):  # a prerequisite must be delivered by the start of what needs it
            before = latest.copy()
            for a, b in zip(needs, needed, strict=True):
                reach = np.minimum(latest[:, a] - lead[b], last_start[:, b])
                latest[:, b] = np.maximum(latest[:, b], np.where(valid[:, a] & valid[:, b], reach, NEVER))
            if np.array_equal(before, latest):
                break
        earliest = first_start.copy()
        for _ in range(n_p + 1):
            before = earliest.copy()
            for a, b in zip(needs, needed, strict=True):
                ready = np.where(
                    fixed[:, b],
                    fixed_effect[:, b],
                    np.where(valid[:, b], earliest[:, b] + lead[b], UNLIMITED),
                )
                earliest[:, a] = np.maximum(earliest[:, a], ready)
            if np.array_equal(before, earliest):
                break
        now = valid & (earliest <= latest)
        if np.array_equal(now, valid):
            break
        valid = now
    cohort, package = np.nonzero(valid)
    return cohort, package, earliest[cohort, package], latest[cohort, package]
