"""Everything readiness knew at one moment, loaded once and put in the shapes the rules use:
targets and assessments with their levels as positions on their requirement's scale, assessment
expiry resolved from their evaluation's programme, and the roll-up engine prepared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property

import polars as pl
from sqlalchemy import Connection

from ltsplan.readiness import gates as gate_rules
from ltsplan.readiness.model import (
    assessment,
    corrective_action,
    evaluation,
    evaluation_programme,
    finding,
    force_element,
    milestone,
    milestone_target,
    mission_capability,
    readiness_override,
    target,
)
from ltsplan.readiness.programmes import EvaluationProgramme, parse_gates
from ltsplan.readiness.rollup import Prepared, attainment_expr, gap_expr, position, prepare
from ltsplan.standards.measures import MeasureError, measure_from_row
from ltsplan.standards.model import requirement, standard
from ltsplan.store.time import live_frame


def _positions(frame: pl.DataFrame, column: str, reqs: dict[str, dict]) -> pl.Series:
    """Each row's level (``column``) as a position on its requirement's scale (null if unreadable)."""
    pairs = frame.select("requirement_id", column).unique()
    mapping: dict[tuple[str, str], float | None] = {}
    for requirement_id, text in pairs.iter_rows():
        row = reqs.get(requirement_id)
        try:
            mapping[(requirement_id, text)] = position(measure_from_row(row), text) if row else None
        except MeasureError:
            mapping[(requirement_id, text)] = None
    keys = pl.DataFrame(
        [(r, t, v) for (r, t), v in mapping.items()],
        schema={"requirement_id": pl.Utf8, column: pl.Utf8, "_position": pl.Float64},
        orient="row",
    )
    return frame.join(keys, on=["requirement_id", column], how="left", maintain_order="left").get_column(
        "_position"
    )


@dataclass
class ReadinessData:
    moment: datetime | None
    elements: pl.DataFrame
    targets: pl.DataFrame
    assessments: pl.DataFrame
    evaluations: pl.DataFrame
    programmes: dict[str, EvaluationProgramme]
    overrides: pl.DataFrame
    capabilities: pl.DataFrame
    findings: pl.DataFrame
    actions: pl.DataFrame
    milestones: pl.DataFrame
    milestone_targets: pl.DataFrame
    requirements: pl.DataFrame  # id, designator, code: every requirement of the catalogue

    @cached_property
    def prepared(self) -> Prepared:
        return prepare(
            self.elements.select("code", pl.col("parent_code").alias("parent"), "domain"),
            self.targets.select(
                "id",
                pl.col("element_code").alias("element"),
                pl.col("requirement_id").alias("requirement"),
                pl.col("designator").alias("standard"),
                "target_value",
                "weight",
                "mandatory",
            ),
            self.assessments.select(
                pl.col("element_code").alias("element"),
                pl.col("requirement_id").alias("requirement"),
                "value",
                "assessed_on",
                pl.col("effective_expiry").alias("expires_on"),
                "method",
                "recorded_at",
            ),
        )

    @property
    def fictional(self) -> bool:
        return bool(self.elements.get_column("fictional").any()) if self.elements.height else False

    def latest_on(self, on: date) -> pl.DataFrame:
        """Per target, the latest assessment dated on or before ``on`` (same tie-break as the
        engine), with state: assessed, expired or unassessed, attainment and gap (1 − attainment)."""
        rank = pl.col("method").replace_strict(
            {"self-evaluation": 0, "external evaluation": 1}, default=0, return_dtype=pl.Int64
        )
        latest = (
            self.assessments.filter(pl.col("assessed_on") <= on, pl.col("value").is_not_null())
            .with_columns(rank.alias("_rank"))
            .sort("element_code", "requirement_id", "assessed_on", "_rank", "recorded_at")
            .group_by("element_code", "requirement_id", maintain_order=True)
            .last()
            .drop("_rank")
        )
        joined = self.targets.join(latest, on=["element_code", "requirement_id"], how="left", suffix="_a")
        expired = pl.col("effective_expiry").is_not_null() & (pl.col("effective_expiry") <= on)
        state = (
            pl.when(pl.col("assessed_on").is_null())
            .then(pl.lit("unassessed"))
            .when(expired)
            .then(pl.lit("expired"))
            .otherwise(pl.lit("assessed"))
        )
        assessed = pl.col("state") == "assessed"
        att = pl.when(assessed).then(attainment_expr(pl.col("value"), pl.col("target_value")))
        gap = pl.when(assessed).then(gap_expr(pl.col("value"), pl.col("target_value")))
        return joined.with_columns(state.alias("state")).with_columns(
            att.fill_null(0.0).alias("attainment"),
            gap.fill_null(1.0).alias("gap"),
            ((state == "assessed") & (pl.col("value") >= pl.col("target_value"))).alias("met"),
        )

    def gate_results(self, on: date) -> list[gate_rules.GateResult]:
        records = self.evaluations.select(
            pl.col("code").alias("id"),
            pl.col("element_code").alias("element"),
            pl.col("programme_code").alias("programme"),
            "gate",
            "held_on",
            "expires_on",
            "passed",
            "outcome",
        ).to_dicts()
        return gate_rules.gate_results(records, self.programmes, on)


def load(connection: Connection, moment: datetime | None = None) -> ReadinessData:
    """What was known at ``moment`` (now when None)."""
    reqs_frame = requirements(connection, moment)
    reqs = {r["id"]: r for r in reqs_frame.to_dicts()}
    req_cols = reqs_frame.select(
        pl.col("id").alias("requirement_id"),
        "designator",
        "code",
        "measure",
        pl.col("mandatory").alias("req_mandatory"),
        pl.col("weight").alias("req_weight"),
        pl.col("illustrative"),
    )
    elements = live_frame(connection, force_element, moment).sort("code")
    targets = live_frame(connection, target, moment).join(req_cols, on="requirement_id", how="inner")
    targets = targets.with_columns(
        _positions(targets, "level", reqs).alias("target_value"),
        pl.coalesce("weight", "req_weight").alias("weight"),
        pl.coalesce("mandatory", "req_mandatory").alias("mandatory"),
    ).filter(pl.col("target_value").is_not_null())
    progs = programmes(live_frame(connection, evaluation_programme, moment))
    evaluations = live_frame(connection, evaluation, moment)
    evaluations = evaluations.with_columns(
        pl.Series(
            "effective_expiry",
            [
                gate_rules.expiry(r["held_on"], r["expires_on"], progs[r["programme_code"]])
                if r["programme_code"] in progs
                else r["expires_on"]
                for r in evaluations.select("held_on", "expires_on", "programme_code").to_dicts()
            ],
            dtype=pl.Date,
        )
    )
    assessments = live_frame(connection, assessment, moment)
    assessments = assessments.with_columns(_positions(assessments, "observed", reqs).alias("value"))
    assessments = (
        assessments.join(
            evaluations.select(
                pl.col("code").alias("evaluation_code"), pl.col("effective_expiry").alias("_ev_exp")
            ),
            on="evaluation_code",
            how="left",
        )
        .with_columns(pl.coalesce("expires_on", "_ev_exp").alias("effective_expiry"))
        .drop("_ev_exp")
    )
    evaluations = _with_outcomes(evaluations, assessments, targets, reqs_frame, progs)
    return ReadinessData(
        moment=moment,
        elements=elements,
        targets=targets,
        assessments=assessments,
        evaluations=evaluations,
        programmes=progs,
        overrides=live_frame(connection, readiness_override, moment),
        capabilities=live_frame(connection, mission_capability, moment),
        findings=live_frame(connection, finding, moment),
        actions=live_frame(connection, corrective_action, moment),
        milestones=live_frame(connection, milestone, moment).sort("due", "code"),
        milestone_targets=live_frame(connection, milestone_target, moment),
        requirements=reqs_frame.select(pl.col("id").alias("requirement_id"), "designator", "code"),
    )


def _with_outcomes(
    evaluations: pl.DataFrame,
    assessments: pl.DataFrame,
    targets: pl.DataFrame,
    reqs: pl.DataFrame,
    progs: dict[str, EvaluationProgramme],
) -> pl.DataFrame:
    """Each evaluation's checklist outcome: its assessments, each met or not against the element's
    target (or, without a target, the requirement's own threshold)."""
    thresholds = reqs.select(
        pl.col("id").alias("requirement_id"),
        pl.col("mandatory").alias("req_mandatory"),
        pl.col("weight").alias("req_weight"),
        "measure",
        "levels",
        "threshold_level",
        "threshold_percent",
    ).to_dicts()
    labels = {
        r["id"]: f"{r['designator']} {r['code']}" for r in reqs.select("id", "designator", "code").to_dicts()
    }
    default_goal: dict[str, float | None] = {}
    for row in thresholds:
        measure = measure_from_row(row)
        goal = measure.threshold
        try:
            default_goal[row["requirement_id"]] = position(measure, goal) if goal is not None else None
        except MeasureError:
            default_goal[row["requirement_id"]] = None
    criteria = (
        assessments.filter(pl.col("evaluation_code").is_not_null())
        .join(
            targets.select("element_code", "requirement_id", "target_value", "weight", "mandatory"),
            on=["element_code", "requirement_id"],
            how="left",
        )
        .join(
            pl.DataFrame(thresholds).select("requirement_id", "req_mandatory", "req_weight")
            if thresholds
            else pl.DataFrame(
                schema={"requirement_id": pl.Utf8, "req_mandatory": pl.Boolean, "req_weight": pl.Float64}
            ),
            on="requirement_id",
            how="left",
        )
        .with_columns(
            pl.coalesce(
                "target_value",
                pl.col("requirement_id").replace_strict(default_goal, default=None, return_dtype=pl.Float64),
            ).alias("goal")
        )
        .join(
            evaluations.select(
                pl.col("code").alias("evaluation_code"), pl.col("programme_code").alias("programme")
            ),
            on="evaluation_code",
            how="inner",
        )
        .select(
            pl.col("evaluation_code").alias("evaluation"),
            "programme",
            pl.col("requirement_id")
            .replace_strict(labels, default=pl.col("requirement_id"), return_dtype=pl.Utf8)
            .alias("requirement"),
            (
                pl.col("value").is_not_null()
                & pl.col("goal").is_not_null()
                & (pl.col("value") >= pl.col("goal"))
            )
            .fill_null(False)
            .alias("met"),
            pl.coalesce("mandatory", "req_mandatory", pl.lit(True)).alias("mandatory"),
            pl.coalesce("weight", "req_weight", pl.lit(1.0)).alias("weight"),
        )
    )
    outcomes = gate_rules.checklist_outcomes(criteria, progs).rename({"evaluation": "code"})
    joined = evaluations.join(outcomes, on="code", how="left")
    fail = {k: p.fail_outcome for k, p in progs.items()}
    return joined.with_columns(
        pl.col("criteria").fill_null(0),
        pl.col("passed").fill_null(False),
        pl.coalesce(
            "outcome",
            pl.col("programme_code").replace_strict(fail, default="not passed", return_dtype=pl.Utf8),
        ).alias("outcome"),
    )


def requirements(connection: Connection, moment: datetime | None) -> pl.DataFrame:
    """Requirements with their standard's designator and domain."""
    req = live_frame(connection, requirement, moment)
    std = live_frame(connection, standard, moment).select(
        pl.col("id").alias("standard_id"), "designator", pl.col("domain").alias("standard_domain"), "title"
    )
    return req.join(std, on="standard_id", how="left", maintain_order="left")


def programmes(frame: pl.DataFrame) -> dict[str, EvaluationProgramme]:
    return {
        r["code"]: EvaluationProgramme(
            code=r["code"],
            name=r["name"],
            gates=parse_gates(r["gates"]),
            validity_months=r["validity_months"],
            rule=r["rule"],
            pass_outcome=r["pass_outcome"],
            fail_outcome=r["fail_outcome"],
            pass_score=r["pass_score"],
        )
        for r in frame.to_dicts()
    }
