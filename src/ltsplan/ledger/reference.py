"""Reference figures the ledger divides by or shares out: GDP (World Bank) and the EU members'
shares of the EU institutions' aid (Kiel tracker). See docs/kiel.md.

GDP is versioned like everything else (``gdp`` table, one record per country and year): reloading
the same file changes nothing, a revised figure becomes a new version.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

import polars as pl

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.ledger.model import GDP, gdp
from ltsplan.provenance.imports import store_sources
from ltsplan.provenance.model import Source, is_state
from ltsplan.records.writing import Written, log_run
from ltsplan.shipped import shipped
from ltsplan.store.db import Database
from ltsplan.store.history import WriteResult, write_versions
from ltsplan.store.ids import record_id_expr, version_expr
from ltsplan.store.time import utcnow

GDP_COLUMNS = ("Country Code", "Year", "Value")

WORLD_BANK_GDP = Source(
    kind="dataset release",
    title="World Bank, World Development Indicators, GDP (current US$), NY.GDP.MKTP.CD",
    publisher="World Bank",
    url="https://data.worldbank.org/indicator/NY.GDP.MKTP.CD",
    published=date(2026, 2, 24),
    attribution="on the record",
    # Official national accounts compiled by the World Bank: a completely reliable publisher, but
    # figures are revised between vintages, so "probably true" rather than confirmed.
    reliability="A",
    credibility=2,
    note="via the datasets/gdp data package (ODC-PDDL-1.0), updated 2026-02-24",
)


@dataclass
class GdpTable:
    """GDP rows read from a file (``country``, ``year``, ``usd``) and what was left out."""

    frame: pl.DataFrame
    skipped_aggregates: int
    skipped_empty: int


def read_gdp_csv(path: Path) -> GdpTable:
    """Read a World Bank-shaped CSV (Country Name, Country Code, Year, Value); every bad cell is
    reported with its line. Rows for regions and income groups (codes that are not ISO 3166
    states, such as WLD or EUU) and rows with no value are left out and counted."""
    if not path.is_file():
        raise LtsplanError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in GDP_COLUMNS if c not in header]
        if missing:
            raise InvalidInput(
                [Problem(f"the column '{c}' is missing", file=str(path), field=c) for c in missing],
                f"{path}: a GDP file needs the columns Country Name, Country Code, Year, Value "
                "(the World Bank's shape)",
            )
        rows = [
            (number, {k.strip(): (v or "").strip() for k, v in row.items() if k})
            for number, row in enumerate(reader, start=2)
        ]
    problems: list[Problem] = []
    kept: list[tuple[str, int, float]] = []
    aggregates = empty = 0
    for number, row in rows:
        code, year_text, value_text = (row["Country Code"], row["Year"], row["Value"])
        if not is_state(code):
            aggregates += 1
            continue
        if value_text == "":
            empty += 1
            continue
        try:
            year = int(year_text)
        except ValueError:
            problems.append(
                Problem(f"'{year_text}' is not a year", file=str(path), line=number, field="Year")
            )
            continue
        try:
            value = float(value_text)
        except ValueError:
            problems.append(
                Problem(
                    f"'{value_text}' is not a number (US dollars)", file=str(path), line=number, field="Value"
                )
            )
            continue
        if value <= 0:
            problems.append(Problem("GDP must be positive", file=str(path), line=number, field="Value"))
            continue
        kept.append((code, year, value))
    if problems:
        raise InvalidInput(problems, f"{path}: {len(problems)} problem(s); nothing was written")
    frame = pl.DataFrame(kept, schema={"country": pl.Utf8, "year": pl.Int32, "usd": pl.Float64}, orient="row")
    duplicated = frame.filter(pl.struct("country", "year").is_duplicated())
    if duplicated.height:
        pairs = duplicated.unique(["country", "year"]).head(20).iter_rows()
        raise InvalidInput(
            [Problem(f"{c} {y} appears more than once", file=str(path), field="Year") for c, y, _ in pairs],
            f"{path}: the same country and year appear twice; nothing was written",
        )
    return GdpTable(frame, aggregates, empty)


def store_gdp(
    database: Database,
    table: GdpTable,
    *,
    source: Source = WORLD_BANK_GDP,
    recorded_at: datetime | None = None,
    published_after_year: bool = False,
    origin: str = "GDP table",
) -> WriteResult:
    """Write GDP figures as versions of (country, year) in one transaction.

    With ``published_after_year`` each year's figure is recorded as known from 1 July of the next
    year (when the World Bank first publishes it), so that as-of views of the past have a GDP to
    divide by; the figure is today's vintage, not the one published then (see docs/kiel.md)."""
    moment = recorded_at or utcnow()
    frame = table.frame.with_columns(pl.lit(source.id).alias("source_id"))
    frame = frame.with_columns(
        record_id_expr(GDP.name, *(pl.col(k) for k in GDP.key)).alias("id"),
        version_expr([f.name for f in GDP.fields if f.versioned]).alias("version"),
    )
    if published_after_year:
        frame = frame.with_columns(
            pl.datetime(pl.col("year") + 1, 7, 1).cast(pl.Datetime("us")).alias("recorded_at")
        )
    with database.transaction() as connection:
        store_sources(connection, [source], recorded_at=moment)
        written = write_versions(connection, gdp, frame, recorded_at=moment)
        log_run(connection, Written(moment, {"gdp": written}), origin=origin, fmt="csv", dataset="gdp")
    return written


def load_gdp(
    database: Database, path: Path, *, recorded_at: datetime | None = None, published_after_year: bool = False
) -> tuple[WriteResult, GdpTable]:
    """Read and store a World Bank-shaped GDP file (the use case behind ``ltsplan ledger load-gdp``)."""
    table = read_gdp_csv(path)
    return store_gdp(
        database, table, recorded_at=recorded_at, published_after_year=published_after_year, origin=str(path)
    ), table


def load_shipped_gdp(database: Database) -> WriteResult:
    """The GDP table shipped with the package (Kiel donors, 2015–2023), as first published."""
    table = read_gdp_csv(shipped("reference", "worldbank_gdp_current_usd.csv"))
    return store_gdp(
        database, table, recorded_at=utcnow(), published_after_year=True, origin="demo: World Bank GDP"
    )


@lru_cache(maxsize=1)
def eu_share_weights() -> dict[str, float]:
    """Each EU member's share of the EU institutions' aid, as the Kiel tracker attributes it
    (``eu_share_bn`` of its release 29 ``eu_aid_shares.csv``), in EUR billion."""
    with shipped("kiel", "eu_aid_shares.csv").open(newline="", encoding="utf-8") as handle:
        return {row["iso"]: float(row["eu_share_bn"]) for row in csv.DictReader(handle)}
