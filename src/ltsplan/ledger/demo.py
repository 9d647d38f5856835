"""The ledger's part of ``ltsplan demo`` (docs/demo.md): public figures, offline, idempotent.

1. GDP of the donors (World Bank, current USD), each year known from the July after it;
2. a handful of pledges publicly announced before 14 June 2023, each recorded as known from its
   source's date (``data/demo/ledger-june-2023.csv``);
3. the Kiel Institute's Ukraine Support Tracker, release 29, recorded at its release date
   (2026-08-04); as of that date the June-2023 records are withdrawn, because Kiel's figures
   include those pledges and would otherwise count them twice.

So ``ltsplan ledger totals --as-of 2023-06-14`` shows what was known in June 2023, and today's
view shows Kiel's. A second run finds everything in place and writes nothing.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from pathlib import Path

import polars as pl
from rich.console import Console
from sqlalchemy import Connection, select

from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.formats.kiel import ORGANISATIONS, read_kiel
from ltsplan.ledger.imports import write_batches
from ltsplan.ledger.model import LedgerBatch, ledger_entry
from ltsplan.ledger.money import rates_for
from ltsplan.ledger.reference import load_shipped_gdp
from ltsplan.ledger.writes import prepare, retract_entries
from ltsplan.provenance.model import Source, parse_grade
from ltsplan.render import to_table
from ltsplan.report import Report
from ltsplan.shipped import shipped
from ltsplan.store.db import Database
from ltsplan.store.ids import record_id_expr

DATASET = "demo-june-2023"
JUNE_2023 = "2023-06-14"
OUTPUT = Path("ltsplan-out")
SOURCE_COLUMNS = (
    "source_kind",
    "source_title",
    "source_publisher",
    "source_url",
    "source_published",
    "source_attribution",
    "source_grade",
)


def load(database: Database) -> list[str]:
    gdp = load_shipped_gdp(database)
    kiel_batch = next(iter(read_kiel(shipped("kiel", "data_explorer.csv"))))
    kiel_source = kiel_batch.sources[0]
    assert kiel_source.published is not None
    released = datetime.combine(kiel_source.published, time())
    with database.transaction() as connection:
        june = june_2023_batches()
        june_written = _write_new_records(connection, june)
        kiel, _ = write_batches(
            connection,
            [prepare(kiel_batch, rates=rates_for(connection))],
            origin="demo: Kiel release 29",
            fmt="kiel",
            recorded_at=released,
        )
        june_ids = [i for b in june for i in b.entries.get_column("id").to_list()]
        withdrawn = retract_entries(connection, june_ids, at=released)
        if withdrawn:
            _withdrawal_evidence(connection, june_ids, kiel_source, released)
    chart = _chart(database)
    lines = [
        "Ledger: public figures, loaded offline",
        f"  Kiel Institute, Ukraine Support Tracker, Release 29 ({kiel_source.published:%Y-%m-%d}): "
        f"{kiel.entries.inserted + kiel.entries.revised} new and {kiel.entries.unchanged} unchanged entries",
        f"  {len(june)} pledges as known before 14 June 2023 ({june_written} new), each from its public "
        f"source; withdrawn as of {released:%Y-%m-%d} (superseded by Kiel release 29): {withdrawn} now",
        f"  World Bank GDP (current USD): {gdp.inserted} new, {gdp.unchanged} unchanged figures",
        "",
        *_headline(database),
        "  % of GDP: of 2021 GDP (World Bank, current USD); the EU institutions have none",
        "",
        "Try:",
        "  ltsplan ledger totals --by donor --top 10 --gdp-year 2021",
        f"  ltsplan ledger totals --by donor --as-of {JUNE_2023}",
        "  ltsplan ledger totals --by donor --gdp-year 2021 --share-eu",
        "  ltsplan ledger fulfilment --by donor",
        f"  ltsplan ledger history {june_ids[0][:8]}   (Norway, June 2023, withdrawn)",
        f"  chart: {chart}",
    ]
    return lines


def june_2023_batches() -> list[LedgerBatch]:
    """The curated June-2023 records, one batch per record, each with its own source and date."""
    path = shipped("demo", "ledger-june-2023.csv")
    frame = pl.read_csv(path, infer_schema=False).with_row_index("_line", offset=2)
    dated = ("event_date", "period_start", "period_end", "value_date", "source_published")
    frame = frame.with_columns(
        *[pl.col(c).str.to_date("%Y-%m-%d") for c in dated],
        pl.col("amount").cast(pl.Float64),
        pl.col("_line").cast(pl.Int64),
        record_id_expr(DATASET, pl.col("reference")).alias("id"),
        pl.lit(DATASET).alias("dataset"),
        pl.col("reference").alias("_record"),
        pl.col("source_published").str.to_datetime("%Y-%m-%d", time_unit="us").alias("recorded_at"),
    )
    batches = []
    for index, row in enumerate(frame.iter_rows(named=True)):
        reliability, credibility = parse_grade(row["source_grade"])
        source = Source(
            kind=row["source_kind"],
            title=row["source_title"],
            publisher=row["source_publisher"],
            url=row["source_url"],
            published=row["source_published"],
            attribution=row["source_attribution"],
            reliability=reliability,
            credibility=credibility,
        )
        entries = (
            frame.slice(index, 1).with_columns(pl.lit(source.id).alias("source_id")).drop(SOURCE_COLUMNS)
        )
        names = {c: ("organisation", n) for c, n in ORGANISATIONS.items() if c == row["donor"]}
        batches.append(LedgerBatch(entries=entries, sources=[source], actor_names=names))
    return batches


def _write_new_records(connection: Connection, batches: list[LedgerBatch]) -> int:
    """Write each record unless this very version was written before (it may since have been
    withdrawn: writing it again would bring it back to life)."""
    written = 0
    for batch in batches:
        record = batch.entries.get_column("id")[0]
        seen = connection.execute(select(ledger_entry.c.row_id).where(ledger_entry.c.id == record)).first()
        if seen is not None:
            continue
        moment = batch.entries.get_column("recorded_at")[0]
        origin = str(shipped("demo", "ledger-june-2023.csv"))
        prepared = prepare(batch, rates=rates_for(connection), file=origin)
        write_batches(connection, [prepared], origin=origin, fmt="csv", recorded_at=moment)
        written += 1
    return written


def _withdrawal_evidence(connection: Connection, ids: list[str], kiel: Source, at: datetime) -> None:
    """Why the June-2023 records were withdrawn: evidence linking each to the Kiel release."""
    from ltsplan.provenance.imports import store_evidence

    quote = "superseded by Kiel release 29"
    store_evidence(connection, [("ledger_entry", i, kiel.id, quote) for i in ids], recorded_at=at)


def _headline(database: Database) -> list[str]:
    with database.reading() as connection:
        report = ledger_reports.totals(connection, by=["donor"], top=10, gdp_year=2021)
    frame = report.frame.select(
        pl.col("donor_name").str.slice(0, 24).alias("donor"),
        (pl.col("pledged") / 1e9).alias("pledged"),
        (pl.col("allocated") / 1e9).alias("allocated"),
        pl.col("pledged_pct_gdp").alias("pledged_gdp"),
        pl.col("allocated_pct_gdp").alias("allocated_gdp"),
    )
    headline = Report(
        "Top 10 donors today (Kiel release 29)",
        frame,
        units={
            "pledged": "EUR bn",
            "allocated": "EUR bn",
            "pledged_gdp": "% of GDP",
            "allocated_gdp": "% of GDP",
        },
    )
    buffer = io.StringIO()
    to_table(headline, Console(file=buffer, width=78, highlight=False, color_system=None))
    return buffer.getvalue().rstrip("\n").splitlines()


def _chart(database: Database) -> Path:
    from ltsplan.ledger.charts import pledged_vs_delivered

    with database.reading() as connection:
        series = ledger_reports.series(connection)
    written = pledged_vs_delivered(series, Path.cwd() / OUTPUT / "ledger-pledged-vs-delivered.png")
    return written[0]
