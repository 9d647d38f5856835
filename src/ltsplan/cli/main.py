"""``ltsplan``: the command line. Exit status 0 on success, 1 on bad input, 2 on misuse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from ltsplan import demo as demo_service
from ltsplan.cli import actors, ledger, objectives, pathway, plan, rates, readiness, serve, standards
from ltsplan.cli.common import DbOption, DelayedProgress, database, fail, parse_recorded_at
from ltsplan.errors import LtsplanError
from ltsplan.ledger.imports import READERS, import_file
from ltsplan.records.writing import skip_summary
from ltsplan.render import print_notes


class Commands(TyperGroup):
    """The root command: an error the user can fix (``LtsplanError``) is printed, with where it is,
    and exits 1, from every command and whoever invokes the app (the console script, a test)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except LtsplanError as error:
            fail(error)


app = typer.Typer(
    name="ltsplan",
    cls=Commands,
    help="Long-term support plans as working software: the support ledger, standards and "
    "readiness, the membership pathway and stated objectives — every figure sourced, "
    "every answer available as of any past date.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.add_typer(ledger.app, name="ledger")
app.add_typer(standards.app, name="standards")
app.add_typer(readiness.app, name="readiness")
app.add_typer(pathway.app, name="pathway")
app.add_typer(objectives.app, name="objectives")
app.add_typer(plan.app, name="plan")
app.add_typer(rates.app, name="rates")
app.add_typer(actors.app, name="actors")
app.registered_commands.extend(serve.app.registered_commands)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="The file to import.", show_default=False)],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"One of {', '.join(READERS)}; guessed from the file when omitted."),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Import the valid records and write a report naming each skipped one."
        ),
    ] = False,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="The file is the whole of its datasets: withdraw their records it no longer has "
            "(as of its record time; their history stays).",
        ),
    ] = False,
    recorded_at: Annotated[
        str | None,
        typer.Option(
            "--recorded-at",
            help="When what the file says became known (YYYY-MM-DD, e.g. a tracker release's date); "
            "default now. Releases may be loaded in any order.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import a ledger file (IATI 2.03 XML, a Kiel tracker CSV, or ltsplan's CSV/XLSX/JSON).

    One transaction: a file with any invalid record writes nothing and lists every problem,
    unless --skip-invalid. Re-importing the same file changes nothing. A revised release adds and
    revises records; with --replace it also withdraws the records of its datasets it dropped.

    Example: ltsplan import examples/ledger.csv
    Example: ltsplan import release-2023-06.csv --replace --recorded-at 2023-06-14
    """
    moment = parse_recorded_at(recorded_at)
    store = database(db)
    progress = DelayedProgress(f"importing {path.name}", path.stat().st_size if path.exists() else None)
    try:
        outcome = import_file(
            store,
            path,
            fmt=fmt,
            skip_invalid=skip_invalid,
            progress=progress,
            replace=replace,
            recorded_at=moment,
        )
    finally:
        progress.close()
    summary = outcome.summary
    console = Console()
    e, p = summary.entries, summary.plans
    console.print(
        f"{path}: {outcome.format} — {e.inserted} new, {e.revised} revised, {e.unchanged} unchanged "
        f"ledger entries; {p.inserted + p.revised} budgets or planned disbursements written"
    )
    if replace:
        console.print(
            f"withdrawn, no longer in the file: {e.retracted} ledger entries, "
            f"{p.retracted} budgets or planned disbursements"
        )
    print_notes(console, summary.notes)
    if outcome.report_path:
        console.print(f"[yellow]{escape(skip_summary(summary.skipped, outcome.report_path))}[/yellow]")


@app.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="Where to write: .csv, .xlsx or .json.", show_default=False)],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Export what was known on this date.")] = None,
    db: DbOption = None,
) -> None:
    """Export the ledger entries and their sources in ltsplan's native format (by suffix: .csv, .xlsx, .json).

    Export then import round-trips exactly.

    Example: ltsplan export ledger.xlsx
    """
    from ltsplan.cli.common import parse_as_of
    from ltsplan.ledger.exports import export_ledger

    count = export_ledger(database(db), path, moment=parse_as_of(as_of))
    Console().print(f"wrote {count} ledger entries to {path}")


@app.command("demo")
def demo_command(db: DbOption = None) -> None:
    """Load the demonstration data (idempotent: a second run changes nothing) and say where to look.

    Example: ltsplan demo --db demo.db
    """
    store = database(db)
    for line in demo_service.run(store):
        Console(highlight=False, soft_wrap=True).print(line)


def main() -> None:
    app(standalone_mode=True)


def build_app() -> typer.Typer:
    """The app with every command group registered (for tests and documentation)."""
    return app
