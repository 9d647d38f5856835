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


DENSE_LIMIT = 50_000_000  # element × requirement keys looked up through a dense table up to this


def _index(column: pl.Series, codes: list[str]) -> np.ndarray:
    """Each value's position in ``codes`` (-1 when absent), by a cast to an enum of the codes."""
    if not codes:
        return np.full(column.len(), -1, dtype=np.int64)
    physical = column.cast(pl.Utf8).cast(pl.Enum(codes), strict=False).to_physical()
    return physical.cast(pl.Int64).fill_null(-1).to_numpy()


def prepare(elements: pl.DataFrame, targets: pl.DataFrame, assessments: pl.DataFrame) -> Prepared:
    """Index everything once. ``elements`` need code, parent, domain; ``targets`` element,
    requirement, standard, target_value, weight, mandatory; ``assessments`` element, requirement,
    value, assessed_on, expires_on, method (and optionally recorded_at, for same-day ties).

    Codes become integer indices (element × requirement → one int64 key), so lookups and sorts run
    on integers whatever the codes look like."""
    el = elements.select([pl.col(c).cast(t) for c, t in ELEMENT_COLUMNS.items()]).with_row_index("idx")
    element_codes = el.get_column("code").to_list()
    parent = _index(el.get_column("parent"), element_codes)
    depth = _depths(parent)
    el = el.with_columns(pl.Series("depth", depth))
    passthrough = [pl.col(c) for c in ("id",) if c in targets.columns]
    tg = targets.select([pl.col(c).cast(t) for c, t in TARGET_COLUMNS.items()] + passthrough)
    requirement_codes = sorted(tg.get_column("requirement").unique().drop_nulls().to_list())
    n_req = max(len(requirement_codes), 1)
    t_e = _index(tg.get_column("element"), element_codes)
    t_r = _index(tg.get_column("requirement"), requirement_codes)
    t_key = t_e * n_req + t_r
    keep = np.flatnonzero((t_e >= 0) & (t_r >= 0))
    keep = keep[np.argsort(t_key[keep], kind="stable")]
    if keep.size > 1:  # one target per element × requirement: the last one given wins
        last = np.append(t_key[keep][1:] != t_key[keep][:-1], True)
        keep = keep[last]
    keys = t_key[keep]
    tg = tg[keep].with_columns(
        pl.Series("element_idx", t_e[keep]), pl.Series("pair", np.arange(keep.size, dtype=np.int64))
    )

    a_e = _index(assessments.get_column("element"), element_codes)
    a_r = _index(assessments.get_column("requirement"), requirement_codes)
    a_key = a_e * n_req + a_r
    known = (a_e >= 0) & (a_r >= 0)
    if len(element_codes) * n_req <= DENSE_LIMIT:
        table = np.full(len(element_codes) * n_req, -1, dtype=np.int64)
        table[keys] = np.arange(keys.size)
        pair = np.where(known, table[np.where(known, a_key, 0)], -1)
    else:
        at = np.searchsorted(keys, a_key).clip(0, max(keys.size - 1, 0))
        pair = np.where(known & (keys[at] == a_key) if keys.size else False, at, -1)
    value = assessments.get_column("value").cast(pl.Float64).to_numpy()
    found = pair >= 0
    orphans = int((~found).sum())
    usable = np.flatnonzero(found & ~np.isnan(value))
    day = assessments.select(day_number("assessed_on")).to_series().to_numpy()[usable].astype(np.int64)
    exp = assessments.select(day_number("expires_on").fill_null(NEVER)).to_series().to_numpy()[usable]
    rank = (assessments.get_column("method") == "external evaluation").fill_null(False).to_numpy()[usable]
    pair, value = pair[usable], value[usable]
    # One sort on one integer: pair, then day, then method (external after self, so it wins).
    day_span = int(day.max() - day.min() + 1) if day.size else 1
    key = (pair * day_span + (day - (day.min() if day.size else 0))) * 2 + rank
    order = np.argsort(key)
    if order.size > 1 and np.any(key[order][1:] == key[order][:-1]):
        # Same pair, day and method more than once (stored assessments cannot be: that is their id):
        # the one recorded last, else the one given last, wins.
        tie = (
            assessments.get_column("recorded_at").to_physical().to_numpy()[usable]
            if "recorded_at" in assessments.columns
            else np.arange(usable.size)
        )
        order = np.lexsort((np.arange(usable.size), tie, key))
    a_pair, a_value = pair[order], value[order]
    goal = tg.get_column("target_value").to_numpy()[a_pair] if a_pair.size else np.zeros(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a_att = np.where(a_value >= goal, 1.0, np.where(goal > 0, np.clip(a_value / goal, 0.0, 1.0), 0.0))
    return Prepared(
        elements=el,
        targets=tg,
        parent=parent,
        depth=depth,
        t_elem=tg.get_column("element_idx").to_numpy().astype(np.int64),
        t_weight=tg.get_column("weight").fill_null(1.0).to_numpy().astype(np.float64),
        t_mand=tg.get_column("mandatory").fill_null(True).to_numpy().astype(bool),
        a_pair=a_pair,
        a_day=day[order],
        a_exp=exp[order].astype(np.int64),
        a_att=a_att,
        a_met=a_value >= goal,
        orphans=orphans,
    )


@dataclass
class PairState:
    """Every target's state on one date: attainment, met, and status (0 unassessed, 1 assessed,
    2 expired)."""

    attainment: np.ndarray
    met: np.ndarray
    status: np.ndarray


def _first_date_on_or_after(days: np.ndarray, when: np.ndarray) -> np.ndarray:
    """For each day number in ``when``, the index of the first of ``days`` on or after it
    (``days.size`` when none): a lookup table over the dates' span instead of a binary search each."""
    if days.size == 0:
        return np.zeros(when.size, dtype=np.int64)
    first, last = int(days[0]), int(days[-1])
    table = np.searchsorted(days, np.arange(first, last + 1), side="left")
    inside = np.clip(when, first, last) - first
    return np.where(when <= first, 0, np.where(when > last, days.size, table[inside])).astype(np.int64)


@dataclass
class Step:
    """One date of a sweep: every target's state, and which targets changed since the last date
    with their previous attainment, met and status."""

    state: PairState
    changed: np.ndarray
    old_attainment: np.ndarray
    old_met: np.ndarray
    old_status: np.ndarray


def steps(prep: Prepared, days: np.ndarray) -> Iterator[Step]:
    """The state of every target on each of ``days`` (ascending), one date at a time."""
    n_days = days.size
    start = _first_date_on_or_after(days, prep.a_day)
    end_replaced = np.full(start.size, n_days, dtype=np.int64)
    same = prep.a_pair[1:] == prep.a_pair[:-1]
    end_replaced[:-1][same] = start[1:][same]
    live = start < end_replaced
    expiry = np.maximum(_first_date_on_or_after(days, prep.a_exp), start)
    expires = live & (expiry < end_replaced)

    small = np.int16 if n_days < 2**15 else np.int64  # small integers sort by radix, in linear time
    starts = np.flatnonzero(live)
    starts = starts[np.argsort(start[starts].astype(small), kind="stable")]
    start_bounds = np.searchsorted(start[starts], np.arange(n_days + 1), side="left")
    ends = np.flatnonzero(expires)
    ends = ends[np.argsort(expiry[ends].astype(small), kind="stable")]
    end_bounds = np.searchsorted(expiry[ends], np.arange(n_days + 1), side="left")

    attainment = np.zeros(prep.pairs, dtype=np.float64)
    met = np.zeros(prep.pairs, dtype=bool)
    status = np.zeros(prep.pairs, dtype=np.int8)
    mark = np.zeros(prep.pairs, dtype=bool)
    for s in range(n_days):
        k_start = starts[start_bounds[s] : start_bounds[s + 1]]
        k_end = ends[end_bounds[s] : end_bounds[s + 1]]
        # Each pair starts at most once and expires at most once per date; it may do both.
        started, ending = prep.a_pair[k_start], prep.a_pair[k_end]
        mark[started] = True
        changed = np.concatenate([started, ending[~mark[ending]]])
        mark[started] = False
        old = (attainment[changed], met[changed], status[changed])
        pairs = prep.a_pair[k_start]
        attainment[pairs] = prep.a_att[k_start]
        met[pairs] = prep.a_met[k_start]
        status[pairs] = 1
        pairs = prep.a_pair[k_end]
        attainment[pairs] = 0.0
        met[pairs] = False
        status[pairs] = 2
        yield Step(PairState(attainment, met, status), changed, *old)


def sweep(prep: Prepared, days: np.ndarray) -> Iterator[PairState]:
    for step in steps(prep, days):
        yield step.state


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
    """``group_stats`` on every date for a grouping where each target is in exactly one group,
    updated by the targets that changed since the previous date (the minimum is recomputed)."""
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
    weighted_sum = np.zeros(size)
    for step in steps(prep, days):
        ch, state = step.changed, step.state
        g = group[ch]
        d_met = state.met[ch].astype(np.float64) - step.old_met
        met += np.bincount(g, weights=d_met, minlength=size)
        mandatory_met += np.bincount(g, weights=d_met * mand[ch], minlength=size)
        d_att = state.attainment[ch] - step.old_attainment
        weighted_sum += np.bincount(g, weights=d_att * weight[ch], minlength=size)
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
            "weighted_sum": weighted_sum.copy(),
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
