"""``ltsplan standards …``: the catalogue of standards and requirements, and national adoption."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import (
    AsOfOption,
    DbOption,
    FormatFileOption,
    FormatOption,
    SkipInvalidOption,
    database,
    emit,
    parse_as_of,
    parse_day,
    print_result,
)
from ltsplan.standards import exports, reports
from ltsplan.standards import imports as service
from ltsplan.standards.charts import coverage_curve
from ltsplan.standards.formats import SECTION_NAMES as SECTIONS

app = typer.Typer(
    help="Standards: the catalogue (standards and their requirements), national adoption and "
    "adoption coverage.",
    no_args_is_help=True,
)

DomainOption = Annotated[
    str | None,
    typer.Option("--domain", help="Only this domain (land, air, training, …).", show_default=False),
]
CountryOption = Annotated[
    str | None,
    typer.Option("--country", help="Only this country (actor code, e.g. UKR).", show_default=False),
]
ByOption = Annotated[
    str | None, typer.Option("--by", help="Group by 'domain' (always by country).", show_default=False)
]


def _by_domain(by: str | None) -> bool:
    if by is None:
        return False
    if by.strip().lower() in ("domain", "country,domain"):
        return True
    if by.strip().lower() == "country":
        return False
    raise typer.BadParameter(f"cannot group by '{by}'; use --by domain", param_hint="--by")


@app.command("list")
def list_command(
    domain: DomainOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The catalogue: one row per standard, with its count of requirements (and of illustrative ones).

    Example: ltsplan standards list --domain training --as-of 2023-06-14
    """
    emit(reports.list_standards(database(db), domain=domain, moment=parse_as_of(as_of)), fmt)


@app.command("show")
def show_command(
    designator: Annotated[str, typer.Argument(help="The standard, e.g. 'STANAG 6001'.", show_default=False)],
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """One standard's requirements: code, text, measure (binary, ordinal levels or percentage),
    threshold, and whether each is illustrative.

    Example: ltsplan standards show "STANAG 6001"
    """
    emit(reports.show_standard(database(db), designator, moment=parse_as_of(as_of)), fmt)


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Files to import together (standards, requirements, adoption).")
    ],
    fmt: FormatFileOption = None,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
) -> None:
    """Import catalogue, requirements and adoption (YAML, JSON, CSV or XLSX) in one transaction.

    A file with any invalid record writes nothing and lists every problem (file, line, field),
    unless --skip-invalid. Re-importing the same files changes nothing.

    Example: ltsplan standards import catalogue.csv requirements.yaml adoption.xlsx
    """
    written = service.import_files(database(db), paths, fmt=fmt, skip_invalid=skip_invalid)
    print_result(written, ", ".join(str(p) for p in paths))


@app.command("export")
def export_command(
    path: Annotated[
        Path, typer.Argument(help="Where to write: .yaml, .json, .csv or .xlsx.", show_default=False)
    ],
    fmt: FormatFileOption = None,
    section: Annotated[
        list[str] | None,
        typer.Option("--section", help=f"Only these sections ({', '.join(SECTIONS)}); repeatable."),
    ] = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export the catalogue, requirements and adoption; export then import round-trips exactly.

    CSV holds one section per file: with several sections, one file each is written beside PATH
    (<stem>.standards.csv, <stem>.requirements.csv, <stem>.adoption.csv).

    Example: ltsplan standards export catalogue.xlsx --as-of 2023-06-14
    """
    for name in section or ():
        if name not in SECTIONS:
            raise typer.BadParameter(
                f"'{name}' is not a section; use {', '.join(SECTIONS)}", param_hint="--section"
            )
    written = exports.export_files(
        database(db), path, fmt=fmt, sections=tuple(section or SECTIONS), moment=parse_as_of(as_of)
    )
    console = Console(highlight=False)
    for target, count in written.items():
        console.print(f"wrote {count} records to {target}")


@app.command("adoption")
def adoption_command(
    country: CountryOption = None,
    domain: DomainOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """National adoption, one row per country and standard: applicable, ratification (with any
    reservation), implementation and their dates.

    Example: ltsplan standards adoption --country UKR --domain land
    """
    emit(
        reports.adoption_report(database(db), country=country, domain=domain, moment=parse_as_of(as_of)), fmt
    )


@app.command("coverage")
def coverage_command(
    by: ByOption = None,
    on: Annotated[
        str | None,
        typer.Option("--on", help="Count what was implemented on this day (YYYY-MM-DD).", show_default=False),
    ] = None,
    country: CountryOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Adoption coverage = implemented ÷ applicable (never ÷ all), per country or per domain, with
    the sourced statements about standards shown beside it.

    --on is valid time (implemented by that day); --as-of is record time (what was known then).

    Example: ltsplan standards coverage --by domain --on 2022-12-31
    """
    report = reports.coverage_report(
        database(db),
        by_domain=_by_domain(by),
        day=parse_day(on, "--on"),
        moment=parse_as_of(as_of),
        country=country,
    )
    emit(report, fmt)


@app.command("coverage-series")
def coverage_series_command(
    by: ByOption = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD).", show_default=False)
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD).", show_default=False)
    ] = None,
    country: CountryOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Coverage at each year end (and the last day): the adoption-coverage curve as a table.

    Example: ltsplan standards coverage-series --from 2016-01-01 --format csv
    """
    report = reports.coverage_series_report(
        database(db),
        start=parse_day(start, "--from"),
        end=parse_day(end, "--to"),
        by_domain=_by_domain(by),
        moment=parse_as_of(as_of),
        country=country,
    )
    emit(report, fmt)


@app.command("coverage-chart")
def coverage_chart_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Chart file (.png; an .svg is written beside it).")
    ],
    by: ByOption = None,
    country: CountryOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Draw the adoption-coverage curve (implemented ÷ applicable over time) as PNG and SVG.

    Example: ltsplan standards coverage-chart -o ltsplan-out/coverage.png --by domain
    """
    report = reports.coverage_series_report(
        database(db), by_domain=_by_domain(by), moment=parse_as_of(as_of), country=country
    )
    for path in coverage_curve(report, output):
        Console(highlight=False).print(f"wrote {path}")


@app.command("statements")
def statements_command(as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Claims about standards made by sources (e.g. a minister's figures), each with its Admiralty
    grade; they are reported, not computed.

    Example: ltsplan standards statements --format json
    """
    emit(reports.statements_report(database(db), moment=parse_as_of(as_of)), fmt)
