"""From a plan's counts to force elements, and a plan's worth, exactly (pure, column-wise).

**Which elements.** Both planners decide how many elements of each cohort start each package in
each period. One rule gives them names: the packages linked by prerequisites (a course and the
equipment it needs) form a chain, and a chain's packages take the cohort's elements in the same
order — the k-th course goes to the element that received the k-th batch, which the prerequisite
constraint has delivered in time. Chains that are not linked start where the previous chain ended
(round the cohort), so two offers that raise the same requirement go to different elements.

**What it is worth.** Every plan, the solver's and the greedy one, is evaluated the same way, per
element: a target's attainment at a deadline is (position now + every raise that has taken effect
by then) ÷ the target's position, at most 1. The readiness objective is the weighted mean of the
attainments over every target at every deadline it counts for (a milestone's due date, or its
own); the lateness objective the weighted sum of months each target is met after its due date
(a target not met within the horizon counts until the horizon's end).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ltsplan.planner.layout import Layout
from ltsplan.planner.problem import Problem


@dataclass
class Assignments:
    """One row per element × package: when it starts (month index)."""

    element: np.ndarray
    package: np.ndarray
    start: np.ndarray

    @property
    def size(self) -> int:
        return int(self.element.size)

    @staticmethod
    def empty() -> Assignments:
        zero = np.zeros(0, np.int64)
        return Assignments(zero, zero.copy(), zero.copy())


def to_elements(problem: Problem, layout: Layout, counts: np.ndarray) -> Assignments:
    """The elements a plan's counts name (see the module's doc)."""
    used = np.nonzero(counts > 0)[0]
    if used.size == 0:
        return Assignments.empty()
    p = problem.packages
    raises: dict[int, list[tuple[int, float]]] = {}
    for package, requirement, amount in zip(
        p.raise_package, p.raise_requirement, p.raise_amount, strict=True
    ):
        raises.setdefault(int(package), []).append((int(requirement), float(amount)))
    needs: dict[int, list[int]] = {}
    for package, needed in zip(p.requires_package, p.requires_prerequisite, strict=True):
        needs.setdefault(int(package), []).append(int(needed))
    members = np.argsort(layout.element_cohort, kind="stable")
    first_member = np.concatenate([[0], np.cumsum(layout.cohort_size)])
    order = used[
        np.lexsort(
            (layout.var_start[used], layout.pair_package[layout.var_pair[used]], layout.var_pair[used])
        )
    ]
    pair_of = layout.var_pair[order]
    out_element: list[np.ndarray] = []
    out_package: list[np.ndarray] = []
    out_start: list[np.ndarray] = []
    cohort_of = layout.pair_cohort[pair_of]
    for cohort in np.unique(cohort_of):
        mine = order[cohort_of == cohort]
        elements = members[first_member[cohort] : first_member[cohort + 1]]
        placed = _cohort(problem, layout, int(cohort), elements, mine, counts, raises, needs)
        for package, chosen, starts in placed:
            out_element.append(chosen)
            out_package.append(np.full(chosen.size, package, dtype=np.int64))
            out_start.append(starts)
    return Assignments(
        element=np.concatenate(out_element).astype(np.int64),
        package=np.concatenate(out_package).astype(np.int64),
        start=np.concatenate(out_start).astype(np.int64),
    )


def _cohort(
    problem: Problem,
    layout: Layout,
    cohort: int,
    elements: np.ndarray,
    variables: np.ndarray,
    counts: np.ndarray,
    raises: dict[int, list[tuple[int, float]]],
    needs: dict[int, list[int]],
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """One cohort's packages given to its elements (see the module's doc). Gains are counted per
    term of the objective: a raise helps a deadline only if it takes effect by then."""
    p = problem.packages
    terms = np.nonzero(layout.ct_cohort[layout.term_ct] == cohort)[0]
    ct = layout.term_ct[terms]
    deadline = layout.term_deadline[terms]
    need = (layout.ct_goal[ct] - layout.ct_current[ct]) / 100.0
    worth = layout.ct_weight[ct] / np.maximum(layout.ct_goal[ct] / 100.0, 1e-9)
    columns: dict[int, np.ndarray] = {}
    for requirement in np.unique(layout.ct_requirement[ct]):
        columns[int(requirement)] = np.nonzero(layout.ct_requirement[ct] == requirement)[0]
    have = np.zeros((elements.size, terms.size))
    given = np.zeros(elements.size, dtype=np.int64)
    effect: dict[int, np.ndarray] = {}  # package → the month it takes effect, per element
    history = layout.fixed_cohort == cohort
    for package, start in zip(layout.fixed_package[history], layout.fixed_start[history], strict=True):
        effect[int(package)] = np.full(elements.size, int(start + p.lead[package]))
    package_of = layout.pair_package[layout.var_pair[variables]]
    totals = {int(k): int(counts[variables[package_of == k]].sum()) for k in np.unique(package_of)}
    dependents: dict[int, list[int]] = {}
    for package in totals:
        for needed in needs.get(package, []):
            dependents.setdefault(needed, []).append(package)
    amounts: dict[int, np.ndarray] = {}
    for package in totals:
        row = np.zeros(terms.size)
        for requirement, amount in raises.get(package, []):
            row[columns.get(requirement, np.zeros(0, np.int64))] += amount
        amounts[package] = row

    def gain(package: int, arrives: int, seen: frozenset[int] = frozenset()) -> np.ndarray:
        """What the package, in effect from ``arrives``, adds to each element; and what the
        packages that need it would add there after it (a batch is worth the course it opens)."""
        delta = amounts[package] * (arrives <= deadline)
        own = (np.minimum(delta[None, :], np.maximum(need[None, :] - have, 0)) * worth[None, :]).sum(axis=1)
        for later in dependents.get(package, []):
            if later not in effect and later not in seen:
                share = min(1.0, totals[later] / max(totals[package], 1))
                own = own + share * gain(later, arrives + int(p.lead[later]), seen | {package})
        return own

    out: list[tuple[int, np.ndarray, np.ndarray]] = []

    def place(package: int) -> None:
        if package in effect:
            return
        for needed in needs.get(package, []):
            if needed in totals:
                place(needed)
        rows = variables[package_of == package]
        starts = np.repeat(layout.var_start[rows], counts[rows])
        lead = int(p.lead[package])
        ready = np.full(elements.size, -(1 << 40))
        for needed in needs.get(package, []):
            ready = np.maximum(ready, effect.get(needed, np.full(elements.size, 1 << 40)))
        free = np.ones(elements.size, dtype=bool)
        chosen = np.full(starts.size, -1, dtype=np.int64)
        for i, start in enumerate(starts):
            open_to = np.nonzero(free & (ready <= start))[0]
            if open_to.size == 0:
                continue  # no element has the prerequisites: the copy cannot be given
            # Most gained first, then fewest packages so far (spread), then the element's order.
            best = open_to[
                np.lexsort((open_to, given[open_to], -np.round(gain(package, start + lead)[open_to], 9)))[0]
            ]
            chosen[i] = best
            free[best] = False
            have[best] += amounts[package] * (start + lead <= deadline)
            given[best] += 1
        kept = chosen >= 0
        chosen, starts = chosen[kept], starts[kept]
        arrival = np.full(elements.size, 1 << 40)
        arrival[chosen] = starts + lead
        effect[package] = arrival
        out.append((package, elements[chosen], starts))

    for package in sorted(totals, key=lambda k: (-totals[k], k)):
        place(package)
    return out


@dataclass
class Evaluation:
    """A plan's worth: the objective, each milestone's weighted readiness, and each term's
    attainment (target, deadline, milestone, attainment)."""

    objective: float
    milestones: pl.DataFrame  # milestone (-1: own due dates), readiness, targets, met
    terms: pl.DataFrame


def _raise_rows(problem: Problem, assignments: Assignments) -> pl.DataFrame:
    """Every raise a plan delivers, with the history: element, requirement, effect month, amount."""
    p = problem.packages
    element = np.concatenate([assignments.element, problem.fixed_element])
    package = np.concatenate([assignments.package, problem.fixed_package])
    start = np.concatenate([assignments.start, problem.fixed_start])
    given = pl.DataFrame(
        {"element": element, "p": package, "effect": start + p.lead[package]},
        schema={"element": pl.Int64, "p": pl.Int64, "effect": pl.Int64},
    )
    raises = pl.DataFrame(
        {"p": p.raise_package, "requirement": p.raise_requirement, "amount": p.raise_amount},
        schema={"p": pl.Int64, "requirement": pl.Int64, "amount": pl.Float64},
    )
    return given.join(raises, on="p").select("element", "requirement", "effect", "amount")


def _targets(problem: Problem) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "target": np.arange(problem.t_goal.size, dtype=np.int64),
            "element": problem.t_element.astype(np.int64),
            "requirement": problem.t_requirement.astype(np.int64),
            "goal": problem.t_goal.astype(np.float64),
            "current": np.minimum(problem.t_current, problem.t_goal).astype(np.float64),
            "weight": problem.t_weight.astype(np.float64),
            "due": problem.t_due.astype(np.int64),
        }
    )


def evaluate(problem: Problem, assignments: Assignments, objective: str = "readiness") -> Evaluation:
    raised = _raise_rows(problem, assignments)
    targets = _targets(problem)
    terms = problem.terms().join(targets, on="target")
    reached = (
        terms.select("target", "deadline", "element", "requirement")
        .unique()  # two milestones due the same month hold one term's raises once
        .join(raised, on=["element", "requirement"])
        .filter(pl.col("effect") <= pl.col("deadline"))
        .group_by("target", "deadline")
        .agg(pl.col("amount").sum().alias("raised"))
    )
    terms = terms.join(reached, on=["target", "deadline"], how="left").with_columns(
        pl.when(pl.col("goal") > 0)
        .then(((pl.col("current") + pl.col("raised").fill_null(0.0)) / pl.col("goal")).clip(0.0, 1.0))
        .otherwise(1.0)
        .alias("attainment")
    )
    milestones = (
        terms.group_by("milestone")
        .agg(
            ((pl.col("weight") * pl.col("attainment")).sum() / pl.col("weight").sum()).alias("readiness"),
            pl.len().alias("targets"),
            (pl.col("attainment") >= 1.0 - 1e-9).sum().alias("met"),
        )
        .sort("milestone")
    )
    if objective == "readiness":
        total = float(terms.get_column("weight").sum())
        value = (
            float((terms.get_column("weight") * terms.get_column("attainment")).sum()) / total
            if total
            else 1.0
        )
    else:
        value = float(lateness(problem, targets, raised).sum())
    return Evaluation(value, milestones, terms.select("target", "deadline", "milestone", "attainment"))


def lateness(problem: Problem, targets: pl.DataFrame, raised: pl.DataFrame) -> pl.Series:
    """Each target's weighted months late: met in month m after its due month d counts m − d; not
    met within the horizon, the months from d to the horizon's end."""
    horizon = problem.months
    cumulative = (
        targets.select("target", "element", "requirement", "goal", "current")
        .join(raised, on=["element", "requirement"])
        .sort("target", "effect")
        .with_columns(pl.col("amount").cum_sum().over("target").alias("cum"))
        .filter(pl.col("current") + pl.col("cum") >= pl.col("goal") - 1e-9)
        .group_by("target")
        .agg(pl.col("effect").min().alias("met_in"))
    )
    met_now = pl.col("current") >= pl.col("goal") - 1e-9
    joined = targets.join(cumulative, on="target", how="left").with_columns(
        pl.when(met_now).then(pl.lit(None, pl.Int64)).otherwise(pl.col("met_in")).alias("met_in")
    )
    late = (
        pl.when(met_now | (pl.col("due") >= horizon))
        .then(0)
        .otherwise(
            (
                pl.coalesce(pl.col("met_in").clip(upper_bound=horizon), pl.lit(horizon))
                - pl.col("due").clip(lower_bound=0)
            ).clip(lower_bound=0)
        )
    )
    return joined.sort("target").select((pl.col("weight") * late).alias("late")).to_series()
