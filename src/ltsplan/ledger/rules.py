"""Validation of ledger entries, column-wise, reporting every problem with its line and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import polars as pl

from ltsplan.errors import Problem
from ltsplan.ledger.model import CATEGORIES, ENTRY, PLAN
from ltsplan.provenance.model import is_state

LINE = "_line"  # the row's line (text) or row (sheet) number in its file, carried by every reader
RECORD = "_record"  # an optional human label for the row (an IATI activity id, say)


def _problems(
    frame: pl.DataFrame, failing: pl.Expr, field: str, message: str | pl.Expr, file: str | None
) -> list[Problem]:
    label = pl.col(RECORD) if RECORD in frame.columns else pl.lit(None, dtype=pl.Utf8)
    text = message if isinstance(message, pl.Expr) else pl.lit(message)
    bad = frame.filter(failing).select(
        pl.col(LINE) if LINE in frame.columns else pl.lit(None, dtype=pl.Int64).alias(LINE),
        label.alias(RECORD),
        text.alias("message"),
    )
    return [
        Problem(message, file=file, line=line, field=field, record=record)
        for line, record, message in bad.iter_rows()
    ]


def entry_problems(
    frame: pl.DataFrame, *, file: str | None, known_sources: Iterable[str] | None
) -> list[Problem]:
    """Everything wrong with a frame of entries (ENTRY_SCHEMA plus ``_line``), every row checked.

    With ``known_sources`` None the sources cited are not checked against what is known (a
    reader's thread has no database; see ``unknown_source_problems``)."""
    subtype_ok = pl.lit(False)
    for category, subtypes in CATEGORIES.items():
        subtype_ok = subtype_ok | ((pl.col("category") == category) & pl.col("subtype").is_in(subtypes))
    # Each field's own rules, as its declaration states them (required, enumerations, finite
    # numbers, ISO currencies), then the rules across an entry's fields.
    checks: list[tuple[pl.Expr, str, str | pl.Expr]] = [
        (failing, spec.name, message)
        for spec in ENTRY.fields
        if spec.name in frame.columns and spec.name not in ("dataset", "id")
        for failing, message in spec.typed_problems(pl.col(spec.name))
    ]
    checks += [
        (
            (pl.col("kind") == "delivery") & (pl.col("stage") != "delivered"),
            "stage",
            "a delivery's stage is 'delivered'",
        ),
        (
            pl.col("subtype").is_not_null() & pl.col("category").is_in(list(CATEGORIES)) & subtype_ok.not_(),
            "subtype",
            pl.format("'{}' is not a sub-type of {}", pl.col("subtype"), pl.col("category")),
        ),
        (
            pl.col("amount").is_null() & pl.col("quantity").is_null(),
            "amount",
            "give an amount, a quantity, or both",
        ),
        (
            pl.col("amount").is_not_null() & pl.col("currency").is_null(),
            "currency",
            "an amount needs its currency (ISO 4217, such as EUR)",
        ),
        (
            pl.col("period_start").is_not_null()
            & pl.col("period_end").is_not_null()
            & (pl.col("period_end") < pl.col("period_start")),
            "period_end",
            "the period ends before it starts",
        ),
        (
            pl.col("quantity").is_not_null() & (pl.col("quantity") < 0) & (pl.col("kind") == "commitment"),
            "quantity",
            "a committed quantity cannot be negative",
        ),
    ]
    if known_sources is not None:
        checks.append(_unknown_source_check(known_sources))
    # Every check in one pass over the frame; only a check that fails somewhere lists its rows.
    failed = frame.select(
        failing.fill_null(False).any().alias(str(n)) for n, (failing, _, _) in enumerate(checks)
    )
    found: list[Problem] = []
    for (failing, field, message), any_row in zip(checks, failed.row(0), strict=True):
        if any_row:
            found.extend(_problems(frame, failing.fill_null(False), field, message, file))
    found.extend(_donor_problems(frame, file))
    found.sort(key=lambda p: (p.line or 0, p.field or ""))
    return found


def plan_problems(plans: pl.DataFrame, *, file: str | None) -> list[Problem]:
    """Each field's own rules, as the plan's declaration states them, over a frame of budgets and
    planned disbursements (a finite amount, an ISO currency, a donor's code)."""
    found: list[Problem] = []
    for spec in PLAN.fields:
        if spec.name in plans.columns and spec.name not in ("dataset", "id"):
            for failing, message in spec.typed_problems(pl.col(spec.name)):
                found.extend(_problems(plans, failing.fill_null(False), spec.name, message, file))
    return sorted(found, key=lambda p: (p.line or 0, p.field or ""))


def rows_of(problems: Iterable[Problem], frame: pl.DataFrame) -> pl.Expr:
    """The rows of ``frame`` the problems are about: by line and record where the reader labels
    its records (the records of a JSON document may all share one line, and only the bad ones are
    left out), else by line."""
    given = [p for p in problems if p.line is not None]
    if RECORD not in frame.columns:
        return pl.col(LINE).is_in(pl.Series([p.line for p in given], dtype=pl.Int64).implode())
    whole_lines = pl.Series([p.line for p in given if p.record is None], dtype=pl.Int64)
    pairs = pl.Series([f"{p.line}\x1f{p.record}" for p in given if p.record is not None], dtype=pl.Utf8)
    labelled = pl.concat_str([pl.col(LINE).cast(pl.Utf8), pl.col(RECORD)], separator="\x1f")
    return pl.col(LINE).is_in(whole_lines.implode()) | labelled.is_in(pairs.implode()).fill_null(False)


def named_records(problems: list[Problem], entries: pl.DataFrame) -> list[Problem]:
    """``problems`` with the record each is about named where the reader gave no label (a skip
    report lists records, so each needs a name): its dataset and reference, else its id."""
    if LINE not in entries.columns or all(p.record for p in problems):
        return problems
    label = pl.coalesce(
        pl.col(RECORD) if RECORD in entries.columns else pl.lit(None, dtype=pl.Utf8),
        pl.concat_str(pl.col("dataset"), pl.lit("/"), pl.col("reference")),
        pl.col("id"),
    )
    wanted = [p.line for p in problems if p.record is None and p.line is not None]
    labels = dict(entries.filter(pl.col(LINE).is_in(wanted)).select(LINE, label.alias("label")).iter_rows())
    return [p if p.record else replace(p, record=labels.get(p.line)) for p in problems]


def unknown_source_problems(
    frame: pl.DataFrame, *, file: str | None, unknown: Iterable[str]
) -> list[Problem]:
    """The rows citing one of the ``unknown`` sources (known neither to their batch nor stored)."""
    return _problems(
        frame, pl.col("source_id").is_in(sorted(set(unknown))), "source_id", _UNKNOWN_SOURCE, file
    )


def _unknown_source_check(known_sources: Iterable[str]) -> tuple[pl.Expr, str, pl.Expr]:
    return (
        pl.col("source_id").is_not_null() & pl.col("source_id").is_in(sorted(set(known_sources))).not_(),
        "source_id",
        _UNKNOWN_SOURCE,
    )


_UNKNOWN_SOURCE = pl.format("source '{}' is not known; import or define it first", pl.col("source_id"))


def _donor_problems(frame: pl.DataFrame, file: str | None) -> list[Problem]:
    """Three upper-case letters claim to be a state: they must be a real ISO 3166 alpha-3 code."""
    problems: list[Problem] = []
    for column in ("donor", "recipient"):
        looks_like_state = pl.col(column).str.contains(r"^[A-Z]{3}$")
        claimed = frame.filter(looks_like_state.fill_null(False)).get_column(column).unique()
        unknown = [code for code in claimed.to_list() if not is_state(code)]
        if unknown:
            problems.extend(
                _problems(
                    frame,
                    pl.col(column).is_in(unknown),
                    column,
                    pl.format("'{}' is not an ISO 3166 alpha-3 country code", pl.col(column)),
                    file,
                )
            )
    return problems
