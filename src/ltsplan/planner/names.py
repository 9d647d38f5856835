"""What names a plan's indices, as Polars expressions and frames (pure): elements, packages and
requirements by their codes, month indices as dates, milestones with their due months, and the
objective's terms with their targets."""

from __future__ import annotations

import numpy as np
import polars as pl

from ltsplan.planner.model import OWN_DUE
from ltsplan.planner.problem import Problem, month_start


def named(column: str, names: list[str]) -> pl.Expr:
    """A column of indices as the names they index."""
    return pl.col(column).replace_strict(list(range(len(names))), names, default=None, return_dtype=pl.Utf8)


def month_column(problem: Problem, column: str | pl.Expr) -> pl.Expr:
    """A column of month indices as each month's first day."""
    months = pl.col(column) if isinstance(column, str) else column
    total = months + (problem.start.year * 12 + problem.start.month - 1)
    return pl.date(total // 12, total % 12 + 1, 1)


def milestone_names(problem: Problem) -> pl.DataFrame:
    codes = [*problem.milestone_codes, OWN_DUE]
    due = [month_start(problem.start, int(m)) for m in problem.milestone_due] + [None]
    return pl.DataFrame(
        {
            "milestone": [*range(len(problem.milestone_codes)), -1],
            "milestone_code": codes,
            "milestone_due": due,
        },
        schema={"milestone": pl.Int64, "milestone_code": pl.Utf8, "milestone_due": pl.Date},
    )


def terms_of(problem: Problem) -> pl.DataFrame:
    """Each objective term with its target's element, requirement, level now and goal."""
    return problem.terms().join(
        pl.DataFrame(
            {
                "target": np.arange(problem.t_goal.size),
                "element": problem.t_element,
                "requirement": problem.t_requirement,
                "goal": problem.t_goal,
                "current": np.minimum(problem.t_current, problem.t_goal),
                "due": problem.t_due,
            }
        ),
        on="target",
    )
