"""``ltsplan rates …``: the ECB exchange rates ledger amounts are converted with — the series in
use, and loading a newer file from the ECB (offline: the file is downloaded by you)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import DbOption, FormatOption, answer, database
from ltsplan.ledger import rates as service
from ltsplan.render import print_notes

app = typer.Typer(
    help="Exchange rates: the ECB euro reference rates that convert ledger amounts to EUR and USD.",
    no_args_is_help=True,
)


@app.command("show")
def show(fmt: FormatOption = "table", db: DbOption = None) -> None:
    """The series in use: its source, first and last day, and each currency's first and last quote
    with the last value date it is converted on (a currency the ECB stopped quoting is converted up
    to 7 days after its last quote).

    Example: ltsplan rates show --format csv
    """
    answer(db, fmt, service.series_report)


@app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="eurofxref-hist.zip or eurofxref-hist.csv, as the ECB publishes them "
            "(https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
) -> None:
    """Load a newer file of the ECB's euro reference rates into the database (kept there, so every
    process that opens it converts with it). For the days it covers, a file replaces the rates in use;
    the rest stay. A file with any problem is refused whole, naming line and column.

    Example: ltsplan rates import eurofxref-hist.zip
    """
    loaded = service.import_rates(database(db), path)
    console = Console(highlight=False, soft_wrap=True)
    state = "loaded" if loaded.written else "already the newest file loaded; nothing written"
    console.print(
        f"{loaded.file}: ECB reference rates {loaded.first_day} to {loaded.last_day}, "
        f"{loaded.currencies} currencies quoted, {loaded.days} day{'s' if loaded.days != 1 else ''} — {state}"
    )
    print_notes(console, loaded.notes)
