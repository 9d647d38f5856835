"""Plans as reports (one data function, every face renders it): the plans made, one plan's
assignments, its explanation (what each assignment serves; what binds each target left short), the
readiness each milestone reaches beside the greedy plan's, and the difference between two plans.
``moment`` is the record time: a plan as it was known then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection

from ltsplan.planner.model import plan as plan_table
from ltsplan.planner.model import support_package
from ltsplan.planner.plans import Stored, stored
from ltsplan.planner.problem import month_label
from ltsplan.readiness.data import requirements
from ltsplan.report import Report
from ltsplan.store.time import live_frame, live_rows


def summary(head: dict[str, Any]) -> list[str]:
    """A plan's figures in words: objective beside the greedy plan's and no new support, the bound
    and gap, how it was found, and what it was made from."""
    readiness = head["objective"] == "readiness"

    def shown(value: float | None) -> str:
        if value is None:
            return "—"
        return f"{value:.1%}" if readiness else f"{value:,.1f} weighted months late"

    what = "weighted readiness at the milestones" if readiness else "weighted lateness of the targets"
    lines = [
        f"{what}: {shown(head['objective_value'])} with this plan, {shown(head['greedy_objective'])} with the "
        f"greedy plan (earliest due, largest gap first), {shown(head['baseline_objective'])} with no new support",
        f"status: {head['status']} (solver: {head['solver_status']}); best bound {shown(head['best_bound'])}, gap "
        + (f"{head['gap']:.2%}" if head.get("gap") is not None else "—")
        + f"; found in {head['solve_seconds'] or 0:.1f} s (greedy {head['greedy_seconds'] or 0:.2f} s), "
        f"{head['workers']} worker(s), seed {head['seed']}",
        f"from {month_label(head['start'])} for {head['months']} months; inputs {head['fingerprint'][:16]}…"
        + (f" as known {head['inputs_as_of']}" if head.get("inputs_as_of") else "")
        + (f"; re-plans {head['replans']} keeping {head['fixed']} done" if head.get("replans") else ""),
    ]
    if head.get("note"):
        lines.extend(head["note"].split("; "))
    return lines


def plans_report(connection: Connection, moment: datetime | None = None) -> Report:
    rows = live_rows(connection, plan_table, moment)
    frame = pl.DataFrame(
        [
            {
                "plan": r["code"],
                "objective": r["objective"],
                "start": r["start"],
                "months": r["months"],
                "status": r["status"],
                "value": r["objective_value"],
                "greedy": r["greedy_objective"],
                "gap": r["gap"],
                "replans": r["replans"],
                "made": r["recorded_at"],
            }
            for r in sorted(rows, key=lambda r: r["code"])
        ],
        schema={
            "plan": pl.Utf8,
            "objective": pl.Utf8,
            "start": pl.Date,
            "months": pl.Int64,
            "status": pl.Utf8,
            "value": pl.Float64,
            "greedy": pl.Float64,
            "gap": pl.Float64,
            "replans": pl.Utf8,
            "made": pl.Datetime("us"),
        },
    )
    return Report(
        title="Plans",
        frame=frame,
        notes=[
            "value and greedy: the objective (readiness: weighted share at the milestones; lateness: months)"
        ],
        units={"gap": "share"},
        params={"as_of": moment},
    )


def _packages(connection: Connection, moment: datetime | None) -> pl.DataFrame:
    return live_frame(connection, support_package, moment).select(
        pl.col("code").alias("package"), pl.col("name").alias("package_name"), "kind", "donor"
    )


def plan_report(connection: Connection, code: str, moment: datetime | None = None) -> Report:
    """One plan's assignments: which element starts which package when, and when it takes effect."""
    found = stored(connection, code, moment)
    frame = (
        found.assignments.join(
            _packages(connection, moment), left_on="package_code", right_on="package", how="left"
        )
        .sort("element_code", "start", "package_code")
        .select(
            pl.col("element_code").alias("element"),
            pl.col("package_code").alias("package"),
            "package_name",
            "kind",
            "donor",
            "start",
            "effective",
            "done",
            pl.col("milestone_code").alias("milestone"),
        )
    )
    bindings = _bindings(found.shortfalls)
    said = "; ".join(f"{b['binding']}: {b['targets']} (mostly {b['top']})" for b in bindings)
    notes = [
        *summary(found.head),
        f"targets left short at a milestone, by what binds them: {said or 'none'} — each one: /plans/{code}/shortfalls",
        f"milestone readiness beside the greedy plan's: /plans/{code}/milestones",
    ]
    milestones = found.milestones.sort("due", "milestone_code", nulls_last=True).select(
        pl.col("milestone_code").alias("milestone"),
        "due",
        "readiness",
        "greedy_readiness",
        "baseline_readiness",
    )
    return Report(
        title=f"Plan {code}: assignments",
        frame=frame,
        notes=notes,
        params={"plan": code, "as_of": moment, "milestones": milestones.to_dicts(), "bindings": bindings},
    )


def _bindings(shortfalls: pl.DataFrame) -> list[dict[str, Any]]:
    """How many short targets each binding holds, and the package named most often for it."""
    if shortfalls.is_empty():
        return []
    named = shortfalls.with_columns(pl.col("detail").str.extract(r"^([^:;]+):", 1).alias("package"))
    top = (
        named.group_by("binding", "package")
        .len()
        .sort(["binding", "len", "package"], descending=[False, True, False], nulls_last=True)
        .group_by("binding", maintain_order=True)
        .first()
        .select("binding", pl.col("package").fill_null("—").alias("top"))
    )
    counts = named.group_by("binding").agg(pl.len().alias("targets")).join(top, on="binding")
    return counts.sort(["targets", "binding"], descending=[True, False]).to_dicts()


def explain_report(connection: Connection, code: str, moment: datetime | None = None) -> Report:
    """What each assignment serves: the gap it closes, for which milestone."""
    found = stored(connection, code, moment)
    frame = found.assignments.sort("element_code", "start", "package_code").select(
        pl.col("element_code").alias("element"),
        pl.col("package_code").alias("package"),
        "start",
        "effective",
        pl.col("milestone_code").alias("milestone"),
        "serves",
    )
    return Report(
        title=f"Plan {code}: what each assignment serves",
        frame=frame,
        notes=[
            *summary(found.head),
            f"what binds the targets left short: ltsplan plan explain {code} --shortfalls",
        ],
        params={"plan": code, "as_of": moment},
    )


def shortfalls_report(
    connection: Connection, code: str, moment: datetime | None = None, binding: str | None = None
) -> Report:
    """Each target a milestone leaves short, and what binds it (capacity, budget, lead time,
    prerequisite, window, the amount offered, no offer, or not chosen)."""
    found = stored(connection, code, moment)
    frame = _with_requirement(connection, found.shortfalls, moment).sort(
        "milestone_code", "element_code", "standard", "requirement"
    )
    if binding is not None:
        frame = frame.filter(pl.col("binding") == binding)
    counts = frame.group_by("binding").len().sort("len", descending=True)
    frame = frame.select(
        pl.col("milestone_code").alias("milestone"),
        "due",
        pl.col("element_code").alias("element"),
        "standard",
        "requirement",
        "attainment",
        "binding",
        "detail",
    )
    tally = ", ".join(f"{b}: {n}" for b, n in counts.iter_rows())
    return Report(
        title=f"Plan {code}: targets left short and what binds them",
        frame=frame,
        notes=[
            f"targets short at a milestone, by what binds them — {tally or 'none'}",
            *summary(found.head)[:1],
        ],
        units={"attainment": "share"},
        params={"plan": code, "binding": binding, "as_of": moment},
    )


def _with_requirement(connection: Connection, frame: pl.DataFrame, moment: datetime | None) -> pl.DataFrame:
    names = requirements(connection, moment).select(
        pl.col("id").alias("requirement_id"),
        pl.col("designator").alias("standard"),
        pl.col("code").alias("requirement"),
    )
    return frame.join(names, on="requirement_id", how="left")


def milestones_report(connection: Connection, code: str, moment: datetime | None = None) -> Report:
    """The readiness each milestone reaches with the plan, with the greedy plan, and with no new support."""
    found = stored(connection, code, moment)
    frame = found.milestones.sort("due", "milestone_code", nulls_last=True).select(
        pl.col("milestone_code").alias("milestone"),
        "due",
        "targets",
        "readiness",
        "greedy_readiness",
        "baseline_readiness",
        "met",
        "greedy_met",
    )
    return Report(
        title=f"Plan {code}: milestone readiness against the greedy plan",
        frame=frame,
        notes=[
            "readiness: Σ weight × attainment ÷ Σ weight over the milestone's targets, on its due date "
            "(own-due-dates: targets in no milestone, each on its own due date)",
            *summary(found.head)[:2],
        ],
        units={"readiness": "share", "greedy_readiness": "share", "baseline_readiness": "share"},
        params={"plan": code, "as_of": moment},
    )


def diff_report(connection: Connection, first: str, second: str, moment: datetime | None = None) -> Report:
    """What changes from plan ``first`` to plan ``second``: assignments added, dropped, moved."""
    a, b = stored(connection, first, moment), stored(connection, second, moment)
    frame = diff_frame(a, b)
    counts = frame.group_by("change").len().sort("change")
    ma = a.milestones.select("milestone_code", pl.col("readiness").alias("a"))
    mb = b.milestones.select("milestone_code", pl.col("readiness").alias("b"))
    moved = [
        f"{m}: {x:.1%} → {y:.1%}" if x is not None and y is not None else f"{m}: {x} → {y}"
        for m, x, y in ma.join(mb, on="milestone_code", how="full", coalesce=True)
        .sort("milestone_code")
        .iter_rows()
    ]
    notes = [
        f"{first}: {a.head['objective_value']:.4g} ({a.head['objective']}), {second}: {b.head['objective_value']:.4g} ({b.head['objective']})",
        "changes: " + (", ".join(f"{c} {n}" for c, n in counts.iter_rows()) or "none"),
        "milestone readiness " + ("; ".join(moved) if moved else "—"),
    ]
    if a.head["fingerprint"] != b.head["fingerprint"]:
        notes.append("the plans were made from different inputs (their fingerprints differ)")
    return Report(
        title=f"Plans {first} → {second}",
        frame=frame.filter(pl.col("change") != "same"),
        notes=notes,
        params={"first": first, "second": second, "as_of": moment},
    )


def diff_frame(a: Stored, b: Stored) -> pl.DataFrame:
    keys = ["element_code", "package_code"]
    left = a.assignments.select(
        *keys, pl.col("start").alias("start_a"), pl.col("effective").alias("effective_a")
    )
    right = b.assignments.select(
        *keys, pl.col("start").alias("start_b"), pl.col("effective").alias("effective_b")
    )
    joined = left.join(right, on=keys, how="full", coalesce=True)
    change = (
        pl.when(pl.col("start_a").is_null())
        .then(pl.lit("added"))
        .when(pl.col("start_b").is_null())
        .then(pl.lit("dropped"))
        .when(pl.col("start_a") < pl.col("start_b"))
        .then(pl.lit("later"))
        .when(pl.col("start_a") > pl.col("start_b"))
        .then(pl.lit("earlier"))
        .otherwise(pl.lit("same"))
    )
    return (
        joined.with_columns(change.alias("change"))
        .sort("element_code", "package_code")
        .select(
            pl.col("element_code").alias("element"),
            pl.col("package_code").alias("package"),
            "change",
            "start_a",
            "start_b",
            "effective_a",
            "effective_b",
        )
    )
