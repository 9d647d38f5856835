"""The planning problem as arrays (pure: no database, no clock): force elements with their targets'
gaps, milestones, support packages with their capacities, budgets, lead times, prerequisites and
windows, and what is already done.

Time is counted in months from the plan's first month (month 0). A package started in month ``s``
takes effect at the start of month ``s + lead`` (a course's length, an equipment batch's lead time,
a fund's months from money to effect); an effect counts for a deadline in month ``d`` when
``s + lead <= d``. Amounts, gaps and levels are positions on each requirement's scale
(``readiness.rollup.position``): steps of an ordinal scale, points of a percentage, 1 for met.

``Problem`` holds what the records say; ``layout`` derives what both planners work on: cohorts of
identical elements, the (cohort, package) pairs that can help at all, and the start periods each
pair may use (every month for ``detail`` months, then one start every ``coarse`` months).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

KINDS = ("training", "equipment", "funds")
TRAINING, EQUIPMENT, FUNDS = 0, 1, 2
QUANT = 100  # the model counts amounts and gaps in hundredths of a step of the scale
UNLIMITED = 1 << 40
OBJECTIVES = ("readiness", "lateness")


def month_of(start: date, day: date) -> int:
    """The month index of ``day`` counted from ``start``'s month."""
    return (day.year - start.year) * 12 + day.month - start.month


def month_label(day: date) -> str:
    """``YYYY-MM`` with the year in four digits (``%Y`` writes year 1 as ``1``)."""
    return f"{day.year:04d}-{day.month:02d}"


def month_start(start: date, month: int) -> date:
    total = start.year * 12 + start.month - 1 + int(month)
    return date(total // 12, total % 12 + 1, 1)


@dataclass
class Packages:
    """The offers, by index: what each is, its capacity and window, what it raises and needs."""

    codes: list[str]
    kind: np.ndarray  # index into KINDS
    lead: np.ndarray  # months from start to effect
    seats: np.ndarray  # training: elements in training at once; else 0
    quantity: np.ndarray  # equipment: elements equipped in all; else UNLIMITED
    cost: np.ndarray  # per element, in the paying fund's currency
    fund: np.ndarray  # the fund that pays (index), -1 when the donor bears the cost
    budget: np.ndarray  # funds: per calendar year; else 0
    first: np.ndarray  # first start month (may be before month 0)
    last: np.ndarray  # last start month (UNLIMITED when open)
    domain: list[str | None]
    donor: list[str]
    raise_package: np.ndarray
    raise_requirement: np.ndarray
    raise_amount: np.ndarray
    requires_package: np.ndarray  # package … needs prerequisite … delivered first (same element)
    requires_prerequisite: np.ndarray

    @property
    def size(self) -> int:
        return len(self.codes)


@dataclass
class Problem:
    """Everything a plan is made from. Targets are one per element × requirement with a gap or
    not (met ones count at attainment 1); ``member_*`` say which targets each milestone holds."""

    start: date
    months: int
    element_codes: list[str]
    element_domain: list[str]
    requirement_labels: list[str]
    t_element: np.ndarray
    t_requirement: np.ndarray
    t_goal: np.ndarray  # the target level's position
    t_current: np.ndarray  # the position reached now (0 when never assessed or expired)
    t_weight: np.ndarray
    t_due: np.ndarray  # month index of the target's own due date
    milestone_codes: list[str]
    milestone_due: np.ndarray  # month index
    member_milestone: np.ndarray
    member_target: np.ndarray
    packages: Packages
    fixed_element: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fixed_package: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    fixed_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def terms(self) -> pl.DataFrame:
        """The objective's terms: each target at each deadline it counts for — the due date of every
        milestone that holds it, or its own due date when no milestone does. Deadlines before the
        first month are gone (nothing can change them); later ones past the horizon count at its
        last month (deliveries after the horizon are not planned)."""
        members = pl.DataFrame(
            {
                "target": self.member_target.astype(np.int64),
                "milestone": self.member_milestone.astype(np.int64),
            }
        )
        due = pl.DataFrame(
            {
                "milestone": np.arange(len(self.milestone_codes), dtype=np.int64),
                "deadline": self.milestone_due,
            }
        )
        with_ms = members.join(due, on="milestone", how="inner")
        targets = pl.DataFrame({"target": np.arange(self.t_goal.size, dtype=np.int64), "due": self.t_due})
        alone = targets.join(members.select("target").unique(), on="target", how="anti").select(
            "target", pl.col("due").alias("deadline"), pl.lit(-1, pl.Int64).alias("milestone")
        )
        terms = pl.concat([with_ms.select("target", "deadline", "milestone"), alone])
        return (
            terms.filter(pl.col("deadline") >= 0)
            .with_columns(pl.col("deadline").clip(upper_bound=self.months - 1))
            .sort("target", "milestone")
        )


def cohorts(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each element's cohort (elements identical for planning share one), the cohorts' sizes and
    one element of each. Cohorts are numbered in the order of their first element."""
    n = len(problem.element_codes)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    ms = (
        pl.DataFrame({"target": problem.member_target, "m": problem.member_milestone})
        .group_by("target")
        .agg(pl.col("m").sort().cast(pl.Utf8).str.join(","))
    )
    targets = (
        pl.DataFrame(
            {
                "element": problem.t_element,
                "target": np.arange(problem.t_goal.size),
                "r": problem.t_requirement,
                "goal": problem.t_goal,
                "cur": problem.t_current,
                "w": problem.t_weight,
                "due": problem.t_due,
            }
        )
        .join(ms, on="target", how="left")
        .with_columns(
            pl.format("{}:{}:{}:{}:{}:{}", "r", "goal", "cur", "w", "due", pl.col("m").fill_null("")).alias(
                "s"
            )
        )
        .group_by("element")
        .agg(pl.col("s").sort().str.join(";"))
    )
    fixed = (
        pl.DataFrame({"element": problem.fixed_element, "f": pl.Series(problem.fixed_package).cast(pl.Utf8)})
        .with_columns(pl.format("{}@{}", "f", pl.Series(problem.fixed_start)).alias("f"))
        .group_by("element")
        .agg(pl.col("f").sort().str.join(","))
    )
    signature = (
        pl.DataFrame({"element": np.arange(n), "d": problem.element_domain})
        .join(targets, on="element", how="left")
        .join(fixed, on="element", how="left")
        .sort("element")
        .select(
            pl.format(
                "{}|{}|{}", pl.col("d").fill_null(""), pl.col("s").fill_null(""), pl.col("f").fill_null("")
            )
        )
        .to_series()
    )
    codes, first_at, cohort = np.unique(
        signature.to_numpy().astype(str), return_index=True, return_inverse=True
    )
    order = np.argsort(first_at, kind="stable")  # number cohorts by their first element
    renumber = np.empty_like(order)
    renumber[order] = np.arange(order.size)
    cohort = renumber[cohort]
    return (
        cohort.astype(np.int64),
        np.bincount(cohort, minlength=codes.size).astype(np.int64),
        first_at[order],
    )
