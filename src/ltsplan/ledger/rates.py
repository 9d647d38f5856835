"""Exchange rates as use cases: loading a newer ECB file (``ltsplan rates import``), the series in
use (``ltsplan rates show``), and the stored figures a load converts differently.

A loaded file is kept whole in ``exchange_rate_file`` (``ledger.money``); the series in use is the
shipped ECB history overlaid by every loaded file, oldest first (``money.rates_for``), so a server
on PostgreSQL sees a load made from any machine.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Connection, Table, func, insert, select

from ltsplan.ledger.ecb import EPOCH, read_ecb_csv, read_rates_file
from ltsplan.ledger.model import ledger_entry, ledger_plan
from ltsplan.ledger.money import GRACE_DAYS, RateTable, digest_of, exchange_rate_file, rates_for
from ltsplan.ledger.writes import reconvert
from ltsplan.records.writing import Written, log_run
from ltsplan.report import Report
from ltsplan.store.db import Database, query_frame
from ltsplan.store.history import WriteResult
from ltsplan.store.time import known, polars_schema, utcnow

DATASET = "exchange rates"


@dataclass
class RatesLoaded:
    """What ``import_rates`` did: the file's span, whether it was written (not when it was already
    the newest loaded), the series in use after it, and the stored figures it converts differently."""

    file: str
    format: str
    first_day: date
    last_day: date
    currencies: int
    days: int
    written: bool
    series: RateTable
    previous_last_day: date
    reconverted: dict[str, int] = field(default_factory=dict)  # table → rows whose EUR/USD change
    notes: list[str] = field(default_factory=list)


def import_rates(database: Database, path: Path, *, recorded_at: datetime | None = None) -> RatesLoaded:
    """Read an ECB rates file (CSV or ZIP) and store it in one transaction, logged as an import run.
    A file with any problem is refused whole (``InvalidInput``) before anything is written; loading
    the file that is already the newest loaded writes no second copy."""
    data, fmt, cited = read_rates_file(path)
    quotes = read_ecb_csv(data, file=cited)
    moment = recorded_at or utcnow()
    digest = digest_of(data)
    with database.transaction() as connection:
        before = rates_for(connection)
        newest = connection.execute(
            select(exchange_rate_file.c.digest).order_by(exchange_rate_file.c.row_id.desc()).limit(1)
        ).scalar()
        written = newest != digest
        days = int(np.unique(np.concatenate(list(quotes.days.values()))).size)
        if written:
            connection.execute(
                insert(exchange_rate_file).values(
                    recorded_at=moment,
                    file=str(path),
                    digest=digest,
                    first_day=quotes.first_day,
                    last_day=quotes.last_day,
                    currencies=len(quotes.days),
                    days=days,
                    csv=zlib.compress(data, 9),
                )
            )
        result = WriteResult(inserted=int(written), unchanged=int(not written))
        log_run(connection, Written(moment, {DATASET: result}), origin=str(path), fmt=fmt, dataset=DATASET)
        after = rates_for(connection)
        changed = {
            t.name: reconvert(connection, t, reconversions(connection, before, after, t), after, at=moment)
            for t in (ledger_entry, ledger_plan)
        }
    loaded = RatesLoaded(
        str(path),
        fmt,
        quotes.first_day,
        quotes.last_day,
        len(quotes.days),
        days,
        written,
        after,
        before.last_day,
        changed,
    )
    loaded.notes = _load_notes(loaded)
    return loaded


def _load_notes(loaded: RatesLoaded) -> list[str]:
    notes = []
    if loaded.series.last_day > loaded.previous_last_day:
        notes.append(
            f"the rates in use now end on {loaded.series.last_day} (before: {loaded.previous_last_day})"
        )
    entries, plans = loaded.reconverted.get(ledger_entry.name, 0), loaded.reconverted.get(ledger_plan.name, 0)
    counted = [
        f"{n} stored {what if n == 1 else many}"
        for n, what, many in (
            (entries, "ledger entry", "ledger entries"),
            (plans, "budget or planned disbursement", "budgets or planned disbursements"),
        )
        if n
    ]
    if counted:
        one = entries + plans == 1
        notes.append(
            f"{' and '.join(counted)} {'converts' if one else 'convert'} differently with these rates "
            f"(dated after {loaded.previous_last_day}, mostly); {'it keeps' if one else 'they keep'} "
            f"the EUR and USD figures stored with {'it' if one else 'them'} until converted again"
        )
    return notes


def reconversions(
    connection: Connection, before: RateTable, after: RateTable, table: Table = ledger_entry
) -> pl.DataFrame:
    """The live rows of ``table`` (ledger entries or plans) whose conversion may differ between the
    two series, as stored: those valued on or after the first day the series differ (their value
    date, else their own date). ``ledger.writes.reconvert`` converts them again and writes those
    whose figures change."""
    since = first_difference(before, after)
    schema = polars_schema(table)
    if since is None:
        return pl.DataFrame(schema=schema)
    dated = table.c.event_date if "event_date" in table.c else table.c.period_start
    valued_on = func.coalesce(table.c.value_date, dated)
    statement = known(table, None).where(valued_on >= since, table.c.amount.is_not(None))
    return query_frame(connection, statement, schema)


def _differs(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Rates that differ, a rate against none included (NaN: no rate)."""
    return ~((old == new) | (np.isnan(old) & np.isnan(new)))


def first_difference(before: RateTable, after: RateTable) -> date | None:
    """The first value date on which some currency's rate differs between two series (a rate in one
    and none in the other counts), or None when they convert every date alike."""
    codes = sorted(set(before.currencies) | set(after.currencies))
    low = min(before.first_day, after.first_day)  # no currency is quoted before its series begins
    # Past the later end plus the grace period nothing changes any more (each table's last day holds).
    high = max(before.last_day, after.last_day)
    span = np.arange((low - EPOCH).days, (high - EPOCH).days + GRACE_DAYS + 2)
    currency = pl.Series(np.repeat(codes, span.size), dtype=pl.Utf8)
    day = pl.Series(np.tile(span, len(codes)), dtype=pl.Int32).cast(pl.Date)
    old, new = before.per_euro(currency, day), after.per_euro(currency, day)
    differs = _differs(old, new)
    if not differs.any():
        return None
    first: date = day.filter(pl.Series(differs)).min()  # type: ignore[assignment]
    return first


def series_report(connection: Connection) -> Report:
    """The series in use: where it comes from, its first and last day, and each currency's first
    and last quote, with the last value date it is converted on."""
    rates = rates_for(connection)
    rows = [
        (
            code,
            rates.first_quote(code),
            rates.last_quote(code),
            int(rates.days[code].size) if code in rates.days else None,
            "base" if code == "EUR" else ("stopped" if code in rates.stopped else "quoted"),
            rates.converted_until(code),
        )
        for code in rates.currencies
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "currency": pl.Utf8,
            "first_quote": pl.Date,
            "last_quote": pl.Date,
            "quotes": pl.Int64,
            "status": pl.Utf8,
            "converted_until": pl.Date,
        },
        orient="row",
    )
    stopped = sorted(rates.stopped.items(), key=lambda item: item[1], reverse=True)
    notes = [
        *(f"from {source}" for source in rates.sources),
        f"{len(rates.days)} currencies besides EUR, from {rates.first_day} to {rates.last_day}; "
        f"{len(stopped)} no longer quoted: " + ", ".join(f"{c} (last {d})" for c, d in stopped),
        f"a quote stands for {GRACE_DAYS} days at most (weekends, holidays): a currency no longer quoted "
        f"is not converted after its last quote plus {GRACE_DAYS} days (converted_until); one quoted on "
        f"{rates.last_day} converts later value dates at that day's rate, with a note",
        "a currency not listed (UAH, say) is kept as given and counted as not converted",
        "`ltsplan rates import eurofxref-hist.zip` loads a newer file from the ECB",
    ]
    return Report(
        "Exchange rates in use (ECB euro reference rates, units per euro)",
        frame,
        notes=notes,
        params={
            "first_day": rates.first_day,
            "last_day": rates.last_day,
            "grace_days": GRACE_DAYS,
            "sources": list(rates.sources),
        },
    )
