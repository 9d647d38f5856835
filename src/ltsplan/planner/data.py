"""A plan's inputs as known at one moment, read once through the one read path for time and put in
the planner's arrays (``problem.Problem``): the force elements and their targets with the position
each has reached by the plan's first month (readiness's own rule: the latest assessment that has
not expired; none counts as 0), the milestones, and the support packages with what they raise and
need. Its fingerprint is a digest of every record version read and every option, so a plan
says exactly what it was made from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import LtsplanError
from ltsplan.planner.model import package_prerequisite, package_raise, support_package
from ltsplan.planner.problem import KINDS, UNLIMITED, Packages, Problem, month_of
from ltsplan.readiness.data import ReadinessData, load, requirements
from ltsplan.store.time import live_frame

MAX_MONTHS = 240


@dataclass
class Inputs:
    """The problem and what names its indices: packages, requirements, targets and milestones as
    frames in the problem's order, with the inputs' fingerprint."""

    problem: Problem
    fingerprint: str
    packages: pl.DataFrame
    requirements: pl.DataFrame  # id, designator, code, label
    targets: pl.DataFrame  # element_code, requirement_id, level, due, weight
    milestones: pl.DataFrame  # code, name, due
    fictional: bool
    notes: list[str] = field(default_factory=list)


def first_of_month(day: date) -> date:
    return date(day.year, day.month, 1)


def _digest(*frames: tuple[str, pl.DataFrame], extra: dict[str, Any]) -> str:
    """SHA-256 of each record version read (table, id, version) and the options, in one order."""
    sha = hashlib.sha256()
    for name, frame in frames:
        if frame.height and {"id", "version"} <= set(frame.columns):
            for record, version in sorted(frame.select("id", "version").iter_rows()):
                sha.update(f"{name}\t{record}\t{version}\n".encode())
    sha.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return sha.hexdigest()


def load_inputs(
    connection: Connection,
    *,
    start: date,
    months: int | None = None,
    moment: datetime | None = None,
    history: pl.DataFrame | None = None,
    options: dict[str, Any] | None = None,
) -> Inputs:
    """The inputs of a plan from ``start``'s month (as known at ``moment``); ``history``: what is
    already done (element, package, start) and so kept."""
    start = first_of_month(start)
    data = load(connection, moment)
    if data.targets.is_empty():
        raise LtsplanError("there are no readiness targets to plan for; import readiness records first")
    latest = data.latest_on(start)
    targets = latest.select(
        "id",
        "element_code",
        "requirement_id",
        "level",
        "due",
        "target_value",
        pl.when(pl.col("state") == "assessed")
        .then(pl.col("value"))
        .otherwise(0.0)
        .fill_null(0.0)
        .alias("current"),
        pl.col("weight").fill_null(1.0),
    ).sort("element_code", "requirement_id")
    packages = live_frame(connection, support_package, moment).sort("code")
    if packages.is_empty():
        raise LtsplanError("there are no support packages to plan with; import some with ltsplan plan import")
    raises = live_frame(connection, package_raise, moment)
    needs = live_frame(connection, package_prerequisite, moment)
    catalogue = requirements(connection, moment)
    wanted = set(targets.get_column("requirement_id").to_list()) | set(
        raises.get_column("requirement_id").to_list()
    )
    reqs = (
        catalogue.filter(pl.col("id").is_in(sorted(wanted)))
        .select("id", "designator", "code", "version")
        .sort("id")
        .with_columns(pl.format("{} {}", "designator", "code").alias("label"))
    )
    milestones = data.milestones.select("code", "name", "due", "id", "version")
    last_due = max(
        [
            d
            for d in (targets.get_column("due").max(), milestones.get_column("due").max())
            if isinstance(d, date)
        ],
        default=start,
    )
    horizon = months if months is not None else min(max(month_of(start, last_due) + 1, 12), 120)
    if not 1 <= horizon <= MAX_MONTHS:
        raise LtsplanError(f"a plan covers 1 to {MAX_MONTHS} months, not {horizon}")
    problem = _problem(data, targets, reqs, milestones, packages, raises, needs, start, horizon, history)
    notes = []
    past = milestones.filter(pl.col("due") < start)
    if past.height:
        notes.append(
            f"{past.height} milestone(s) due before {start} are past: no plan can change them "
            f"({', '.join(past.get_column('code').to_list()[:5])})"
        )
    fingerprint = _digest(
        ("force_element", data.elements),
        ("target", data.targets),
        ("assessment", data.assessments),
        ("evaluation", data.evaluations),
        ("milestone", data.milestones),
        ("milestone_target", data.milestone_targets),
        ("requirement", reqs),
        ("support_package", packages),
        ("package_raise", raises),
        ("package_prerequisite", needs),
        extra={
            "start": start,
            "months": horizon,
            "options": options or {},
            "history": history.sort(history.columns).rows() if history is not None and history.height else [],
        },
    )
    return Inputs(problem, fingerprint, packages, reqs, targets, milestones, data.fictional, notes)


def _problem(
    data: ReadinessData,
    targets: pl.DataFrame,
    reqs: pl.DataFrame,
    milestones: pl.DataFrame,
    packages: pl.DataFrame,
    raises: pl.DataFrame,
    needs: pl.DataFrame,
    start: date,
    months: int,
    history: pl.DataFrame | None,
) -> Problem:
    elements = data.elements.sort("code")
    element_index = {c: i for i, c in enumerate(elements.get_column("code").to_list())}
    requirement_index = {r: i for i, r in enumerate(reqs.get_column("id").to_list())}
    package_index = {c: i for i, c in enumerate(packages.get_column("code").to_list())}
    target_index = {t: i for i, t in enumerate(targets.get_column("id").to_list())}
    months_of = np.vectorize(lambda d: month_of(start, d), otypes=[np.int64])
    members = data.milestone_targets.filter(pl.col("target_id").is_in(list(target_index)))
    milestone_index = {c: i for i, c in enumerate(milestones.get_column("code").to_list())}
    members = members.filter(pl.col("milestone_code").is_in(list(milestone_index)))
    raises = raises.filter(pl.col("package_code").is_in(list(package_index)))
    needs = needs.filter(
        pl.col("package_code").is_in(list(package_index)) & pl.col("requires_code").is_in(list(package_index))
    )
    return Problem(
        start=start,
        months=months,
        element_codes=list(element_index),
        element_domain=elements.get_column("domain").to_list(),
        requirement_labels=reqs.get_column("label").to_list(),
        t_element=np.array([element_index[e] for e in targets.get_column("element_code")], dtype=np.int64),
        t_requirement=np.array(
            [requirement_index[r] for r in targets.get_column("requirement_id")], dtype=np.int64
        ),
        t_goal=targets.get_column("target_value").to_numpy().astype(np.float64),
        t_current=targets.get_column("current").to_numpy().astype(np.float64),
        t_weight=targets.get_column("weight").to_numpy().astype(np.float64),
        t_due=months_of(targets.get_column("due").to_numpy()) if targets.height else np.zeros(0, np.int64),
        milestone_codes=list(milestone_index),
        milestone_due=months_of(milestones.get_column("due").to_numpy())
        if milestones.height
        else np.zeros(0, np.int64),
        member_milestone=np.array(
            [milestone_index[m] for m in members.get_column("milestone_code")], dtype=np.int64
        ),
        member_target=np.array([target_index[t] for t in members.get_column("target_id")], dtype=np.int64),
        packages=_packages(packages, raises, needs, package_index, requirement_index, start),
        **_history(history, element_index, package_index, start),
    )


def _packages(
    packages: pl.DataFrame,
    raises: pl.DataFrame,
    needs: pl.DataFrame,
    index: dict[str, int],
    requirement_index: dict[str, int],
    start: date,
) -> Packages:
    rows = packages.to_dicts()
    kind = np.array([KINDS.index(r["kind"]) for r in rows], dtype=np.int64)
    lead = [(r["months"] if r["kind"] == "training" else r["lead_months"]) or 0 for r in rows]
    fund = [
        index.get(r["funded_by"], -1) if r["funded_by"] else (i if r["kind"] == "funds" else -1)
        for i, r in enumerate(rows)
    ]
    known = raises.filter(pl.col("requirement_id").is_in(list(requirement_index)))
    return Packages(
        codes=[r["code"] for r in rows],
        kind=kind,
        lead=np.array(lead, dtype=np.int64),
        seats=np.array([r["seats"] or 0 if r["kind"] == "training" else 0 for r in rows], dtype=np.int64),
        quantity=np.array(
            [r["quantity"] if r["kind"] == "equipment" else UNLIMITED for r in rows], dtype=np.int64
        ),
        cost=np.array([r["cost"] or 0.0 for r in rows], dtype=np.float64),
        fund=np.array(fund, dtype=np.int64),
        budget=np.array([r["budget_per_year"] or 0.0 for r in rows], dtype=np.float64),
        first=np.array([month_of(start, r["available_from"]) for r in rows], dtype=np.int64),
        last=np.array(
            [month_of(start, r["available_until"]) if r["available_until"] else UNLIMITED for r in rows],
            dtype=np.int64,
        ),
        domain=[r["domain"] for r in rows],
        donor=[r["donor"] for r in rows],
        raise_package=np.array([index[c] for c in known.get_column("package_code")], dtype=np.int64),
        raise_requirement=np.array(
            [requirement_index[r] for r in known.get_column("requirement_id")], dtype=np.int64
        ),
        raise_amount=known.get_column("amount").to_numpy().astype(np.float64),
        requires_package=np.array([index[c] for c in needs.get_column("package_code")], dtype=np.int64),
        requires_prerequisite=np.array([index[c] for c in needs.get_column("requires_code")], dtype=np.int64),
    )


def _history(
    history: pl.DataFrame | None, elements: dict[str, int], packages: dict[str, int], start: date
) -> dict[str, np.ndarray]:
    """What is done, as the problem's fixed assignments (those naming what no longer exists are
    left out: ``reality`` says so)."""
    if history is None or history.is_empty():
        empty = np.zeros(0, np.int64)
        return {"fixed_element": empty, "fixed_package": empty.copy(), "fixed_start": empty.copy()}
    kept = history.filter(pl.col("element").is_in(list(elements)) & pl.col("package").is_in(list(packages)))
    return {
        "fixed_element": np.array([elements[e] for e in kept.get_column("element")], dtype=np.int64),
        "fixed_package": np.array([packages[p] for p in kept.get_column("package")], dtype=np.int64),
        "fixed_start": np.array([month_of(start, d) for d in kept.get_column("start")], dtype=np.int64),
    }
