"""Why a plan is as it is (pure, column-wise): for each assignment, which gap it closes for which
milestone; the readiness each milestone reaches beside the greedy plan's and beside no new
support; and, from ``bindings``, each target left short with what binds it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ltsplan.planner.bindings import shortfalls
from ltsplan.planner.names import milestone_names, month_column, named, terms_of
from ltsplan.planner.problem import Problem
from ltsplan.planner.solve import Outcome


@dataclass
class Explained:
    assignments: pl.DataFrame  # element, package, start, effective, done, milestone, serves
    milestones: pl.DataFrame  # milestone, due, targets, readiness, met, greedy_readiness, …
    shortfalls: pl.DataFrame  # element, requirement, milestone, due, attainment, binding, detail


def milestones(problem: Problem, outcome: Outcome) -> pl.DataFrame:
    names = milestone_names(problem)
    plan = outcome.evaluation.milestones
    greedy = outcome.greedy.milestones.select(
        "milestone", pl.col("readiness").alias("greedy_readiness"), pl.col("met").alias("greedy_met")
    )
    base = outcome.baseline.milestones.select("milestone", pl.col("readiness").alias("baseline_readiness"))
    return (
        plan.join(greedy, on="milestone", how="left")
        .join(base, on="milestone", how="left")
        .join(names, on="milestone", how="left")
        .select(
            pl.col("milestone_code").alias("milestone"),
            pl.col("milestone_due").alias("due"),
            "targets",
            "readiness",
            "met",
            "greedy_readiness",
            "greedy_met",
            "baseline_readiness",
        )
    )


def assignments(problem: Problem, outcome: Outcome, done: np.ndarray | None = None) -> pl.DataFrame:
    """Each assignment (and each kept as done) with the gap it closes for the first deadline it
    arrives in time for, or the package it is a prerequisite of."""
    p = problem.packages
    chosen = outcome.assignments
    element = np.concatenate([chosen.element, problem.fixed_element])
    package = np.concatenate([chosen.package, problem.fixed_package])
    start = np.concatenate([chosen.start, problem.fixed_start])
    rows = pl.DataFrame(
        {
            "row": np.arange(element.size),
            "element": element,
            "package": package,
            "start": start,
            "effect": start + p.lead[package],
            "done": np.concatenate([np.zeros(chosen.size, bool), np.ones(problem.fixed_element.size, bool)]),
        }
    )
    raises = pl.DataFrame(
        {"package": p.raise_package, "requirement": p.raise_requirement, "amount": p.raise_amount}
    )
    names = milestone_names(problem)
    served = (
        rows.join(raises, on="package")
        .join(terms_of(problem).filter(pl.col("current") < pl.col("goal")), on=["element", "requirement"])
        .with_columns((pl.col("effect") > pl.col("deadline")).alias("late"))
        .sort("row", "late", "deadline", "milestone")
        .group_by("row", maintain_order=True)
        .first()
        .join(names, on="milestone", how="left")
    )
    served = served.with_columns(
        named("requirement", problem.requirement_labels).alias("label"),
        pl.when(pl.col("milestone") >= 0)
        .then(pl.format("{} (due {})", "milestone_code", pl.col("milestone_due").dt.strftime("%Y-%m")))
        .otherwise(pl.lit("its due date"))
        .alias("for"),
    ).select(
        "row",
        pl.when(pl.col("late"))
        .then(pl.format("raises {} by {} after {}: late for it", "label", pl.col("amount").round(2), "for"))
        .otherwise(
            pl.format(
                "raises {} by {} (of {} missing) in time for {}",
                "label",
                pl.col("amount").round(2),
                (pl.col("goal") - pl.col("current")).round(2),
                "for",
            )
        )
        .alias("serves"),
        pl.when(pl.col("late") | (pl.col("milestone") < 0))
        .then(None)
        .otherwise(pl.col("milestone_code"))
        .alias("milestone"),
    )
    needs = pl.DataFrame({"package": p.requires_prerequisite, "dependent": p.requires_package})
    opened = (
        rows.join(needs, on="package")
        .join(
            rows.select("element", pl.col("package").alias("dependent"), pl.col("start").alias("then")),
            on=["element", "dependent"],
        )
        .sort("row", "then")
        .group_by("row", maintain_order=True)
        .first()
        .select(
            "row",
            pl.format(
                "needed first by {} (starts {})",
                named("dependent", p.codes),
                month_column(problem, "then").dt.strftime("%Y-%m"),
            ).alias("opens"),
        )
    )
    return (
        rows.join(served, on="row", how="left")
        .join(opened, on="row", how="left")
        .sort("element", "start", "package")
        .select(
            named("element", problem.element_codes).alias("element"),
            named("package", p.codes).alias("package"),
            month_column(problem, "start").alias("start"),
            month_column(problem, "effect").alias("effective"),
            "done",
            "milestone",
            pl.coalesce(
                pl.when(pl.col("serves").is_not_null() & pl.col("opens").is_not_null())
                .then(pl.format("{}; {}", "serves", "opens"))
                .otherwise(None),
                "serves",
                "opens",
                pl.lit("raises nothing this element still lacks"),
            ).alias("serves"),
        )
    )


def explain(problem: Problem, outcome: Outcome) -> Explained:
    return Explained(
        assignments(problem, outcome), milestones(problem, outcome), shortfalls(problem, outcome)
    )
