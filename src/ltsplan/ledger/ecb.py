"""The ECB's file of euro reference rates (``eurofxref-hist.csv``, or the ``.zip`` it is published
in), read to arrays (pure: bytes in, quotes out; ``money`` makes the rate table of them).

The file has a header ``Date,USD,JPY,BGN,…`` and one line per TARGET business day, newest first:
``2026-10-30,1.1172,175.68,N/A,…`` — units of each currency per euro, ``N/A`` where the ECB did not
quote a currency that day, and a comma at the end of every line (so the header ends in a column
without a name). A file is refused whole, every problem named by file, line and column.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.records.fields import NOT_A_CURRENCY, NOT_A_DATE, is_currency

EPOCH = date(1970, 1, 1)
# The ECB's reference rates begin on 4 January 1999 and are published for days gone by: a day outside
# that span is no day of its file (and a day in the year 9999 would make the rate table of every
# day in between, gigabytes).
FIRST_DAY = date(1999, 1, 4)
RATES_FILE = "the ECB's eurofxref-hist.csv (or the eurofxref-hist.zip that holds it)"
# The ECB's whole history is about 2 MB; a file many times larger is not one of its files.
LARGEST_FILE = 64 * 2**20
MAX_PROBLEMS = 200  # per kind of problem: a file that is wrong throughout is not listed cell by cell
DAY_SHAPE = r"^\d{4}-\d{2}-\d{2}$"
NOT_A_RATE = (
    "'{}' is not a rate: write the units of {} per euro as a positive number (such as 1.0813), or N/A"
)


@dataclass(frozen=True)
class Quotes:
    """What one file quotes: each currency's days (since 1970-01-01, ascending) and rates, the
    first and last day with a quote, and every currency the header names (a column of N/A only
    still says "no quote on these days")."""

    days: dict[str, np.ndarray]
    rates: dict[str, np.ndarray]
    first_day: date
    last_day: date
    columns: tuple[str, ...]


def read_rates_file(path: Path) -> tuple[bytes, str, str]:
    """The CSV's bytes, the format's name (``ecb-csv`` or ``ecb-zip``) and the name problems cite
    (the archive's with the CSV's inside it) of a file as the ECB publishes it: the CSV, or a ZIP
    archive holding it."""
    file = str(path)
    if not path.is_file():
        raise _refused(file, [Problem(f"no such file; give {RATES_FILE}", file=file)])
    if path.stat().st_size > LARGEST_FILE:
        raise _refused(file, [Problem(f"the file is larger than 64 MiB; give {RATES_FILE}", file=file)])
    if not zipfile.is_zipfile(path):
        return path.read_bytes(), "ecb-csv", file
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")]
            if len(members) != 1:
                found = ", ".join(m.filename for m in members) or "none"
                raise _refused(
                    file, [Problem(f"the archive must hold one CSV file (it holds {found})", file=file)]
                )
            if members[0].file_size > LARGEST_FILE:
                raise _refused(
                    file, [Problem(f"{members[0].filename} unpacks to more than 64 MiB", file=file)]
                )
            return archive.read(members[0]), "ecb-zip", f"{file} ({members[0].filename})"
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise _refused(file, [Problem(f"the ZIP archive cannot be read: {error}", file=file)]) from None


def read_ecb_csv(data: bytes, *, file: str) -> Quotes:
    """The quotes of a CSV in the ECB's shape; ``InvalidInput`` listing every problem otherwise."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _refused(file, [Problem("the file is not UTF-8 text", file=file, line=line)]) from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise _refused(file, [Problem(f"the file is empty; give {RATES_FILE}", file=file, line=1)])
    names = [n.strip() for n in lines[0].split(",")]
    problems = _header_problems(names, file)
    body = (
        pl.DataFrame({"text": pl.Series(lines[1:], dtype=pl.Utf8)})
        .with_row_index("line", offset=2)
        .filter(pl.col("text").str.strip_chars() != "")
        .with_columns((pl.col("text").str.count_matches(",", literal=True) + 1).alias("width"))
    )
    if body.is_empty():
        problems.append(Problem("the file has a header but no days", file=file, line=1))
    ragged = body.filter(pl.col("width") != len(names)).head(MAX_PROBLEMS)
    for line, width in ragged.select("line", "width").iter_rows():
        problems.append(
            Problem(
                f"{width} fields where the header has {len(names)} (a rate or N/A for every "
                "currency, as in the ECB's file)",
                file=file,
                line=line,
            )
        )
    cells = (
        body.filter(pl.col("width") == len(names))
        .select(
            "line",
            pl.col("text")
            .str.split_exact(",", len(names) - 1)
            .struct.rename_fields([f"c{i}" for i in range(len(names))]),
        )
        .unnest("text")
    )
    codes = {f"c{i}": n for i, n in enumerate(names) if i and n}
    problems.extend(_cell_problems(cells, names, codes, file))
    if problems:
        raise _refused(file, sorted(problems, key=lambda p: p.line or 0))
    return _quotes(cells, codes, file)


def _header_problems(names: list[str], file: str) -> list[Problem]:
    problems = []
    if names[0] != "Date":
        problems.append(
            Problem(f"the first column is '{names[0]}', not Date: give {RATES_FILE}", file=file, line=1)
        )
    if len(names) < 2 or not any(names[1:]):
        problems.append(Problem(f"no currency columns: give {RATES_FILE}", file=file, line=1))
    seen: set[str] = set()
    for position, name in enumerate(names[1:], start=2):
        if not name:
            if position < len(names):  # the ECB's trailing comma makes only the last one nameless
                problems.append(Problem(f"column {position} has no currency code", file=file, line=1))
        elif name == "EUR":
            problems.append(
                Problem(
                    "EUR is what the rates are per (1 on every day); drop the column",
                    file=file,
                    line=1,
                    field=name,
                )
            )
        elif not is_currency(name):
            problems.append(Problem(NOT_A_CURRENCY.format(name), file=file, line=1, field=name))
        elif name in seen:
            problems.append(Problem(f"the column {name} is given twice", file=file, line=1, field=name))
        seen.add(name)
    return problems


def _cell_problems(cells: pl.DataFrame, names: list[str], codes: dict[str, str], file: str) -> list[Problem]:
    """Days that are not dates or come twice, rates that are not positive numbers, values after the
    last comma: column-wise, each kind listed up to ``MAX_PROBLEMS`` times."""
    problems = []
    day = _day(pl.col("c0"))
    for line, given in cells.filter(day.is_null()).head(MAX_PROBLEMS).select("line", "c0").iter_rows():
        problems.append(Problem(NOT_A_DATE.format(given.strip()), file=file, line=line, field=names[0]))
    today = datetime.now(UTC).date()
    outside = cells.filter((day < FIRST_DAY) | (day > today)).head(MAX_PROBLEMS)
    for line, given in outside.select("line", "c0").iter_rows():
        problems.append(
            Problem(
                f"the day {given.strip()} is outside the ECB's reference rates: they begin on "
                f"{FIRST_DAY} and are published for days up to today ({today})",
                file=file,
                line=line,
                field=names[0],
            )
        )
    twice = cells.filter(day.is_not_null() & day.is_duplicated()).head(MAX_PROBLEMS)
    for line, given in twice.select("line", "c0").iter_rows():
        problems.append(
            Problem(f"the day {given.strip()} is given more than once", file=file, line=line, field=names[0])
        )
    if not names[-1]:
        last = f"c{len(names) - 1}"
        stray = cells.filter(pl.col(last).str.strip_chars() != "").head(MAX_PROBLEMS)
        for line, given in stray.select("line", last).iter_rows():
            problems.append(Problem(f"'{given}' is after the last currency's column", file=file, line=line))
    for column, code in codes.items():
        given = _given(pl.col(column))
        rate = given.cast(pl.Float64, strict=False)
        wrong = given.is_not_null() & (rate.is_finite() & (rate > 0)).fill_null(False).not_()
        for line, text in cells.filter(wrong).head(MAX_PROBLEMS).select("line", column).iter_rows():
            problems.append(Problem(NOT_A_RATE.format(text.strip(), code), file=file, line=line, field=code))
    return problems


def _day(cell: pl.Expr) -> pl.Expr:
    text = cell.str.strip_chars()
    return pl.when(text.str.contains(DAY_SHAPE)).then(text.str.to_date("%Y-%m-%d", strict=False))


def _given(cell: pl.Expr) -> pl.Expr:
    """A rate as written, null where the ECB writes N/A (or a cell is empty)."""
    text = cell.str.strip_chars()
    return pl.when(text.is_in(["N/A", ""]).not_()).then(text)


def _quotes(cells: pl.DataFrame, codes: dict[str, str], file: str) -> Quotes:
    numbers = cells.select(
        _day(pl.col("c0")).alias("day"),
        *(_given(pl.col(c)).cast(pl.Float64).alias(c) for c in codes),
    ).sort("day")  # the ECB writes the newest day first
    day_numbers = numbers.get_column("day").cast(pl.Int32).to_numpy().astype(np.int64)
    days: dict[str, np.ndarray] = {}
    rates: dict[str, np.ndarray] = {}
    for column, code in codes.items():
        rate = numbers.get_column(column).to_numpy()
        known = ~np.isnan(rate)
        if known.any():
            days[code], rates[code] = day_numbers[known], rate[known]
    if not days:
        raise _refused(file, [Problem("the file quotes no rate at all (every cell is N/A)", file=file)])
    first = EPOCH + timedelta(days=min(int(d[0]) for d in days.values()))
    last = EPOCH + timedelta(days=max(int(d[-1]) for d in days.values()))
    return Quotes(days, rates, first, last, tuple(codes.values()))


def _refused(file: str, problems: list[Problem]) -> InvalidInput:
    return InvalidInput(problems, f"{file} is not a rates file ltsplan can read; nothing was written")
