"""The CP-SAT model of a plan (pure but for the solver): one integer per (cohort, package, start
period) — how many of the cohort's elements start the package then — and the constraints
(docs/planner.md states them):

- each element takes a package at most once: a pair's starts add up to at most its cohort;
- a course has its seats: in every month, the elements in training (started within the course's
  length) are at most its seats, less those the history already holds. The starts are fixed to
  the periods, so the cumulative constraint over each start's interval is this sum per month,
  emitted where a start enters or the history takes more seats (the months between hold less);
- a batch has its quantity; a fund its budget in every calendar year (in cents, or finer units
  where a cost has fractions of a cent; costs rounded up, budgets down);
- a prerequisite is in effect before what needs it starts, element by element: by every start
  period, the cohort's elements started on a package are at most those with each of its
  prerequisites in effect (a chain's elements then take the packages in the same order);
- readiness: per cohort, target and deadline, the gain (in hundredths of a step) is at most the
  cohort's gap and at most the raises in effect by the deadline; the objective is the weighted
  mean attainment. Lateness: per cohort, target and period after its due month, the elements met
  by the period's end are at most the raises in effect ÷ the gap; each month an element is not met
  counts. Both are relaxations of the element-level plan, so the solver's bound bounds every plan
  on these periods.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl
from ortools.sat.python import cp_model

from ltsplan.planner.greedy import Capacities
from ltsplan.planner.layout import Layout
from ltsplan.planner.problem import EQUIPMENT, QUANT, TRAINING, UNLIMITED, Problem


@dataclass
class Built:
    """The model, its variables, and how to read the objective back in the plan's units."""

    model: cp_model.CpModel
    x: list[cp_model.IntVar]
    aux: list[tuple[cp_model.IntVar, Callable[[np.ndarray], int]]]  # each auxiliary and its hinted value
    constraints: int


def _contributions(problem: Problem, layout: Layout, deadlines: pl.DataFrame) -> pl.DataFrame:
    """For each row of ``deadlines`` (key, ct, deadline, cap), the variables whose effect raises the
    cohort target's requirement by then: (key, v, p, a), the raise in the model's units, at most
    ``cap`` (what is left of the gap: one element cannot use more)."""
    p = problem.packages
    raises = pl.DataFrame(
        {
            "p": p.raise_package.astype(np.int64),
            "r": p.raise_requirement.astype(np.int64),
            "a": np.round(p.raise_amount * QUANT).astype(np.int64),
        }
    ).filter(pl.col("a") > 0)
    pairs = pl.DataFrame(
        {"c": layout.pair_cohort, "p": layout.pair_package, "j": np.arange(layout.pair_cohort.size)}
    )
    variables = pl.DataFrame(
        {"j": layout.var_pair, "v": np.arange(layout.var_pair.size), "effect": layout.var_effect}
    )
    cts = pl.DataFrame(
        {"ct": np.arange(layout.ct_goal.size), "c": layout.ct_cohort, "r": layout.ct_requirement}
    )
    return (
        deadlines.filter(pl.col("cap") > 0)
        .join(cts, on="ct")
        .join(raises, on="r")
        .join(pairs, on=["c", "p"])
        .join(variables, on="j")
        .filter(pl.col("effect") <= pl.col("deadline"))
        .select("key", "v", "p", pl.min_horizontal("a", "cap").alias("a"))
    )


def _history_units(problem: Problem, layout: Layout, deadlines: pl.DataFrame) -> np.ndarray:
    """Per row of ``deadlines``, the raise (model units, per element) the cohort's history has in
    effect by the deadline."""
    if layout.fixed_cohort.size == 0 or deadlines.is_empty():
        return np.zeros(deadlines.height, dtype=np.int64)
    p = problem.packages
    history = pl.DataFrame(
        {
            "c": layout.fixed_cohort,
            "p": layout.fixed_package,
            "effect": layout.fixed_start + p.lead[layout.fixed_package],
        }
    )
    raises = pl.DataFrame(
        {
            "p": p.raise_package,
            "r": p.raise_requirement,
            "a": np.round(p.raise_amount * QUANT).astype(np.int64),
        }
    )
    cts = pl.DataFrame(
        {"ct": np.arange(layout.ct_goal.size), "c": layout.ct_cohort, "r": layout.ct_requirement}
    )
    got = (
        deadlines.join(cts, on="ct")
        .join(history.join(raises, on="p"), on=["c", "r"])
        .filter(pl.col("effect") <= pl.col("deadline"))
        .group_by("key")
        .agg(pl.col("a").sum())
    )
    units = np.zeros(deadlines.height, dtype=np.int64)
    units[got.get_column("key").to_numpy()] = got.get_column("a").to_numpy()
    return units


def _grouped(rows: pl.DataFrame, size: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows (key, v, p, a) as (variables, raises, packages) per key 0..size-1."""
    ordered = rows.sort("key", "v")
    keys = ordered.get_column("key").to_numpy()
    bounds = np.searchsorted(keys, np.arange(size + 1))
    v, a, p = (ordered.get_column(n).to_numpy() for n in ("v", "a", "p"))
    return [
        (v[bounds[i] : bounds[i + 1]], a[bounds[i] : bounds[i + 1]], p[bounds[i] : bounds[i + 1]])
        for i in range(size)
    ]


def _remaining(problem: Problem, layout: Layout, deadlines: pl.DataFrame) -> tuple[np.ndarray, pl.DataFrame]:
    """Per row of ``deadlines`` (key, ct, deadline), the position each element of the cohort has
    by then without new support (now + history, in model units, at most the goal), and the rows
    with ``cap``: what is left of the gap."""
    history = _history_units(problem, layout, deadlines)
    ct = deadlines.get_column("ct").to_numpy()
    goal = layout.ct_goal[ct]
    base = np.minimum(layout.ct_current[ct] + history, np.maximum(goal, 0))
    return base, deadlines.with_columns(pl.Series("cap", goal - base))


Cap = tuple[int, np.ndarray, np.ndarray]  # gain <= constant + Σ coefficient × x[variable]


def ancestors(problem: Problem) -> dict[int, set[int]]:
    """Each package's prerequisites, theirs, and so on."""
    p = problem.packages
    direct: dict[int, list[int]] = {}
    for a, b in zip(p.requires_package, p.requires_prerequisite, strict=True):
        direct.setdefault(int(a), []).append(int(b))
    found: dict[int, set[int]] = {}
    for start in direct:
        seen: set[int] = set()
        stack = list(direct[start])
        while stack:
            q = stack.pop()
            if q not in seen:
                seen.add(q)
                stack.extend(direct.get(q, []))
        found[start] = seen
    return found


def _caps(
    size: int,
    gap: int,
    vs: np.ndarray,
    a: np.ndarray,
    p: np.ndarray,
    needs: dict[int, set[int]],
    limit: int = 12,
) -> list[Cap]:
    """The linear bounds on a cohort's gain for one target and deadline: the raises in effect; and,
    for two packages whose raises add up to more than the gap, that the elements given both waste
    the excess — at least X_A + X_B − n elements have both, and every element given a package has
    its prerequisites too. Cuts the element-level plan obeys and the counts alone do not
    (``limit``: the pairs with the largest excess)."""
    caps: list[Cap] = [(0, vs, a)]
    amounts = {int(k): int(v) for k, v in zip(p, a, strict=True)}
    packages = sorted(amounts)
    excess = []
    for i, first in enumerate(packages):
        for second in packages[i + 1 :]:
            waste = amounts[first] + amounts[second] - gap
            if waste > 0:
                excess.append((waste, first, second))
    for waste, first, second in sorted(excess, reverse=True)[:limit]:
        if second in needs.get(first, ()) or first in needs.get(second, ()):
            # The one that needs the other goes only to elements that have it: all its copies waste.
            dependent = first if second in needs.get(first, ()) else second
            caps.append((0, vs, np.where(p == dependent, a - waste, a)))
            continue
        both = (p == first) | (p == second)
        caps.append((waste * size, vs, np.where(both, a - waste, a)))
    return caps


def build(problem: Problem, layout: Layout) -> Built:
    model = cp_model.CpModel()
    n_vars = layout.var_pair.size
    x = [model.new_int_var(0, int(u), "") for u in layout.var_upper]
    count = 0
    used = Capacities(problem, layout)  # the history's share of every capacity
    p = problem.packages
    # Each element takes a package once.
    for j in range(layout.pair_cohort.size):
        lo, hi = int(layout.pair_vars[j]), int(layout.pair_vars[j + 1])
        size = int(layout.cohort_size[layout.pair_cohort[j]])
        if hi - lo > 1 and int(layout.var_upper[lo:hi].sum()) > size:
            model.add(sum(x[v] for v in range(lo, hi)) <= size)
            count += 1
    by_package = (
        np.argsort(layout.pair_package[layout.var_pair], kind="stable") if n_vars else np.zeros(0, np.int64)
    )
    var_package = layout.pair_package[layout.var_pair] if n_vars else np.zeros(0, np.int64)
    bounds = np.searchsorted(var_package[by_package], np.arange(p.size + 1))
    spend: dict[tuple[int, int], list[tuple[int, int]]] = {}
    scale = _money_units(problem)
    for package in range(p.size):
        mine = by_package[bounds[package] : bounds[package + 1]]
        if mine.size == 0:
            continue
        starts = layout.var_start[mine]
        if p.kind[package] == TRAINING:
            lead = int(p.lead[package])
            # A month where a start enters, or where the history takes more seats than the month
            # before: between two of them the running starts only leave and the room only grows.
            held = used.seat_used[package, : problem.months]
            grows = np.nonzero(np.diff(held, prepend=0) > 0)[0]
            for t in np.union1d(starts, grows):
                running = mine[(starts <= t) & (starts > t - lead)]
                if running.size == 0:
                    continue
                room = int(p.seats[package]) - int(used.seat_used[package, t])
                if int(layout.var_upper[running].sum()) > room:
                    model.add(sum(x[v] for v in running) <= room)
                    count += 1
        if p.kind[package] == EQUIPMENT and p.quantity[package] < UNLIMITED:
            room = int(p.quantity[package]) - int(used.qty_used[package])
            if int(layout.var_upper[mine].sum()) > room:
                model.add(sum(x[v] for v in mine) <= room)
                count += 1
        fund = int(p.fund[package])
        cost = math.ceil(float(p.cost[package]) * scale[fund] - 1e-6) if fund >= 0 else 0
        if fund >= 0 and p.cost[package] > 0:
            for v, year in zip(mine, used.year_of(starts), strict=True):
                spend.setdefault((fund, int(year)), []).append((int(v), cost))
    for (fund, year), items in spend.items():
        left = p.budget[fund] - used.spent[fund, min(year, used.years - 1)]
        budget = int(np.floor(left * scale[fund] + 1e-6))
        if sum(c * int(layout.var_upper[v]) for v, c in items) > budget:
            model.add(sum(c * x[v] for v, c in items) <= budget)
            count += 1
    count += _prerequisites(problem, layout, model, x)
    aux = (
        _readiness(problem, layout, model, x)
        if layout.objective == "readiness"
        else _lateness(problem, layout, model, x)
    )
    return Built(model, x, aux, count + len(aux))


def _money_units(problem: Problem) -> dict[int, int]:
    """Per fund, the units its money is counted in: cents, or finer where a cost it pays has
    fractions of a cent (0.004 an element: three of them do not fit 0.01), as far as its budget
    stays within 64 bits. A cost is rounded up to the unit, a budget down: a plan the model allows
    is always paid for."""
    p = problem.packages
    units: dict[int, int] = {}
    for fund in np.unique(p.fund[p.fund >= 0]):
        costs = p.cost[(p.fund == fund) & (p.cost > 0)]
        most = max(float(p.budget[fund]), float(costs.max()) if costs.size else 0.0, 1.0)
        unit = 100
        while (
            unit < 10**9
            and most * unit * 10 < 1e17
            and np.any(np.abs(costs * unit - np.round(costs * unit)) > 1e-6)
        ):
            unit *= 10
        units[int(fund)] = unit
    return units


def _prerequisites(
    problem: Problem, layout: Layout, model: cp_model.CpModel, x: list[cp_model.IntVar]
) -> int:
    p = problem.packages
    pairs = layout.pair_index()
    count = 0
    for package, needed in zip(p.requires_package, p.requires_prerequisite, strict=True):
        for j in np.nonzero(layout.pair_package == package)[0]:
            cohort = int(layout.pair_cohort[j])
            lo, hi = int(layout.pair_vars[j]), int(layout.pair_vars[j + 1])
            starts = layout.var_start[lo:hi]
            history = (layout.fixed_cohort == cohort) & (layout.fixed_package == needed)
            if history.any():
                continue  # in effect before any start (the pair's earliest start is after it)
            other = pairs.get((cohort, int(needed)))
            if other is None:
                model.add(sum(x[v] for v in range(lo, hi)) == 0)
                count += 1
                continue
            olo, ohi = int(layout.pair_vars[other]), int(layout.pair_vars[other + 1])
            effects = layout.var_effect[olo:ohi]
            ready = np.searchsorted(np.sort(effects), starts, side="right")
            order = np.argsort(effects, kind="stable") + olo
            for k in range(starts.size):
                # Only where what is in effect grows next (or at the last start): between, the
                # later constraint has the same right side and a larger left one.
                if k + 1 < starts.size and ready[k + 1] == ready[k]:
                    continue
                model.add(
                    sum(x[v] for v in range(lo, lo + k + 1)) <= sum(x[int(v)] for v in order[: ready[k]])
                )
                count += 1
    return count


def _readiness(
    problem: Problem, layout: Layout, model: cp_model.CpModel, x: list[cp_model.IntVar]
) -> list[tuple[cp_model.IntVar, Callable[[np.ndarray], int]]]:
    size = layout.cohort_size[layout.ct_cohort[layout.term_ct]]
    weight = layout.ct_weight[layout.term_ct]
    goal = layout.ct_goal[layout.term_ct]
    total = float((weight * size).sum()) or 1.0
    base, deadlines = _remaining(
        problem,
        layout,
        pl.DataFrame(
            {"key": np.arange(layout.term_ct.size), "ct": layout.term_ct, "deadline": layout.term_deadline}
        ),
    )
    gap = goal - base
    groups = _grouped(_contributions(problem, layout, deadlines), layout.term_ct.size)
    constant = float((weight * size * np.where(goal <= 0, 1.0, base / np.maximum(goal, 1))).sum())
    needs = ancestors(problem)
    terms: list[tuple[cp_model.IntVar, float]] = []
    aux: list[tuple[cp_model.IntVar, Callable[[np.ndarray], int]]] = []
    for i, (vs, a, packages) in enumerate(groups):
        if goal[i] <= 0 or gap[i] <= 0 or vs.size == 0:
            continue
        n = int(size[i])
        limit = min(n * int(gap[i]), int((a * layout.var_upper[vs]).sum()))
        if limit <= 0:
            continue
        gain = model.new_int_var(0, limit, "")
        caps = _caps(n, int(gap[i]), vs, a, packages, needs)
        for constant_part, cvs, coefficients in caps:
            model.add(
                gain
                <= constant_part
                + cp_model.LinearExpr.weighted_sum([x[int(v)] for v in cvs], coefficients.tolist())
            )
        terms.append((gain, float(weight[i] / goal[i])))

        def hinted(counts: np.ndarray, caps: list[Cap] = caps, limit: int = limit) -> int:
            return int(min(limit, *(k + int((c * counts[v]).sum()) for k, v, c in caps)))

        aux.append((gain, hinted))
    model.maximize(
        cp_model.LinearExpr.weighted_sum([g for g, _ in terms], [c / total for _, c in terms])
        + constant / total
    )
    return aux


def _lateness(
    problem: Problem, layout: Layout, model: cp_model.CpModel, x: list[cp_model.IntVar]
) -> list[tuple[cp_model.IntVar, Callable[[np.ndarray], int]]]:
    months = problem.months
    rows: list[tuple[int, int, int, int]] = []
    for ct in np.nonzero((layout.ct_deadline >= 0) & (layout.gap > 0))[0]:
        due = max(int(layout.ct_due[ct]), 0)
        for start, end in zip(layout.periods, layout.period_end, strict=True):
            late_months = min(int(end), months - 1) - max(int(start), due) + 1
            if late_months > 0:
                rows.append((len(rows), int(ct), int(end), late_months))
    frame = pl.DataFrame(
        rows, schema={"key": pl.Int64, "ct": pl.Int64, "deadline": pl.Int64, "months": pl.Int64}, orient="row"
    )
    base, deadlines = _remaining(problem, layout, frame.select("key", "ct", "deadline"))
    groups = _grouped(_contributions(problem, layout, deadlines), frame.height)
    constant = 0.0
    terms: list[tuple[cp_model.IntVar, float]] = []
    aux: list[tuple[cp_model.IntVar, Callable[[np.ndarray], int]]] = []
    for (key, ct, _deadline, late_months), (vs, a, _packages) in zip(frame.iter_rows(), groups, strict=True):
        n = int(layout.cohort_size[layout.ct_cohort[ct]])
        gap = int(layout.ct_goal[ct] - base[key])
        weight = float(layout.ct_weight[ct]) * late_months
        if gap <= 0:  # the history meets it by then
            continue
        constant += weight * n
        top = min(n, int((a * layout.var_upper[vs]).sum()) // gap)
        if top <= 0:
            continue
        met = model.new_int_var(0, top, "")
        model.add(gap * met <= cp_model.LinearExpr.weighted_sum([x[int(v)] for v in vs], a.tolist()))
        terms.append((met, weight))

        def hinted(
            counts: np.ndarray, vs: np.ndarray = vs, a: np.ndarray = a, top: int = top, gap: int = gap
        ) -> int:
            return int(min(top, int((a * counts[vs]).sum()) // gap))

        aux.append((met, hinted))
    model.minimize(constant - cp_model.LinearExpr.weighted_sum([m for m, _ in terms], [w for _, w in terms]))
    return aux
