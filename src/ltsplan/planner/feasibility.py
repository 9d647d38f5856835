"""Whether what is already done fits the packages as they are now (pure). A plan re-made from a
later day keeps what was done; if the offers have since shrunk — fewer seats, a smaller batch, a
lower budget, a package gone or its prerequisite never delivered — no plan can keep it, and this
says which constraint and which records, instead of a solver's bare "infeasible". Nothing else
can make the model infeasible: every other constraint holds with nothing planned."""

from __future__ import annotations

import numpy as np

from ltsplan.errors import Problem as Said
from ltsplan.planner.problem import EQUIPMENT, TRAINING, UNLIMITED, Problem, month_label, month_start

SHOWN = 6  # elements named per problem


def _names(problem: Problem, elements: np.ndarray) -> str:
    codes = [problem.element_codes[e] for e in sorted(set(elements.tolist()))]
    more = f" and {len(codes) - SHOWN} more" if len(codes) > SHOWN else ""
    return ", ".join(codes[:SHOWN]) + more


def history_problems(problem: Problem) -> list[Said]:
    p = problem.packages
    element, package, start = problem.fixed_element, problem.fixed_package, problem.fixed_start
    found: list[Said] = []
    pairs = element * max(p.size, 1) + package
    unique, counts = np.unique(pairs, return_counts=True)
    for pair in unique[counts > 1]:
        e, k = divmod(int(pair), max(p.size, 1))
        found.append(
            Said(
                f"once per element: {problem.element_codes[e]} is recorded as given {p.codes[k]} more than once",
                record=p.codes[k],
            )
        )
    for k in np.unique(package):
        mine = package == k
        code = p.codes[int(k)]
        if p.kind[k] == TRAINING:
            lead = int(p.lead[k])
            for month in range(problem.months):
                inside = mine & (start <= month) & (start + lead > month)
                if inside.sum() > p.seats[k]:
                    found.append(
                        Said(
                            f"capacity: course {code} has {int(p.seats[k])} seat{'s' if p.seats[k] != 1 else ''} "
                            "and what is done keeps "
                            f"{int(inside.sum())} elements in it in {month_label(month_start(problem.start, month))} "
                            f"({_names(problem, element[inside])})",
                            record=code,
                        )
                    )
                    break
        if p.kind[k] == EQUIPMENT and p.quantity[k] < UNLIMITED and mine.sum() > p.quantity[k]:
            found.append(
                Said(
                    f"capacity: batch {code} now offers {int(p.quantity[k])} and what is done has given "
                    f"{int(mine.sum())} ({_names(problem, element[mine])})",
                    record=code,
                )
            )
    years = (problem.start.month - 1 + start) // 12
    spent: dict[tuple[int, int], float] = {}
    for k, year in zip(package, years, strict=True):
        fund = int(p.fund[k])
        if fund >= 0 and year >= 0:
            spent[(fund, int(year))] = spent.get((fund, int(year)), 0.0) + float(p.cost[k])
    for (fund, year), money in sorted(spent.items()):
        if money > p.budget[fund] + 1e-6:
            found.append(
                Said(
                    f"budget: fund {p.codes[fund]} has {p.budget[fund]:,.0f} a year and what is done spends "
                    f"{money:,.0f} in {problem.start.year + year}",
                    record=p.codes[fund],
                )
            )
    effect = {(int(e), int(k)): int(s + p.lead[k]) for e, k, s in zip(element, package, start, strict=True)}
    for a, b in zip(p.requires_package, p.requires_prerequisite, strict=True):
        for e, s in zip(element[package == a], start[package == a], strict=True):
            arrived = effect.get((int(e), int(b)))
            if arrived is None or arrived > s:
                found.append(
                    Said(
                        f"prerequisite: {problem.element_codes[e]} started {p.codes[a]} in "
                        f"{month_label(month_start(problem.start, int(s)))} without {p.codes[b]} in effect",
                        record=p.codes[a],
                    )
                )
    return found
