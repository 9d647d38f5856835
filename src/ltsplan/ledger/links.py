"""A delivery's commitment must exist: the ``commitment_id`` of every entry names a commitment the
same import gives or a live one already stored. Fulfilment and delivery lags follow the link, so a
link to nothing would be a delivery counted against no pledge, silently.

A file may give a delivery before its commitment, even many batches before (an export orders its
rows by id), so an entry whose commitment is not known yet is held back, not refused: it is decided
once the whole import has been read, and written then if its commitment came. Commitments the import
gives are kept as 64-bit hashes (``IdSet``: 8 bytes an id); only the held entries are kept whole,
and only ids the import does not give are looked up in the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import Problem
from ltsplan.ledger.model import ledger_entry
from ltsplan.ledger.rules import LINE, named_records
from ltsplan.store.ids import IdMap, id_hashes
from ltsplan.store.time import live_where

NO_COMMITMENT = (
    "'{}' names no commitment of this import or of the ledger; import the commitment too, or leave "
    "commitment_id empty (a reference is looked up in the entry's own dataset)"
)


# A commitment's terms, beside its id hash: its currency and the day its money is valued on.
TERMS = np.dtype([("currency", "S3"), ("day", np.int32)])


@dataclass
class CommitmentLinks:
    """The commitments an import has given so far, and the entries waiting for theirs."""

    # The commitments given so far, by id hash, each with its terms (11 bytes more): a delivery in
    # its commitment's currency is valued at its commitment's rate (``terms``).
    given: IdMap = field(default_factory=lambda: IdMap(TERMS))
    held_entries: list[pl.DataFrame] = field(default_factory=list)  # as read (lines, labels)
    held_stored: list[pl.DataFrame] = field(default_factory=list)  # as they would be stored

    def note(self, entries: pl.DataFrame) -> None:
        """Remember the commitments of a batch about to be written (or, for a file already refused,
        read), before its own links are asked: an entry may name a commitment of its own batch."""
        commitments = entries.filter(pl.col("kind") == "commitment")
        hashes = id_hashes(commitments.get_column("id"))
        if commitments.height:
            terms = np.empty(commitments.height, dtype=TERMS)
            terms["currency"] = commitments.get_column("currency").fill_null("").to_list()
            valued_on = commitments.select(pl.coalesce("value_date", "event_date")).to_series()
            terms["day"] = valued_on.cast(pl.Int32).fill_null(0).to_numpy()  # a refused file: any day
            self.given.add(hashes, terms)

    def terms(self, connection: Connection, commitment_ids: pl.Series) -> pl.DataFrame:
        """For each commitment id (given by this import or stored and live): its currency
        (``committed_in``) and the day its money is valued on (``valued_on``); null when unknown."""
        wanted = pl.DataFrame({"commitment_id": commitment_ids}).unique()
        wanted = wanted.with_columns(pl.Series("_hash", id_hashes(wanted.get_column("commitment_id"))))
        schema = {"committed_in": pl.Utf8, "valued_on": pl.Date}
        held, terms = self.given.find(wanted.get_column("_hash").to_numpy())
        found = (
            wanted.filter(pl.Series(held))
            .select("commitment_id")
            .with_columns(
                pl.Series("committed_in", terms["currency"][held].astype("U3"), dtype=pl.Utf8).replace(
                    "", None
                ),
                pl.Series("valued_on", terms["day"][held], dtype=pl.Int32).cast(pl.Date),
            )
        )
        rest = wanted.filter(
            pl.col("commitment_id").is_in(found.get_column("commitment_id").implode()).not_()
        )
        if rest.height:
            e = ledger_entry.c
            stored = [
                r
                for r in live_where(
                    connection,
                    ledger_entry,
                    "id",
                    rest.get_column("commitment_id").to_list(),
                    None,
                    (e.id, e.kind, e.currency, e.value_date, e.event_date),
                )
                if r["kind"] == "commitment"
            ]
            if stored:
                found = pl.concat(
                    [
                        found,
                        pl.DataFrame(
                            {
                                "commitment_id": [r["id"] for r in stored],
                                "committed_in": [r["currency"] for r in stored],
                                "valued_on": [r["value_date"] or r["event_date"] for r in stored],
                            },
                            schema={"commitment_id": pl.Utf8, **schema},
                        ),
                    ]
                )
        return found

    def waiting(self, connection: Connection, entries: pl.DataFrame) -> pl.Series:
        """For each entry, whether it names a commitment neither given so far nor stored and live."""
        linked = entries.get_column("commitment_id")
        wanted = linked.is_not_null()
        if not wanted.any():
            return wanted
        named = linked.filter(wanted)
        known = pl.Series(self.given.holds(id_hashes(named)))
        unknown = named.filter(~known).unique().to_list()
        missing = sorted(set(unknown) - (_live_commitments(connection, unknown) if unknown else set()))
        return linked.is_in(missing).fill_null(False)

    def hold(self, entries: pl.DataFrame, stored: pl.DataFrame | None, waiting: pl.Series) -> None:
        if not waiting.any():
            return
        self.held_entries.append(entries.filter(waiting))
        if stored is not None:
            ids = entries.filter(waiting).get_column("id")
            self.held_stored.append(stored.filter(pl.col("id").is_in(ids.implode())))

    def settle(self, connection: Connection, file: str | None) -> tuple[pl.DataFrame | None, list[Problem]]:
        """Once everything has been read: the held entries whose commitment came, as they would be
        stored (None when nothing is held or nothing was to be stored), and a problem for each of
        the others."""
        if not self.held_entries:
            return None, []
        entries = pl.concat(self.held_entries, how="diagonal_relaxed")
        still = self.waiting(connection, entries)
        unlinked = entries.filter(still)
        lines = unlinked.get_column(LINE).to_list() if LINE in unlinked.columns else [None] * unlinked.height
        problems = named_records(
            [
                Problem(NO_COMMITMENT.format(named), file=file, line=line, field="commitment_id")
                for named, line in zip(unlinked.get_column("commitment_id"), lines, strict=True)
            ],
            unlinked,
        )
        if not self.held_stored:
            return None, problems
        came = entries.filter(~still).get_column("id")
        stored = pl.concat(self.held_stored, how="diagonal_relaxed")
        return stored.filter(pl.col("id").is_in(came.implode())), problems


def _live_commitments(connection: Connection, ids: list[str]) -> set[str]:
    columns = (ledger_entry.c.id, ledger_entry.c.kind)
    return {
        r["id"]
        for r in live_where(connection, ledger_entry, "id", ids, None, columns)
        if r["kind"] == "commitment"
    }
