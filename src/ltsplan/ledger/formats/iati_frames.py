"""Activities → ledger entries and plans, column-wise (pure). The rules are stated in docs/iati.md.

The reader hands over a few thousand activities at a time; their transactions become one Polars
frame, and every decision (flow, donor, recipient, category, defaults, ids) is a column expression.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import polars as pl

from ltsplan.errors import Problem
from ltsplan.ledger.formats.iati_activity import TRANSACTION_FIELDS, Activity
from ltsplan.ledger.formats.iati_codes import (
    FLOWS,
    HUMANITARIAN_SECTORS,
    REFLOWS,
    SECURITY_SECTORS,
    TRUE,
    codelist,
    country_alpha3,
)
from ltsplan.ledger.formats.iati_tally import Tally
from ltsplan.ledger.model import ENTRY_SCHEMA
from ltsplan.records.fields import NOT_FINITE, outside
from ltsplan.store.ids import record_id_expr

DESCRIPTION_LIMIT = 500


@dataclass
class Placed:
    """An activity with what the reader decided about it: its order, dataset, source and the
    transaction types (and plan kinds) left out because its children report them."""

    activity: Activity
    seq: int
    dataset: str
    source_id: str
    dropped: frozenset[str] = frozenset()
    invalid: bool = False  # the activity as a whole is invalid: checked, never written


_TX_SCHEMA = {name: pl.Int64 if name == "_line" else pl.Utf8 for name in TRANSACTION_FIELDS}
_ACT_SCHEMA: dict[str, Any] = {
    "_act": pl.Int64,
    "_record": pl.Utf8,
    "dataset": pl.Utf8,
    "source_id": pl.Utf8,
    "reporting": pl.Utf8,
    "default_currency": pl.Utf8,
    "act_humanitarian": pl.Utf8,
    "act_country": pl.Utf8,
    "act_sector": pl.Utf8,
    "act_finance": pl.Utf8,
    "title": pl.Utf8,
    "act_start": pl.Utf8,
    "act_end": pl.Utf8,
}


def columns_of(rows: list[tuple[Any, ...]], schema: dict[str, Any]) -> pl.DataFrame:
    """A frame of row tuples, built column by column (a third of the time of ``orient="row"``)."""
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [
            pl.Series(name, values, dtype=dtype)
            for (name, dtype), values in zip(schema.items(), zip(*rows, strict=True), strict=True)
        ]
    )


def owned_rows(
    placed: list[Placed], rows_of: Callable[[Activity], list[tuple[Any, ...]]], schema: dict[str, Any]
) -> tuple[pl.DataFrame, int]:
    """The rows (transactions or plans) of the placed activities as a frame with their activity's
    ``_act``, but those each activity drops (a parent's rows its children report); and how many
    were dropped."""
    rows: list[tuple[Any, ...]] = []
    owners: list[int] = []
    dropped = 0
    for p in placed:
        for row in rows_of(p.activity):
            if row[1] in p.dropped:
                dropped += 1
                continue
            rows.append(row)
            owners.append(p.seq)
    return columns_of(rows, schema).with_columns(pl.Series("_act", owners, dtype=pl.Int64)), dropped


def activity_rows(placed: list[Placed]) -> pl.DataFrame:
    rows = []
    for p in placed:
        a = p.activity
        start, end = a.period()
        rows.append(
            (
                p.seq,
                a.identifier or None,
                p.dataset,
                p.source_id,
                a.reporting_ref,
                a.default_currency,
                a.humanitarian,
                a.recipient_country(),
                a.sector_category(),
                a.finance_type,
                a.title,
                start,
                end,
            )
        )
    return columns_of(rows, _ACT_SCHEMA)


def date_of(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def number_of(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)


def alpha3_of(column: str) -> pl.Expr:
    old, new = _alpha3_mapping()
    return pl.col(column).replace_strict(old, new, default=None, return_dtype=pl.Utf8)


@cache
def _alpha3_mapping() -> tuple[pl.Series, pl.Series]:
    """IATI country codes and their alpha-3 (the code itself when it has none), made once."""
    codes = list(codelist("Country"))
    return pl.Series(codes, dtype=pl.Utf8), pl.Series([country_alpha3(c) or c for c in codes], dtype=pl.Utf8)


@cache
def _flows() -> pl.DataFrame:
    """Transaction type → how it counts (kind, stage, sign, forced category)."""
    return pl.DataFrame(
        {
            "type": list(FLOWS),
            "kind": [f.kind for f in FLOWS.values()],
            "stage": [f.stage for f in FLOWS.values()],
            "sign": [f.sign for f in FLOWS.values()],
            "forced_category": [f.category[0] if f.category else None for f in FLOWS.values()],
            "forced_subtype": [f.category[1] if f.category else None for f in FLOWS.values()],
        }
    )


def _problems(
    frame: pl.DataFrame, failing: pl.Expr, field: str, message: pl.Expr, file: str
) -> list[Problem]:
    bad = frame.filter(failing.fill_null(False)).select(pl.col("_line"), pl.col("_record"), message)
    return [Problem(m, file=file, line=line, field=field, record=r) for line, r, m in bad.iter_rows()]


def notes_of(*parts: tuple[pl.Expr, str]) -> pl.Expr:
    texts = [pl.when(condition).then(pl.lit(text)) for condition, text in parts]
    return pl.concat_list(texts).list.drop_nulls().list.join("; ").replace("", None)


def transactions(
    placed: list[Placed], activities: pl.DataFrame, file: str, tally: Tally
) -> tuple[pl.DataFrame, list[Problem]]:
    """The counted transactions of these activities as ENTRY_SCHEMA rows (plus ``_line``/``_record``),
    and a problem for each transaction that cannot be read."""
    raw, dropped = owned_rows(placed, lambda activity: activity.transactions, _TX_SCHEMA)
    tally.parent_transactions += dropped
    if raw.is_empty():
        return pl.DataFrame(schema={**ENTRY_SCHEMA, "_line": pl.Int64, "_record": pl.Utf8}), []
    frame = raw.join(activities, on="_act", how="left")
    frame = frame.join(_flows(), on="type", how="left").with_columns(
        date_of("date").alias("tx_date"),
        date_of("value_date").alias("given_value_date"),
        number_of("value").alias("number"),
        pl.coalesce("currency", "default_currency").alias("money"),
        alpha3_of("country").alias("tx_country3"),
        alpha3_of("act_country").alias("act_country3"),
    )
    problems = _transaction_problems(frame, file)
    bad_lines = list({p.line for p in problems})
    invalid = [p.seq for p in placed if p.invalid]
    known = frame.filter(
        pl.col("type").is_in(list(FLOWS))
        & pl.col("_act").is_in(invalid).not_()
        & pl.col("_line").is_in(bad_lines).not_()
    )
    counted = known.filter(pl.col("kind").is_not_null())
    for code, n in known.filter(pl.col("kind").is_null()).group_by("type").len().iter_rows():
        tally.not_counted[code] += n
    tally.traced_incoming += known.filter(
        (pl.col("type") == "1") & pl.col("provider_activity").is_not_null()
    ).height
    if counted.is_empty():
        return pl.DataFrame(schema={**ENTRY_SCHEMA, "_line": pl.Int64, "_record": pl.Utf8}), problems
    entries = _entries(counted, tally)
    return entries, problems


def _transaction_problems(frame: pl.DataFrame, file: str) -> list[Problem]:
    types = "1–13 (2 outgoing commitment, 3 disbursement, 4 expenditure, …; see docs/iati.md)"
    currencies = list(codelist("Currency"))
    countries = list(codelist("Country"))
    checks = [
        (pl.col("type").is_null(), "transaction-type", pl.lit("a transaction needs a transaction-type code")),
        (
            pl.col("type").is_not_null() & pl.col("type").is_in(list(FLOWS)).not_(),
            "transaction-type",
            pl.format("'{}' is not a TransactionType code; use one of {}", pl.col("type"), pl.lit(types)),
        ),
        (
            pl.col("value").is_null() | (pl.col("value").str.strip_chars() == ""),
            "value",
            pl.lit("the transaction has no value"),
        ),
        (
            pl.col("value").is_not_null()
            & (pl.col("value").str.strip_chars() != "")
            & pl.col("number").is_null(),
            "value",
            pl.format("'{}' is not a number (write 1234.56)", pl.col("value").str.strip_chars()),
        ),
        (outside(pl.col("number")), "value", pl.format(NOT_FINITE, pl.col("value").str.strip_chars())),
        (
            pl.col("date").is_not_null() & pl.col("tx_date").is_null(),
            "transaction-date",
            pl.format("'{}' is not a date (YYYY-MM-DD)", pl.col("date")),
        ),
        (
            pl.col("value_date").is_not_null() & pl.col("given_value_date").is_null(),
            "value-date",
            pl.format("'{}' is not a date (YYYY-MM-DD)", pl.col("value_date")),
        ),
        (
            pl.col("date").is_null() & pl.col("value_date").is_null(),
            "transaction-date",
            pl.lit("the transaction has neither a transaction-date nor a value-date"),
        ),
        (
            pl.col("money").is_null() & pl.col("number").is_not_null(),
            "currency",
            pl.lit("no currency: give value/@currency or the activity's default-currency"),
        ),
        (
            pl.col("money").is_not_null() & pl.col("money").is_in(currencies).not_(),
            "currency",
            pl.format("'{}' is not an IATI Currency code (ISO 4217)", pl.col("money")),
        ),
        (
            pl.col("country").is_not_null() & pl.col("country").is_in(countries).not_(),
            "recipient-country",
            pl.format("'{}' is not an IATI Country code (ISO 3166-1 alpha-2)", pl.col("country")),
        ),
    ]
    found = checked(frame, checks, file)
    found.sort(key=lambda p: (p.line or 0, p.field or ""))
    return found


def checked(frame: pl.DataFrame, checks: list[tuple[pl.Expr, str, pl.Expr]], file: str) -> list[Problem]:
    """Every check's problems; the rows failing any check are picked out first, in one pass."""
    failing_any = pl.any_horizontal([failing.fill_null(False) for failing, _, _ in checks])
    suspects = frame.filter(failing_any)
    found: list[Problem] = []
    if suspects.is_empty():
        return found
    for failing, field_name, message in checks:
        found.extend(_problems(suspects, failing, field_name, message.alias("m"), file))
    return found


def _entries(frame: pl.DataFrame, tally: Tally) -> pl.DataFrame:
    reflow = pl.col("type").is_in(list(REFLOWS))
    humanitarian = pl.coalesce("humanitarian", "act_humanitarian").str.to_lowercase().is_in(list(TRUE))
    sector = pl.coalesce("sector", "act_sector")
    finance = pl.coalesce("finance_type", "act_finance")
    subtype_of_finance = (
        pl.when(finance == "1100")
        .then(pl.lit("guarantee"))
        .when(finance.str.contains(r"^1\d\d$"))
        .then(pl.lit("grant"))
        .when(finance.str.contains(r"^4\d\d$"))
        .then(pl.lit("loan"))
        .when(finance.is_not_null())
        .then(pl.lit("other"))
    )
    category = (
        pl.when(pl.col("forced_category").is_not_null())
        .then(pl.col("forced_category"))
        .when(humanitarian | sector.is_in(list(HUMANITARIAN_SECTORS)))
        .then(pl.lit("humanitarian"))
        .when(sector.is_in(list(SECURITY_SECTORS)))
        .then(pl.lit("military"))
        .otherwise(pl.lit("financial"))
    )
    subtype = (
        pl.when(pl.col("forced_category").is_not_null())
        .then(pl.col("forced_subtype"))
        .when(category == "financial")
        .then(subtype_of_finance)
    )
    frame = frame.with_columns(
        category.alias("category"),
        subtype.alias("subtype"),
        pl.coalesce("tx_date", "given_value_date").alias("event_date"),
        pl.when(reflow).then(-pl.col("number").abs()).otherwise(pl.col("number")).alias("amount"),
        pl.when(reflow)
        .then(pl.coalesce("receiver", "reporting"))
        .otherwise(pl.coalesce("provider", "reporting"))
        .alias("donor"),
        pl.coalesce(
            "tx_country3",
            "act_country3",
            pl.when(reflow).then(pl.col("provider")).otherwise(pl.col("receiver")),
        ).alias("recipient"),
    ).with_columns(
        pl.coalesce("given_value_date", "event_date").alias("value_date"),
        pl.when(pl.col("kind") == "commitment").then(date_of("act_start")).alias("period_start"),
        pl.when(pl.col("kind") == "commitment").then(date_of("act_end")).alias("period_end"),
        pl.coalesce("description", "title").str.slice(0, DESCRIPTION_LIMIT).alias("description"),
        pl.when(pl.col("ref").is_not_null())
        .then(pl.concat_str([pl.col("_record"), pl.col("ref")], separator="/"))
        .otherwise(pl.col("_record"))
        .alias("reference"),
        pl.coalesce("ref", pl.col("date"), pl.col("value_date"), pl.lit("")).alias("_key"),
        pl.lit(None, dtype=pl.Utf8).alias("item"),
    )
    frame = frame.with_columns(
        pl.int_range(pl.len()).over(["_act", "type", "_key"]).alias("_occurrence"),
    ).with_columns(
        record_id_expr(
            "iati",
            pl.col("dataset"),
            pl.col("_record"),
            pl.col("type"),
            pl.col("_key"),
            pl.col("_occurrence"),
        ).alias("id"),
        notes_of(
            (pl.col("currency").is_null(), "currency not given: the activity's default-currency"),
            (
                pl.col("given_value_date").is_null() & pl.col("tx_date").is_not_null(),
                "value-date not given: the transaction date",
            ),
            (pl.col("tx_date").is_null(), "transaction-date not given: the value-date"),
            (pl.col("number") < 0, "negative value kept as reported (a reversal or correction)"),
            (reflow, "reflow to the donor: recorded as a negative amount"),
        ).alias("note"),
    )
    counts = frame.select(
        pl.col("currency").is_null().sum().alias("default_currency"),
        (pl.col("given_value_date").is_null() & pl.col("tx_date").is_not_null()).sum().alias("assumed"),
        pl.col("tx_date").is_null().sum().alias("from_value_date"),
        (pl.col("number") < 0).sum().alias("negative"),
        reflow.sum().alias("reflows"),
    ).row(0)
    tally.default_currency += counts[0]
    tally.value_date_assumed += counts[1]
    tally.date_from_value_date += counts[2]
    tally.negative += counts[3]
    tally.reflows += counts[4]
    commitments = (
        frame.filter(pl.col("type") == "2")
        .sort(["_act", "event_date", "_line"])
        .group_by("_act", maintain_order=True)
        .agg(pl.col("id").first().alias("commitment_id"))
    )
    frame = frame.join(commitments, on="_act", how="left").with_columns(
        pl.when(pl.col("kind") == "delivery").then(pl.col("commitment_id")).alias("commitment_id")
    )
    return frame.select(
        [
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in ENTRY_SCHEMA.items()
            if name != "currency"
        ]
        + [pl.col("money").alias("currency"), pl.col("_line"), pl.col("_record")]
    ).select([*ENTRY_SCHEMA, "_line", "_record"])
