"""Readiness scores from the roll-up engine's states (pure): targets grouped (by element, up the
force tree, by domain, standard or milestone), counted and weighed, scored under a rule, and the
score's band (R1–R4) or the all-mandatory verdict. The rules are stated in ``rollup``'s docstring
and docs/readiness.md."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ltsplan.readiness.model import BANDS, RULES, VERDICTS
from ltsplan.readiness.rollup import PairState, Prepared, days_of, steps, sweep


def band(score: float | None) -> str | None:
    """The band a score falls in: R1 at 1.0 (every target met), R2 ≥ 0.75, R3 ≥ 0.5, R4 below."""
    if score is None or score != score:
        return None
    for name, floor in BANDS:
        if score >= floor:
            return name
    return BANDS[-1][0]


def band_expr(score: pl.Expr) -> pl.Expr:
    """``band`` column-wise."""
    expr: pl.Expr = pl.lit(BANDS[-1][0])
    for name, floor in reversed(BANDS[:-1]):
        expr = pl.when(score >= floor).then(pl.lit(name)).otherwise(expr)
    return pl.when(score.is_null() | score.is_nan()).then(pl.lit(None, dtype=pl.Utf8)).otherwise(expr)


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


def incremental_stats(
    prep: Prepared, days: np.ndarray, group: np.ndarray, size: int
) -> Iterator[dict[str, np.ndarray]]:
    """``group_stats`` on every date for a grouping where each target is in exactly one group: the
    counts updated by the targets that changed since the previous date, the minimum and the weighted
    sum recomputed (floating-point sums carried by differences drift)."""
    group = group.astype(np.int64)
    weight, mand = prep.t_weight, prep.t_mand
    targets = np.bincount(group, minlength=size).astype(np.int64)
    mandatory = np.bincount(group, weights=mand, minlength=size).astype(np.int64)
    total_weight = np.bincount(group, weights=weight, minlength=size)
    order = np.argsort(group, kind="stable")
    in_order = bool(np.all(order == np.arange(order.size)))
    nonempty = np.flatnonzero(targets)
    offsets = np.concatenate([[0], np.cumsum(targets)[:-1]])[nonempty]
    met = np.zeros(size)
    mandatory_met = np.zeros(size)
    assessed = np.zeros(size)
    expired = np.zeros(size)
    for step in steps(prep, days):
        ch, state = step.changed, step.state
        g = group[ch]
        d_met = state.met[ch].astype(np.float64) - step.old_met
        met += np.bincount(g, weights=d_met, minlength=size)
        mandatory_met += np.bincount(g, weights=d_met * mand[ch], minlength=size)
        # Summed afresh on each date (as the minimum is): a sum carried by differences drifts, and
        # a group whose targets are all met would score 0.9999999999999999 (R2) instead of 1 (R1).
        weighted_sum = np.bincount(group, weights=weight * state.attainment, minlength=size)
        new_status, old_status = state.status[ch], step.old_status
        assessed += np.bincount(
            g, weights=(new_status == 1).astype(np.float64) - (old_status == 1), minlength=size
        )
        expired += np.bincount(
            g, weights=(new_status == 2).astype(np.float64) - (old_status == 2), minlength=size
        )
        minimum = np.full(size, np.nan)
        if nonempty.size:
            values = state.attainment if in_order else state.attainment[order]
            minimum[nonempty] = np.minimum.reduceat(values, offsets)
        counts = {
            "met": np.rint(met).astype(np.int64),
            "mandatory_met": np.rint(mandatory_met).astype(np.int64),
            "assessed": np.rint(assessed).astype(np.int64),
            "expired": np.rint(expired).astype(np.int64),
        }
        yield {
            "targets": targets,
            "mandatory": mandatory,
            **counts,
            "unassessed": targets - counts["assessed"] - counts["expired"],
            "weight": total_weight,
            "weighted_sum": weighted_sum,
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
    per_date = list(incremental_stats(prep, days_of(ordered), grouping.group, grouping.size))
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
