"""Making a plan and keeping it: read the inputs as known at a moment, check what is done, solve
(the greedy plan beside the solver's), explain, and write the plan, its assignments, milestone
readiness and shortfalls through the one write path — versioned like every record: making a plan
of the same code again revises it (what it no longer has is withdrawn), and the old versions stay
readable ``--as-of`` the day they were current."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, LtsplanError, NotFound
from ltsplan.planner.data import Inputs, first_of_month, load_inputs
from ltsplan.planner.explain import Explained, explain
from ltsplan.planner.feasibility import history_problems
from ltsplan.planner.formats import PLANS
from ltsplan.planner.model import OWN_DUE, plan, plan_assignment, plan_milestone, plan_shortfall
from ltsplan.planner.solve import Options, Outcome, Progress, make
from ltsplan.records.fields import CODE
from ltsplan.records.writing import SectionsWriter, Written
from ltsplan.store.db import Database
from ltsplan.store.history import retract
from ltsplan.store.time import live_rows, utcnow, valid_day

WRITER = SectionsWriter(PLANS)
CHILDREN = (plan_assignment, plan_milestone, plan_shortfall)


class PlanInfeasible(InvalidInput):
    """What is done cannot be kept with the packages as they now are."""


@dataclass
class Made:
    code: str
    inputs: Inputs
    outcome: Outcome
    explained: Explained
    written: Written
    head: dict[str, Any]  # the plan's own record, in file form


def check_code(code: str) -> str:
    if not re.match(CODE, code) or len(code) > 64:
        raise LtsplanError(
            f"'{code}' is not a plan code: letters, digits and . _ : / - only, at most 64 characters"
        )
    return code


def make_plan(
    database: Database,
    code: str,
    *,
    options: Options,
    start: date | None = None,
    months: int | None = None,
    moment: datetime | None = None,
    history: pl.DataFrame | None = None,
    replans: str | None = None,
    progress: Progress | None = None,
) -> Made:
    """Make plan ``code`` from ``start``'s month (default: the as-of day's, or today's) with the
    inputs known at ``moment``, keeping ``history`` (element, package, start) as done."""
    check_code(code)
    first = first_of_month(start or valid_day(moment))
    with database.reading() as connection:
        inputs = load_inputs(
            connection, start=first, months=months, moment=moment, history=history, options=asdict(options)
        )
    said = history_problems(inputs.problem)
    if said:
        raise PlanInfeasible(
            said,
            f"plan {code} cannot keep what is done: {len(said)} constraint(s) it breaks with the packages as "
            "they now are; nothing was written",
        )
    outcome = make(inputs.problem, options, progress)
    explained = explain(inputs.problem, outcome)
    sections = plan_sections(code, inputs, outcome, explained, options, moment, replans)
    recorded_at = utcnow()
    with database.transaction() as connection:
        written = WRITER.write_records(
            connection, sections, recorded_at=recorded_at, origin=f"ltsplan plan make {code}", fmt="plan"
        )
        _withdraw_dropped(connection, code, sections, recorded_at)
    return Made(code, inputs, outcome, explained, written, sections["plans"][0])


def _withdraw_dropped(
    connection: Connection, code: str, sections: dict[str, list[dict[str, Any]]], at: datetime
) -> None:
    """A plan made again no longer holds what it dropped: those records are withdrawn from now."""
    for section, table in zip(("assignments", "milestones", "shortfalls"), CHILDREN, strict=True):
        record = PLANS.record(section)
        kept = {record.id_of(record.stored_values(r)) for r in sections[section]}
        stale = [
            r["id"]
            for r in live_rows(connection, table, None, table.c.plan_code == code)
            if r["id"] not in kept
        ]
        if stale:
            retract(connection, table, stale, at=at)


def plan_sections(
    code: str,
    inputs: Inputs,
    outcome: Outcome,
    explained: Explained,
    options: Options,
    moment: datetime | None,
    replans: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """The plan in file form, by section (what ``write_records`` takes and ``plan export`` gives)."""
    problem = inputs.problem
    notes = [*inputs.notes, *outcome.notes]
    head = {
        "code": code,
        "objective": options.objective,
        "start": problem.start,
        "months": problem.months,
        "status": outcome.status,
        "solver_status": outcome.solver_status,
        "objective_value": outcome.objective,
        "best_bound": outcome.bound,
        "gap": outcome.gap,
        "greedy_objective": outcome.greedy.objective,
        "baseline_objective": outcome.baseline.objective,
        "solve_seconds": round(outcome.solve_seconds, 3),
        "greedy_seconds": round(outcome.greedy_seconds, 3),
        "time_limit": options.time_limit,
        "relative_gap": options.relative_gap,
        "workers": options.workers,
        "seed": options.seed,
        "detail_months": options.detail_months,
        "coarse_months": options.coarse_months,
        "fingerprint": inputs.fingerprint,
        "inputs_as_of": moment.isoformat() if moment is not None else None,
        "replans": replans,
        "fixed": int(problem.fixed_element.size),
        "note": "; ".join(notes) or None,
    }
    assignments = [{"plan": code, **row} for row in explained.assignments.to_dicts()]
    dues = dict(inputs.milestones.select("code", "due").iter_rows())
    milestones = [
        {"plan": code, **row, "due": dues.get(row["milestone"]) if row["milestone"] != OWN_DUE else None}
        for row in explained.milestones.to_dicts()
    ]
    requirement = inputs.requirements.with_row_index("requirement").select(
        pl.col("requirement").cast(pl.Int64),
        pl.col("designator").alias("standard"),
        pl.col("code").alias("req"),
    )
    own_due = inputs.targets.select(
        pl.col("element_code").alias("element"), "requirement_id", pl.col("due").alias("own_due")
    )
    short = (
        explained.shortfalls.join(requirement, on="requirement", how="left")
        .join(
            inputs.requirements.with_row_index("requirement").select(
                pl.col("requirement").cast(pl.Int64), pl.col("id").alias("requirement_id")
            ),
            on="requirement",
        )
        .join(own_due, on=["element", "requirement_id"], how="left")
        .with_columns(
            pl.col("milestone").replace_strict(dues, default=None, return_dtype=pl.Date).alias("ms_due")
        )
        .with_columns(pl.coalesce("ms_due", "own_due").alias("due"))
    )
    shortfalls = [
        {
            "plan": code,
            "element": r["element"],
            "standard": r["standard"],
            "requirement": r["req"],
            "milestone": r["milestone"],
            "due": r["due"],
            "attainment": r["attainment"],
            "binding": r["binding"],
            "detail": r["detail"],
        }
        for r in short.to_dicts()
    ]
    return {"plans": [head], "assignments": assignments, "milestones": milestones, "shortfalls": shortfalls}


@dataclass
class Stored:
    """A plan as known at a moment: its head row and its records, as frames."""

    head: dict[str, Any]
    assignments: pl.DataFrame
    milestones: pl.DataFrame
    shortfalls: pl.DataFrame


def stored(connection: Connection, code: str, moment: datetime | None = None) -> Stored:
    rows = live_rows(connection, plan, moment, plan.c.code == code)
    if not rows:
        known = sorted(r["code"] for r in live_rows(connection, plan, moment))
        when = f" as known on {moment:%Y-%m-%d}" if moment else ""
        raise NotFound(
            f"no plan '{code}'{when}; the plans are: {', '.join(known) or 'none (make one with ltsplan plan make)'}"
        )
    frames = []
    for table in CHILDREN:
        record = PLANS.record(
            {plan_assignment: "assignments", plan_milestone: "milestones", plan_shortfall: "shortfalls"}[
                table
            ]
        )
        found = live_rows(connection, table, moment, table.c.plan_code == code)
        frames.append(record.frame(found) if found else pl.DataFrame(schema=record.schema()))
    return Stored(rows[0], *frames)
