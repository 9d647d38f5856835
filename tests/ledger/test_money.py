"""Money normalisation: the ECB reference rate of the value date, the previous business day's rate on
a weekend, and currencies the ECB does not quote (UAH) kept as given and never converted."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from currency_converter import CurrencyConverter, RateNotFoundError
from ledger_sample import in_currency

from ltsplan.ledger.money import EPOCH, GRACE_DAYS, ecb_rates

RATES = ecb_rates()
ECB = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def normalised(amount: float, currency: str, value_date: date) -> tuple[float | None, float | None]:
    frame = pl.DataFrame(
        {"amount": [amount], "currency": [currency], "value_date": [value_date]},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    row = RATES.normalise(frame).row(0, named=True)
    return row["eur"], row["usd"]


def test_an_amount_in_usd_is_converted_at_that_days_ecb_rate() -> None:
    day = date(2023, 6, 14)  # a Wednesday
    eur, usd = normalised(1_000_000.0, "USD", day)
    assert eur == pytest.approx(1_000_000.0 / ECB._get_rate("USD", day), rel=1e-12)
    assert usd == pytest.approx(1_000_000.0, rel=1e-12)


def test_a_weekend_value_date_takes_the_previous_business_days_rate() -> None:
    saturday, friday = date(2023, 6, 17), date(2023, 6, 16)
    assert saturday.weekday() == 5
    with pytest.raises(RateNotFoundError):  # the ECB publishes nothing on a Saturday
        ECB.convert(1.0, "USD", "EUR", date=saturday)
    eur, _ = normalised(500.0, "GBP", saturday)
    assert eur == pytest.approx(ECB.convert(500.0, "GBP", "EUR", date=friday), rel=1e-12)
    assert eur == pytest.approx(in_currency(500.0, "GBP", saturday), rel=1e-12)


def test_an_amount_in_eur_is_kept_and_converted_to_usd() -> None:
    day = date(2022, 3, 4)
    eur, usd = normalised(250.0, "EUR", day)
    assert eur == 250.0
    assert usd == pytest.approx(ECB.convert(250.0, "EUR", "USD", date=day), rel=1e-12)


def test_hryvnia_is_not_quoted_by_the_ecb_and_is_left_unconverted() -> None:
    assert "UAH" not in ECB.currencies
    assert normalised(4_000_000.0, "UAH", date(2023, 6, 14)) == (None, None)


def test_a_date_before_the_ecb_series_has_no_rate() -> None:
    assert normalised(100.0, "USD", date(1990, 1, 2)) == (None, None)
    assert normalised(100.0, "EUR", date(1990, 1, 2)) == (None, None)


def test_many_rows_are_converted_column_wise_each_at_its_own_date() -> None:
    days = [date(2022, 1, 3), date(2022, 7, 9), date(2024, 2, 29), date(2025, 12, 25)]
    currencies = ["PLN", "JPY", "USD", "UAH"]
    frame = pl.DataFrame(
        {"amount": [1e6] * 4, "currency": currencies, "value_date": days},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    got = RATES.normalise(frame).get_column("eur").to_list()
    expected = [in_currency(1e6, c, d) for c, d in zip(currencies, days, strict=True)]
    assert got[3] is None and expected[3] is None
    assert got[:3] == pytest.approx(expected[:3], rel=1e-12)


def test_the_rate_table_holds_every_quote_of_the_shipped_ecb_history() -> None:
    # The table is read from the package's ECB file directly; the package's own loader is the
    # reference for what the file says (every currency, every day it was quoted).
    for code, by_day in ECB._rates.items():
        quoted = sorted((d, r) for d, r in by_day.items() if r is not None and r == r)
        if code == "EUR" or not quoted:
            continue
        days = [(d - date(1970, 1, 1)).days for d, _ in quoted]
        assert RATES.days[code].tolist() == days, code
        assert RATES.rates[code].tolist() == [r for _, r in quoted], code
    assert set(RATES.days) == {c for c, by_day in ECB._rates.items() if c != "EUR" and by_day}
    assert (RATES.first_day, RATES.last_day) == ECB.bounds["USD"]


def test_rows_of_many_currencies_each_take_their_own_currencys_last_quote() -> None:
    # Every currency the ECB quotes, EUR, unquoted and missing codes, dates before, inside and after
    # the series and before a currency's own first quote, in one frame: each row must get exactly
    # the rule's rate (the last quote of its currency on or before its day, when it is at most
    # GRACE_DAYS old or is the series' last day).
    rng = np.random.default_rng(20230614)
    codes = [*sorted(RATES.days), "EUR", "UAH", None]
    first, last = (RATES.first_day - EPOCH).days, (RATES.last_day - EPOCH).days
    n = 20_000
    currency = [codes[i] for i in rng.integers(0, len(codes), n)]
    days = rng.integers(first - 400, last + 400, n)
    value_date = [None if i % 97 == 0 else EPOCH + timedelta(days=int(d)) for i, d in enumerate(days)]
    got = RATES.per_euro(pl.Series(currency, dtype=pl.Utf8), pl.Series(value_date, dtype=pl.Date))

    def rule(code: str | None, day: date | None) -> float:
        if code is None or day is None:
            return float("nan")
        if code == "EUR":
            return 1.0 if day >= RATES.first_day else float("nan")
        if code not in RATES.days:
            return float("nan")
        at = bisect.bisect_right(RATES.days[code].tolist(), (day - EPOCH).days) - 1
        if at < 0:
            return float("nan")
        quoted_on = EPOCH + timedelta(days=int(RATES.days[code][at]))
        if (day - quoted_on).days > GRACE_DAYS and quoted_on < RATES.last_day:
            return float("nan")
        return float(RATES.rates[code][at])

    expected = np.array([rule(c, d) for c, d in zip(currency, value_date, strict=True)])
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.isnan(expected).sum() > 0 and (~np.isnan(expected)).sum() > n // 2
