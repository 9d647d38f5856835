"""``ltsplan objectives …``: the parties' stated aims, each assessor's verdict side by side, and
the statements behind them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ltsplan.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    SkipInvalidOption,
    answer,
    parse_as_of,
    parse_day,
)
from ltsplan.cli.scenario import (
    DocumentArgument,
    OnOption,
    RecordedOption,
    SearchOption,
    cites_sources,
    export_parts,
    import_document,
    record_from_command,
)
from ltsplan.objectives import reports as service
from ltsplan.objectives.model import ATTRIBUTIONS, STATUSES
from ltsplan.pathway.formats import OBJECTIVE_PARTS

app = typer.Typer(
    help="Stated objectives, competing assessments (graded by source) and statements.", no_args_is_help=True
)


@app.command()
def scoreboard(
    on: OnOption = None, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Per objective, each assessor's latest verdict side by side, and how far they diverge.

    --on D takes each assessor's latest verdict dated on or before D, with everything known now.

    Example: ltsplan objectives scoreboard --on 2024-07-31
    Example: ltsplan objectives scoreboard --as-of 2023-06-14
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.scoreboard(connection, moment, day))


@app.command()
def show(
    objective: Annotated[str, typer.Argument(help="An objective's code (see the scoreboard).")],
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """One objective: who stated it, and every assessment of it over time (up to --on) with its
    source's grade.

    Example: ltsplan objectives show prevent-ukraine-nato
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.show(connection, objective, moment, day))


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


# Recording one assessment or statement at a time, with its sources (see `ltsplan pathway position
# record`): the options are named after the record's fields (docs/objectives.md).

assessment = typer.Typer(help="An assessor's verdict on an objective on a date.", no_args_is_help=True)
statement = typer.Typer(help="A quote attributed to an actor on a date.", no_args_is_help=True)
app.add_typer(assessment, name="assessment")
app.add_typer(statement, name="statement")
Note = Annotated[
    str | None,
    typer.Option("--note", help="Anything a reader should know (why so graded).", show_default=False),
]


@assessment.command("record")
@cites_sources
def assessment_record(
    objective: Annotated[str, typer.Option("--objective", help="The objective's code.", show_default=False)],
    assessor: Annotated[
        str, typer.Option("--assessor", help="Who assesses: an actor's code.", show_default=False)
    ],
    status: Annotated[
        str, typer.Option("--status", help=f"One of {', '.join(STATUSES)}.", show_default=False)
    ],
    assessed: Annotated[
        str, typer.Option("--date", help="The day of the assessment (YYYY-MM-DD).", show_default=False)
    ],
    label: Annotated[
        str | None,
        typer.Option("--label", help="The assessor's own words for the verdict.", show_default=False),
    ] = None,
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record an assessor's verdict on an objective, with the source it comes from.

    Verdicts are never merged: a second assessor's stands beside the first on the scoreboard.

    Example: ltsplan objectives assessment record --objective take-donbas --assessor isw --status "partly achieved" --date 2024-06-14 --source-title "Russian Offensive Campaign Assessment, June 14, 2024" --source-publisher "Institute for the Study of War" --source-kind assessment --source-grade B2
    """
    values = {"objective": objective, "assessor": assessor, "status": status, "date": assessed}
    record_from_command(db, "assessment", {**values, "label": label, "note": note}, cited)


@statement.command("record")
@cites_sources
def statement_record(
    actor: Annotated[str, typer.Option("--actor", help="Who said it: an actor's code.", show_default=False)],
    said: Annotated[
        str, typer.Option("--date", help="The day it was said (YYYY-MM-DD).", show_default=False)
    ],
    quote: Annotated[str, typer.Option("--quote", help="What was said, as quoted.", show_default=False)],
    attribution: Annotated[
        str, typer.Option("--attribution", help=f"One of {', '.join(ATTRIBUTIONS)}.")
    ] = "on the record",
    about: Annotated[
        str | None,
        typer.Option("--about", help="A decision or objective code, or free words.", show_default=False),
    ] = None,
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record a quote attributed to an actor on a date, with its source.

    Example: ltsplan objectives statement record --actor stanislav-haider --date 2024-05-18 --quote "322 NATO standards have already been implemented" --about nato-standards --source 5e0b7d
    """
    values = {"actor": actor, "date": said, "quote": quote, "attribution": attribution}
    record_from_command(db, "statement", {**values, "about": about, "note": note}, cited)
