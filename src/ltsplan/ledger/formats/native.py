"""The native ledger formats' shared rules: columns, formula protection, and turning rows of text
into typed ledger entries with every problem located by line and field.

The CSV, XLSX and JSON readers (``io_csv``, ``io_xlsx``, ``io_json``) only split their files into
frames of text plus a ``_line`` column; ``NativeRows`` does the rest, the same way for all three.
Semantic checks (kinds, stages, currencies, countries…) are ``rules.entry_problems``; this module
checks only what a parser must: dates, numbers, lengths, ids, sources and duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from ltsplan.errors import Problem
from ltsplan.formats.cells import unprotect_expr
from ltsplan.ledger.formats.native_sources import SOURCE_COLUMNS, SourceLabel, cite_sources
from ltsplan.ledger.model import ENTRY, NATIVE_COLUMNS, LedgerBatch, conform
from ltsplan.ledger.phasing import schedule_problems
from ltsplan.ledger.rules import LINE, RECORD, entry_problems, rows_of
from ltsplan.provenance.model import SOURCE, Source
from ltsplan.records.fields import BEYOND_CALENDAR, DATE, ID, NUMBER
from ltsplan.store.ids import IdMap, has_repeats, id_hashes, record_id_expr
from ltsplan.store.time import utcnow

INPUT_COLUMNS = [*NATIVE_COLUMNS, "recorded_at", *SOURCE_COLUMNS]
# Export: CSV rows describe their source in full; XLSX and JSON cite a sources sheet or list.
CSV_EXPORT_COLUMNS = [*NATIVE_COLUMNS, *SOURCE_COLUMNS]
REQUIRED_COLUMNS = ["dataset", "kind", "stage", "donor", "category", "event_date"]
ONE_OF_COLUMNS = [("amount", "quantity"), ("id", "reference"), ("source_id", "source_title")]

DATE_COLUMNS = [f.name for f in ENTRY.fields if f.kind is DATE]
ROW_COLUMNS = [*NATIVE_COLUMNS, "recorded_at"]
NUMBER_COLUMNS = [f.name for f in ENTRY.fields if f.kind is NUMBER and f.in_files]
# Free text keeps its spaces; every other field is trimmed.
FREE_TEXT = {
    *(f.name for f in ENTRY.fields if f.free),
    *(f"source_{f.name}" for f in SOURCE.fields if f.free),
}
HEX_ID = r"^[0-9a-f]{32}$"
DATE_TEXT = r"^\d{4}-\d{2}-\d{2}$"


def header_problems(columns: list[str], *, file: str, line: int = 1) -> list[Problem]:
    """Unknown, repeated and missing columns, each a problem on the header line."""
    problems = []
    for name in sorted({c for c in columns if columns.count(c) > 1}):
        problems.append(Problem("this column appears more than once", file=file, line=line, field=name))
    for name in columns:
        if name not in INPUT_COLUMNS:
            problems.append(
                Problem(
                    f"unknown column; the columns are {', '.join(INPUT_COLUMNS)} (see docs/formats.md)",
                    file=file,
                    line=line,
                    field=name,
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem("this required column is missing", file=file, line=line, field=name))
    for first, second in ONE_OF_COLUMNS:
        if first not in columns and second not in columns:
            problems.append(
                Problem(f"give a '{first}' or a '{second}' column", file=file, line=line, field=first)
            )
    return problems


def _checks(frame: pl.DataFrame, checks: list[tuple[pl.Expr, str, pl.Expr | str]]) -> pl.DataFrame:
    """The rows failing each check, as problem rows; one pass decides which checks fail at all."""
    if not checks or frame.is_empty():
        return _no_problems()
    failing_any = frame.select(
        failing.fill_null(False).any().alias(str(i)) for i, (failing, _, _) in enumerate(checks)
    ).row(0)
    parts = [
        _where(frame, failing, name, message)
        for (failing, name, message), fails in zip(checks, failing_any, strict=True)
        if fails
    ]
    return pl.concat(parts) if parts else _no_problems()


def _where(frame: pl.DataFrame, failing: pl.Expr, field_name: str, message: pl.Expr | str) -> pl.DataFrame:
    text = message if isinstance(message, pl.Expr) else pl.lit(message)
    return frame.filter(failing.fill_null(False)).select(
        pl.col(LINE), pl.col(RECORD), pl.lit(field_name).alias("field"), text.cast(pl.Utf8).alias("message")
    )


@dataclass
class NativeRows:
    """Turns successive frames of text rows from one file into ledger batches.

    Keeps what spans batches: the sources described so far (with the line that first described
    each), the file's labelled sources, and every record id seen (to catch a record given twice)."""

    file: str
    unprotect: bool = True
    labels: dict[str, SourceLabel] = field(default_factory=dict)
    described: dict[str, tuple[Source, int]] = field(default_factory=dict)
    seen: IdMap = field(default_factory=lambda: IdMap(np.int32))  # each id's first line

    def batches(self, raw: pl.DataFrame, problems: list[Problem] | None = None) -> list[LedgerBatch]:
        """``raw``: text columns named as in INPUT_COLUMNS plus ``_line`` (and optionally
        ``_record``); ``problems``: what the reader itself found (they are kept)."""
        found = list(problems or [])
        frame, keys = self._clean(raw)
        if frame.is_empty():
            return [LedgerBatch(entries=conform(frame, keep_meta=True), problems=found)]
        frame, typed_problems = self._typed(frame)
        frame, source_problems, cited = cite_sources(frame, keys, self.described, self.labels)
        frame, id_problems = self._ids(frame)
        schedules = schedule_problems(frame, typed_problems)  # a schedule must divide its amount and period
        bad = pl.concat([typed_problems, source_problems, id_problems, schedules])
        found.extend(self._as_problems(bad))
        if any(p.line is not None for p in found):
            is_bad = rows_of(found, frame)
            invalid, valid = frame.filter(is_bad), frame.filter(is_bad.not_())
        else:
            invalid, valid = frame.clear(), frame
        found.extend(self._semantic(invalid, bad, found))
        found.sort(key=lambda p: (p.line or 0, p.field or ""))
        used = set(valid.get_column("source_id").drop_nulls().unique().to_list())
        sources = [s for sid, s in cited.items() if sid in used]
        return self._split(valid, sources, found)

    @staticmethod
    def _split(entries: pl.DataFrame, sources: list[Source], problems: list[Problem]) -> list[LedgerBatch]:
        """Rows with a ``recorded_at`` and rows without go in separate batches: the first keep
        their own record time, the second take the import's."""
        if entries.get_column("recorded_at").null_count() == entries.height:
            return [LedgerBatch(entries=entries.drop("recorded_at"), sources=sources, problems=problems)]
        dated = entries.filter(pl.col("recorded_at").is_not_null())
        undated = entries.filter(pl.col("recorded_at").is_null()).drop("recorded_at")
        batches = [LedgerBatch(entries=undated, sources=sources, problems=problems)]
        if dated.height:
            batches.append(LedgerBatch(entries=dated, sources=sources))
        return batches

    def _clean(self, raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Rows with their own columns cleaned (``_clean_columns``) and, instead of source columns,
        a ``_skey`` naming their source description; and each distinct description, cleaned, with
        the first line giving it. Source columns repeat on most rows, so they are cleaned once per
        description, not once per row. Blank rows are dropped."""
        given = [c for c in SOURCE_COLUMNS if c in raw.columns]
        if given:
            describes = pl.any_horizontal(pl.col(c).is_not_null() for c in given)
            raw = raw.with_columns(pl.when(describes).then(pl.struct(given).hash(11)).alias("_skey"))
            keys = (
                raw.filter(pl.col("_skey").is_not_null())
                .group_by("_skey")
                .agg(*(pl.col(c).first() for c in given), pl.col(LINE).min().alias("_first"))
            )
        else:
            raw = raw.with_columns(pl.lit(None, dtype=pl.UInt64).alias("_skey"))
            keys = pl.DataFrame(schema={"_skey": pl.UInt64, "_first": pl.Int64})
        keys = keys.select("_skey", "_first", *self._clean_columns(keys, SOURCE_COLUMNS))
        present = [c for c in ROW_COLUMNS if c in raw.columns]
        record = pl.col(RECORD) if RECORD in raw.columns else pl.lit(None, dtype=pl.Utf8).alias(RECORD)
        frame = raw.select(
            pl.col(LINE).cast(pl.Int64), record.cast(pl.Utf8), "_skey", *self._clean_columns(raw, ROW_COLUMNS)
        )
        # A blank line (or a row of empty cells) is not a record.
        blank = pl.all_horizontal(pl.col("_skey").is_null(), *(pl.col(c).is_null() for c in present))
        if frame.select(blank.any()).item():
            frame = frame.filter(blank.not_())
        return frame, keys

    def _clean_columns(self, frame: pl.DataFrame, names: list[str]) -> list[pl.Expr]:
        """Remove export's formula protection, trim all but free text, read empty as missing.
        Each step runs only on the columns that need it (one quick scan decides): a bulk file
        rarely needs any. Absent columns are null."""
        present = [c for c in names if c in frame.columns]
        if not present or frame.is_empty():
            return [
                (pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.Utf8)).cast(pl.Utf8).alias(c)
                for c in names
            ]
        text = pl.col(present)
        flags = frame.select(
            text.str.starts_with("'").any().name.suffix(":quote"),
            text.str.contains(r"^\s|\s$").any().name.suffix(":space"),
            (text.str.len_bytes() == 0).any().name.suffix(":empty"),
        ).row(0, named=True)
        exprs = []
        for name in names:
            if name not in present:
                exprs.append(pl.lit(None, dtype=pl.Utf8).alias(name))
                continue
            value = pl.col(name)
            if self.unprotect and flags[f"{name}:quote"]:
                value = unprotect_expr(name)
            if name not in FREE_TEXT and flags[f"{name}:space"]:
                value = value.str.strip_chars()
            if flags[f"{name}:empty"] or flags[f"{name}:space"] or flags[f"{name}:quote"]:
                value = pl.when(value.str.len_bytes() == 0).then(None).otherwise(value)
            exprs.append(value.alias(name))
        return exprs

    def _typed(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Dates, numbers and record times parsed once (beside the text, under ``~name``), then
        every check run against both; the parsed values replace the text at the end."""
        parsed = {
            **{
                n: pl.when(pl.col(n).str.len_bytes() == 10).then(
                    pl.col(n).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
                )
                for n in DATE_COLUMNS
            },
            **{n: pl.col(n).cast(pl.Float64, strict=False) for n in NUMBER_COLUMNS},
            "recorded_at": _parse_instant(pl.col("recorded_at")),
        }
        frame = frame.with_columns(e.alias(f"~{n}") for n, e in parsed.items())
        # Each field's rules on the text as given (dates, numbers, lengths), as the entry declares
        # them; ids are checked apart (labels and references become ids).
        checks: list[tuple[pl.Expr, str, pl.Expr | str]] = [
            (failing, spec.name, message)
            for spec in ENTRY.fields
            if spec.in_files and spec.kind is not ID
            for failing, message in spec.column_problems(
                pl.col(spec.name), pl.col(f"~{spec.name}") if spec.name in parsed else pl.col(spec.name)
            )
        ]
        instant = pl.col("~recorded_at")
        checks += [
            (
                pl.col("recorded_at").is_not_null() & instant.is_null(),
                "recorded_at",
                pl.format(
                    "'{}' is not a date or a date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS "
                    "(UTC, or with an offset such as +02:00)",
                    pl.col("recorded_at"),
                ),
            ),
            (instant > pl.lit(utcnow()), "recorded_at", "a record cannot be known in the future"),
            (
                instant < pl.lit(datetime(1, 1, 1), dtype=pl.Datetime("us")),
                "recorded_at",
                pl.format(BEYOND_CALENDAR, pl.col("recorded_at")),
            ),
            (
                pl.col("dataset").is_null(),
                "dataset",
                "a dataset name is required (with the reference it gives the record its id)",
            ),
            (
                pl.col("id").is_null() & pl.col("reference").is_null(),
                "reference",
                "give a reference (unique within the dataset) or an id",
            ),
        ]
        problems = _checks(frame, checks)
        finite = [pl.when(pl.col(f"~{n}").is_finite()).then(pl.col(f"~{n}")).alias(n) for n in NUMBER_COLUMNS]
        others = [pl.col(f"~{n}").alias(n) for n in parsed if n not in NUMBER_COLUMNS]
        return frame.with_columns(*finite, *others).drop(f"~{n}" for n in parsed), problems

    def _ids(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        derived = record_id_expr(pl.col("dataset"), pl.col("reference"))
        commitment = pl.col("commitment_id")
        frame = frame.with_columns(
            pl.coalesce(pl.col("id"), derived).alias("id"),
            pl.when(commitment.is_null() | commitment.str.contains(HEX_ID))
            .then(commitment)
            .otherwise(record_id_expr(pl.col("dataset"), commitment))
            .alias("commitment_id"),
        )
        checks: list[tuple[pl.Expr, str, pl.Expr | str]] = [
            (
                pl.col("id").str.len_chars() > 32,
                "id",
                "an id has at most 32 characters (leave it empty to derive it from dataset and reference)",
            ),
            (
                pl.col("source_id").str.len_chars() > 32,
                "source_id",
                pl.format("'{}' is neither a source of this file nor a source id", pl.col("source_id")),
            ),
        ]
        return frame, pl.concat([_checks(frame, checks), self._duplicates(frame)])

    def _duplicates(self, frame: pl.DataFrame) -> pl.DataFrame:
        """A record given twice in one file, in this batch or an earlier one. Ids are hashed to 64
        bits and kept in an ``IdMap`` with the line each was first given on (12 bytes a record)."""
        ids = frame.get_column("id")
        hashes = id_hashes(ids)
        lines = frame.get_column(LINE).to_numpy()
        earlier = self.seen.holds(hashes)
        self.seen.add(hashes, lines)
        if not earlier.any() and not has_repeats(ids, hashes):
            return _no_problems()
        _, firsts = self.seen.find(hashes)  # the line each id was first given on
        rows = pl.DataFrame({LINE: lines, RECORD: frame.get_column(RECORD), "_first": firsts})
        twice = rows.filter(pl.col("_first") != pl.col(LINE))
        return twice.select(
            LINE,
            RECORD,
            pl.lit("reference").alias("field"),
            pl.format(
                "the same record as line {} (the same id, or the same dataset and reference)",
                pl.col("_first"),
            ).alias("message"),
        )

    def _as_problems(self, bad: pl.DataFrame) -> list[Problem]:
        return [
            Problem(message, file=self.file, line=line, field=name, record=record)
            for line, record, name, message in bad.select(LINE, RECORD, "field", "message").iter_rows()
        ]

    def _semantic(self, invalid: pl.DataFrame, bad: pl.DataFrame, found: list[Problem]) -> list[Problem]:
        """The rules' findings on rows already found wrong, minus echoes of the same fault
        (a bad date is not also reported as a missing one; a bad source not as an unknown one)."""
        if invalid.is_empty():
            return []
        own = invalid.get_column("source_id").drop_nulls().unique().to_list()
        semantic = entry_problems(conform(invalid, keep_meta=True), file=self.file, known_sources=own)
        taken = {(line, name) for line, name in bad.select(LINE, "field").iter_rows()}
        taken |= {(p.line, p.field or "") for p in found if p.line is not None}
        source_lines = {line for line, name in taken if name.startswith("source_")}
        echoes = {"amount": ("amount", "quantity"), "quantity": ("amount", "quantity")}
        kept = []
        for problem in semantic:
            fields = echoes.get(problem.field or "", (problem.field,))
            if any((problem.line, f) in taken for f in fields):
                continue
            if problem.field == "source_id" and problem.line in source_lines:
                continue
            kept.append(problem)
        return kept


def _no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema={LINE: pl.Int64, RECORD: pl.Utf8, "field": pl.Utf8, "message": pl.Utf8})


def _parse_instant(text: pl.Expr) -> pl.Expr:
    """A date (midnight UTC) or an ISO date-time, with an offset or in UTC, as naive UTC."""
    cleaned = text.str.strip_chars().str.replace(r"Z$", "+00:00").str.replace(" ", "T")
    zoned = cleaned.str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False)
    return pl.coalesce(
        zoned.dt.replace_time_zone(None),
        cleaned.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S%.f", strict=False),
        cleaned.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S", strict=False),
        pl.when(cleaned.str.contains(DATE_TEXT)).then(
            cleaned.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us"))
        ),
    )
