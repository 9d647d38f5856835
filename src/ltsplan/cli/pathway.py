"""``ltsplan pathway …``: decisions before a body, who supports or blocks them, and which
membership conditions are met — today or as known on any date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ltsplan.cli.common import AsOfOption, DbOption, FormatOption, database, emit, parse_as_of
from ltsplan.services import objectives as objectives_service
from ltsplan.services import pathway as service
from ltsplan.services.scenario import PATHWAY_PARTS, export_document, import_scenario, write_document

app = typer.Typer(
    help="The membership pathway: decisions, positions, consensus, conditions.", no_args_is_help=True
)

DecisionArgument = Annotated[str, typer.Argument(help="A decision's code (see `ltsplan pathway decisions`).")]
SearchOption = Annotated[
    str | None,
    typer.Option("--search", "-s", help="Only statements whose quote, actor, topic or source mention this."),
]
RecordedOption = Annotated[
    bool,
    typer.Option(
        "--recorded-from-file",
        help="Date each record's knowledge by its 'recorded' field (else its sources' publication "
        "date) instead of now — to replay a scenario's history.",
    ),
]


@app.command()
def decisions(as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Each decision with its status, its consensus, and who supports, blocks or is undecided.

    Example: ltsplan pathway decisions --as-of 2023-06-14
    """
    with database(db).reading() as connection:
        report = service.decisions(connection, parse_as_of(as_of))
    emit(report, fmt)


@app.command()
def positions(
    decision: DecisionArgument, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Every member's latest position on a decision (or none), and non-members' positions, with sources.

    Example: ltsplan pathway positions invite-ukraine --as-of 2023-06-14
    """
    with database(db).reading() as connection:
        report = service.positions(connection, decision, parse_as_of(as_of))
    emit(report, fmt)


@app.command()
def history(
    decision: DecisionArgument, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """How the consensus on a decision moved: one row per position stated or member joining.

    Example: ltsplan pathway history invite-ukraine
    """
    with database(db).reading() as connection:
        report = service.history(connection, decision, parse_as_of(as_of))
    emit(report, fmt)


@app.command()
def conditions(
    decision: Annotated[
        str | None, typer.Option("--decision", help="Only this decision's conditions.")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The conditions of each pathway, met / not met / unknown, and what remains.

    Example: ltsplan pathway conditions --decision invite-ukraine --as-of 2023-07-12
    """
    with database(db).reading() as connection:
        report = service.conditions(connection, parse_as_of(as_of), decision)
    emit(report, fmt)


@app.command()
def statements(
    search: SearchOption = None, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Quotes attributed to actors (the same list as `ltsplan objectives statements`).

    Example: ltsplan pathway statements --search "array of views"
    """
    with database(db).reading() as connection:
        report = objectives_service.statements(connection, parse_as_of(as_of), search=search)
    emit(report, fmt)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A scenario document (.yaml, .yml or .json).")],
    recorded_from_file: RecordedOption = False,
    db: DbOption = None,
) -> None:
    """Import a scenario document: sources, actors, bodies, memberships, decisions, outcomes,
    positions, conditions (and any objectives, assessments and statements in it).

    One transaction: a document with any problem writes nothing and lists every problem with its
    line and field. Re-importing the same document changes nothing.

    Example: ltsplan pathway import my-scenario.yaml
    """
    summary = import_scenario(database(db), path, use_recorded_dates=recorded_from_file)
    for line in summary.lines():
        Console(highlight=False).print(line)


@app.command("export")
def export_command(
    path: Annotated[
        Path, typer.Argument(help="Where to write: .yaml, .json (a document) or .csv (positions).")
    ],
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export the pathway as a scenario document (import it again and nothing changes), or the
    positions as a CSV list.

    Example: ltsplan pathway export pathway.yaml --as-of 2023-06-14
    """
    from ltsplan.render import to_csv

    moment = parse_as_of(as_of)
    with database(db).reading() as connection:
        if path.suffix.lower() == ".csv":
            report = service.position_list(connection, moment)
            path.write_text(to_csv(report), encoding="utf-8")
            Console().print(f"wrote {report.frame.height} positions to {path}")
            return
        document = export_document(connection, moment, PATHWAY_PARTS)
    write_document(document, path)
    Console().print(f"wrote {sum(len(document.get(p, [])) for p in PATHWAY_PARTS)} pathway records to {path}")
