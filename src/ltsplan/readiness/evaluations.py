"""Gated evaluations and findings as reports: each evaluation's gate, checklist outcome, whether it
counts (passed, in order, not expired) and what it achieved; each finding with its corrective
actions and whether they are late."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection

from ltsplan.readiness.data import ReadinessData, load
from ltsplan.readiness.reports import labelled, valid_date
from ltsplan.report import Report

# What an evaluation's checklist gave: who evaluated, the outcome, and the criteria behind it.
OUTCOME_COLUMNS = ("evaluator", "outcome", "criteria", "mandatory", "mandatory_met", "unmet_mandatory")


def open_on(day: date) -> pl.Expr:
    """An action open on ``day``: open or in progress, or closed (done, cancelled) after it."""
    return pl.col("status").is_in(["open", "in progress"]) | (
        pl.col("closed_on").is_not_null() & (pl.col("closed_on") > day)
    )


def open_actions(data: ReadinessData, day: date) -> pl.DataFrame:
    open_ = data.actions.filter(open_on(day))
    return (
        data.findings.join(open_.select(pl.col("finding_code").alias("code")), on="code", how="inner")
        .group_by("element_code", "requirement_id")
        .agg(pl.len().cast(pl.Int64).alias("open_actions"))
    )


def findings_report(
    connection: Connection,
    *,
    element: str | None = None,
    open_only: bool = False,
    on: date | None = None,
    moment: datetime | None = None,
) -> Report:
    """Findings with their corrective actions (a plan of action and milestones): owner, due, status,
    and whether the action is overdue on ``on``."""
    data = load(connection, moment)
    day = valid_date(moment, on)
    reqs = data.requirements
    # A finding raised after the day was not there to be seen on it.
    findings = data.findings.filter(pl.col("raised_on").is_null() | (pl.col("raised_on") <= day))
    if element is not None:
        findings = findings.filter(pl.col("element_code") == element)
    frame = (
        findings.rename({"code": "finding"})
        .join(reqs.rename({"code": "requirement"}), on="requirement_id", how="left")
        .join(
            data.actions.rename({"code": "action", "finding_code": "finding"}),
            on="finding",
            how="left",
        )
        .with_columns((open_on(day) & (pl.col("due") < day)).fill_null(False).alias("overdue"))
    )
    if open_only:
        frame = frame.filter(open_on(day).fill_null(False) | pl.col("action").is_null())
    frame = frame.sort("element_code", "finding", "action").select(
        "finding",
        pl.col("element_code").alias("element"),
        pl.col("designator").alias("standard"),
        "requirement",
        "raised_on",
        "text",
        "action",
        "description",
        "owner",
        "due",
        "status",
        "closed_on",
        "overdue",
    )
    notes = [f"overdue: open or in progress on {day} (closed after it counts as open then) and due before it"]
    notes = labelled(data, notes)
    return Report(
        title="Findings and corrective actions", frame=frame, notes=notes, params={"on": day, "as_of": moment}
    )


def evaluations_report(
    connection: Connection,
    *,
    element: str | None = None,
    on: date | None = None,
    moment: datetime | None = None,
) -> Report:
    """Each gated evaluation held by ``on``: its checklist outcome, and whether it counts (gate order,
    expiry) — with the reason when it does not."""
    data = load(connection, moment)
    day = valid_date(moment, on)
    results = [r for r in data.gate_results(day) if element is None or r.element == element]
    outcomes = data.evaluations.select(pl.col("code").alias("evaluation"), *OUTCOME_COLUMNS)
    frame = pl.DataFrame(
        [
            (
                r.evaluation,
                r.element,
                r.programme,
                r.gate,
                r.level,
                r.held_on,
                r.expires_on,
                r.passed,
                r.counts,
                r.status,
            )
            for r in results
        ],
        schema={
            "evaluation": pl.Utf8,
            "element": pl.Utf8,
            "programme": pl.Utf8,
            "gate": pl.Utf8,
            "level": pl.Int64,
            "held_on": pl.Date,
            "expires_on": pl.Date,
            "passed": pl.Boolean,
            "counts": pl.Boolean,
            "status": pl.Utf8,
        },
        orient="row",
    ).join(outcomes, on="evaluation", how="left")
    frame = frame.select(
        "element",
        "programme",
        "gate",
        "level",
        "held_on",
        *OUTCOME_COLUMNS,
        "expires_on",
        "counts",
        "status",
        "evaluation",
    ).sort("element", "programme", "held_on")
    notes = [
        "gates count in the programme's order: a gate's evaluation counts only when the previous gate was "
        "passed (and still valid) when it was held; a result stops counting on its expiry date",
        f"as of {day}",
    ]
    notes = labelled(data, notes)
    return Report(title="Gated evaluations", frame=frame, notes=notes, params={"on": day, "as_of": moment})
