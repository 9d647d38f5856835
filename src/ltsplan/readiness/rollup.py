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

import numpy as np
import polars as pl

from ltsplan.standards.measures import Measure, Observation

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


def gap_expr(observed: pl.Expr, target: pl.Expr) -> pl.Expr:
    """1 − attainment, as one division of the levels' own difference: 1 − 0.85 in floats is
    0.15000000000000002, (80 − 68) / 80 is 0.15."""
    return (
        pl.when(observed >= target)
        .then(0.0)
        .when(target > 0)
        .then(((target - observed) / target).clip(0.0, 1.0))
        .otherwise(1.0)
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


def subtree(parent: np.ndarray, root: int) -> np.ndarray:
    """Which elements are ``root`` or below it (a boolean mask), from each element's parent index
    (-1 for none): the set an element's rolled-up figures cover. One vector step per level."""
    inside = np.zeros(parent.size, dtype=bool)
    inside[root] = True
    has = np.flatnonzero(parent >= 0)
    for _ in range(parent.size):
        grown = inside.copy()
        grown[has] |= inside[parent[has]]
        if np.array_equal(grown, inside):
            break
        inside = grown
    return inside


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


def position(measure: Measure, value: Observation) -> float:
    """Where a level sits on its requirement's scale, as a number that compares the way
    ``standards.measures.meets`` does: binary 1 (met) or 0; ordinal the level's index, lowest 0;
    percentage the number itself. Raises ``MeasureError`` when the value is not on the scale."""
    read = measure.read(value)
    if measure.kind == "binary":
        return 1.0 if read else 0.0
    if measure.kind == "ordinal":
        return float(measure.level_index(read))
    return float(read)
