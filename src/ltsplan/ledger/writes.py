"""The ledger's write path: validate, normalise money, write versions, keep the totals current.

Every importer ends here with a ``LedgerBatch``; one transaction writes its sources, actors, entries
and plans, or nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, Table, func, insert, select

from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger.datasets import store_reports
from ltsplan.ledger.links import CommitmentLinks
from ltsplan.ledger.model import (
    ENTRY,
    PLAN,
    LedgerBatch,
    conform,
    ledger_entry,
    ledger_plan,
    ledger_snapshot,
    ledger_total_delta,
    with_versions,
)
from ltsplan.ledger.money import RateTable, rates_for
from ltsplan.ledger.rules import (
    LINE,
    RECORD,
    entry_problems,
    named_records,
    plan_problems,
    rows_of,
    unknown_source_problems,
)
from ltsplan.provenance.imports import (
    actor_record,
    source_problems,
    store_actors,
    store_evidence,
    store_sources,
)
from ltsplan.provenance.model import Source, is_state
from ltsplan.provenance.reports import known_actor_codes, known_source_ids
from ltsplan.store.bulk import settle
from ltsplan.store.db import deferred
from ltsplan.store.history import WriteResult, bulk_insert, end_before_snapshot, retract, write_versions
from ltsplan.store.ids import version_expr
from ltsplan.store.time import after, known, retracted_when

# What the maintained totals are summed by: the entry's own dimensions, then its date's year and month.
DELTA_DIMENSIONS = [
    *(c.name for c in ledger_total_delta.columns if c.name in ENTRY.columns and c.name not in ("eur", "usd")),
    "year",
    "month",
]


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
    rates: RateTable  # the series the money was converted with (``money.rates_for``)
    conversions: pl.DataFrame  # conversions worth a note, counted (``RateTable.conversion_counts``)


def prepare(batch: LedgerBatch, *, rates: RateTable, file: str | None = None) -> PreparedBatch:
    """Check a batch and compute what will be stored, touching no database (so any thread may):
    money is converted with ``rates``, the series in use in the database (``money.rates_for``)."""
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
        stored, plans = stored_entries(entries, rates), stored_plans(batch.plans, rates)
        problems.extend(beyond_exact_totals(entries, stored, file))
        if problems:
            stored = plans = None
    conversions = rates.conversion_counts(entries.with_columns(valued_on(entries, "event_date")))
    return PreparedBatch(batch, file, entries, problems, cited, stored, plans, rates, conversions)


def beyond_exact_totals(entries: pl.DataFrame, stored: pl.DataFrame, file: str | None) -> list[Problem]:
    """An entry worth more than the totals can hold exactly (``EXACT_CENTS``), named by its line:
    its amount passes as a number (up to 10^15 in its own currency) but not as euros or dollars
    in a sum."""
    limit = EXACT_CENTS / 100
    over = stored.select(pl.max_horizontal(pl.col("eur").abs(), pl.col("usd").abs()) >= limit).to_series()
    if not over.any():
        return []
    meta = [c for c in (LINE, RECORD) if c in entries.columns]
    found = entries.filter(over.fill_null(False)).select("amount", "currency", *meta)
    return [
        Problem(
            f"{row['amount']:,.0f} {row['currency']} is worth more than 90 trillion euros or dollars, "
            "more than the ledger can total to the cent; is the amount in the right unit?",
            file=file,
            line=row.get(LINE),
            field="amount",
            record=row.get(RECORD),
        )
        for row in found.iter_rows(named=True)
    ]


def validate(connection: Connection, batch: PreparedBatch, *, file: str | None) -> list[Problem]:
    """Every problem of a batch, including citations of sources neither it nor the database has."""
    assert isinstance(batch, PreparedBatch)
    prepared = batch
    unknown = set(prepared.cited) - known_source_ids(connection, prepared.cited) if prepared.cited else set()
    if not unknown:
        return prepared.problems
    cited = unknown_source_problems(prepared.entries, file=prepared.file, unknown=unknown)
    return sorted([*prepared.problems, *cited], key=lambda p: (p.line or 0, p.field or ""))


@dataclass
class WrittenBefore:
    """What earlier batches of one write gave besides their records: the sources they cite (by id)
    and what their datasets report. Every batch of a file gives them again, mostly unchanged, and
    looking each up again in the store cost about 15 ms a batch; one given differently is written
    (a revision), and remembered as given last."""

    sources: dict[str, Source] = field(default_factory=dict)
    reports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Commitments whose version current at the write's record time ended there with no commitment
    # after it (withdrawn, or revised into a delivery): a live delivery may no longer name them.
    ended: list[str] = field(default_factory=list)

    def new_sources(self, sources: list[Source]) -> list[Source]:
        fresh = [s for s in sources if self.sources.get(s.id) != s]
        self.sources.update((s.id, s) for s in fresh)
        return fresh

    def new_reports(self, reports: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        fresh = {name: tuple(m) for name, m in reports.items() if self.reports.get(name) != tuple(m)}
        self.reports.update(fresh)
        return fresh


def write_batch(
    connection: Connection,
    batch: LedgerBatch | PreparedBatch,
    *,
    recorded_at: datetime,
    file: str | None = None,
    skip_invalid: bool = False,
    links: CommitmentLinks | None = None,
    written: WrittenBefore | None = None,
) -> WriteSummary:
    """Validate the whole batch, then write it; with ``skip_invalid`` bad rows are left out and
    listed, otherwise any problem stops the write and every problem is reported. With ``links``,
    entries naming a commitment not known yet are held back there (``ledger.links``). With
    ``written``, sources and datasets' declarations that earlier batches of the same write gave
    unchanged are not written again."""
    prepared = (
        batch if isinstance(batch, PreparedBatch) else prepare(batch, rates=rates_for(connection), file=file)
    )
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
        entries = entries.filter(rows_of(row_level, entries).not_())
        kept_plans = batch.plans
        if kept_plans is not None and LINE in kept_plans.columns:
            kept_plans = kept_plans.filter(pl.col(LINE).is_in(list(bad_lines)).not_())
        stored, plans = stored_entries(entries, prepared.rates), stored_plans(kept_plans, prepared.rates)
    assert stored is not None  # prepared unless the batch had problems, and then made just above
    if links is not None:
        links.note(entries)
        waiting = links.waiting(connection, entries)
        if waiting.any():
            links.hold(entries, stored, waiting)
            stored = stored.filter(
                pl.col("id").is_in(entries.filter(waiting).get_column("id").implode()).not_()
            )
    sources, reports = batch.sources, batch.reports
    if written is not None:
        sources, reports = written.new_sources(sources), written.new_reports(reports)
    store_sources(connection, sources, recorded_at=recorded_at)
    store_actors(connection, _actors_for(connection, entries, batch), recorded_at=recorded_at)
    store_evidence(connection, batch.evidence, recorded_at=recorded_at)
    store_reports(connection, reports, recorded_at=recorded_at)
    if links is not None:
        stored = valued_like_commitments(connection, stored, links, prepared.rates)
    entry_result = store_entries(
        connection, stored, recorded_at=recorded_at, ended=written.ended if written is not None else None
    )
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


def stored_entries(entries: pl.DataFrame, rates: RateTable) -> pl.DataFrame:
    """Entries as stored: money normalised, a version per row, their own record time if given."""
    frame = with_versions(normalised(conform(entries), "event_date", rates))
    if "recorded_at" in entries.columns:
        frame = frame.with_columns(entries.get_column("recorded_at").cast(pl.Datetime("us")))
    return frame


def valued_on(frame: pl.DataFrame, dated: str) -> pl.Expr:
    """The day a record's money is valued on: its value date, else its own date (``dated``)."""
    return (
        pl.coalesce("value_date", dated).alias("value_date")
        if dated in frame.columns
        else pl.col("value_date")
    )


def normalised(frame: pl.DataFrame, dated: str, rates: RateTable) -> pl.DataFrame:
    """``eur`` and ``usd`` from the amount at its value date's rate, or, where a record gives no
    value date, at the rate of its own date (``dated``): the day the money was pledged or moved
    is the best estimate of when it was valued. Kept to the cent, as the totals count it."""
    valued = frame.with_columns(valued_on(frame, dated))
    money = rates.normalise(valued).select(pl.col("eur", "usd").round(2))
    return frame.with_columns(money)


def valued_like_commitments(
    connection: Connection, stored: pl.DataFrame, links: CommitmentLinks, rates: RateTable
) -> pl.DataFrame:
    """Fulfilment compares like with like: a delivery in its commitment's currency is valued at
    the commitment's rate (the rate of the day the commitment is valued on), so a grant delivered
    in full in its own currency is 100 % delivered whatever the euro did in between. A delivery in
    another currency keeps its own day's rate. See docs/ledger.md."""
    linked = stored.filter((pl.col("kind") == "delivery") & pl.col("commitment_id").is_not_null())
    if linked.is_empty():
        return stored
    terms = links.terms(connection, linked.get_column("commitment_id"))
    same = linked.join(terms, on="commitment_id").filter(pl.col("currency") == pl.col("committed_in"))
    if same.is_empty():
        return stored
    revalued = normalised(same.with_columns(pl.col("valued_on").alias("value_date")), "event_date", rates)
    # A commitment with no figure (no rate on its day) leaves its delivery none either.
    return stored.update(revalued.select("id", "eur", "usd"), on="id", include_nulls=True)


def reconvert(
    connection: Connection, table: Table, rows: pl.DataFrame, rates: RateTable, *, at: datetime
) -> int:
    """Stored entries or plans (whole rows, as read) converted again with ``rates`` (a newer series
    was loaded); those whose figures change get a next version as of ``at``, their totals moving
    with them. Returns how many changed."""
    if rows.is_empty():
        return 0
    given = rows.drop("row_id", "recorded_at", "retracted_at", strict=False)
    if table is ledger_entry:
        fresh = valued_like_commitments(
            connection, normalised(given, "event_date", rates), CommitmentLinks(), rates
        )
    else:
        fresh = normalised(given, "period_start", rates)
    was = rows.select("id", pl.col("eur").alias("eur_was"), pl.col("usd").alias("usd_was"))
    moved = fresh.join(was, on="id").filter(
        pl.col("eur").ne_missing(pl.col("eur_was")) | pl.col("usd").ne_missing(pl.col("usd_was"))
    )
    moved = moved.drop("eur_was", "usd_was")
    if table is ledger_entry:
        return store_entries(connection, moved, recorded_at=at, revise_all=True).revised
    return write_versions(connection, table, moved, recorded_at=at, revise_all=True).revised


def store_entries(
    connection: Connection,
    frame: pl.DataFrame,
    *,
    recorded_at: datetime,
    revise_all: bool = False,
    ended: list[str] | None = None,
) -> WriteResult:
    """Write entries in their stored form (``stored_entries``) as versions, and move the maintained
    totals by what changed: each version counts from its record time until its end, and a version
    whose end moved (cut by a version dated before the end, or no longer cut) moves its
    subtraction with it. The commitments revised into something else are added to ``ended``."""
    if frame.is_empty():
        return WriteResult()
    result = write_versions(
        connection, ledger_entry, frame, recorded_at=recorded_at, keep_retracted=True, revise_all=revise_all
    )
    _add_version_deltas(connection, result.new_rows, result.retracted_rows)
    if ended is not None:
        ended.extend(_ended_commitments(result.retracted_rows, result.new_rows))
    # The rows themselves are no longer needed: only the counts travel up to the import.
    result.new_rows = result.retracted_rows = pl.DataFrame()
    return result


def _add_version_deltas(connection: Connection, arrived: pl.DataFrame, moved: pl.DataFrame) -> None:
    """The totals' moves for versions that arrived (counted from their record time, and, for one
    dated before a later version, until that one) and versions whose end moved."""
    parts = []
    if arrived.height:
        parts.append(deltas(arrived, sign=1, at=pl.col("recorded_at")))
        if "retracted_at" in arrived.columns:
            ended = arrived.filter(pl.col("retracted_at").is_not_null())
            if ended.height:
                parts.append(deltas(ended, sign=-1, at=pl.col("retracted_at")))
    if moved.height:
        moved = moved.with_columns(
            pl.col("event_date").cast(pl.Date),
            *(pl.col(n).cast(pl.Float64) for n in ("amount", "eur", "usd")),
        )
        parts.append(deltas(moved, sign=-1, at=pl.col("retracted_at")))
        reopened = moved.filter(pl.col("was_retracted_at").is_not_null())
        if reopened.height:  # its old end no longer holds: what it subtracted there comes back
            parts.append(deltas(reopened, sign=1, at=pl.col("was_retracted_at")))
    for part in parts:
        _add_deltas(connection, part)


def retract_entries(
    connection: Connection, ids: list[str], *, at: datetime, ended: list[str] | None = None
) -> int:
    """Withdraw entries without replacement (their totals leave as of ``at``); the commitments
    among them are added to ``ended``."""
    gone = retract(connection, ledger_entry, ids, at=at)
    _add_version_deltas(connection, pl.DataFrame(), gone)
    if ended is not None:
        ended.extend(_ended_commitments(gone, pl.DataFrame()))
    return gone.height


def _ended_commitments(cut: pl.DataFrame, arrived: pl.DataFrame) -> list[str]:
    """The ids of the ``cut`` versions that were commitments and whose ``arrived`` version (if
    any) is not."""
    if cut.is_empty():
        return []
    was = cut.filter(pl.col("kind") == "commitment").get_column("id")
    if arrived.height:
        still = arrived.filter(pl.col("kind") == "commitment").get_column("id")
        was = was.filter(was.is_in(still.implode()).not_())
    return was.to_list()


ORPHANED = (
    "names commitment {}, which this import would leave no commitment (--replace withdrawing it, "
    "or the file giving it as a delivery): a delivery names a live commitment. Keep the commitment, "
    "or leave the delivery's commitment_id empty"
)


def orphaned_deliveries(
    connection: Connection, withdrawn: list[str], *, at: datetime, file: str | None, lines: pl.DataFrame
) -> list[Problem]:
    """A problem for each delivery current at ``at`` and not withdrawn itself that names one of the
    ``withdrawn`` commitments: a delivery names a live commitment, as every import checks (the
    file's own deliveries located by ``lines``: id and line; others by dataset and reference)."""
    if not withdrawn:
        return []
    e = ledger_entry
    statement = known(e, at, e.c.id, e.c.dataset, e.c.reference, e.c.commitment_id).where(
        e.c.kind == "delivery", e.c.commitment_id.is_not(None)
    )
    rows = pl.DataFrame(
        [tuple(r) for r in connection.execute(statement)],
        schema={"id": pl.Utf8, "dataset": pl.Utf8, "reference": pl.Utf8, "commitment_id": pl.Utf8},
        orient="row",
    )
    gone = pl.Series("id", withdrawn, dtype=pl.Utf8).implode()
    left = rows.filter(pl.col("commitment_id").is_in(gone) & pl.col("id").is_in(gone).not_())
    left = left.join(lines.select("id", LINE), on="id", how="left").sort(LINE, "id", nulls_last=True)
    return [
        Problem(
            ORPHANED.format(commitment),
            file=file,
            line=line,
            field="commitment_id",
            record=f"{dataset}/{reference}" if reference else entry,
        )
        for entry, dataset, reference, commitment, line in left.select(
            "id", "dataset", "reference", "commitment_id", LINE
        ).iter_rows()
    ]


def withdraw_absent(
    connection: Connection,
    datasets: set[str],
    present: dict[str, list[pl.Series]],
    *,
    at: datetime,
    ended: list[str] | None = None,
) -> tuple[int, int]:
    """Withdraw, as of ``at``, the live entries and plans of ``datasets`` whose ids are not among
    those ``present`` (by table name): an import that replaces its datasets no longer has them.
    The datasets of the versions the import itself revised count too: a Kiel release names its
    records ``kiel-ust-r30`` where the one before said ``-r29``, and what it no longer reports is
    still tagged ``-r29``. Their history stays; the totals lose them from ``at`` on. Returns
    (entries, plans) withdrawn; the commitments among them are added to ``ended``."""
    settle(connection)  # the rows this import staged are among those present
    withdrawn = []
    for table in (ledger_entry, ledger_plan):
        revised = connection.execute(select(table.c.dataset).where(retracted_when(table, at)).distinct())
        replaced = datasets | set(revised.scalars())
        if not replaced:
            withdrawn.append(0)
            continue
        live = connection.execute(
            known(table, at, table.c.id).where(table.c.dataset.in_(sorted(replaced)))
        ).scalars()
        stored = pl.Series("id", list(live), dtype=pl.Utf8)
        kept = pl.concat([pl.Series("id", [], dtype=pl.Utf8), *present.get(table.name, [])])
        absent = stored.filter(stored.is_in(kept.implode()).not_()).to_list()
        if table is ledger_entry:
            withdrawn.append(retract_entries(connection, absent, at=at, ended=ended))
        else:
            withdrawn.append(retract(connection, table, absent, at=at).height)
    return withdrawn[0], withdrawn[1]


def record_snapshot(connection: Connection, datasets: set[str], *, at: datetime) -> None:
    """An import with --replace states the whole of its datasets at ``at``."""
    if datasets:
        connection.execute(insert(ledger_snapshot), [{"dataset": d, "at": at} for d in sorted(datasets)])


def end_before_later_snapshots(connection: Connection, datasets: set[str], *, at: datetime) -> None:
    """Knowledge dated ``at`` but loaded after a whole release of the same dataset dated later (a
    tracker's releases loaded newest first) ends where that release begins: the versions this
    import wrote do not outlast it, and what they cut resumes there when the release had it."""
    if not datasets:
        return
    s = ledger_snapshot
    statement = (
        select(s.c.dataset, func.min(s.c.at))
        .where(s.c.dataset.in_(sorted(datasets)), after(s.c.at, at))
        .group_by(s.c.dataset)
    )
    for dataset, next_at in connection.execute(statement).all():
        for table in (ledger_entry, ledger_plan):
            result = end_before_snapshot(
                connection, table, table.c.dataset == dataset, written_at=at, snapshot_at=next_at
            )
            if table is ledger_entry:
                _add_version_deltas(connection, result.new_rows, result.retracted_rows)


DELTA_KEYS = ["at", *DELTA_DIMENSIONS]
DELTA_SUMS = ["entries", "eur_cents", "usd_cents", "eur_missing", "usd_missing", "no_amount"]
# Sums of whole cents are exact as floats up to here (2^53 cents, about €90 trillion): a write
# that would move a total further is refused rather than stored approximately.
EXACT_CENTS = 2**53


# The running sums are kept in shares, a group's share fixed by a hash of its keys, and each share
# is merged on its own: a merge then copies a sixteenth of the sums. Merged all at once, the sums
# of 5 M CSV rows (190,000 groups, 380,000 rows a merge) took about 110 MB more resident memory
# for the moment of each merge, the import's peak; sixteen shares merge as fast.
DELTA_SHARES = 16
# Parts wait unmerged until they are as many rows as their share's sums, and at least this many
# (over all shares) while the sums are small.
DELTA_MERGE_ROWS = 50_000


def _add_deltas(connection: Connection, part: pl.DataFrame) -> None:
    """Add one write's deltas to the transaction's running sums (written once, at commit).

    The running sums hold one row per (at, dimensions) group, so memory is bounded by the number
    of groups however many batches an import brings; a new part is merged into its share of the
    sums once the parts waiting there are as many rows as the share."""
    slot = deferred(connection, "ledger_total_delta", _write_deltas)
    if not slot:
        slot.append([[] for _ in range(DELTA_SHARES)])
    shares: list[list[pl.DataFrame]] = slot[0]
    share = (pl.struct(DELTA_KEYS).hash() % DELTA_SHARES).alias("_share")
    pieces = _compact(part.with_columns(share)).partition_by("_share", as_dict=True, include_key=False)
    for (number,), piece in pieces.items():
        waiting = shares[int(number)]
        waiting.append(piece)
        least = DELTA_MERGE_ROWS // DELTA_SHARES
        if len(waiting) > 1 and sum(p.height for p in waiting[1:]) >= max(waiting[0].height, least):
            waiting[:] = [summed_deltas(waiting)]


def summed_deltas(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Deltas summed per (moment, dimensions): one row per group however many parts. Cents are
    summed as floats (exact for whole numbers below 2^53, and never wrapping round as 64-bit
    integers would) and must stay below that bound."""
    summed = (
        pl.concat(parts, how="vertical_relaxed")
        .group_by(DELTA_KEYS)
        .agg(pl.col(n).cast(pl.Float64).sum() for n in DELTA_SUMS)
    )
    too_large = summed.filter(
        (pl.col("eur_cents").abs() >= EXACT_CENTS) | (pl.col("usd_cents").abs() >= EXACT_CENTS)
    )
    if too_large.height:
        raise InvalidInput(
            [Problem("these entries together exceed €90 trillion in one month of one donor's support")],
            "the amounts are too large to total exactly (more than €90 trillion in one group); "
            "nothing was written",
        )
    return summed.with_columns(pl.col(n).cast(pl.Int64) for n in DELTA_SUMS)


def _compact(part: pl.DataFrame) -> pl.DataFrame:
    """The deltas with their text dimensions as categories (4 bytes a value instead of a string):
    the running sums of a large import hold one row per group, 200,000 groups for 5 M entries or a
    1 GiB IATI file, and merging them copies them twice over."""
    return part.with_columns(pl.col(n).cast(pl.Categorical) for n, t in part.schema.items() if t == pl.Utf8)


def _write_deltas(connection: Connection, slot: list[list[list[pl.DataFrame]]]) -> None:
    """The deltas of a whole transaction, summed per (at, dimensions) and written once: an import
    of millions of entries in many batches adds one row per group, not one per group and batch.
    The shares hold different groups: summed apart, they are simply put together."""
    shares = [summed_deltas(parts) for parts in slot[0] if parts]
    if not shares:
        return
    summed = pl.concat(shares, how="vertical_relaxed")
    summed = summed.with_columns(
        pl.col(n).cast(pl.Utf8) for n, t in summed.schema.items() if isinstance(t, pl.Categorical)
    )
    moves = pl.any_horizontal(pl.col(n) != 0 for n in DELTA_SUMS)
    # A group whose additions and subtractions cancel (a version added and retracted in the same
    # transaction) moves no total and is not written.
    bulk_insert(connection, ledger_total_delta, summed.filter(moves))


def cents(value: pl.Expr) -> pl.Expr:
    """Money as whole cents; null where it is not a finite number (it counts as not converted:
    an infinity in a sum never cancels)."""
    return pl.when(value.is_finite()).then((value * 100).round(0)).cast(pl.Int64)


def deltas(rows: pl.DataFrame, *, sign: int, at: pl.Expr) -> pl.DataFrame:
    """What versions move the totals by (``sign`` 1 as they arrive, -1 as they leave), at ``at``."""
    has_amount = pl.col("amount").is_not_null() if "amount" in rows.columns else pl.lit(True)
    money = [cents(pl.col(n).cast(pl.Float64)).alias(f"{n}_cents") for n in ("eur", "usd")]
    # The currency is kept only where it explains an amount left unconverted: a dimension for
    # every converted entry would multiply the groups every answer sums.
    unexplained = has_amount & (
        pl.col("eur").is_null() | pl.col("usd").is_null() | ~pl.col("eur").is_finite()
    )
    return (
        rows.with_columns(
            *money,
            pl.when(unexplained).then(pl.col("currency")).alias("currency"),
            has_amount.alias("_has_amount"),
            at.cast(pl.Datetime("us")).alias("at"),
            pl.col("event_date").cast(pl.Date).dt.year().alias("year"),
            pl.col("event_date").cast(pl.Date).dt.month().alias("month"),
        )
        .group_by(["at", *DELTA_DIMENSIONS])
        .agg(
            (pl.len() * sign).cast(pl.Int64).alias("entries"),
            (pl.col("eur_cents").cast(pl.Float64).sum() * sign).alias("eur_cents"),
            (pl.col("usd_cents").cast(pl.Float64).sum() * sign).alias("usd_cents"),
            ((pl.col("_has_amount") & pl.col("eur_cents").is_null()).sum() * sign)
            .cast(pl.Int64)
            .alias("eur_missing"),
            ((pl.col("_has_amount") & pl.col("usd_cents").is_null()).sum() * sign)
            .cast(pl.Int64)
            .alias("usd_missing"),
            (pl.col("_has_amount").not_().sum() * sign).cast(pl.Int64).alias("no_amount"),
        )
    )


def stored_plans(plans: pl.DataFrame | None, rates: RateTable) -> pl.DataFrame | None:
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
    frame = normalised(frame, "period_start", rates)
    versioned = [f.name for f in PLAN.fields if f.versioned]
    return frame.with_columns(version_expr(versioned).alias("version"))


__all__ = [
    "LINE",
    "RECORD",
    "LedgerBatch",
    "PreparedBatch",
    "WriteSummary",
    "prepare",
    "retract_entries",
    "store_entries",
    "validate",
    "withdraw_absent",
    "write_batch",
]
