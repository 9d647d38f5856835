"""``ltsplan pathway …``: decisions before a body, who supports or blocks them, and which
membership conditions are met — today or as known on any date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ltsplan.cli.common import AsOfOption, DbOption, FormatOption, SkipInvalidOption, answer, parse_as_of
from ltsplan.cli.scenario import DocumentArgument, RecordedOption, SearchOption, export_parts, import_document
from ltsplan.objectives import reports as objectives_service
from ltsplan.pathway import reports as service
from ltsplan.pathway.formats import PATHWAY_PARTS

app = typer.Typer(
    help="The membership pathway: decisions, positions, consensus, conditions.", no_args_is_help=True
)

DecisionArgument = Annotated[str, typer.Argument(help="A decision's code (see `ltsplan pathway decisions`).")]


@app.command()
def decisions(as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Each decision with its status, its consensus, and who supports, blocks or is undecided.

    Example: ltsplan pathway decisions --as-of 2023-06-14
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.decisions(connection, moment))


@app.command()
def positions(
    decision: DecisionArgument, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Every member's latest position on a decision (or none), and non-members' positions, with sources.

    Example: ltsplan pathway positions invite-ukraine --as-of 2023-06-14
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.positions(connection, decision, moment))


@app.command()
def history(
    decision: DecisionArgument, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """How the consensus on a decision moved: one row per position stated or member joining.

    Example: ltsplan pathway history invite-ukraine
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.history(connection, decision, moment))


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
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.conditions(connection, moment, decision))


@app.command()
def statements(
    search: SearchOption = None, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Quotes attributed to actors (the same list as `ltsplan objectives statements`).

    Example: ltsplan pathway statements --search "array of views"
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: objectives_service.statements(connection, moment, search=search))


@app.command("import")
def import_command(
    path: DocumentArgument,
    recorded_from_file: RecordedOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
) -> None:
    """Import a scenario document: sources, actors, bodies, memberships, decisions, outcomes,
    positions, conditions (and any objectives, assessments and statements in it).

    One transaction: a document with any problem writes nothing and lists every problem with its
    line and field, unless --skip-invalid. Re-importing the same document changes nothing.

    Example: ltsplan pathway import my-scenario.yaml
    """
    import_document(path, recorded_from_file, db, skip_invalid)


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
    export_parts(
        path,
        as_of,
        db,
        parts=PATHWAY_PARTS,
        noun="pathway records",
        csv_list=service.position_list,
        csv_noun="positions",
    )
