"""IdSet and the repeat check: exact answers over millions of ids from 64-bit hashes."""

from __future__ import annotations

import numpy as np
import polars as pl

from ltsplan.store.ids import IdSet, has_repeats, id_hashes, record_id


def test_an_id_set_answers_exactly_which_ids_it_was_given() -> None:
    written = IdSet()
    ids = [record_id("w", n) for n in range(30_000)]
    for start in range(0, 20_000, 2_500):  # several runs, merged as they grow
        written.add(id_hashes(pl.Series(ids[start : start + 2_500])))
    held = written.holds(id_hashes(pl.Series(ids)))
    assert held.tolist() == [n < 20_000 for n in range(30_000)]


def test_a_repeated_id_is_found_by_hash_and_confirmed_by_the_ids() -> None:
    ids = pl.Series([record_id("r", n) for n in range(1_000)])
    assert not has_repeats(ids, id_hashes(ids))
    repeated = pl.concat([ids, ids.slice(10, 1)])
    assert has_repeats(repeated, id_hashes(repeated))
    # Two distinct ids whose hashes collide are not a repeat.
    colliding = np.zeros(ids.len(), dtype=np.uint64)
    assert not has_repeats(ids, colliding)
