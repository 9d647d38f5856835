"""Deterministic identifiers: the same natural key always gives the same id, so re-imports are
idempotent. ``record_id`` (one record, in Python) and ``record_id_expr`` (a column, in Polars) give
the same answer for the same parts: the first 32 hex digits of SHA-256 over the parts joined by US.
``IdSet`` remembers millions of ids in little memory.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
import polars as pl
import polars_hash  # noqa: F401  (registers the stable .chash namespace on expressions)

SEPARATOR = "\x1f"


def _canonical(part: object) -> str:
    return "" if part is None else str(part)


def record_id(*parts: object) -> str:
    """A 32-hex-digit id from a record's natural key (for example dataset, donor, date, reference)."""
    text = SEPARATOR.join(_canonical(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def record_id_expr(*parts: pl.Expr | str) -> pl.Expr:
    """The column version of ``record_id``: literal strings are taken as constants, not names."""
    exprs = [pl.lit(p) if isinstance(p, str) else p.cast(pl.Utf8).fill_null("") for p in parts]
    # polars-hash is stable across releases (Polars' own hash is not), which ids stored in a
    # database need.
    return pl.concat_str(exprs, separator=SEPARATOR).chash.sha2_256().str.slice(0, 32)  # type: ignore[attr-defined]


def version_hash(values: object) -> str:
    """A digest of one record's content (an iterable of its values)."""
    return record_id(*values)  # type: ignore[misc]


def version_expr(columns: list[str]) -> pl.Expr:
    """The digest of each row's content, column-wise; null and empty string are told apart."""
    exprs = [pl.col(c).cast(pl.Utf8).fill_null("\x00") for c in columns]
    return pl.concat_str(exprs, separator=SEPARATOR).chash.sha2_256().str.slice(0, 32)  # type: ignore[attr-defined]


def id_hashes(ids: pl.Series) -> np.ndarray:
    """64-bit hashes of record ids (within one process: Polars' hash is not stable across versions)."""
    return ids.hash(seed=7).to_numpy()


def has_repeats(ids: pl.Series, hashes: np.ndarray) -> bool:
    """Whether an id occurs twice: sorted hashes hold a repeat next to itself (a tenth of the time
    of sorting the ids themselves); only a shared hash asks the ids."""
    ordered = np.sort(hashes)
    if not bool((ordered[1:] == ordered[:-1]).any()):
        return False
    return ids.n_unique() < ids.len()


class IdSet:
    """A set of ids that grows batch by batch and answers, a batch at a time, which ids it holds:
    the ids a transaction wrote (store/history.py), the records a file has given so far
    (ledger/native.py). ``IdMap`` keeps a value beside each.

    Kept as 64-bit hashes (8 bytes an id: 40 MB for 5 million) in sorted runs; a bitmap of about
    a byte per id held answers most ids that are not there without a search. Runs merge while
    they are small, so that a search visits a few of them and a merge never copies much.
    """

    # Runs stop merging at this many ids (a merge then copies at most 4 MB of hashes). With 1 Mi,
    # the merges' arrays of 8 to 16 MB, made and freed over and over, stayed resident: paired runs
    # of the 5 M-row CSV import peaked at 612 and 637 MB against 540 and 535 with 256 Ki, in the
    # same time (54-58 s). More runs cost the lookups of ids that are held: 11,000 among 2 M
    # commitments take 4.5 ms a batch against 3.5 ms.
    MERGED_RUN = 1 << 18

    def __init__(self) -> None:
        self.runs: list[np.ndarray] = []
        self.values: list[np.ndarray | None] = []  # beside each run, in its order (IdMap)
        self.held = 0
        self.bits = np.zeros(1 << 13, dtype=np.uint8)  # 2^16 bits, grown with the ids held

    def _slots(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low = hashes & np.uint64(self.bits.size * 8 - 1)
        return low >> np.uint64(3), np.left_shift(1, low & np.uint64(7)).astype(np.uint8)

    def holds(self, hashes: np.ndarray) -> np.ndarray:
        """For each hash, whether it was added (two ids that share a hash are taken as one)."""
        return self._found(hashes)[0]

    def _found(self, hashes: np.ndarray) -> tuple[np.ndarray, list[tuple[np.ndarray, int, np.ndarray]]]:
        """Whether each hash is held, and where: (positions among ``hashes``, run, index in it),
        the earliest added first."""
        byte, bit = self._slots(hashes)
        held = (self.bits[byte] & bit) != 0
        places: list[tuple[np.ndarray, int, np.ndarray]] = []
        if held.any():
            at = np.flatnonzero(held)
            wanted = hashes[at]
            order = np.argsort(wanted)
            ordered = wanted[order]  # sorted keys: each search starts where the last one ended
            found = np.zeros(ordered.size, dtype=bool)
            rest = np.arange(ordered.size)  # not found yet: a run earlier in the list came first
            for number, run in enumerate(self.runs):
                keys = ordered[rest]
                where = np.minimum(np.searchsorted(run, keys), run.size - 1)
                hit = run[where] == keys
                if hit.any():
                    places.append((at[order[rest[hit]]], number, where[hit]))
                    found[rest[hit]] = True
                    rest = rest[~hit]
                    if not rest.size:
                        break
            held[at[order]] = found
        return held, places

    def add(self, hashes: np.ndarray, values: np.ndarray | None = None) -> None:
        if not hashes.size:
            return
        self.held += hashes.size
        if self.held > self.bits.size:  # more ids than bytes: about a ninth would answer "maybe"
            self.bits = np.zeros(1 << self.held.bit_length(), dtype=np.uint8)
            for run in self.runs:
                self._mark(run)
        self._mark(hashes)
        order = np.argsort(hashes, kind="stable")
        self.runs.append(hashes[order])
        self.values.append(None if values is None else values[order])
        while len(self.runs) > 1 and self.runs[-2].size <= min(2 * self.runs[-1].size, self.MERGED_RUN):
            newer, older = self.runs.pop(), self.runs.pop()
            newer_values, older_values = self.values.pop(), self.values.pop()
            merged = np.concatenate([older, newer])
            order = np.argsort(merged, kind="stable")  # two sorted runs: a merge; the older first
            self.runs.append(merged[order])
            self.values.append(
                None
                if older_values is None or newer_values is None
                else np.concatenate([older_values, newer_values])[order]
            )

    def _mark(self, hashes: np.ndarray) -> None:
        byte, bit = self._slots(hashes)
        np.bitwise_or.at(self.bits, byte, bit)


class IdMap(IdSet):
    """An ``IdSet`` with a value beside each id (a line, a currency and a day): one set of sorted
    runs serves both questions, so the ids are not kept twice."""

    def __init__(self, dtype: npt.DTypeLike) -> None:
        super().__init__()
        self.dtype = np.dtype(dtype)

    def add(self, hashes: np.ndarray, values: np.ndarray | None = None) -> None:
        assert values is not None and values.shape[0] == hashes.size
        super().add(hashes, values.astype(self.dtype, copy=False))

    def find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each hash: whether it is held, and the value added with it first (zero if not)."""
        held, places = self._found(hashes)
        out = np.zeros(hashes.size, dtype=self.dtype)
        for positions, run, index in places:
            stored = self.values[run]
            assert stored is not None
            out[positions] = stored[index]
        return held, out
