"""The ledger held in memory in the shape its questions need, so that a question over millions of
entries is answered by grouping a few thousand rows.

``ledger_total_delta`` only ever gains rows: a write appends what it adds and what it takes away,
never changes or deletes a row, and writes run one after another (store/db.py), so row numbers
grow in commit order, and every change to an entry (a version, a retraction) adds one. A process
keeps one copy per database, and the highest delta row number it holds says which state it is of
(the table's highest is asked once per reading transaction, with the small tables held beside the
copy: store/held.py).

- **Deltas.** The copy is brought up to date by reading the rows numbered above the highest it
  holds. From it, *rollups* are kept: the deltas summed over every dimension a kind of question
  does not use (totals by donor need neither the month nor the subtype), still by record time
  (``at``). A rollup is built the first time its dimensions are asked for, and grows with the rows
  that arrive after.
- **Entries in order.** For a list of entries sorted by columns that are never empty (the newest
  events first, by default), every version's row number in that order with its record-time span,
  so that a page is the first versions current at the moment asked; rebuilt when the entries
  change. The count is the deltas' count of entries.
- **Delivery lags.** Each delivery version linked to a commitment version, paired while both were
  current (``since`` to ``until``), counted by donor, category, subtype, dataset and lag in days:
  a histogram, rebuilt when the entries change, and rolled up like the deltas.

Every question still computes its answer: the rows current at the moment asked, filtered and summed
by the question's dimensions (and for lags, quantiles read off the histogram), over NumPy arrays of
the rollup (``Arrays``: a few µs an operation, where Polars takes some 150 µs for any frame). Only the work that
does not depend on the question is shared. A connection that is writing (its own uncommitted rows
count) reads the tables in SQL instead, as does one whose snapshot is older than the copy.
The copy trusts the deltas to be append-only, as every write through ltsplan keeps them: rows
deleted by hand (a lost delta, which ``ledger check --repair`` replaces by a correcting row) are
noticed when rows next arrive, and the copy is read again whole; a row changed in place by hand is
not seen by a process that already holds it.

Memory: the deltas' copy holds every delta row (about 115 bytes each: 1 M entries learned in four
waves give 327 k rows, 37 MB), the lag histogram at most one row per linked delivery version (279 k
rows, 15 MB, there), an order 24 bytes a version (at most ``ORDERS`` of them); rollups are kept only
while they hold under a quarter of the rows they are made from, and at most ``ROLLUPS`` of them. The
arrays of a rollup take about as much again as the rollup; a question no rollup serves makes arrays
of the rows themselves (about 100 bytes a row, once until more rows arrive).
Tables are read in chunks (``query_frames``), so reading the copy never holds their rows as Python
objects whole.
"""

from __future__ import annotations

import math
import operator
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import ColumnElement, Connection, Engine, FromClause, and_, func, select

from ltsplan.ledger.analytics import numbered
from ltsplan.ledger.model import ledger_entry, ledger_total_delta
from ltsplan.store.db import query_frame, query_frames
from ltsplan.store.held import changes
from ltsplan.store.time import (
    STILL_CURRENT,
    current_in_frame,
    current_mask,
    happened_by_mask,
    polars_schema,
    version_span,
)

KEYS = ("dataset", "kind", "stage", "donor", "recipient", "category", "subtype", "currency", "year", "month")
SUMMED = ("entries", "eur_cents", "usd_cents", "eur_missing", "usd_missing", "no_amount")
LAG_KEYS = ("donor", "category", "subtype", "dataset")
# Dimension sets whose rollups are kept (least recently asked dropped first).
ROLLUPS = 32
# A rollup is kept only while it has under 1/KEPT_SHARE of the rows it is made from (else those rows
# are grouped), and none is made from fewer than SMALL rows.
KEPT_SHARE = 4
SMALL = 20_000
# Entry orders kept (one per sort asked for), and the first slice of an order looked at for a page.
ORDERS = 2
FIRST_LOOK = 4_096
# Sums by up to COUNTED combinations of codes (or COUNTED_PER_ROW a row) are counted in place of
# each; more are sorted; past NUMBERED combinations (too many to number in 64 bits) the rows of codes
# are sorted.
COUNTED = 1 << 16
COUNTED_PER_ROW = 4
NUMBERED = 2**62

_DELTAS = {
    **{k: polars_schema(ledger_total_delta)[k] for k in ("row_id", "at", *KEYS)},
    **{s: pl.Float64 if s.endswith("_cents") else pl.Int64 for s in SUMMED},
}
_PAIRS: dict[str, Any] = {
    **dict.fromkeys(LAG_KEYS, pl.Utf8),
    "delivered_on": pl.Date,
    "committed_on": pl.Date,
    "delivery_since": pl.Datetime("us"),
    "delivery_until": pl.Datetime("us"),
    "commitment_since": pl.Datetime("us"),
    "commitment_until": pl.Datetime("us"),
}


# A question's filter: (column, test, value), as ``reports.LedgerFilter.checks`` gives it.
Check = tuple[str, str, Any]
TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "in": lambda value, values: value in values,
    ">=": operator.ge,
    "<=": operator.le,
}


class Arrays:
    """A frame's rows as NumPy arrays, which a question filters and sums: a Polars operation costs
    some 150 µs however few its rows, and an answer took twenty of them, where these cost a few µs.
    Each dimension is held as codes into its values in sorted order (0: empty), so that a test of
    a value is made once per distinct value, and sums come out in the order a sort would give;
    record times in microseconds since the epoch (an open span's end ``STILL_CURRENT``)."""

    def __init__(self, frame: pl.DataFrame, times: tuple[str, ...], counts: tuple[str, ...]) -> None:
        self.height = frame.height
        self.times = {
            t: frame.get_column(t).dt.epoch("us").fill_null(STILL_CURRENT).to_numpy() for t in times
        }
        self.counts = {c: frame.get_column(c).fill_null(0).to_numpy() for c in counts}
        self.count_types = {c: frame.schema[c] for c in counts}
        self.values: dict[str, list[Any]] = {}
        self.value_series: dict[str, pl.Series] = {}  # the values, to turn codes into a column
        self.codes: dict[str, np.ndarray] = {}
        for name in frame.columns:
            if name in times or name in counts:
                continue
            column = frame.get_column(name)
            self.values[name], codes = numbered(column)
            self.value_series[name] = pl.Series(name, self.values[name], dtype=column.dtype)
            self.codes[name] = codes.astype(np.int32)

    def chosen(self, checks: Iterable[Check], also: np.ndarray | None = None) -> np.ndarray | None:
        """The rows that pass every check (and ``also``); None: every row. An empty value passes
        no test, as in SQL."""
        found = also
        for column, test, value in checks:
            passes = TESTS[test]
            allowed = np.array([v is not None and passes(v, value) for v in self.values[column]], dtype=bool)
            kept = allowed[self.codes[column]]
            found = kept if found is None else found & kept
        return found

    def summed(self, keys: Sequence[str], rows: np.ndarray | None) -> pl.DataFrame:
        """The ``rows`` (a mask; None: all) summed by ``keys``: the keys' columns, then the counts,
        one row per combination present, ordered by the keys (empty first)."""
        index = np.flatnonzero(rows) if rows is not None else None
        codes = [self.codes[k] if index is None else self.codes[k][index] for k in keys]
        counts = {c: a if index is None else a[index] for c, a in self.counts.items()}
        size = self.height if index is None else len(index)
        sizes = [len(self.values[k]) for k in keys]
        space = math.prod(sizes)
        if space < NUMBERED or not keys:
            group = np.zeros(size, dtype=np.int64)
            for code, cardinality in zip(codes, sizes, strict=True):
                group = group * cardinality + code
            if space <= max(COUNTED_PER_ROW * size, COUNTED):  # no sort
                found = np.flatnonzero(np.bincount(group, minlength=space))
                sums = {c: np.bincount(group, weights=a, minlength=space)[found] for c, a in counts.items()}
            else:
                found, inverse = np.unique(group, return_inverse=True)
                sums = {c: np.bincount(inverse, weights=a, minlength=len(found)) for c, a in counts.items()}
            key_codes = []
            for cardinality in reversed(sizes):
                found, code = np.divmod(found, cardinality)
                key_codes.append(code)
            key_codes.reverse()
        else:  # too many combinations to number: the rows of codes themselves, sorted
            table, inverse = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            key_codes = [table[:, i] for i in range(len(keys))]
            sums = {c: np.bincount(inverse, weights=a, minlength=len(table)) for c, a in counts.items()}
        columns = [self.value_series[k][code] for k, code in zip(keys, key_codes, strict=True)]
        # Sums of whole numbers (counts, cents) as floats: exact below 2^53, in any order.
        columns.extend(
            pl.Series(c, sums[c] if self.count_types[c] == pl.Float64 else sums[c].astype(np.int64))
            for c in counts
        )
        return pl.DataFrame(columns)


class Rollups:
    """Rows with a record-time span (or instant) and counts, and their rollups by dimension set."""

    def __init__(self, rows: pl.DataFrame, times: tuple[str, ...], counts: tuple[str, ...]) -> None:
        self.rows, self.times, self.counts = rows, times, counts
        # None: that rollup would not be small enough to keep, so the rows themselves are grouped
        self._kept: OrderedDict[frozenset[str], pl.DataFrame | None] = OrderedDict()
        # Arrays of kept rollups (and of the rows: key None), made when first asked for
        self._arrays: dict[frozenset[str] | None, Arrays] = {}

    def arrays(self, dimensions: frozenset[str]) -> Arrays:
        """``over(dimensions)`` as arrays."""
        frame = self.over(dimensions)
        key = None if frame is self.rows else dimensions
        found = self._arrays.get(key)
        if found is None:
            found = self._arrays[key] = Arrays(frame, self.times, self.counts)
        return found

    def over(self, dimensions: frozenset[str]) -> pl.DataFrame:
        """Rows with at least ``dimensions`` (and the times and counts), as few as kept."""
        if self.rows.height < SMALL:
            return self.rows
        if dimensions not in self._kept:
            rollup: pl.DataFrame | None = self._rolled_up(self.rows, dimensions)
            if rollup is not None and rollup.height * KEPT_SHARE > self.rows.height:
                rollup = None
            self._kept[dimensions] = rollup
            while len(self._kept) > ROLLUPS:
                dropped, _ = self._kept.popitem(last=False)
                self._arrays.pop(dropped, None)
        self._kept.move_to_end(dimensions)
        kept = self._kept[dimensions]
        return self.rows if kept is None else kept

    def extend(self, arrived: pl.DataFrame) -> None:
        self.rows = pl.concat([self.rows, arrived], rechunk=True)
        self._arrays.clear()
        for dimensions, rollup in self._kept.items():
            if rollup is not None:
                self._kept[dimensions] = pl.concat([rollup, self._rolled_up(arrived, dimensions)])

    def _rolled_up(self, rows: pl.DataFrame, dimensions: frozenset[str]) -> pl.DataFrame:
        kept = [*self.times, *(c for c in rows.columns if c in dimensions)]
        return rows.group_by(kept).agg(pl.col(c).sum() for c in self.counts)


class LedgerCopy:
    """One database's ledger in memory (see the module's docstring), safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._start_again()

    def _start_again(self) -> None:
        self._upto = 0  # the highest delta row number held
        self._deltas = Rollups(pl.DataFrame(schema=_DELTAS).drop("row_id"), ("at",), SUMMED)
        self._lags: tuple[int, Rollups] | None = None
        self._orders: OrderedDict[tuple[tuple[str, bool], ...], tuple[int, EntryOrder]] = OrderedDict()

    def prepare(self, connection: Connection, sorts: Iterable[tuple[tuple[str, bool], ...]]) -> None:
        """Read now what the first questions would otherwise wait for: the deltas, the lag
        histogram and the entries in each of ``sorts`` (a server does this as it starts)."""
        self.lag_counts(connection, [], None, [])
        for sort in sorts:
            self.entry_page(connection, sort, None, 0, 1)

    def delta_sums(
        self, connection: Connection, keys: Sequence[str], moment: datetime | None, where: Iterable[Check]
    ) -> pl.DataFrame | None:
        """The deltas known at ``moment`` that pass the checks ``where``, summed by ``keys`` (in
        ``keys``' order, then the summed columns, money in cents as floats); None when this
        connection must read the table itself."""
        checks = list(where)
        with self._lock:
            if not self._current(connection):
                return None
            arrays = self._deltas.arrays(_used(keys, checks))
        return arrays.summed(keys, arrays.chosen(checks, happened_by_mask(arrays.times["at"], moment)))

    def lag_counts(
        self, connection: Connection, keys: Sequence[str], moment: datetime | None, where: Iterable[Check]
    ) -> pl.DataFrame | None:
        """Deliveries linked to a commitment, both current at ``moment``, that pass the checks
        ``where``, counted by ``keys`` and lag (``lag_days``, ``deliveries``, ordered by them);
        None when this connection must read the tables itself."""
        checks = list(where)
        with self._lock:
            if not self._current(connection):
                return None
            if self._lags is None or self._lags[0] != self._upto:
                self._lags = (
                    self._upto,
                    Rollups(lag_histogram(lag_pairs(connection)), ("since", "until"), ("deliveries",)),
                )
            arrays = self._lags[1].arrays(_used([*keys, "lag_days"], checks))
        current = current_mask(arrays.times["since"], arrays.times["until"], moment)
        return arrays.summed([*keys, "lag_days"], arrays.chosen(checks, current))

    def entry_page(
        self,
        connection: Connection,
        sort: tuple[tuple[str, bool], ...],
        moment: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[int]] | None:
        """How many entry versions are current at ``moment``, and the row numbers of ``limit`` of them
        from ``offset`` on, sorted by ``sort`` ((column, descending) pairs, never-empty columns) then
        row number; None when this connection must read the table itself."""
        with self._lock:
            if not self._current(connection):
                return None
            held = self._orders.get(sort)
            if held is None or held[0] != self._upto:
                held = self._orders[sort] = (self._upto, EntryOrder.read(connection, sort))
                while len(self._orders) > ORDERS:
                    self._orders.popitem(last=False)
            self._orders.move_to_end(sort)
            counts = self._deltas.arrays(frozenset())
        entries = counts.counts["entries"]
        recorded = happened_by_mask(counts.times["at"], moment)
        total = int(entries.sum() if recorded is None else entries[recorded].sum())
        return total, held[1].current(moment, offset, limit)

    def _current(self, connection: Connection) -> bool:
        """Bring the deltas up to the state ``connection`` sees; False when they cannot serve it (it
        writes, or its snapshot is older)."""
        t = ledger_total_delta
        stamps = changes(connection, t)
        if stamps is None:
            return False
        highest = stamps[t.name][0]
        if highest < self._upto:  # a snapshot from before rows this copy already holds
            return False
        if highest > self._upto:
            if self._upto and self._held_rows_lost(connection):
                self._start_again()
            statement = select(*(t.c[c] for c in _DELTAS)).where(
                t.c.row_id > self._upto, t.c.row_id <= highest
            )
            self._deltas.extend(query_frame(connection, statement, _DELTAS).drop("row_id"))
            self._upto = highest
        return True

    def _held_rows_lost(self, connection: Connection) -> bool:
        """Whether rows this copy holds are gone from the table: only a hand edit deletes deltas
        (``ledger check --repair`` then appends what they summed to). Counted when rows arrive."""
        t = ledger_total_delta
        statement = select(func.count()).select_from(t).where(t.c.row_id <= self._upto)
        return bool(connection.execute(statement).scalar_one() != self._deltas.rows.height)


class EntryOrder:
    """Every entry version's row number in one order, with the span it was current (microseconds)."""

    def __init__(self, row_id: np.ndarray, since: np.ndarray, until: np.ndarray) -> None:
        self.row_id, self.since, self.until = row_id, since, until

    @classmethod
    def read(cls, connection: Connection, sort: tuple[tuple[str, bool], ...]) -> EntryOrder:
        t = ledger_entry
        names = [c for c, _ in sort]
        types = polars_schema(t)
        schema = {
            **{n: types[n] for n in dict.fromkeys(["row_id", *names])},
            "since": pl.Datetime("us"),
            "until": pl.Datetime("us"),
        }
        chosen = [*(t.c[n] for n in schema if n in t.c), *version_span(t)]
        frame = query_frame(connection, select(*chosen), schema).sort(
            [*names, "row_id"], descending=[*(d for _, d in sort), False]
        )
        span = frame.select(
            pl.col("since").dt.epoch("us"), pl.col("until").dt.epoch("us").fill_null(STILL_CURRENT)
        )
        return cls(
            frame.get_column("row_id").to_numpy(),
            span.get_column("since").to_numpy(),
            span.get_column("until").to_numpy(),
        )

    def current(self, moment: datetime | None, offset: int, limit: int) -> list[int]:
        """Row numbers of the versions current at ``moment``, ``limit`` of them from ``offset`` on:
        slices of the order looked at one after another, each twice as long as the last."""
        found: list[np.ndarray] = []
        wanted, start, size = offset + limit, 0, FIRST_LOOK
        while wanted > 0 and start < len(self.row_id):
            end = start + size
            live = current_mask(self.since[start:end], self.until[start:end], moment)
            rows = self.row_id[start:end][live][:wanted]
            found.append(rows)
            wanted -= len(rows)
            start, size = end, size * 2
        ordered = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        return [int(r) for r in ordered[offset : offset + limit]]


def _used(keys: Iterable[str], checks: Iterable[Check]) -> frozenset[str]:
    return frozenset(keys).union(column for column, _, _ in checks)


def lag_pairs(
    connection: Connection, where: Callable[[FromClause], list[ColumnElement[bool]]] = lambda _: []
) -> Iterator[pl.DataFrame]:
    """Every version of a delivery linked to a commitment, beside every version of that commitment:
    their dates and record-time spans (``until`` null: still current), in chunks (``lag_histogram``
    counts each as it comes); ``where`` gives conditions on the delivery's columns."""
    d = ledger_entry.alias("d")
    c = ledger_entry.alias("c")
    statement = (
        select(
            *(d.c[k] for k in LAG_KEYS),
            d.c.event_date,
            c.c.event_date,
            *version_span(d, "delivery_"),
            *version_span(c, "commitment_"),
        )
        .join(c, c.c.id == d.c.commitment_id)
        .where(and_(d.c.kind == "delivery", d.c.commitment_id.is_not(None), *where(d)))
    )
    return query_frames(connection, statement, _PAIRS)


def lag_histogram(pairs: pl.DataFrame | Iterable[pl.DataFrame]) -> pl.DataFrame:
    """``lag_pairs`` counted by dimension, lag and the span during which both versions were current
    (pairs whose versions were never current together are left out); given chunks of pairs, each
    is counted as it comes and the counts added up."""
    if not isinstance(pairs, pl.DataFrame):
        parts = [lag_histogram(chunk) for chunk in pairs]
        if not parts:
            return lag_histogram(pl.DataFrame(schema=_PAIRS))
        return (
            pl.concat(parts).group_by(*LAG_KEYS, "lag_days", "since", "until").agg(pl.col("deliveries").sum())
        )
    since = pl.max_horizontal("delivery_since", "commitment_since")
    until = pl.min_horizontal("delivery_until", "commitment_until")  # nulls ignored: null only if both are
    return (
        pairs.select(
            *LAG_KEYS,
            (pl.col("delivered_on") - pl.col("committed_on")).dt.total_days().alias("lag_days"),
            since.alias("since"),
            until.alias("until"),
        )
        .filter(pl.col("until").is_null() | (pl.col("since") < pl.col("until")))
        .group_by(*LAG_KEYS, "lag_days", "since", "until")
        .agg(pl.len().cast(pl.Int64).alias("deliveries"))
    )


def counted_lags(
    histogram: pl.DataFrame, keys: Sequence[str], moment: datetime | None, where: Iterable[pl.Expr]
) -> pl.DataFrame:
    """A lag histogram's pairs current at ``moment`` (today: still current) that satisfy ``where``,
    counted by ``keys`` and lag."""
    return (
        histogram.filter(current_in_frame(moment), *where)
        .group_by(*keys, "lag_days")
        .agg(pl.col("deliveries").sum())
    )


_COPIES: weakref.WeakKeyDictionary[Engine, LedgerCopy] = weakref.WeakKeyDictionary()
_COPIES_LOCK = threading.Lock()


def ledger_copy(connection: Connection) -> LedgerCopy:
    """The copy of the ledger of the database ``connection`` reads (one per engine: per process)."""
    with _COPIES_LOCK:
        found = _COPIES.get(connection.engine)
        if found is None:
            found = _COPIES[connection.engine] = LedgerCopy()
        return found
