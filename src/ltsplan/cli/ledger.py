"""``ltsplan ledger …``: who pledged what, for which years, and what arrived."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Connection

from ltsplan.cli.common import (
    AsOfOption,
    ChartOutputOption,
    DbOption,
    FormatOption,
    answer,
    check_choice,
    check_format,
    database,
    emit,
    parse_as_of,
    print_written,
)
from ltsplan.errors import InvalidInput
from ltsplan.ledger import reports as ledger_reports
from ltsplan.ledger.due import DUE_GROUPS, still_due
from ltsplan.ledger.phasing import PHASINGS
from ltsplan.ledger.reports import CURRENCIES, LedgerFilter
from ltsplan.report import Report

app = typer.Typer(
    help="The support ledger: totals, fulfilment, delivery lags, history, charts.", no_args_is_help=True
)

CurrencyOption = Annotated[str, typer.Option("--currency", help="Reporting currency: EUR or USD.")]
DonorOption = Annotated[
    list[str] | None,
    typer.Option("--donor", help="Only these donors (repeatable; ISO alpha-3 or actor code)."),
]
CategoryOption = Annotated[
    list[str] | None,
    typer.Option("--category", help="Only these categories (military, financial, humanitarian)."),
]
DatasetOption = Annotated[
    list[str] | None, typer.Option("--dataset", help="Only entries from these datasets.")
]
YearFromOption = Annotated[
    int | None, typer.Option("--from-year", help="Only entries dated in or after this year.")
]
YearToOption = Annotated[
    int | None, typer.Option("--to-year", help="Only entries dated in or before this year.")
]
PhasingOption = Annotated[
    str,
    typer.Option(
        "--phasing",
        help="event: a commitment counts in the year of its date (the Kiel tracker's way); spread: one "
        "whose period spans several years counts in those years, by its schedule or pro rata by days.",
    ),
]


def parse_dimensions(text: str) -> list[str]:
    """``--by`` as a list; an unknown or repeated dimension is a misuse of the command (exit 2)."""
    try:
        return ledger_reports.parse_dimensions(text)
    except InvalidInput as error:
        raise typer.BadParameter("; ".join(p.message for p in error.problems), param_hint="--by") from None


def check_currency(currency: str) -> str:
    if currency.upper() not in CURRENCIES:
        raise typer.BadParameter(
            f"'{currency}' is not offered; use {' or '.join(CURRENCIES)}", param_hint="--currency"
        )
    return currency.upper()


def _filters(
    donor: list[str] | None,
    category: list[str] | None,
    dataset: list[str] | None,
    from_year: int | None,
    to_year: int | None,
) -> LedgerFilter:
    return LedgerFilter(tuple(donor or ()), tuple(category or ()), tuple(dataset or ()), from_year, to_year)


def _series_query(
    currency: str,
    as_of: str | None,
    donor: list[str] | None,
    category: list[str] | None,
    dataset: list[str] | None,
) -> Callable[[Connection], Report]:
    """The monthly series that ``series`` prints and ``chart`` draws (options checked first)."""
    code, moment = check_currency(currency), parse_as_of(as_of)
    filters = _filters(donor, category, dataset, None, None)
    return lambda connection: ledger_reports.series(connection, currency=code, moment=moment, filters=filters)


@app.command()
def totals(
    by: Annotated[
        str,
        typer.Option(
            "--by", help="Group by any of donor, recipient, year, month, category, subtype, dataset."
        ),
    ] = "donor,year,category",
    currency: CurrencyOption = "EUR",
    as_of: AsOfOption = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Only the N largest groups by pledged value.")
    ] = None,
    gdp_year: Annotated[
        int | None,
        typer.Option("--gdp-year", help="Show shares of this year's GDP (the Kiel tracker uses 2021)."),
    ] = None,
    share_eu: Annotated[
        bool,
        typer.Option(
            "--share-eu",
            help="Share the EU institutions' figures out to the member states, as the Kiel tracker does.",
        ),
    ] = False,
    phasing: PhasingOption = "event",
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    from_year: YearFromOption = None,
    to_year: YearToOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Announced, pledged, allocated and delivered, by donor × year × category (or any grouping).

    Example: ltsplan ledger totals --by donor --top 10 --as-of 2023-06-14
    Example: ltsplan ledger totals --by donor,year --phasing spread
    """
    groups, code, moment = parse_dimensions(by), check_currency(currency), parse_as_of(as_of)
    check_choice(phasing, PHASINGS, "--phasing")
    answer(
        db,
        fmt,
        lambda connection: ledger_reports.totals(
            connection,
            by=groups,
            currency=code,
            moment=moment,
            filters=_filters(donor, category, dataset, from_year, to_year),
            top=top,
            gdp_year=gdp_year,
            share_eu=share_eu,
            phasing=phasing,
        ),
    )


@app.command()
def due(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="One row per pledge and year (pledge), or per group and year: donor, recipient, "
            "category, subtype, dataset (comma-separated).",
        ),
    ] = "pledge",
    currency: CurrencyOption = "EUR",
    as_of: AsOfOption = None,
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    from_year: YearFromOption = None,
    to_year: YearToOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Multi-year pledges year by year: the part phased into each year, what was delivered against
    it (deliveries linked by commitment_id) and what is still due.

    Example: ltsplan ledger due --donor NOR --as-of 2024-12-31
    Example: ltsplan ledger due --by donor --format csv
    """
    groups = [part.strip() for part in by.split(",") if part.strip()]
    if not groups or len(set(groups)) < len(groups) or not set(groups) <= set(DUE_GROUPS):
        raise typer.BadParameter(
            f"'{by}' is not a grouping; name each once, from {', '.join(DUE_GROUPS)}", param_hint="--by"
        )
    code, moment = check_currency(currency), parse_as_of(as_of)
    answer(
        db,
        fmt,
        lambda connection: still_due(
            connection,
            by=groups,
            currency=code,
            moment=moment,
            filters=_filters(donor, category, dataset, from_year, to_year),
        ),
    )


@app.command()
def fulfilment(
    by: Annotated[str, typer.Option("--by", help="Grouping (default donor,category).")] = "donor,category",
    currency: CurrencyOption = "EUR",
    as_of: AsOfOption = None,
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Pledged against delivered and allocated: who is behind on delivery, lowest rate first.

    Example: ltsplan ledger fulfilment --by donor --format csv
    """
    groups, code, moment = parse_dimensions(by), check_currency(currency), parse_as_of(as_of)
    answer(
        db,
        fmt,
        lambda connection: ledger_reports.fulfilment(
            connection,
            by=groups,
            currency=code,
            moment=moment,
            filters=_filters(donor, category, dataset, None, None),
        ),
    )


@app.command()
def lags(
    by: Annotated[str, typer.Option("--by", help="Grouping (default donor,category).")] = "donor,category",
    as_of: AsOfOption = None,
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Days from commitment to delivery, as a distribution (min, quartiles, p90, max, mean).

    Example: ltsplan ledger lags --by donor
    """
    groups, moment = parse_dimensions(by), parse_as_of(as_of)
    answer(
        db,
        fmt,
        lambda connection: ledger_reports.lags(
            connection,
            by=groups,
            moment=moment,
            filters=_filters(donor, category, dataset, None, None),
        ),
    )


@app.command()
def series(
    currency: CurrencyOption = "EUR",
    as_of: AsOfOption = None,
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Pledged, allocated and delivered by month, with running totals.

    Example: ltsplan ledger series --donor DEU --format csv
    """
    answer(db, fmt, _series_query(currency, as_of, donor, category, dataset))


@app.command()
def chart(
    output: ChartOutputOption = Path("ledger-pledged-vs-delivered.png"),
    currency: CurrencyOption = "EUR",
    as_of: AsOfOption = None,
    donor: DonorOption = None,
    category: CategoryOption = None,
    dataset: DatasetOption = None,
    db: DbOption = None,
) -> None:
    """Draw pledged vs allocated vs delivered over time, as PNG and SVG.

    Example: ltsplan ledger chart -o out/pledged.png
    """
    from ltsplan.ledger.charts import pledged_vs_delivered

    query = _series_query(currency, as_of, donor, category, dataset)
    with database(db).reading() as connection:
        report = query(connection)
    print_written(pledged_vs_delivered(report, output))


@app.command()
def history(
    record: Annotated[str, typer.Argument(help="A ledger entry id (or an unambiguous prefix).")],
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Every version of one entry: each figure as recorded, and when it was replaced.

    Example: ltsplan ledger history 3fa2 --as-of 2023-06-14
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: ledger_reports.history(connection, record, moment))


@app.command("dataset")
def dataset_command(
    name: Annotated[str, typer.Argument(help="The dataset, as its entries name it.", show_default=False)],
    reports: Annotated[
        str,
        typer.Option(
            "--reports",
            help="The measures it reports, separated by commas: commitments, allocations, deliveries.",
            show_default=False,
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Why, or where this is stated.")] = None,
    db: DbOption = None,
) -> None:
    """Declare what a dataset reports. Over data that report no deliveries, delivered and
    fulfilment are "not reported", not 0 %. The Kiel and IATI readers declare their own;
    a dataset that declares nothing is taken to report every measure.

    Example: ltsplan ledger dataset pledges-2024 --reports commitments,allocations
    """
    from ltsplan.ledger.datasets import declare

    result = declare(database(db), name, reports, note)
    changed = "recorded" if result.inserted or result.revised else "unchanged"
    Console().print(f"{name}: reports {reports} ({changed})")


@app.command("load-gdp")
def load_gdp(
    path: Annotated[
        Path, typer.Argument(help="A CSV: Country Name, Country Code, Year, Value (US dollars).")
    ],
    published_after_year: Annotated[
        bool,
        typer.Option(
            "--published-after-year",
            help="Record each year's figure as known from 1 July of the next year (for as-of views).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Load GDP in current US dollars (World Bank NY.GDP.MKTP.CD shape), for shares of GDP.

    Reloading the same file changes nothing; a revised figure becomes a new version.

    Example: ltsplan ledger load-gdp worldbank_gdp_current_usd.csv
    """
    from ltsplan.ledger.reference import load_gdp as load

    result, table = load(database(db), path, published_after_year=published_after_year)
    Console().print(
        f"{path}: {result.inserted} new, {result.revised} revised, {result.unchanged} unchanged GDP "
        f"figures; left out {table.skipped_aggregates} rows of regions or groups (not ISO 3166 states) "
        f"and {table.skipped_empty} rows with no value"
    )


@app.command()
def check(
    repair: Annotated[
        bool,
        typer.Option("--repair", help="Make the stored totals equal the ones rebuilt from the entries."),
    ] = False,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Rebuild the maintained totals from every version of every entry and compare them with what
    is stored; exit 1 when they differ (unless --repair made them equal).

    Example: ltsplan ledger check --repair
    """
    from ltsplan.ledger.check import check_totals

    check_format(fmt)
    with database(db).transaction() as connection:
        result = check_totals(connection, repair=repair)
    emit(result.report(), fmt)
    if not result.clean and not result.repaired:
        raise typer.Exit(1)
