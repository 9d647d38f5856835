"""Readiness roll-up, column-wise: from targets and assessments to scores per element (rolled up the
force tree), per domain, per standard and per milestone, on any list of dates (pure: no I/O).

The rules (docs/readiness.md):

- A target's *attainment* on day D comes from the latest assessment of that element × requirement
  dated on or before D (same day: external evaluation over self-evaluation, then the one recorded
  last). If that assessment has expired by D (``expires_on`` ≤ D) the target is *expired*: it counts
  as not met, with attainment 0, and an older assessment does not revive. No assessment: *unassessed*,
  attainment 0.
- attainment = 1 when observed ≥ target; otherwise observed / target clipped to [0, 1] (0 when the
  target is not positive). A target is *met* when observed ≥ target.
- Rules over a set of targets: ``lowest`` = the smallest attainment (as DRRS: the overall level is
  the lowest of the areas); ``weighted`` = Σ weight·attainment / Σ weight; ``all-mandatory`` = 1
  when every mandatory target is met, else 0 (null when the set has no mandatory target).
- An element's rolled-up figures cover its own targets and those of every element below it.

The engine sweeps the dates once: each assessment is the live one over a contiguous run of dates
(from the first date on or after it until the next assessment of the pair, or its expiry), so each
date costs a few vector operations over the targets, whatever the number of assessments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ltsplan.readiness.model import RULES, VERDICTS, band_expr

EPOCH = date(1970, 1, 1)
NEVER = np.iinfo(np.int64).max // 4
METHOD_RANK = {"self-evaluation": 0, "external evaluation": 1}

ELEMENT_COLUMNS = {"code": pl.Utf8, "parent": pl.Utf8, "domain": pl.Utf8}
TARGET_COLUMNS = {
    "element": pl.Utf8,
    "requirement": pl.Utf8,
    "standard": pl.Utf8,
    "target_value": pl.Float64,
    "weight": pl.Float64,
    "mandatory": pl.Boolean,
}
ASSESSMENT_COLUMNS = {
    "element": pl.Utf8,
    "requirement": pl.Utf8,
    "value": pl.Float64,
    "assessed_on": pl.Date,
    "expires_on": pl.Date,
    "method": pl.Utf8,
}
STAT_COLUMNS = (
    "targets",
    "met",
    "mandatory",
    "mandatory_met",
    "assessed",
    "expired",
    "unassessed",
    "min_attainment",
    "weighted_attainment",
)


def day_number(column: str) -> pl.Expr:
    return (pl.col(column).cast(pl.Date) - pl.lit(EPOCH)).dt.total_days()


def days_of(dates: list[date]) -> np.ndarray:
    return np.array([(d - EPOCH).days for d in dates], dtype=np.int64)


def attainment_expr(observed: pl.Expr, target: pl.Expr) -> pl.Expr:
    return (
        pl.when(observed >= target)
        .then(1.0)
        .when(target > 0)
        .then((observed / target).clip(0.0, 1.0))
        .otherwise(0.0)
    )


@dataclass
class Prepared:
    """Targets and assessments as index arrays, ready for any number of dates and groupings."""

    elements: pl.DataFrame  # code, parent, domain, idx, depth (in input order)
    targets: pl.DataFrame  # the target rows in pair order, with element_idx
    parent: np.ndarray
    depth: np.ndarray
    t_elem: np.ndarray
    t_weight: np.ndarray
    t_mand: np.ndarray
    a_pair: np.ndarray
    a_day: np.ndarray
    a_exp: np.ndarray
    a_att: np.ndarray
    a_met: np.ndarray
    orphans: int  # assessments of element × requirement pairs that have no target

    @property
    def pairs(self) -> int:
        return self.targets.height


def _depths(parent: np.ndarray) -> np.ndarray:
    depth = np.zeros(parent.size, dtype=np.int64)
    current = parent.copy()
    for _ in range(parent.size + 1):
        has = current >= 0
        if not has.any():
            return depth
        depth[has] += 1
        current[has] = parent[current[has]]
    raise ValueError("the force-element tree has a cycle")


def prepare(elements: pl.DataFrame, targets: pl.DataFrame, assessments: pl.DataFrame) -> Prepared:
    """Index everything once. ``elements`` need code, parent, domain; ``targets`` element,
    requirement, standard, target_value, weight, mandatory; ``assessments`` element, requirement,
    value, assessed_on, expires_on, method (and optionally recorded_at, for same-day ties)."""
    el = elements.select([pl.col(c).cast(t) for c, t in ELEMENT_COLUMNS.items()]).with_row_index("idx")
    codes = el.select("code", pl.col("idx").cast(pl.Int64))
    parent = (
        el.join(codes.rename({"code": "parent", "idx": "parent_idx"}), on="parent", how="left")
        .sort("idx")
        .get_column("parent_idx")
        .fill_null(-1)
        .to_numpy()
        .astype(np.int64)
    )
    depth = _depths(parent)
    el = el.with_columns(pl.Series("depth", depth))
    passthrough = [pl.col(c) for c in ("id",) if c in targets.columns]
    tg = (
        targets.select([pl.col(c).cast(t) for c, t in TARGET_COLUMNS.items()] + passthrough)
        .join(codes.rename({"code": "element", "idx": "element_idx"}), on="element", how="inner")
        .sort("element_idx", "requirement")
        .with_row_index("pair")
        .with_columns(pl.col("pair").cast(pl.Int64))
    )
    extra = [c for c in ("recorded_at",) if c in assessments.columns]
    assessed = assessments.select(
        [pl.col(c).cast(t) for c, t in ASSESSMENT_COLUMNS.items()] + [pl.col(c) for c in extra]
    )
    joined = assessed.join(
        tg.select("element", "requirement", "pair", "target_value"), on=["element", "requirement"], how="left"
    )
    orphans = joined.filter(pl.col("pair").is_null()).height
    order = ["pair", "day", "rank", *extra]
    a = (
        joined.filter(pl.col("pair").is_not_null() & pl.col("value").is_not_null())
        .with_columns(
            day_number("assessed_on").alias("day"),
            day_number("expires_on").fill_null(NEVER).alias("exp"),
            pl.col("method").replace_strict(METHOD_RANK, default=0, return_dtype=pl.Int64).alias("rank"),
            attainment_expr(pl.col("value"), pl.col("target_value")).alias("att"),
            (pl.col("value") >= pl.col("target_value")).alias("met"),
        )
        .sort(order)
    )
    return Prepared(
        elements=el,
        targets=tg,
        parent=parent,
        depth=depth,
        t_elem=tg.get_column("element_idx").to_numpy().astype(np.int64),
        t_weight=tg.get_column("weight").fill_null(1.0).to_numpy().astype(np.float64),
        t_mand=tg.get_column("mandatory").fill_null(True).to_numpy().astype(bool),
        a_pair=a.get_column("pair").to_numpy().astype(np.int64),
        a_day=a.get_column("day").to_numpy().astype(np.int64),
        a_exp=a.get_column("exp").to_numpy().astype(np.int64),
        a_att=a.get_column("att").to_numpy().astype(np.float64),
        a_met=a.get_column("met").to_numpy().astype(bool),
        orphans=orphans,
    )


@dataclass
class PairState:
    """Every target's state on one date: attainment, met, and status (0 unassessed, 1 assessed,
    2 expired)."""

    attainment: np.ndarray
    met: np.ndarray
    status: np.ndarray


def sweep(prep: Prepared, days: np.ndarray) -> Iterator[PairState]:
    """The state of every target on each of ``days`` (ascending), one date at a time."""
    n_days = days.size
    start = np.searchsorted(days, prep.a_day, side="left")
    end_replaced = np.full(start.size, n_days, dtype=np.int64)
    same = prep.a_pair[1:] == prep.a_pair[:-1]
    end_replaced[:-1][same] = start[1:][same]
    live = start < end_replaced
    expiry = np.maximum(np.searchsorted(days, prep.a_exp, side="left"), start)
    expires = live & (expiry < end_replaced)

    starts = np.flatnonzero(live)
    starts = starts[np.argsort(start[starts], kind="stable")]
    start_bounds = np.searchsorted(start[starts], np.arange(n_days + 1), side="left")
    ends = np.flatnonzero(expires)
    ends = ends[np.argsort(expiry[ends], kind="stable")]
    end_bounds = np.searchsorted(expiry[ends], np.arange(n_days + 1), side="left")

    attainment = np.zeros(prep.pairs, dtype=np.float64)
    met = np.zeros(prep.pairs, dtype=bool)
    status = np.zeros(prep.pairs, dtype=np.int8)
    for s in range(n_days):
        k = starts[start_bounds[s] : start_bounds[s + 1]]
        pairs = prep.a_pair[k]
        attainment[pairs] = prep.a_att[k]
        met[pairs] = prep.a_met[k]
        status[pairs] = 1
        k = ends[end_bounds[s] : end_bounds[s + 1]]
        pairs = prep.a_pair[k]
        attainment[pairs] = 0.0
        met[pairs] = False
        status[pairs] = 2
        yield PairState(attainment, met, status)


@dataclass
class Grouping:
    """Which targets belong to which group: ``members`` (target indices, may repeat) and their group."""

    members: np.ndarray
    group: np.ndarray
    size: int

    @classmethod
    def of(cls, group: np.ndarray, size: int) -> Grouping:
        return cls(np.arange(group.size, dtype=np.int64), group.astype(np.int64), size)

    def __post_init__(self) -> None:
        order = np.argsort(self.group, kind="stable")
        self._sorted_members = self.members[order]
        counts = np.bincount(self.group, minlength=self.size)
        self._nonempty = np.flatnonzero(counts)
        self._offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])[self._nonempty]


def group_stats(prep: Prepared, state: PairState, grouping: Grouping) -> dict[str, np.ndarray]:
    """The figures every rule needs, per group, on one date."""
    g, m, size = grouping.group, grouping.members, grouping.size
    met = state.met[m]
    mand = prep.t_mand[m]
    weight = prep.t_weight[m]
    status = state.status[m]
    targets = np.bincount(g, minlength=size).astype(np.int64)
    assessed = np.bincount(g, weights=status == 1, minlength=size).astype(np.int64)
    expired = np.bincount(g, weights=status == 2, minlength=size).astype(np.int64)
    minimum = np.full(size, np.nan)
    if grouping._nonempty.size:
        minimum[grouping._nonempty] = np.minimum.reduceat(
            state.attainment[grouping._sorted_members], grouping._offsets
        )
    return {
        "targets": targets,
        "met": np.bincount(g, weights=met, minlength=size).astype(np.int64),
        "mandatory": np.bincount(g, weights=mand, minlength=size).astype(np.int64),
        "mandatory_met": np.bincount(g, weights=mand & met, minlength=size).astype(np.int64),
        "assessed": assessed,
        "expired": expired,
        "unassessed": targets - assessed - expired,
        "weight": np.bincount(g, weights=weight, minlength=size),
        "weighted_sum": np.bincount(g, weights=weight * state.attainment[m], minlength=size),
        "min_attainment": minimum,
    }


ADDITIVE = ("targets", "met", "mandatory", "mandatory_met", "assessed", "expired", "unassessed")


def roll_up_tree(prep: Prepared, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each element's figures over its own targets and every element's below it (arrays may be
    (elements,) or (dates, elements)); children are folded into parents deepest first."""
    rolled = {k: v.copy() for k, v in stats.items()}
    for level in range(int(prep.depth.max(initial=0)), 0, -1):
        nodes = np.flatnonzero(prep.depth == level)
        parents = prep.parent[nodes]
        for key, values in rolled.items():
            target: Any = (Ellipsis, parents)
            source = values[..., nodes]
            if key == "min_attainment":
                np.fmin.at(values, target, source)
            else:
                np.add.at(values, target, source)
    return rolled


def scores(stats: dict[str, np.ndarray], rule: str) -> np.ndarray:
    """The rule's 0–1 score from the figures (NaN when there is nothing to score)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        if rule == "lowest":
            return stats["min_attainment"]
        if rule == "weighted":
            return np.where(stats["weight"] > 0, stats["weighted_sum"] / stats["weight"], np.nan)
        if rule == "all-mandatory":
            verdict = (stats["mandatory_met"] == stats["mandatory"]).astype(np.float64)
            return np.where(stats["mandatory"] > 0, verdict, np.nan)
    raise ValueError(f"unknown rule '{rule}'; use one of {', '.join(RULES)}")


def level_expr(rule: str) -> pl.Expr:
    score = pl.col("score")
    if rule == "all-mandatory":
        return (
            pl.when(score.is_null() | score.is_nan())
            .then(pl.lit(None, dtype=pl.Utf8))
            .when(score >= 1.0)
            .then(pl.lit(VERDICTS[0]))
            .otherwise(pl.lit(VERDICTS[1]))
        )
    return band_expr(score)


def _frame(dates: list[date], keys: list[str], stats: dict[str, np.ndarray], rule: str) -> pl.DataFrame:
    n_dates, n_keys = len(dates), len(keys)
    body: dict[str, object] = {
        "date": pl.Series("date", np.repeat(np.array(dates, dtype="datetime64[D]"), n_keys)).cast(pl.Date),
        "key": pl.Series("key", keys * n_dates, dtype=pl.Utf8),
    }
    for name in ADDITIVE:
        body[name] = stats[name].reshape(-1)
    frame = pl.DataFrame(body)
    score = scores(stats, rule).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(stats["weight"] > 0, stats["weighted_sum"] / stats["weight"], np.nan).reshape(-1)
    return frame.with_columns(
        pl.Series("lowest", stats["min_attainment"].reshape(-1)).fill_nan(None),
        pl.Series("weighted", weighted).fill_nan(None),
        pl.Series("score", score).fill_nan(None),
    ).with_columns(level_expr(rule).alias("level"))


def rollup(prep: Prepared, dates: list[date], *, rule: str, by: str = "element") -> pl.DataFrame:
    """Figures and the rule's score and level per ``by`` (element, domain, standard) on each date.

    ``element`` figures are rolled up the tree. Columns: date, key, targets, met, mandatory,
    mandatory_met, assessed, expired, unassessed, lowest, weighted, score, level."""
    if rule not in RULES:
        raise ValueError(f"unknown rule '{rule}'; use one of {', '.join(RULES)}")
    ordered = sorted(dates)
    if by == "element":
        keys = prep.elements.get_column("code").to_list()
        grouping = Grouping.of(prep.t_elem, len(keys))
    elif by in ("domain", "standard"):
        column = (
            prep.targets.join(
                prep.elements.select(pl.col("idx").cast(pl.Int64).alias("element_idx"), "domain"),
                on="element_idx",
                how="left",
            )
            .sort("pair")
            .get_column(by)
            .fill_null("(none)")
        )
        keys = sorted(column.unique().to_list())
        index = {k: i for i, k in enumerate(keys)}
        codes = column.replace_strict(index, return_dtype=pl.Int64).to_numpy()
        grouping = Grouping.of(codes, len(keys))
    else:
        raise ValueError(f"unknown level '{by}'; use element, domain or standard")
    per_date = [group_stats(prep, state, grouping) for state in sweep(prep, days_of(ordered))]
    stats = {k: np.stack([d[k] for d in per_date]) for k in per_date[0]} if per_date else {}
    if not stats:
        return _frame([], keys, {k: np.zeros((0, len(keys))) for k in STAT_KEYS}, rule)
    if by == "element":
        stats = roll_up_tree(prep, stats)
    return _frame(ordered, keys, stats, rule)


STAT_KEYS = (*ADDITIVE, "weight", "weighted_sum", "min_attainment")


def pair_states(prep: Prepared, dates: list[date]) -> list[PairState]:
    """Copies of every target's state on each date (for milestone series and gap lists)."""
    return [
        PairState(s.attainment.copy(), s.met.copy(), s.status.copy())
        for s in sweep(prep, days_of(sorted(dates)))
    ]
