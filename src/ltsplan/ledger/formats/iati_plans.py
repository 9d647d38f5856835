"""An IATI file's budgets and planned disbursements as ledger plans, column-wise (pure; the rules
are in docs/iati.md): forward-looking figures, never counted as pledges or deliveries."""

from __future__ import annotations

import polars as pl

from ltsplan.errors import Problem
from ltsplan.ledger.formats.iati_activity import PLAN_FIELDS
from ltsplan.ledger.formats.iati_codes import BUDGET_STATUSES, BUDGET_TYPES, codelist
from ltsplan.ledger.formats.iati_frames import (
    Placed,
    alpha3_of,
    checked,
    date_of,
    notes_of,
    number_of,
    owned_rows,
)
from ltsplan.ledger.formats.iati_tally import Tally
from ltsplan.records.fields import NOT_FINITE, outside
from ltsplan.store.ids import record_id_expr

_PLAN_SCHEMA = {name: pl.Int64 if name == "_line" else pl.Utf8 for name in PLAN_FIELDS}


def plans(
    placed: list[Placed], activities: pl.DataFrame, file: str, tally: Tally
) -> tuple[pl.DataFrame, list[Problem]]:
    """Budgets and planned disbursements as ledger plans; a revised one replaces the original of
    the same activity and period (same id), and is the only one kept when both are in the file."""
    raw, dropped = owned_rows(placed, lambda activity: activity.plans, _PLAN_SCHEMA)
    tally.parent_plans += dropped
    if raw.is_empty():
        return raw, []
    frame = raw.join(activities, on="_act", how="left").with_columns(
        date_of("period_start").alias("start"),
        date_of("period_end").alias("end"),
        date_of("value_date").alias("given_value_date"),
        number_of("value").alias("amount"),
        pl.coalesce("currency", "default_currency").alias("money"),
    )
    currencies = list(codelist("Currency"))
    checks = [
        (
            pl.col("type").is_in(list(BUDGET_TYPES)).not_(),
            "type",
            pl.format("'{}' is not a BudgetType code (1 original, 2 revised)", pl.col("type")),
        ),
        (
            pl.col("status").is_not_null() & pl.col("status").is_in(list(BUDGET_STATUSES)).not_(),
            "status",
            pl.format("'{}' is not a BudgetStatus code (1 indicative, 2 committed)", pl.col("status")),
        ),
        (pl.col("start").is_null(), "period-start", pl.lit("a period-start date (YYYY-MM-DD) is required")),
        (
            pl.col("end").is_null()
            & ((pl.col("plan_kind") == "budget") | pl.col("period_end").is_not_null()),
            "period-end",
            pl.lit("a period-end date (YYYY-MM-DD) is required"),
        ),
        (pl.col("end") < pl.col("start"), "period-end", pl.lit("the period ends before it starts")),
        (pl.col("amount").is_null(), "value", pl.lit("a number is required in value")),
        (outside(pl.col("amount")), "value", pl.format(NOT_FINITE, pl.col("value").str.strip_chars())),
        (
            pl.col("money").is_null() & pl.col("amount").is_not_null(),
            "currency",
            pl.lit("no currency: give value/@currency or the activity's default-currency"),
        ),
        (
            pl.col("money").is_not_null() & pl.col("money").is_in(currencies).not_(),
            "currency",
            pl.format("'{}' is not an IATI Currency code (ISO 4217)", pl.col("money")),
        ),
    ]
    problems = checked(frame, checks, file)
    bad = {p.line for p in problems}
    invalid = [p.seq for p in placed if p.invalid]
    frame = frame.filter(pl.col("_line").is_in(list(bad)).not_() & pl.col("_act").is_in(invalid).not_())
    pd = pl.col("plan_kind") == "planned-disbursement"
    frame = frame.with_columns(
        record_id_expr(
            "iati-plan",
            pl.col("dataset"),
            pl.col("_record"),
            pl.col("plan_kind"),
            pl.col("start").cast(pl.Utf8),
            pl.col("end").cast(pl.Utf8),
            pl.when(pd).then(pl.col("provider")),
            pl.when(pd).then(pl.col("receiver")),
        ).alias("id"),
        pl.coalesce("end", "start").alias("period_end"),
        pl.coalesce("given_value_date", "start").alias("value_date"),
    )
    before = frame.height
    frame = frame.sort(["id", "type", "_line"]).group_by("id", maintain_order=True).last()
    tally.revised_replaced += before - frame.height
    tally.plans_single_date += frame.filter(pl.col("end").is_null()).height
    statuses = {code: name for code, name in BUDGET_STATUSES.items()}
    out = frame.with_columns(
        pl.col("plan_kind").alias("kind"),
        pl.when(pd)
        .then(None)
        .otherwise(pl.col("status").fill_null("1").replace_strict(statuses, default=None))
        .alias("status"),
        pl.when(pd).then(pl.coalesce("provider", "reporting")).otherwise(pl.col("reporting")).alias("donor"),
        pl.coalesce(alpha3_of("act_country"), pl.when(pd).then(pl.col("receiver"))).alias("recipient"),
        pl.col("_record").alias("activity"),
        pl.col("start").alias("period_start"),
        pl.col("money").alias("currency"),
        notes_of(
            (pl.col("type") == "2", "revised"),
            (pl.col("type") == "1", "original"),
            (pl.col("currency").is_null(), "currency not given: the activity's default-currency"),
            (pl.col("given_value_date").is_null(), "value-date not given: the period start"),
            (pl.col("end").is_null(), "single date: period-end not given"),
        ).alias("note"),
    )
    return out.select(
        "id",
        "dataset",
        "kind",
        "status",
        "donor",
        "recipient",
        "activity",
        "period_start",
        "period_end",
        "amount",
        "currency",
        "value_date",
        "source_id",
        "note",
        "_line",
    ), problems
