"""What binds each target a plan leaves short (pure, column-wise), found offer by offer — every
package open to the element's domain that raises the requirement — by the first of these that
holds (docs/planner.md):

- **amount**: the element has it in time, and it raises the requirement by less than the gap;
- **lead time**: even started in the plan's first month it takes effect after the deadline;
- **window**: its window closes before the plan starts, or opens too late to arrive in time;
- **prerequisite**: what it needs first cannot be in effect early enough;
- **capacity**: every start that would arrive in time finds its seats full or its batch given out;
- **budget**: every such start falls in a year its fund has spent;
- **not chosen**: it had room; the plan used the capacity elsewhere, for more readiness.

The target's binding is that of the offer that could take effect soonest; the detail names each
offer's. With no such offer at all: **no offer**.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ltsplan.planner.greedy import Capacities
from ltsplan.planner.names import milestone_names, month_column, named, terms_of
from ltsplan.planner.problem import EQUIPMENT, TRAINING, Problem, month_start
from ltsplan.planner.solve import Outcome

NEVER = 1 << 40


def shortfalls(problem: Problem, outcome: Outcome) -> pl.DataFrame:
    """Each target a deadline leaves short, with what binds it (see the module's doc)."""
    p = problem.packages
    layout = outcome.layout
    months = problem.months
    terms = terms_of(problem).join(outcome.evaluation.terms, on=["target", "deadline", "milestone"])
    short = terms.filter((pl.col("attainment") < 1.0 - 1e-9) & (pl.col("goal") > 0)).with_row_index("s")
    if short.is_empty():
        return _empty_shortfalls()
    state = Capacities(problem, layout)
    for v in np.nonzero(outcome.counts > 0)[0]:
        state.add(int(v), int(outcome.counts[v]))
    room = _rooms(problem, state)
    given_package = np.concatenate([outcome.assignments.package, problem.fixed_package])
    had = pl.DataFrame(
        {
            "element": np.concatenate([outcome.assignments.element, problem.fixed_element]),
            "package": given_package,
            "arrived": np.concatenate([outcome.assignments.start, problem.fixed_start])
            + p.lead[given_package],
        }
    )
    domains = pl.DataFrame(
        {"element": np.arange(len(problem.element_codes)), "domain": problem.element_domain}
    )
    offers = pl.DataFrame(
        {
            "package": p.raise_package,
            "requirement": p.raise_requirement,
            "open_to": pl.Series([p.domain[k] for k in p.raise_package], dtype=pl.Utf8),
        }
    )
    candidates = (
        short.join(domains, on="element")
        .join(offers, on="requirement")
        .filter(pl.col("open_to").is_null() | (pl.col("open_to") == pl.col("domain")))
        .join(had, on=["element", "package"], how="left")
        .with_columns((pl.col("arrived") <= pl.col("deadline")).fill_null(False).alias("in_time"))
    )
    k = candidates.get_column("package").to_numpy().astype(np.int64)
    deadline = candidates.get_column("deadline").to_numpy().astype(np.int64)
    element = candidates.get_column("element").to_numpy().astype(np.int64)
    lead = p.lead[k]
    lo = np.maximum(p.first[k], 0)
    hi = np.minimum(np.minimum(p.last[k], deadline - lead), months - 1)
    ready = _prerequisites_ready(problem, outcome, element, k)
    earliest = np.maximum(lo, ready)
    lead_bound = deadline - lead < 0
    window_bound = ~lead_bound & (lo > hi)
    prereq_bound = ~lead_bound & ~window_bound & (earliest > hi)
    span_lo, span_hi = np.minimum(earliest, months - 1), np.clip(hi, -1, months - 1)
    seats_ok = _any(room["seats"], k, span_lo, span_hi)
    money_ok = _any(room["money"], k, span_lo, span_hi)
    capacity_bound = ~lead_bound & ~window_bound & ~prereq_bound & (~seats_ok | (room["quantity"][k] <= 0))
    budget_bound = ~lead_bound & ~window_bound & ~prereq_bound & ~capacity_bound & ~money_ok
    in_time = candidates.get_column("in_time").to_numpy()
    reason = np.select(
        [in_time, lead_bound, window_bound, prereq_bound, capacity_bound, budget_bound],
        ["amount", "lead time", "window", "prerequisite", "capacity", "budget"],
        default="not chosen",
    )
    detail = [
        _said(problem, int(q), str(r), int(d), int(e))
        for q, r, d, e in zip(k, reason, deadline, np.maximum(earliest, 0) + lead, strict=True)
    ]
    found = candidates.select("s").with_columns(
        pl.Series("binding", reason, dtype=pl.Utf8),
        pl.Series("detail", detail, dtype=pl.Utf8),
        pl.Series("soonest", np.maximum(earliest, 0) + lead),
    )
    per_target = (
        found.sort("s", "soonest", "detail")
        .group_by("s", maintain_order=True)
        .agg(pl.col("binding").first(), pl.col("detail").head(3).str.join("; "), pl.len().alias("offers"))
        .with_columns(
            pl.when(pl.col("offers") > 3)
            .then(pl.format("{}; and {} more", "detail", pl.col("offers") - 3))
            .otherwise(pl.col("detail"))
            .alias("detail")
        )
    )
    names = milestone_names(problem)
    return (
        short.join(per_target, on="s", how="left")
        .join(names, on="milestone", how="left")
        .with_columns(
            pl.col("binding").fill_null("no offer"),
            pl.col("detail").fill_null(
                pl.format(
                    "no package open to this element's domain raises {}",
                    named("requirement", problem.requirement_labels),
                )
            ),
        )
        .sort("milestone_code", "element", "requirement")
        .select(
            named("element", problem.element_codes).alias("element"),
            "requirement",
            pl.col("milestone_code").alias("milestone"),
            pl.coalesce("milestone_due", month_column(problem, "deadline")).alias("due"),
            "attainment",
            "binding",
            "detail",
        )
    )


def _empty_shortfalls() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "element": pl.Utf8,
            "requirement": pl.Int64,
            "milestone": pl.Utf8,
            "due": pl.Date,
            "attainment": pl.Float64,
            "binding": pl.Utf8,
            "detail": pl.Utf8,
        }
    )


def _rooms(problem: Problem, state: Capacities) -> dict[str, np.ndarray]:
    """Per package and start month: whether a course has a seat over its whole length, whether the
    fund can still pay in that year; per package: what is left of a batch."""
    p = problem.packages
    months = problem.months
    seats = np.ones((p.size, months), dtype=bool)
    for k in np.nonzero(p.kind == TRAINING)[0]:
        lead = int(p.lead[k])
        used = np.lib.stride_tricks.sliding_window_view(np.pad(state.seat_used[k], (0, lead)), lead).max(
            axis=1
        )
        seats[k] = used[:months] < p.seats[k]
    money = np.ones((p.size, months), dtype=bool)
    years = state.year_of(np.arange(months))
    for k in np.nonzero((p.fund >= 0) & (p.cost > 0))[0]:
        fund = int(p.fund[k])
        left = p.budget[fund] - state.spent[fund, np.minimum(years, state.years - 1)]
        money[k] = left >= p.cost[k] - 1e-6
    quantity = np.where(p.kind == EQUIPMENT, p.quantity - state.qty_used, NEVER)
    return {"seats": seats, "money": money, "quantity": quantity}


def _any(grid: np.ndarray, package: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Whether ``grid[package, m]`` holds for some month m in [lo, hi] (empty ranges: False)."""
    cumulative = np.concatenate([np.zeros((grid.shape[0], 1), np.int64), np.cumsum(grid, axis=1)], axis=1)
    valid = hi >= lo
    lo_c, hi_c = np.clip(lo, 0, grid.shape[1]), np.clip(hi + 1, 0, grid.shape[1])
    return valid & (cumulative[package, hi_c] - cumulative[package, lo_c] > 0)


def _prerequisites_ready(
    problem: Problem, outcome: Outcome, element: np.ndarray, package: np.ndarray
) -> np.ndarray:
    """The first month each (element, package) could start as far as its prerequisites go: each
    prerequisite in effect — as planned for the element, or else at the earliest its own window,
    domain, lead time and prerequisites allow (never, when its window has closed, it is not open
    to the element's domain, or what it needs cannot come first)."""
    p = problem.packages
    ready = np.zeros(package.size, dtype=np.int64)
    if p.requires_package.size == 0:
        return ready
    planned: dict[tuple[int, int], int] = {}
    chosen = outcome.assignments
    for e, q, s in zip(
        np.concatenate([chosen.element, problem.fixed_element]),
        np.concatenate([chosen.package, problem.fixed_package]),
        np.concatenate([chosen.start, problem.fixed_start]),
        strict=True,
    ):
        planned[(int(e), int(q))] = int(s + p.lead[q])
    needs: dict[int, list[int]] = {}
    for a, b in zip(p.requires_package, p.requires_prerequisite, strict=True):
        needs.setdefault(int(a), []).append(int(b))
    known: dict[tuple[int, int], int] = {}

    def effect(e: int, b: int, seen: frozenset[int]) -> int:
        """The earliest month ``b`` can be in effect for element ``e``."""
        if (e, b) in planned:
            return planned[(e, b)]
        if (e, b) in known:
            return known[(e, b)]
        if b in seen or (p.domain[b] is not None and p.domain[b] != problem.element_domain[e]):
            return NEVER
        start = max([int(p.first[b]), 0, *(effect(e, c, seen | {b}) for c in needs.get(b, []))])
        when = start + int(p.lead[b]) if start <= min(int(p.last[b]), problem.months - 1) else NEVER
        known[(e, b)] = when
        return when

    for i, (e, a) in enumerate(zip(element.tolist(), package.tolist(), strict=True)):
        ready[i] = max([0, *(effect(int(e), b, frozenset({int(a)})) for b in needs.get(int(a), []))])
    return ready


def _said(problem: Problem, package: int, reason: str, deadline: int, soonest: int) -> str:
    p = problem.packages
    code = p.codes[package]
    due = month_start(problem.start, deadline).isoformat()[:7]
    if reason == "amount":
        return f"{code}: given in time, and its raise is less than the gap"
    if reason == "lead time":
        return f"{code}: takes {int(p.lead[package])} months; started in the plan's first month it arrives after {due}"
    if reason == "window":
        if p.last[package] < 0:
            return f"{code}: its window closed before the plan starts"
        opens = month_start(problem.start, int(p.first[package])).isoformat()[:7]
        return f"{code}: opens {opens}; with {int(p.lead[package])} months it arrives after {due}"
    if reason == "prerequisite":
        needed = ", ".join(p.codes[b] for b in p.requires_prerequisite[p.requires_package == package])
        return f"{code}: needs {needed} first, which cannot be in effect in time for {due}"
    if reason == "capacity":
        if p.kind[package] == TRAINING:
            seats = int(p.seats[package])
            taken = "its one seat is taken" if seats == 1 else f"all {seats} seats are taken"
            return f"{code}: {taken} for every start that arrives by {due}"
        return f"{code}: all {int(p.quantity[package])} of the batch are given"
    if reason == "budget":
        fund = p.codes[int(p.fund[package])]
        return f"{code}: fund {fund} has spent its yearly budget for every start that arrives by {due}"
    arrives = month_start(problem.start, soonest).isoformat()[:7]
    return (
        f"{code}: had room (could arrive {arrives}); the plan used its capacity for more readiness elsewhere"
    )
