"""``ltsplan objectives …``: the parties' stated aims, each assessor's verdict side by side, and
the statements behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import AsOfOption, DbOption, FormatOption, database, emit, parse_as_of
from ltsplan.cli.pathway import RecordedOption, SearchOption
from ltsplan.services import objectives as service
from ltsplan.services.scenario import OBJECTIVE_PARTS, export_document, import_scenario, write_document

app = typer.Typer(
    help="Stated objectives, competing assessments (graded by source) and statements.", no_args_is_help=True
)


@app.command()
def scoreboard(as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Per objective, each assessor's latest verdict side by side, and how far they diverge.

    Example: ltsplan objectives scoreboard --as-of 2023-06-14
    """
    with database(db).reading() as connection:
        report = service.scoreboard(connection, parse_as_of(as_of))
    emit(report, fmt)


@app.command()
def show(
    objective: Annotated[str, typer.Argument(help="An objective's code (see the scoreboard).")],
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """One objective: who stated it, and every assessment of it over time with its source's grade.

    Example: ltsplan objectives show prevent-ukraine-nato
    """
    with database(db).reading() as connection:
        report = service.show(connection, objective, parse_as_of(as_of))
    emit(report, fmt)


@app.command()
def statements(
    search: SearchOption = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor's statements (its code).")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Quotes attributed to actors — on the record, official spokesman or anonymous — newest first.

    Example: ltsplan objectives statements --search peskov --format json
    """
    with database(db).reading() as connection:
        report = service.statements(connection, parse_as_of(as_of), search=search, actor_code=actor)
    emit(report, fmt)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A scenario document (.yaml, .yml or .json).")],
    recorded_from_file: RecordedOption = False,
    db: DbOption = None,
) -> None:
    """Import a scenario document: objectives, assessments, statements (and any pathway sections).

    One transaction: a document with any problem writes nothing and lists every problem with its
    line and field. Re-importing the same document changes nothing.

    Example: ltsplan objectives import assessments.yaml
    """
    summary = import_scenario(database(db), path, use_recorded_dates=recorded_from_file)
    for line in summary.lines():
        Console(highlight=False).print(line)


@app.command("export")
def export_command(
    path: Annotated[
        Path, typer.Argument(help="Where to write: .yaml, .json (a document) or .csv (statements).")
    ],
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export objectives, assessments and statements as a scenario document, or statements as CSV.

    Example: ltsplan objectives export objectives.json
    """
    from ltsplan.render import to_csv

    moment = parse_as_of(as_of)
    with database(db).reading() as connection:
        if path.suffix.lower() == ".csv":
            report = service.statements(connection, moment)
            path.write_text(to_csv(report), encoding="utf-8")
            Console().print(f"wrote {report.frame.height} statements to {path}")
            return
        document = export_document(connection, moment, OBJECTIVE_PARTS)
    write_document(document, path)
    Console().print(f"wrote {sum(len(document.get(p, [])) for p in OBJECTIVE_PARTS)} records to {path}")
