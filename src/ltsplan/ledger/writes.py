"""The ledger's write path: validate, normalise money, write versions, keep the totals current.

Every importer ends here with a ``LedgerBatch``; one transaction writes its sources, actors, entries
and plans, or nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import polars as pl
from sqlalchemy import Connection, select

from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger.links import CommitmentLinks
from ltsplan.ledger.model import (
    ENTRY,
    PLAN,
    LedgerBatch,
    conform,
    ledger_entry,
    ledger_plan,
    ledger_total_delta,
    with_versions,
)
from ltsplan.ledger.money import RateTable, ecb_rates
from ltsplan.ledger.rules import (
    LINE,
    RECORD,
    entry_problems,
    named_records,
    plan_problems,
    unknown_source_problems,
)
from ltsplan.provenance.imports import (
    actor_record,
    source_problems,
    store_actors,
    store_evidence,
    store_sources,
)
from ltsplan.provenance.model import is_state
from ltsplan.provenance.reports import known_actor_codes, known_source_ids
from ltsplan.store.bulk import settle
from ltsplan.store.db import deferred
from ltsplan.store.history import WriteResult, bulk_insert, retract, write_versions
from ltsplan.store.ids import version_expr
from ltsplan.store.time import known, recorded_by, retracted_when

# What the maintained totals are summed by: the entry's own dimensions, then its date's year and month.
DELTA_DIMENSIONS = [
    *(c.name for c in ledger_total_delta.columns if c.name in ENTRY.columns and c.name not in ("eur", "usd")),
    "year",
    "month",
]


@lru_cache(maxsize=1)
def rates() -> RateTable:
    """The ECB table is read once per process (about 0.2 s)."""
    return ecb_rates()


@dataclass
class WriteSummary:
    entries: WriteResult
    plans: WriteResult
    skipped: list[Problem]
    notes: list[str]


@dataclass
class PreparedBatch:
    """A batch checked and shaped for writing without the database: an import prepares the next
    batch on its reader's thread while the previous one is written (services/imports.py)."""

    batch: LedgerBatch
    file: str | None
    entries: pl.DataFrame  # ENTRY_SCHEMA plus the reader's meta columns
    problems: list[Problem]  # all that can be found without the database
    cited: list[str]  # source ids the entries cite but the batch does not describe
    stored: pl.DataFrame | None  # the entries as stored (money normalised, versions); None if invalid
    plans: pl.DataFrame | None  # the plans as stored; None if invalid or none


def prepare(batch: LedgerBatch, *, file: str | None = None) -> PreparedBatch:
    """Check a batch and compute what will be stored, touching no database (so any thread may)."""
    problems = [*batch.problems, *source_problems(batch.sources, file)]
    if batch.plans is not None and batch.plans.height:
        problems.extend(plan_problems(batch.plans, file=file))
    entries = conform(batch.entries, keep_meta=True)
    cited: list[str] = []
    if entries.height:
        problems.extend(entry_problems(entries, file=file, known_sources=None))
        described = {s.id for s in batch.sources}
        cited = sorted(set(entries.get_column("source_id").drop_nulls().unique().to_list()) - described)
    stored = plans = None
    if not problems:
        stored, plans = stored_entries(entries), stored_plans(batch.plans)
    return PreparedBatch(batch, file, entries, problems, cited, stored, plans)


def validate(
    connection: Connection, batch: LedgerBatch | PreparedBatch, *, file: str | None
) -> list[Problem]:
    """Every problem of a batch, including citations of sources neither it nor the database has."""
    prepared = batch if isinstance(batch, PreparedBatch) else prepare(batch, file=file)
    unknown = set(prepared.cited) - known_source_ids(connection, prepared.cited) if prepared.cited else set()
    if not unknown:
        return prepared.problems
    cited = unknown_source_problems(prepared.entries, file=prepared.file, unknown=unknown)
    return sorted([*prepared.problems, *cited], key=lambda p: (p.line or 0, p.field or ""))


def write_batch(
    connection: Connection,
    batch: LedgerBatch | PreparedBatch,
    *,
    recorded_at: datetime,
    file: str | None = None,
    skip_invalid: bool = False,
    links: CommitmentLinks | None = None,
) -> WriteSummary:
    """Validate the whole batch, then write it; with ``skip_invalid`` bad rows are left out and
    listed, otherwise any problem stops the write and every problem is reported. With ``links``,
    entries naming a commitment not known yet are held back there (``ledger.links``)."""
    prepared = batch if isinstance(batch, PreparedBatch) else prepare(batch, file=file)
    batch = prepared.batch
    problems = validate(connection, prepared, file=prepared.file)
    entries, stored, plans = prepared.entries, prepared.stored, prepared.plans
    skipped: list[Problem] = []
    if problems:
        row_level = [p for p in problems if p.line is not None]
        if not skip_invalid or len(row_level) < len(problems):
            raise InvalidInput(problems)
        bad_lines = {p.line for p in row_level}
        skipped = named_records(row_level, entries)
        entries = entries.filter(pl.col(LINE).is_in(list(bad_lines)).not_())
        kept_plans = batch.plans
        if kept_plans is not None and LINE in kept_plans.columns:
            kept_plans = kept_plans.filter(pl.col(LINE).is_in(list(bad_lines)).not_())
        stored, plans = stored_entries(entries), stored_plans(kept_plans)
    assert stored is not None  # prepared unless the batch had problems, and then made just above
    if links is not None:
        links.note(entries)
        waiting = links.waiting(connection, entries)
        if waiting.any():
            links.hold(entries, stored, waiting)
            stored = stored.filter(
                pl.col("id").is_in(entries.filter(waiting).get_column("id").implode()).not_()
            )
    store_sources(connection, batch.sources, recorded_at=recorded_at)
    store_actors(connection, _actors_for(connection, entries, batch), recorded_at=recorded_at)
    store_evidence(connection, batch.evidence, recorded_at=recorded_at)
    entry_result = store_entries(connection, stored, recorded_at=recorded_at)
    plan_result = WriteResult()
    if plans is not None:
        plan_result = write_versions(connection, ledger_plan, plans, recorded_at=recorded_at)
    return WriteSummary(entry_result, plan_result, skipped, list(batch.notes))


def _actors_for(connection: Connection, entries: pl.DataFrame, batch: LedgerBatch) -> list[dict]:
    """Actor records for the codes a batch mentions: those it names, and those not yet known.

    A code the batch only mentions (a donor column, say) must not overwrite the name another
    import gave the same actor ("EU" → "European Union (Commission and Council)")."""
    mentioned: set[str] = set()
    for column in ("donor", "recipient"):
        if column in entries.columns:
            mentioned.update(entries.get_column(column).drop_nulls().unique().to_list())
    unnamed = mentioned - set(batch.actor_names)
    known = known_actor_codes(connection, unnamed)
    records = []
    for code in sorted(set(batch.actor_names) | (unnamed - known)):
        kind, name = batch.actor_names.get(code, ("", ""))
        if not kind:
            kind = "state" if is_state(code) else "organisation"
        records.append(actor_record(code, kind, name or None))
    return records


def stored_entries(entries: pl.DataFrame) -> pl.DataFrame:
    """Entries as stored: money normalised, a version per row, their own record time if given."""
    frame = with_versions(rates().normalise(conform(entries)))
    if "recorded_at" in entries.columns:
        frame = frame.with_columns(entries.get_column("recorded_at").cast(pl.Datetime("us")))
    return frame


def store_entries(connection: Connection, frame: pl.DataFrame, *, recorded_at: datetime) -> WriteResult:
    """Write entries in their stored form (``stored_entries``) as versions, and move the maintained
    totals by what changed."""
    if frame.is_empty():
        return WriteResult()
    result = write_versions(connection, ledger_entry, frame, recorded_at=recorded_at, keep_retracted=True)
    if result.new_rows.height:
        _add_deltas(connection, deltas(result.new_rows, sign=1.0, at=pl.col("recorded_at")))
    if result.retracted_rows.height:
        _add_deltas(connection, deltas(result.retracted_rows, sign=-1.0, at=pl.col("retracted_at")))
    # The rows themselves are no longer needed: only the counts travel up to the import.
    result.new_rows = result.retracted_rows = pl.DataFrame()
    return result


def retract_entries(connection: Connection, ids: list[str], *, at: datetime) -> int:
    """Withdraw entries without replacement (their totals leave as of ``at``)."""
    gone = retract(connection, ledger_entry, ids, at=at)
    if gone.height:
        gone = gone.with_columns(
            pl.col("event_date").cast(pl.Date),
            pl.col("eur").cast(pl.Float64),
            pl.col("usd").cast(pl.Float64),
        )
        _add_deltas(connection, deltas(gone, sign=-1.0, at=pl.col("retracted_at")))
    return gone.height


def withdraw_absent(
    connection: Connection, datasets: set[str], present: dict[str, list[pl.Series]], *, at: datetime
) -> tuple[int, int]:
    """Withdraw, as of ``at``, the live entries and plans of ``datasets`` whose ids are not among
    those ``present`` (by table name): an import that replaces its datasets no longer has them.
    The datasets of the versions the import itself revised count too: a Kiel release names its
    records ``kiel-ust-r30`` where the one before said ``-r29``, and what it no longer reports is
    still tagged ``-r29``. Their history stays; the totals lose them from ``at`` on. Returns
    (entries, plans) withdrawn."""
    settle(connection)  # the rows this import staged are among those present
    withdrawn = []
    for table in (ledger_entry, ledger_plan):
        revised = connection.execute(select(table.c.dataset).where(retracted_when(table, at)).distinct())
        replaced = datasets | set(revised.scalars())
        if not replaced:
            withdrawn.append(0)
            continue
        live = connection.execute(
            known(table, None, table.c.id).where(
                recorded_by(table, at), table.c.dataset.in_(sorted(replaced))
            )
        ).scalars()
        stored = pl.Series("id", list(live), dtype=pl.Utf8)
        kept = pl.concat([pl.Series("id", [], dtype=pl.Utf8), *present.get(table.name, [])])
        absent = stored.filter(stored.is_in(kept.implode()).not_()).to_list()
        if table is ledger_entry:
            withdrawn.append(retract_entries(connection, absent, at=at))
        else:
            withdrawn.append(retract(connection, table, absent, at=at).height)
    return withdrawn[0], withdrawn[1]


DELTA_KEYS = ["at", *DELTA_DIMENSIONS]
DELTA_SUMS = ["entries", "eur", "usd", "eur_missing", "usd_missing"]


def _add_deltas(connection: Connection, part: pl.DataFrame) -> None:
    """Add one write's deltas to the transaction's running sums (written once, at commit).

    The running sums hold one row per (at, dimensions) group, so memory is bounded by the number
    of groups however many batches an import brings; a new part is merged in once the parts
    waiting to be merged are as many rows as the sums."""
    pending = deferred(connection, "ledger_total_delta", _write_deltas)
    pending.append(part)
    if len(pending) > 1 and sum(p.height for p in pending[1:]) >= max(pending[0].height, 50_000):
        pending[:] = [summed_deltas(pending)]


def summed_deltas(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Deltas summed per (moment, dimensions): one row per group however many parts."""
    return pl.concat(parts, how="vertical_relaxed").group_by(DELTA_KEYS).agg(pl.col(DELTA_SUMS).sum())


def _write_deltas(connection: Connection, parts: list[pl.DataFrame]) -> None:
    """The deltas of a whole transaction, summed per (at, dimensions) and written once: an import
    of millions of entries in many batches adds one row per group, not one per group and batch."""
    bulk_insert(connection, ledger_total_delta, summed_deltas(parts).filter(_moves_something()))


def _moves_something() -> pl.Expr:
    """A group whose additions and subtractions cancel (a version added and retracted in the same
    transaction) moves no total and is not written."""
    return (
        (pl.col("entries") != 0)
        | (pl.col("eur") != 0)
        | (pl.col("usd") != 0)
        | (pl.col("eur_missing") != 0)
        | (pl.col("usd_missing") != 0)
    )


def deltas(rows: pl.DataFrame, *, sign: float, at: pl.Expr) -> pl.DataFrame:
    """What versions move the totals by (``sign`` 1 as they arrive, -1 as they leave), at ``at``.
    Money that is not a finite number counts as not converted: an infinity in a sum never cancels."""
    rows = rows.with_columns(pl.when(pl.col(n).is_finite()).then(pl.col(n)).alias(n) for n in ("eur", "usd"))
    return (
        rows.with_columns(
            at.cast(pl.Datetime("us")).alias("at"),
            pl.col("event_date").cast(pl.Date).dt.year().alias("year"),
            pl.col("event_date").cast(pl.Date).dt.month().alias("month"),
        )
        .group_by(["at", *DELTA_DIMENSIONS])
        .agg(
            (pl.len() * sign).cast(pl.Int64).alias("entries"),
            (pl.col("eur").fill_null(0.0).sum() * sign).alias("eur"),
            (pl.col("usd").fill_null(0.0).sum() * sign).alias("usd"),
            (pl.col("eur").is_null().sum() * sign).cast(pl.Int64).alias("eur_missing"),
            (pl.col("usd").is_null().sum() * sign).cast(pl.Int64).alias("usd_missing"),
        )
    )


def stored_plans(plans: pl.DataFrame | None) -> pl.DataFrame | None:
    """Budgets and planned disbursements as stored (None when there are none). Their ids are keyed
    by activity, kind and period, so a revised budget for a period replaces the original instead of
    adding to it."""
    if plans is None or plans.is_empty():
        return None
    given = {"id": pl.Utf8, **{f.name: f.polars for f in PLAN.fields if f.in_files}}
    frame = plans.select(
        [
            pl.col(n).cast(t) if n in plans.columns else pl.lit(None, dtype=t).alias(n)
            for n, t in given.items()
        ]
    )
    frame = rates().normalise(frame)
    versioned = [f.name for f in PLAN.fields if f.versioned]
    return frame.with_columns(version_expr(versioned).alias("version"))


__all__ = [
    "LINE",
    "RECORD",
    "LedgerBatch",
    "PreparedBatch",
    "WriteSummary",
    "prepare",
    "rates",
    "retract_entries",
    "store_entries",
    "validate",
    "withdraw_absent",
    "write_batch",
]
