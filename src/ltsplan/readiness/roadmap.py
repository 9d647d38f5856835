"""The roadmap as reports: each milestone's targets met so far, the projection to its due date and
its status; the gaps (targets not met, worst first); and the burn-up of targets met month by month.
``moment`` is the record time (what was known); ``on`` the valid date."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import NotFound
from ltsplan.readiness import milestones as milestone_rules
from ltsplan.readiness.data import ReadinessData, load
from ltsplan.readiness.evaluations import open_actions
from ltsplan.readiness.programmes import month_ends
from ltsplan.readiness.reports import labelled, valid_date
from ltsplan.readiness.scores import Grouping, group_stats, pair_states
from ltsplan.report import Report


def _milestone_members(data: ReadinessData, code: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Milestones (optionally one) and their member targets' pair indices."""
    ms = data.milestones
    if code is not None:
        ms = ms.filter(pl.col("code") == code)
        if ms.is_empty():
            known = ", ".join(data.milestones.get_column("code").to_list()) or "none"
            raise NotFound(f"no milestone '{code}'; the milestones are: {known}")
    ms = ms.with_row_index("m")
    pairs = data.prepared.targets.select(pl.col("id").alias("target_id"), "pair")
    members = (
        data.milestone_targets.join(pairs, on="target_id", how="inner")
        .join(ms.select(pl.col("code").alias("milestone_code"), "m"), on="milestone_code", how="inner")
        .sort("m", "pair")
    )
    return ms, members


def _members_grouping(members: pl.DataFrame, size: int) -> Grouping:
    return Grouping(
        members.get_column("pair").to_numpy().astype(np.int64),
        members.get_column("m").to_numpy().astype(np.int64),
        size,
    )


def milestones_report(
    connection: Connection, *, on: date | None = None, moment: datetime | None = None
) -> Report:
    data = load(connection, moment)
    day = valid_date(moment, on)
    ms, members = _milestone_members(data)
    dates = milestone_rules.trend_dates(day)
    grouping = _members_grouping(members, ms.height)
    met_series = np.zeros((ms.height, len(dates)))
    targets = np.zeros(ms.height, dtype=np.int64)
    for i, state in enumerate(pair_states(data.prepared, dates)):
        stats = group_stats(data.prepared, state, grouping)
        targets = stats["targets"]
        met_series[:, i] = stats["met"]
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(targets[:, None] > 0, met_series / np.maximum(targets[:, None], 1), 0.0)
    frame = ms.select(pl.col("code").alias("milestone"), "name", "due").with_columns(
        pl.Series("targets", targets),
        pl.Series("met", met_series[:, -1].astype(np.int64) if ms.height else np.zeros(0, dtype=np.int64)),
        pl.Series("slope", milestone_rules.slopes(dates, shares)),
    )
    frame = milestone_rules.statuses(frame, day).select(
        "milestone", "name", "due", "targets", "met", "share", "projected", "status", "reason"
    )
    notes = [
        "met: every target met; late: past due and not met; on track: the least-squares trend of the "
        f"share met over the last {milestone_rules.TREND_MONTHS} month-ends reaches 100% by the due date; "
        "at risk: otherwise",
        f"as of {day}",
    ]
    notes = labelled(data, notes)
    return Report(
        title="Milestones",
        frame=frame,
        notes=notes,
        units={"share": "share", "projected": "share"},
        params={"on": day, "as_of": moment},
    )


def gaps_report(
    connection: Connection,
    *,
    milestone: str | None = None,
    on: date | None = None,
    moment: datetime | None = None,
) -> Report:
    """Per milestone (or one), the targets not met on ``on``, worst first, saying what is missing where."""
    data = load(connection, moment)
    day = valid_date(moment, on)
    ms, members = _milestone_members(data, milestone)
    latest = data.latest_on(day)
    actions = open_actions(data, day)
    names = data.elements.select(pl.col("code").alias("element_code"), pl.col("name").alias("element_name"))
    gaps = (
        members.join(ms.select("m", pl.col("due").alias("milestone_due")), on="m")
        .join(latest.rename({"id": "target_id"}), on="target_id", how="inner")
        .filter(pl.col("met").not_())
        .join(names, on="element_code", how="left")
        .join(actions, on=["element_code", "requirement_id"], how="left")
        .with_columns(
            pl.when(pl.col("state") == "unassessed")
            .then(pl.lit("no result"))
            .when(pl.col("state") == "expired")
            .then(pl.format("{} (expired {})", pl.col("observed"), pl.col("effective_expiry")))
            .otherwise(pl.col("observed"))
            .alias("observed_level"),
            pl.col("open_actions").fill_null(0),
        )
        .rename({"element_code": "element", "code": "requirement", "designator": "standard"})
    )
    gaps = milestone_rules.worst_first(gaps)
    gaps = gaps.sort("milestone_due", "milestone_code", maintain_order=True).select(
        pl.col("milestone_code").alias("milestone"),
        "element",
        "element_name",
        "standard",
        "requirement",
        pl.col("level").alias("target_level"),
        "observed_level",
        pl.col("assessed_on").alias("observed_on"),
        "state",
        "attainment",
        "gap",
        "mandatory",
        "weight",
        "open_actions",
    )
    notes = [
        f"targets not met on {day}, worst first: largest gap (1 − attainment) first, then mandatory before "
        "optional, then weight",
    ]
    notes = labelled(data, notes)
    return Report(
        title="Gaps" + (f": {milestone}" if milestone else " per milestone"),
        frame=gaps,
        notes=notes,
        units={"attainment": "share", "gap": "share"},
        params={"milestone": milestone, "on": day, "as_of": moment},
    )


def burnup_report(
    connection: Connection, *, on: date | None = None, moment: datetime | None = None
) -> Report:
    """Targets met per milestone on every month-end up to ``on``, with each milestone's total and due
    date (long form: one row per milestone × month)."""
    data = load(connection, moment)
    day = valid_date(moment, on)
    ms, members = _milestone_members(data)
    first = data.assessments.get_column("assessed_on").min() if data.assessments.height else None
    start = first if isinstance(first, date) else day
    dates = [d for d in month_ends(start, day) if d < day] + [day]
    grouping = _members_grouping(members, ms.height)
    rows = []
    codes = ms.get_column("code").to_list()
    dues = ms.get_column("due").to_list()
    for when, state in zip(dates, pair_states(data.prepared, dates), strict=True):
        stats = group_stats(data.prepared, state, grouping)
        for i, code in enumerate(codes):
            rows.append((code, when, int(stats["met"][i]), int(stats["targets"][i]), dues[i]))
    frame = pl.DataFrame(
        rows,
        schema={"milestone": pl.Utf8, "date": pl.Date, "met": pl.Int64, "targets": pl.Int64, "due": pl.Date},
        orient="row",
    )
    notes = [f"targets met per milestone at each month-end to {day}"]
    notes = labelled(data, notes)
    return Report(title="Milestone burn-up", frame=frame, notes=notes, params={"on": day, "as_of": moment})
