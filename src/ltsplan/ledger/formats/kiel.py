"""Reader for the Kiel Institute's Ukraine Support Tracker (``data_explorer.csv``), see docs/kiel.md.

The tracker gives, per donor and month, allocations in EUR billion by category (military, financial,
humanitarian), the month's change in amounts committed but not yet allocated (``to_be_allocated``)
and their sum (``commitments``). Each non-zero figure becomes one ledger entry:

- an allocation: kind ``commitment``, stage ``allocated``, the column's category;
- the to-be-allocated change: kind ``commitment``, stage ``committed``, category ``unspecified``
  (the tracker does not split it by category, and we do not guess a split).

So the ledger's *allocated* is the tracker's allocations and its *pledged* (committed + allocated)
is the tracker's commitments, month by month and donor by donor. Amounts are EUR (bn × 10⁹, to the
euro), dated the first of the month (``event_date``) and valued mid-month (``value_date``, the 15th,
whose ECB rate is the one nearest the month's average for the USD figure). The release number and
date come from ``release_info.csv`` beside the file; entry ids leave the release out, so importing a
later release revises each figure instead of adding a second copy of it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.ledger.model import LedgerBatch
from ltsplan.provenance.model import Source
from ltsplan.store.ids import record_id_expr

PUBLISHER = "Kiel Institute for the World Economy"
URL = "https://www.ifw-kiel.de/topics/war-against-ukraine/ukraine-support-tracker/"
RECIPIENT = "UKR"
ALLOCATION_COLUMNS = ("military", "financial", "humanitarian")
REQUIRED = ("country", "iso", "year", "month", *ALLOCATION_COLUMNS, "to_be_allocated")
NUMERIC = (*ALLOCATION_COLUMNS, "to_be_allocated")
RELEASE_FILE = "release_info.csv"
# The EU institutions are one donor in the tracker ("EU (Commission and Council)", iso "EU").
ORGANISATIONS = {"EU": "European Union (Commission and Council)"}
BILLION = 1e9


def read_kiel(path: Path, *, progress: Callable[[int], None] | None = None) -> Iterator[LedgerBatch]:
    """One batch: every non-zero figure of the file, with the release's source."""
    info = read_release(path.parent / RELEASE_FILE, data_file=path)
    release, published = info.number, info.published
    source = release_source(release, published, info.label)
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy").with_row_index("_line", offset=2)
    raw = raw.rename({c: c.strip().lower() for c in raw.columns})
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InvalidInput(
            [Problem(f"the column '{c}' is missing", file=str(path), line=1, field=c) for c in missing],
            f"{path}: not a Kiel tracker data_explorer.csv (columns {', '.join(REQUIRED)} are needed)",
        )
    frame, problems = _typed(raw, str(path))
    entries = _entries(frame, dataset=f"kiel-ust-r{release}", source_id=source.id, release=release)
    names = {code: ("organisation", name) for code, name in ORGANISATIONS.items() if code in frame["iso"]}
    if progress is not None:
        progress(path.stat().st_size)
    yield LedgerBatch(
        entries=entries,
        sources=[source],
        actor_names=names,
        problems=problems,
        # The tracker counts commitments and their allocation, not what was delivered.
        reports={f"kiel-ust-r{release}": ("commitments", "allocations")},
        notes=[
            f"Kiel tracker release {release} ({published:%Y-%m-%d}): {frame.height} donor-months, "
            f"{entries.height} non-zero figures; to-be-allocated amounts are category 'unspecified'"
        ],
    )


def release_source(release: str, published: date, label: str | None = None) -> Source:
    """The release as a source. Graded B2: an established institute with a published method that
    compiles official announcements (so usually reliable, probably true), but that values in-kind
    aid itself and revises figures from release to release (so not A, not confirmed)."""
    return Source(
        kind="dataset release",
        title=f"{PUBLISHER}, Ukraine Support Tracker, Release {release}",
        publisher=PUBLISHER,
        url=URL,
        published=published,
        attribution="on the record",
        reliability="B",
        credibility=2,
        note=label,
    )


@dataclass(frozen=True)
class Release:
    """A release as ``release_info.csv`` names it: number, publication date, label, and the last day
    of the period its figures cover (``period`` 04/2026 → 2026-04-30; None when not given or not of
    that shape: only the weapons list needs it, and its reader says so)."""

    number: str
    published: date
    label: str | None
    period_end: date | None


def read_release(path: Path, *, data_file: Path) -> Release:
    """The release the files beside ``release_info.csv`` come from."""
    if not path.is_file():
        raise InvalidInput(
            [Problem(f"{path.name} is not beside it", file=str(data_file))],
            f"{data_file}: the Kiel tracker's {RELEASE_FILE} (release number and date) must be in the "
            "same folder, as in the tracker's data/ folder; it names the release the figures come from",
        )
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    problems = []
    if len(rows) != 1:
        problems.append(Problem(f"expected one release, found {len(rows)} rows", file=str(path)))
    row = rows[0] if rows else {}
    release = (row.get("release") or "").strip()
    if not release.isdigit():
        problems.append(
            Problem(f"'{release}' is not a release number", file=str(path), line=2, field="release")
        )
    try:
        published = date.fromisoformat((row.get("date") or "").strip())
    except ValueError:
        problems.append(
            Problem(f"'{row.get('date')}' is not a date (YYYY-MM-DD)", file=str(path), line=2, field="date")
        )
    if problems:
        raise InvalidInput(problems, f"{path}: cannot tell which release this is")
    label = (row.get("label") or "").strip() or None
    return Release(release, published, label, _month_end((row.get("period") or "").strip()))


def _month_end(period: str) -> date | None:
    """The last day of a month written MM/YYYY, or None."""
    month, _, year = period.partition("/")
    if not (month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) == 4):
        return None
    following = date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
    return following - timedelta(days=1)


def _typed(raw: pl.DataFrame, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """Cast the columns, and name every cell that does not parse."""
    typed = raw.with_columns(
        pl.col("iso").str.strip_chars(),
        pl.col("year").str.strip_chars().cast(pl.Int32, strict=False),
        pl.col("month").str.strip_chars().cast(pl.Int32, strict=False),
        *[pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in NUMERIC],
    )
    checks: list[tuple[str, pl.Expr, str]] = [
        ("iso", pl.col("iso").is_null() | (pl.col("iso") == ""), "a donor code (iso) is required"),
        ("year", pl.col("year").is_null() | (pl.col("year") < 1990), "not a year"),
        ("month", pl.col("month").is_null() | ~pl.col("month").is_between(1, 12), "not a month (1–12)"),
        *[(c, pl.col(c).is_null(), "not a number (EUR billion)") for c in NUMERIC],
    ]
    problems: list[Problem] = []
    for field, failing, message in checks:
        bad = typed.with_columns(raw.get_column(field).alias("_given")).filter(failing)
        problems.extend(
            Problem(f"'{given or ''}' is {message}", file=file, line=line, field=field)
            for line, given in bad.select("_line", "_given").iter_rows()
        )
    duplicated = typed.filter(
        pl.struct("iso", "year", "month").is_duplicated() & pl.col("year").is_not_null()
    )
    problems.extend(
        Problem("this donor and month appear more than once", file=file, line=line, field="iso")
        for line in duplicated.get_column("_line").to_list()
    )
    if problems:
        typed = typed.filter(pl.col("_line").is_in([p.line for p in problems]).not_())
    problems.sort(key=lambda p: (p.line or 0, p.field or ""))
    return typed, problems


def _entries(frame: pl.DataFrame, *, dataset: str, source_id: str, release: str) -> pl.DataFrame:
    """One entry per non-zero figure, column-wise (a long frame from the wide one)."""
    month = pl.date(pl.col("year"), pl.col("month"), 1)
    long = frame.select("_line", "country", "iso", "year", "month", *NUMERIC).unpivot(
        index=["_line", "country", "iso", "year", "month"], variable_name="column", value_name="bn"
    )
    long = long.filter(pl.col("bn") != 0)
    allocated = pl.col("column").is_in(ALLOCATION_COLUMNS)
    category = pl.when(allocated).then(pl.col("column")).otherwise(pl.lit("unspecified"))
    stage = pl.when(allocated).then(pl.lit("allocated")).otherwise(pl.lit("committed"))
    what = (
        pl.when(allocated)
        .then(pl.format("{} allocations", pl.col("column")))
        .otherwise(pl.lit("change in amounts committed, to be allocated"))
    )
    return (
        long.with_columns(category.alias("category"), stage.alias("stage"))
        .with_columns(
            record_id_expr(
                "kiel-ust",
                pl.col("iso"),
                pl.col("year"),
                pl.col("month"),
                pl.col("category"),
                pl.col("stage"),
            ).alias("id"),
            pl.lit(dataset).alias("dataset"),
            pl.lit("commitment").alias("kind"),
            pl.col("iso").alias("donor"),
            pl.lit(RECIPIENT).alias("recipient"),
            month.alias("event_date"),
            (month + pl.duration(days=14)).alias("value_date"),
            (pl.col("bn") * BILLION).round(0).alias("amount"),
            pl.lit("EUR").alias("currency"),
            pl.format(
                "Kiel UST r{}: {}, {} {}-{}",
                pl.lit(release),
                what,
                pl.col("country"),
                pl.col("year"),
                pl.col("month").cast(pl.Utf8).str.zfill(2),
            ).alias("description"),
            pl.format(
                "data_explorer.csv {} {}-{} {}",
                pl.col("iso"),
                pl.col("year"),
                pl.col("month").cast(pl.Utf8).str.zfill(2),
                pl.col("column"),
            ).alias("reference"),
            pl.lit(source_id).alias("source_id"),
            pl.format("{} {}-{} {}", pl.col("iso"), pl.col("year"), pl.col("month"), pl.col("column")).alias(
                "_record"
            ),
        )
        .drop("country", "iso", "year", "month", "column", "bn")
        .sort("_line", "category")
    )
