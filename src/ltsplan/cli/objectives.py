"""``ltsplan objectives …``: the parties' stated aims, each assessor's verdict side by side, and
the statements behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ltsplan.cli.common import AsOfOption, DbOption, FormatOption, SkipInvalidOption, answer, parse_as_of
from ltsplan.cli.scenario import DocumentArgument, RecordedOption, SearchOption, export_parts, import_document
from ltsplan.objectives import reports as service
from ltsplan.pathway.formats import OBJECTIVE_PARTS

app = typer.Typer(
    help="Stated objectives, competing assessments (graded by source) and statements.", no_args_is_help=True
)


@app.command()
def scoreboard(as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None) -> None:
    """Per objective, each assessor's latest verdict side by side, and how far they diverge.

    Example: ltsplan objectives scoreboard --as-of 2023-06-14
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.scoreboard(connection, moment))


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
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: service.show(connection, objective, moment))


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
    moment = parse_as_of(as_of)
    answer(
        db, fmt, lambda connection: service.statements(connection, moment, search=search, actor_code=actor)
    )


@app.command("import")
def import_command(
    path: DocumentArgument,
    recorded_from_file: RecordedOption = False,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
) -> None:
    """Import a scenario document: objectives, assessments, statements (and any pathway sections).

    One transaction: a document with any problem writes nothing and lists every problem with its
    line and field, unless --skip-invalid. Re-importing the same document changes nothing.

    Example: ltsplan objectives import assessments.yaml
    """
    import_document(path, recorded_from_file, db, skip_invalid)


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
    export_parts(
        path,
        as_of,
        db,
        parts=OBJECTIVE_PARTS,
        noun="records",
        csv_list=lambda connection, moment: service.statements(connection, moment),
        csv_noun="statements",
    )
