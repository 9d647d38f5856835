"""The Kiel tracker's monthly totals (``total_allocations.csv``) as a check of the ledger, see
docs/kiel.md.

The file gives, for every month, the allocations of all donors together in EUR billion, by
category (``military``, ``financial``, ``humanitarian``) and in all (``total_allocations``). They are
sums of what ``data_explorer.csv`` gives donor by donor, so they are not new entries: importing the
file compares each figure with what the ledger holds of the same release (dataset
``kiel-ust-r<release>``, ``allocated``, as known now) and names every figure that differs by more
than the file's precision — its line, its column, both figures and the difference. Nothing is
written, not even an ``import_run`` row: a check is a question, which may be asked of a database
opened read-only and asked again without changing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.text import decode_utf8
from ltsplan.ledger.formats.kiel import ALLOCATION_COLUMNS, BILLION, RELEASE_FILE, read_release
from ltsplan.ledger.reports import LedgerFilter, totals
from ltsplan.ledger.rules import LINE

TOTAL = "total_allocations"
REQUIRED = ("year", "month", TOTAL, *ALLOCATION_COLUMNS)
FIGURES = (TOTAL, *ALLOCATION_COLUMNS)
# The columns that tell this file from the tracker's others.
SIGNATURE = (TOTAL,)
# The file gives six decimals of a billion: a figure within EUR 1,000 agrees.
TOLERANCE_EUR = 1_000.0


@dataclass(frozen=True)
class TotalsCheck:
    """The file's figures against the ledger's: ``compared`` has one row per month and figure
    (year, month, line, figure, tracker and ledger in EUR, difference), ``differences`` those
    beyond the tolerance."""

    path: Path
    dataset: str
    compared: pl.DataFrame
    differences: pl.DataFrame


def compare_totals(connection: Connection, path: Path) -> TotalsCheck:
    """Every figure of the file beside the ledger's allocations of the same release."""
    release = read_release(path.parent / RELEASE_FILE, data_file=path)
    dataset = f"kiel-ust-r{release.number}"
    tracker = _read(path).unpivot(index=["year", "month", LINE], variable_name="figure", value_name="tracker")
    ledger = _ledger(connection, dataset)
    if ledger.is_empty():
        raise LtsplanError(
            f"{path}: the ledger holds no allocations of release {release.number} ({dataset}) to check "
            f"these totals against; import the release's data_explorer.csv first, then this file"
        )
    compared = (
        tracker.join(ledger, on=["year", "month", "figure"], how="full", coalesce=True)
        .with_columns(pl.col("tracker").fill_null(0.0), pl.col("ledger").fill_null(0.0))
        .with_columns((pl.col("ledger") - pl.col("tracker")).alias("difference"))
        .sort("year", "month", pl.col("figure").replace_strict(FIGURES, list(range(len(FIGURES)))))
    )
    differences = compared.filter(pl.col("difference").abs() > TOLERANCE_EUR)
    return TotalsCheck(path, dataset, compared, differences)


def check_totals(connection: Connection, path: Path) -> list[str]:
    """The check as ``ltsplan import`` reports it: notes when the file agrees with the ledger, an
    ``InvalidInput`` naming each figure that differs otherwise."""
    check = compare_totals(connection, path)
    months = check.compared.select("year", "month").unique().height
    if check.differences.is_empty():
        return [
            f"{path.name} agrees with the ledger's {check.dataset}: {months} months, "
            f"{check.compared.height} figures, each within EUR {TOLERANCE_EUR:,.0f} (the file's "
            "precision); a check writes nothing"
        ]
    problems = [
        Problem(
            _differs(figure, tracker, ledger, difference, check.dataset, line is None),
            file=str(path),
            line=line,
            field=figure,
            record=f"{year}-{month:02d}",
        )
        for year, month, line, figure, tracker, ledger, difference in check.differences.select(
            "year", "month", LINE, "figure", "tracker", "ledger", "difference"
        ).iter_rows()
    ]
    raise InvalidInput(
        problems,
        f"{path}: {len(problems)} of {check.compared.height} figures differ from the ledger's "
        f"{check.dataset} by more than EUR {TOLERANCE_EUR:,.0f}; a check writes nothing",
    )


def _differs(
    figure: str, tracker: float, ledger: float, difference: float, dataset: str, absent: bool
) -> str:
    held = f"the ledger's {dataset} holds EUR {ledger / BILLION:.6f} bn of {_what(figure)}"
    if absent:
        return f"{held}, and the file has no row for this month"
    more = "more" if difference > 0 else "less"
    return (
        f"the tracker gives EUR {tracker / BILLION:.6f} bn; {held}, {abs(difference) / BILLION:.6f} bn {more}"
    )


def _what(figure: str) -> str:
    return "allocations" if figure == TOTAL else f"{figure} allocations"


def _read(path: Path) -> pl.DataFrame:
    """The file's figures in EUR, one row per month; every cell that does not read is named."""
    file = str(path)
    text = decode_utf8(path.read_bytes(), file, "CSV")
    if not text.strip():
        raise InvalidInput(
            [Problem("the file is empty; its first line names the columns", file=file, line=1)],
            f"{file}: not a Kiel tracker total_allocations.csv",
        )
    raw = pl.read_csv(text.encode("utf-8"), infer_schema=False).with_row_index(LINE, offset=2)
    raw = raw.rename({c: c.strip().lower() for c in raw.columns if c != LINE}).with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InvalidInput(
            [Problem("this column is missing", file=file, line=1, field=c) for c in missing],
            f"{file}: not a Kiel tracker total_allocations.csv (columns {', '.join(REQUIRED)} are needed)",
        )
    typed = raw.select(
        LINE,
        pl.col("year").str.strip_chars().cast(pl.Int64, strict=False),
        pl.col("month").str.strip_chars().cast(pl.Int64, strict=False),
        *[(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) * BILLION).alias(c) for c in FIGURES],
    )
    checks: list[tuple[str, pl.Expr, str]] = [
        ("year", pl.col("year").is_null() | (pl.col("year") < 1990), "is not a year"),
        ("month", pl.col("month").is_null() | ~pl.col("month").is_between(1, 12), "is not a month (1–12)"),
        *[
            (c, pl.col(c).is_null() | ~pl.col(c).is_finite(), "is not a number (EUR billion)")
            for c in FIGURES
        ],
    ]
    problems: list[Problem] = []
    for field, failing, message in checks:
        bad = typed.with_columns(raw.get_column(field).alias("_given")).filter(failing.fill_null(True))
        problems.extend(
            Problem(f"'{given or ''}' {message}", file=file, line=line, field=field)
            for line, given in bad.select(LINE, "_given").iter_rows()
        )
    repeated = typed.filter(pl.struct("year", "month").is_duplicated() & pl.col("year").is_not_null())
    problems.extend(
        Problem("this month appears more than once", file=file, line=line, field="month")
        for line in repeated.get_column(LINE).to_list()
    )
    if problems:
        problems.sort(key=lambda p: (p.line or 0, p.field or ""))
        raise InvalidInput(problems, f"{file}: {len(problems)} problem(s); nothing was compared")
    return typed


def _ledger(connection: Connection, dataset: str) -> pl.DataFrame:
    """The ledger's allocations of ``dataset`` by month, per category and in all, in EUR (the same
    answer as ``ltsplan ledger totals --by year,month,category --dataset …``)."""
    frame = totals(
        connection, by=["year", "month", "category"], filters=LedgerFilter(datasets=(dataset,))
    ).frame.filter(pl.col("category").is_in(ALLOCATION_COLUMNS))
    by_category = frame.select(
        pl.col("year").cast(pl.Int64),
        pl.col("month").cast(pl.Int64),
        pl.col("category").alias("figure"),
        pl.col("allocated").cast(pl.Float64).alias("ledger"),
    )
    in_all = (
        by_category.group_by("year", "month")
        .agg(pl.col("ledger").sum())
        .with_columns(pl.lit(TOTAL).alias("figure"))
    )
    return pl.concat([by_category, in_all.select(by_category.columns)])
