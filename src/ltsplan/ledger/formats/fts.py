"""Reader for OCHA's Financial Tracking Service (FTS): the flow records its public API answers with
(``https://api.hpc.tools/v1/public/fts/flow?…``, saved as a file), see docs/fts.md.

An answer is ``{"status": "ok", "data": {"incoming": …, "flows": [...]}, "meta": …}``; each flow
names its source and destination objects (an Organization, a Location, a Plan, a UsageYear…), a
status, an amount in USD and, when the donor gave another currency, the original amount. Each flow
becomes one humanitarian ledger entry:

- ``pledge`` → a commitment at stage announced, ``commitment`` → a commitment at stage committed,
  ``paid`` → a delivery; any other status is refused, with the flow's line, id and field;
- the donor is the source Organization: a government as its country (the source Location, else its
  name, "Canada, Government of"), any other organisation as ``FTS-ORG-<FTS id>`` named as FTS names
  it; the recipient is the destination Location's country;
- the amount is the original amount and currency when given, else ``amountUSD`` in USD; the event
  date is ``date``, the value date ``decisionDate`` (else ``date``); the reference is the flow id, so
  a later download revises a flow instead of adding it twice.

A flow FTS marks as not new money (``newMoney: false``: a pooled fund or an agency passing on money
another flow already brings) is left out, so that money is counted once; the notes count them.

The document is read a flow at a time (``fts_flows``, ``json_stream``) and the flows are mapped in
batches of columns, so memory stays bounded whatever the download's size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.errors import Problem
from ltsplan.ledger.formats.country_names import country_code
from ltsplan.ledger.formats.fts_flows import COLUMNS, SCHEMA, extract, flows
from ltsplan.ledger.formats.json_stream import JsonStream
from ltsplan.ledger.model import ENTRY_SCHEMA, LedgerBatch
from ltsplan.ledger.rules import LINE, RECORD
from ltsplan.provenance.model import Source
from ltsplan.records.fields import CURRENCIES, not_finite, outside
from ltsplan.store.ids import record_id_expr

DATASET = "ocha-fts"
PUBLISHER = "United Nations Office for the Coordination of Humanitarian Affairs (OCHA)"
SITE = "https://fts.unocha.org/"
API = "https://api.hpc.tools/v1/public/fts/flow"
# status → (kind, stage)
STATUSES = {
    "pledge": ("commitment", "announced"),
    "commitment": ("commitment", "committed"),
    "paid": ("delivery", "delivered"),
}
SUBTYPES = {"financial": "cash", "inKind": "in kind"}
ORGANISATION = "FTS-ORG-"
BATCH_FLOWS = 20_000


def fts_source() -> Source:
    """FTS's flow records as a source: one source whatever file a download was saved as (the
    ``import_run`` row names the file), so that a later download of the same flows revises only
    those FTS changed. Graded B2: OCHA curates what donors and agencies report to it, with a
    published method (usually reliable), but the figures are as reported, not audited, and are
    revised as reports come in (probably true, not confirmed)."""
    return Source(
        kind="dataset release",
        title="OCHA Financial Tracking Service (FTS): flow records",
        publisher=PUBLISHER,
        url=SITE,
        attribution="on the record",
        reliability="B",
        credibility=2,
        note=f"flow records of the FTS public API ({API}), CC BY 4.0",
    )


@dataclass
class Tally:
    """What the notes say about a whole file."""

    flows: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    not_new: int = 0
    governments: int = 0
    organisations: int = 0
    shared: int = 0
    no_recipient: int = 0


def read_fts(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    file = str(path)
    source = fts_source()
    tally = Tally()
    seen: dict[str, int] = {}
    with JsonStream(path) as stream:
        columns: dict[str, list[Any]] = {c: [] for c in (*COLUMNS, LINE, RECORD)}
        problems: list[Problem] = []
        for line, flow in flows(stream):
            tally.flows += 1
            problems.extend(extract(flow, line, file, columns, seen))
            if len(columns[LINE]) >= BATCH_FLOWS:
                yield from _batches(columns, problems, source, file, tally)
                columns = {c: [] for c in columns}
                problems = []
                if progress is not None:
                    progress(stream.bytes_read)
        if columns[LINE] or problems:
            yield from _batches(columns, problems, source, file, tally)
        if progress is not None:
            progress(stream.bytes_read)
    yield LedgerBatch(entries=_no_entries(), notes=_notes(path, tally))


def _batches(
    columns: dict[str, list[Any]], problems: list[Problem], source: Source, file: str, tally: Tally
) -> list[LedgerBatch]:
    """The flows read so far as entries, and the problems apart in a batch of their own: an answer
    of the API is one line, so a line names no flow (the problems name them by id) and the write
    path, which leaves out the lines of a batch's problems under --skip-invalid, must not meet them
    beside the entries."""
    frame = pl.DataFrame(columns, schema={**SCHEMA, LINE: pl.Int64, RECORD: pl.Utf8})
    frame, found = _checked(frame, file)
    kept = frame.filter(pl.col("new_money").fill_null(True))
    tally.not_new += frame.height - kept.height
    entries, names = _entries(kept, source.id)
    counted = entries.group_by("status").len()
    for status, number in counted.iter_rows():
        tally.by_status[status] = tally.by_status.get(status, 0) + number
    organisation = pl.col("donor").str.starts_with(ORGANISATION)
    tally.organisations += entries.filter(organisation).height
    tally.governments += entries.filter(~organisation).height
    tally.shared += entries.filter(pl.col("other_orgs").is_not_null()).height
    tally.no_recipient += entries.filter(pl.col("recipient").is_null()).height
    batches = [LedgerBatch(entries=entries.drop("status", "other_orgs"), sources=[source], actor_names=names)]
    if problems or found:
        wrong = sorted([*problems, *found], key=lambda p: (p.line or 0, p.record or "", p.field or ""))
        batches.append(LedgerBatch(entries=_no_entries(), problems=wrong))
    return batches


def _no_entries() -> pl.DataFrame:
    return pl.DataFrame(schema={**ENTRY_SCHEMA, LINE: pl.Int64, RECORD: pl.Utf8})


def _checked(frame: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Dates parsed, and every flow that cannot become an entry named (then left out)."""
    day = r"^\d{4}-\d{2}-\d{2}"
    frame = frame.with_columns(
        pl.col("date").str.extract(day, 0).str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("~date"),
        pl.col("decision_date")
        .str.extract(day, 0)
        .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        .alias("~decision"),
        (pl.col("original_amount").is_not_null() & pl.col("original_currency").is_not_null()).alias(
            "~original"
        ),
    )
    status, currency = pl.col("status"), pl.col("original_currency")
    checks: list[tuple[pl.Expr, str, pl.Expr | str]] = [
        (pl.col("flow_id").is_null(), "id", "a flow needs its FTS id"),
        (status.is_null(), "status", "a flow needs a status: pledge, commitment or paid"),
        (
            status.is_not_null() & status.is_in(list(STATUSES)).not_(),
            "status",
            pl.format("'{}' is not a status this reader maps; it reads pledge, commitment and paid", status),
        ),
        (pl.col("date").is_null(), "date", "a flow needs its date"),
        (
            pl.col("date").is_not_null() & pl.col("~date").is_null(),
            "date",
            pl.format("'{}' is not a date (YYYY-MM-DD, or an ISO date-time)", pl.col("date")),
        ),
        (
            pl.col("decision_date").is_not_null() & pl.col("~decision").is_null(),
            "decisionDate",
            pl.format("'{}' is not a date (YYYY-MM-DD, or an ISO date-time)", pl.col("decision_date")),
        ),
        (
            pl.col("~original").not_() & pl.col("amount_usd").is_null(),
            "amountUSD",
            "a flow needs amountUSD, or originalAmount with originalCurrency",
        ),
        (
            pl.col("~original").not_() & outside(pl.col("amount_usd")),
            "amountUSD",
            not_finite(pl.col("amount_usd")),
        ),
        (
            pl.col("~original") & outside(pl.col("original_amount")),
            "originalAmount",
            not_finite(pl.col("original_amount")),
        ),
        (
            pl.col("~original") & currency.is_in(sorted(CURRENCIES)).not_(),
            "originalCurrency",
            pl.format("'{}' is not an ISO 4217 currency code", currency),
        ),
        (
            pl.col("org_id").is_null(),
            "sourceObjects",
            "names no source Organization (with its FTS id); the ledger needs a donor",
        ),
    ]
    frame = frame.with_row_index("~row")
    found: list[Problem] = []
    wrong_rows: set[int] = set()
    for failing, name, message in checks:
        text = message if isinstance(message, pl.Expr) else pl.lit(message)
        bad = frame.filter(failing.fill_null(False)).select("~row", LINE, RECORD, text.alias("message"))
        for row, line, record, said in bad.iter_rows():
            found.append(Problem(said, file=file, line=line, field=name, record=record))
            wrong_rows.add(row)
    # Flows are told apart by their row, not their line: a compact answer has them all on one line.
    return frame.filter(pl.col("~row").is_in(sorted(wrong_rows)).not_()).drop("~row"), found


def _entries(frame: pl.DataFrame, source_id: str) -> tuple[pl.DataFrame, dict[str, tuple[str, str]]]:
    """The flows as ledger entries (with ``status`` and ``other_orgs`` kept for the tally), and the
    names of the organisations they make donors."""
    places = pl.concat([frame.get_column(c) for c in ("source_location", "dest_location", "org_name")])
    codes = {name: country_code(name) for name in places.drop_nulls().unique().to_list()}

    def code_of(column: str) -> pl.Expr:
        return pl.col(column).replace_strict(codes, default=None, return_dtype=pl.Utf8)

    government = pl.col("org_government").fill_null(False)
    donor = pl.coalesce(
        pl.when(government).then(pl.coalesce(code_of("source_location"), code_of("org_name"))),
        pl.format("{}{}", pl.lit(ORGANISATION), pl.col("org_id")),
    )
    kind = pl.col("status").replace_strict({s: k for s, (k, _) in STATUSES.items()}, return_dtype=pl.Utf8)
    stage = pl.col("status").replace_strict({s: g for s, (_, g) in STATUSES.items()}, return_dtype=pl.Utf8)
    original = pl.col("~original")
    years = pl.col("year_from").is_not_null() & (kind == "commitment")
    entries = frame.with_columns(
        record_id_expr(DATASET, pl.col("flow_id")).alias("id"),
        pl.lit(DATASET).alias("dataset"),
        kind.alias("kind"),
        stage.alias("stage"),
        donor.alias("donor"),
        code_of("dest_location").alias("recipient"),
        pl.lit("humanitarian").alias("category"),
        pl.col("contribution_type")
        .replace_strict(SUBTYPES, default=None, return_dtype=pl.Utf8)
        .alias("subtype"),
        pl.col("~date").alias("event_date"),
        pl.coalesce("~decision", "~date").alias("value_date"),
        pl.when(years).then(pl.date(pl.col("year_from"), 1, 1)).alias("period_start"),
        pl.when(years).then(pl.date(pl.col("year_to"), 12, 31)).alias("period_end"),
        pl.when(original).then(pl.col("original_amount")).otherwise(pl.col("amount_usd")).alias("amount"),
        pl.when(original).then(pl.col("original_currency")).otherwise(pl.lit("USD")).alias("currency"),
        pl.coalesce("description", pl.format("FTS flow {}", pl.col("flow_id"))).alias("description"),
        pl.col("flow_id").alias("reference"),
        pl.lit(source_id).alias("source_id"),
    ).with_columns(_note(original).alias("note"))
    organisations = entries.filter(pl.col("donor").str.starts_with(ORGANISATION))
    names = {
        code: ("organisation", name or code)
        for code, name in organisations.select("donor", "org_name").unique("donor", keep="last").iter_rows()
    }
    kept = [c for c in (*ENTRY_SCHEMA, LINE, RECORD) if c in entries.columns]
    return entries.select(*kept, "status", "other_orgs"), names


def _note(original: pl.Expr) -> pl.Expr:
    """What FTS says about a flow that the entry has no column for, in words."""

    def said(column: str, text: str) -> pl.Expr:
        return pl.when(pl.col(column).is_not_null()).then(pl.format(text, pl.col(column)))

    return pl.concat_str(
        [
            pl.format("FTS flow {}", pl.col("flow_id")),
            said("version", "version {}"),
            said("status", "status {}"),
            said("flow_type", "flow type {}"),
            said("boundary", "boundary {}"),
            said("plans", "plan {}"),
            said("clusters", "clusters {}"),
            pl.when(original & pl.col("amount_usd").is_not_null()).then(
                pl.format("USD {} as FTS converts it", _figure(pl.col("amount_usd")))
            ),
            said("parent", "parent flow {}"),
            said("other_orgs", "also from {}"),
            pl.when(pl.col("recipient").is_null()).then(said("dest_locations", "destination {}")),
            said("reporter", "reported by {}"),
        ],
        separator="; ",
        ignore_nulls=True,
    )


def _figure(number: pl.Expr) -> pl.Expr:
    """A number as text: whole numbers without a decimal point, others to the cent."""
    whole = number == number.round(0)
    return pl.when(whole).then(number.cast(pl.Int64).cast(pl.Utf8)).otherwise(number.round(2).cast(pl.Utf8))


def _flows_word(count: int) -> str:
    return f"{count} flow{'' if count == 1 else 's'}"


def _notes(path: Path, tally: Tally) -> list[str]:
    status = tally.by_status
    pledges, commitments, paid = (status.get(s, 0) for s in STATUSES)
    notes = [
        f"OCHA FTS {path.name}: {_flows_word(tally.flows)} read; {pledges} pledges (announced), "
        f"{commitments} commitments (committed), {paid} paid (deliveries), all humanitarian; donors: "
        f"{_flows_word(tally.governments)} from governments as their country, {tally.organisations} "
        f"from other organisations as {ORGANISATION}<FTS id>"
    ]
    if tally.not_new:
        notes.append(
            f"{_flows_word(tally.not_new)} left out as not new money (FTS newMoney false: a pooled fund "
            "or an agency passing on money another flow brings), so that money is counted once"
        )
    if tally.shared:
        notes.append(
            f"{_flows_word(tally.shared)} with several source organisations: each is counted under the "
            "first, the others named in its note"
        )
    if tally.no_recipient:
        notes.append(
            f"{_flows_word(tally.no_recipient)} without a single destination country (several locations, "
            "or one that is not an ISO 3166 country): the recipient is left empty, the note names them"
        )
    return notes
