"""Readiness questions, each answered as a Report (one data function, every face renders it):
roll-up per element / domain / standard, trend, evaluations, milestones, gaps, findings, and the
data behind the heatmap and the burn-up. ``moment`` is the record time (what was known, via
``store.history.live_at``); ``on`` the valid date the readiness is computed for.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import LtsplanError, NotFound
from ltsplan.readiness.data import ReadinessData, load
from ltsplan.readiness.gates import GateResult, achieved
from ltsplan.readiness.model import LEVELS, RULES
from ltsplan.readiness.programmes import month_ends
from ltsplan.readiness.scores import ADDITIVE, Grouping, group_stats, level_expr, pair_states, rollup, scores
from ltsplan.report import Report
from ltsplan.store.time import utcnow

RULE_TEXT = {
    "lowest": "lowest-of: the score is the lowest attainment among the targets (as DRRS C-levels: "
    "the overall level is the lowest of the areas)",
    "weighted": "weighted mean: Σ weight × attainment ÷ Σ weight over the targets",
    "all-mandatory": "all mandatory met: ready when every mandatory target is met, else not ready",
}
FICTIONAL_NOTE = "FICTIONAL: the force elements shown are invented demonstration data, not real units"


def valid_date(moment: datetime | None, on: date | None) -> date:
    if on is not None:
        return on
    return moment.date() if moment is not None else utcnow().date()


def labelled(data: ReadinessData, notes: list[str]) -> list[str]:
    """A report's notes, led by the FICTIONAL label when its data is demonstration data."""
    return [FICTIONAL_NOTE, *notes] if data.fictional else notes


def choose_rule(data: ReadinessData, rule: str | None) -> str:
    """The rule asked for; else the one rule every programme declares; else lowest-of."""
    if rule is not None:
        if rule not in RULES:
            raise LtsplanError(f"unknown rule '{rule}'; use one of {', '.join(RULES)}")
        return rule
    declared = {p.rule for p in data.programmes.values()}
    return declared.pop() if len(declared) == 1 else "lowest"


def _notes(data: ReadinessData, rule: str, on: date, expired: int) -> list[str]:
    notes = [f"rule: {RULE_TEXT[rule]}", f"attainment as of {on}; a target with no result counts as not met"]
    if expired:
        notes.append(
            f"{expired} target(s) have a latest result that expired by {on}: they no longer count and are "
            "treated as not met (see the 'expired' column)"
        )
    return labelled(data, notes)


def rollup_report(
    connection: Connection,
    *,
    rule: str | None = None,
    by: str = "element",
    on: date | None = None,
    moment: datetime | None = None,
) -> Report:
    if by not in LEVELS:
        raise LtsplanError(f"unknown level '{by}'; use one of {', '.join(LEVELS)}")
    data = load(connection, moment)
    rule = choose_rule(data, rule)
    day = valid_date(moment, on)
    frame = rollup(data.prepared, [day], rule=rule, by=by).drop("date")
    notes = _notes(
        data,
        rule,
        day,
        int(frame.get_column("expired").sum()) if by != "element" else _own_expired(data, day),
    )
    if by == "element":
        frame = _element_view(data, frame, day)
        notes.append(
            "an element's figures cover its own targets and those of every element below it; a commander's "
            "override is shown beside the computed level, never instead of it; mission capability is a "
            "separate judgement and does not enter the score"
        )
    else:
        frame = frame.rename({"key": by})
    return Report(
        title=f"Readiness by {by} ({rule})",
        frame=frame,
        notes=notes,
        units={"score": "share", "lowest": "share", "weighted": "share"},
        params={"rule": rule, "by": by, "on": day, "as_of": moment},
    )


def _own_expired(data: ReadinessData, day: date) -> int:
    return int((data.latest_on(day).get_column("state") == "expired").sum())


def _latest_by_element(frame: pl.DataFrame, day: date, date_column: str) -> pl.DataFrame:
    return (
        frame.filter(pl.col(date_column) <= day)
        .sort("element_code", date_column)
        .group_by("element_code", maintain_order=True)
        .last()
    )


def _element_view(data: ReadinessData, frame: pl.DataFrame, day: date) -> pl.DataFrame:
    elements = data.elements.select(
        pl.col("code").alias("key"), "name", "kind", "domain", pl.col("parent_code").alias("parent")
    )
    overrides = _latest_by_element(data.overrides, day, "valid_from").select(
        pl.col("element_code").alias("key"),
        pl.col("level").alias("override_level"),
        pl.col("reason").alias("override_reason"),
        pl.col("by").alias("override_by"),
    )
    capability = _latest_by_element(data.capabilities, day, "assessed_on").select(
        pl.col("element_code").alias("key"),
        pl.col("capability").alias("mission_capability"),
        pl.col("reason").alias("capability_reason"),
    )
    results = data.gate_results(day)
    best = achieved(results, data.programmes)
    lapsed = {(r.element, r.programme): r for r in results if r.passed and r.status.startswith("expired")}

    def gate_text(element: str, programme: str, result: GateResult | None) -> str:
        if result is not None:
            until = f" until {result.expires_on}" if result.expires_on else ""
            return f"{result.gate} ({programme}){until}"
        gone = lapsed.get((element, programme))
        if gone is not None:
            return f"none ({programme}): {gone.gate} expired on {gone.expires_on}"
        return f"none ({programme})"

    gates = (
        pl.DataFrame(
            [(element, gate_text(element, programme, r)) for (element, programme), r in sorted(best.items())],
            schema={"key": pl.Utf8, "evaluation": pl.Utf8},
            orient="row",
        )
        .group_by("key")
        .agg(pl.col("evaluation").str.join("; "))
    )
    return (
        elements.join(frame, on="key", how="left")
        .join(gates, on="key", how="left")
        .join(overrides, on="key", how="left")
        .join(capability, on="key", how="left")
        .rename({"key": "element", "level": "computed_level"})
        .select(
            "element",
            "name",
            "kind",
            "domain",
            "parent",
            *ADDITIVE,
            "score",
            "computed_level",
            "override_level",
            "override_reason",
            "override_by",
            "evaluation",
            "mission_capability",
            "capability_reason",
        )
    )


def trend_report(
    connection: Connection,
    *,
    rule: str | None = None,
    by: str = "element",
    start: date | None = None,
    on: date | None = None,
    moment: datetime | None = None,
    keys: list[str] | None = None,
) -> Report:
    """The roll-up on every month-end from ``start`` (default: the first assessment) to ``on``."""
    data = load(connection, moment)
    rule = choose_rule(data, rule)
    day = valid_date(moment, on)
    if start is None:
        first = data.assessments.get_column("assessed_on").min() if data.assessments.height else None
        start = first if isinstance(first, date) else date(day.year - 2, day.month, 1)
    dates = [d for d in month_ends(start, day) if d < day] + [day]
    frame = rollup(data.prepared, dates, rule=rule, by=by)
    if keys:
        frame = frame.filter(pl.col("key").is_in(keys))
    frame = frame.select("date", pl.col("key").alias(by), "targets", "met", "expired", "score", "level")
    notes = [f"rule: {RULE_TEXT[rule]}", "one row per month-end and the as-of date"]
    notes = labelled(data, notes)
    return Report(
        title=f"Readiness trend by {by} ({rule})",
        frame=frame,
        notes=notes,
        units={"score": "share"},
        params={"rule": rule, "by": by, "on": day, "as_of": moment},
    )


def heatmap_report(
    connection: Connection, *, rule: str | None = None, on: date | None = None, moment: datetime | None = None
) -> Report:
    """Score per element × standard (each element's own targets), in long form for any chart."""
    data = load(connection, moment)
    rule = choose_rule(data, rule)
    day = valid_date(moment, on)
    prep = data.prepared
    cells = prep.targets.select("element", "standard").with_row_index("pair")
    combos = cells.select("element", "standard").unique().sort("element", "standard").with_row_index("cell")
    group = cells.join(combos, on=["element", "standard"]).sort("pair").get_column("cell").to_numpy()
    grouping = Grouping.of(group.astype(np.int64), combos.height)
    frame = combos.drop("cell")
    if combos.height:
        state = pair_states(prep, [day])[0]
        stats = group_stats(prep, state, grouping)
        frame = frame.with_columns(
            pl.Series("targets", stats["targets"]),
            pl.Series("met", stats["met"]),
            pl.Series("score", scores(stats, rule)).fill_nan(None),
        ).with_columns(level_expr(rule).alias("level"))
    else:
        frame = frame.with_columns(
            pl.lit(0).alias("targets"), pl.lit(0).alias("met"), pl.lit(None, pl.Float64).alias("score")
        ).with_columns(level_expr(rule).alias("level"))
    notes = [f"rule: {RULE_TEXT[rule]}", "each cell covers the element's own targets under that standard"]
    notes = labelled(data, notes)
    return Report(
        title=f"Readiness heatmap: elements × standards ({rule})",
        frame=frame,
        notes=notes,
        units={"score": "share"},
        params={"rule": rule, "on": day, "as_of": moment},
    )


TARGET_COLUMNS = (
    "designator",
    "code",
    "target_value",
    "due",
    "weight",
    "mandatory",
    "value",
    "assessed_on",
    "method",
    "assessor",
    "evidence",
    "state",
    "attainment",
    "met",
)


def element_detail(
    connection: Connection, code: str, rule: str | None, on: date | None, moment: datetime | None
) -> tuple[Report, dict[str, Any]]:
    """One element's own targets with their latest assessments on the date, and its row of the
    roll-up (score under the rule, targets met, levels) — the drill-down's figures."""
    data = load(connection, moment)
    if code not in set(data.elements.get_column("code").to_list()):
        raise NotFound(f"no force element '{code}'" + (f" as known on {moment:%Y-%m-%d}" if moment else ""))
    day = valid_date(moment, on)
    frame = data.latest_on(day).filter(pl.col("element_code") == code)
    frame = frame.select([c for c in TARGET_COLUMNS if c in frame.columns])
    frame = frame.rename(
        {k: v for k, v in {"designator": "standard", "code": "requirement"}.items() if k in frame.columns}
    )
    rolled = rollup_report(connection, rule=rule, on=on, moment=moment)
    mine = rolled.frame.filter(pl.col("element") == code).to_dicts()
    summary: dict[str, Any] = {**(mine[0] if mine else {}), "rule": rolled.params["rule"], "on": day}
    notes = list(rolled.notes)
    if mine:
        notes.insert(
            0,
            f"{code} on {day}: score {summary.get('score')} under the {summary['rule']} rule, "
            f"{summary.get('met')} of {summary.get('targets')} targets met (with those of elements below it); "
            f"evaluations: /readiness/elements/{code}/evaluations; findings: /readiness/elements/{code}/findings",
        )
    report = Report(
        title=f"{code}: targets and latest assessments",
        frame=frame,
        notes=notes,
        units={"attainment": "share"},
        params={"element": code, "rule": summary["rule"], "on": day, "as_of": moment},
    )
    return report, summary
