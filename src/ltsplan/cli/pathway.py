"""``ltsplan pathway …``: decisions before a body, who supports or blocks them, and which
membership conditions are met — on any day (``--on``), as known on any date (``--as-of``); and
recording a position, decision, outcome, condition or condition status with its sources."""

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
from ltsplan.objectives import reports as objectives_service
from ltsplan.pathway import reports as service
from ltsplan.pathway.formats import PATHWAY_PARTS
from ltsplan.pathway.model import CONDITION_STATUSES, DECISION_KINDS, DERIVATIONS, OUTCOMES, STANCES

app = typer.Typer(
    help="The membership pathway: decisions, positions, consensus, conditions.", no_args_is_help=True
)

DecisionArgument = Annotated[str, typer.Argument(help="A decision's code (see `ltsplan pathway decisions`).")]


@app.command()
def decisions(
    on: OnOption = None, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Each decision with its status, its consensus, and who supports, blocks or is undecided.

    --on D judges the world on D with everything known now (history recorded today included);
    --as-of D answers with what was known on D (judged on D too, unless --on says otherwise).

    Example: ltsplan pathway decisions --on 2023-07-11
    Example: ltsplan pathway decisions --as-of 2023-06-14
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.decisions(connection, moment, day))


@app.command()
def positions(
    decision: DecisionArgument,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Every member's latest position on a decision (or none), and non-members' positions, with sources.

    Example: ltsplan pathway positions nuc-meetings --on 2020-01-01
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.positions(connection, decision, moment, day))


@app.command()
def history(
    decision: DecisionArgument,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """How the consensus on a decision moved, up to --on: one row per position stated or member joining.

    Example: ltsplan pathway history sweden-accession
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.history(connection, decision, moment, day))


@app.command()
def conditions(
    decision: Annotated[
        str | None, typer.Option("--decision", help="Only this decision's conditions.")
    ] = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The conditions of each pathway, met / not met / unknown, and what remains.

    Example: ltsplan pathway conditions --decision invite-ukraine --as-of 2023-07-12
    """
    moment, day = parse_as_of(as_of), parse_day(on, "--on")
    answer(db, fmt, lambda connection: service.conditions(connection, moment, decision, day))


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


# Recording one record at a time: a command per record kind, its options named after the record's
# fields (docs/pathway.md), its sources by id (--source) or given whole (--source-title, …).


def _option(*names: str, said: str) -> Any:
    return typer.Option(*names, help=said, show_default=False)


DecisionCode = Annotated[str, _option("--decision", said="The decision's code.")]
Note = Annotated[str | None, _option("--note", said="Anything a reader should know about the record.")]

position = typer.Typer(help="An actor's stance on a decision, as stated on a date.", no_args_is_help=True)
decision_group = typer.Typer(help="A question before a body.", no_args_is_help=True)
outcome = typer.Typer(help="What a body did with a decision, on a date.", no_args_is_help=True)
condition = typer.Typer(help="Something a decision's pathway waits on.", no_args_is_help=True)
condition_status = typer.Typer(help="A condition's status on a date.", no_args_is_help=True)
app.add_typer(position, name="position")
app.add_typer(decision_group, name="decision")
app.add_typer(outcome, name="outcome")
app.add_typer(condition, name="condition")
app.add_typer(condition_status, name="condition-status")


@position.command("record")
@cites_sources
def position_record(
    decision: DecisionCode,
    actor: Annotated[
        str,
        _option("--actor", "--member", said="Who: an ISO alpha-3 state code or a declared actor's code."),
    ],
    stance: Annotated[str, _option("--stance", "--position", said=f"One of {', '.join(STANCES)}.")],
    stated: Annotated[str, _option("--date", "--since", said="The day it was stated (YYYY-MM-DD).")],
    conditions: Annotated[
        str | None, _option("--conditions", said="What a conditional stance waits on (required then).")
    ] = None,
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record an actor's position on a decision from a date on, with the source it rests on.

    The same actor, decision and date again changes nothing (or revises the record, keeping the old
    version in its history); a later date is a change of position.

    Example: ltsplan pathway position record --decision nuc-meetings --actor HUN --stance oppose --date 2017-11-24 --source-title "Hungary vetoes NATO-Ukraine Commission meeting" --source-url https://budapestbeacon.com/hungary-vetoes-nato-ukraine-commission-meeting/ --source-grade C2
    """
    values = {"decision": decision, "actor": actor, "stance": stance, "date": stated}
    record_from_command(db, "position", {**values, "conditions": conditions, "note": note}, cited)


@decision_group.command("record")
@cites_sources
def decision_record(
    code: Annotated[str, _option("--code", said="The decision's code (letters, digits, - and _).")],
    body: Annotated[str, _option("--body", said="The body it is before (its code).")],
    title: Annotated[str, _option("--title", said="The question, in words.")],
    kind: Annotated[str, typer.Option("--kind", help=f"One of {', '.join(DECISION_KINDS)}.")] = "other",
    due: Annotated[str | None, _option("--due", said="When it is due (YYYY-MM-DD).")] = None,
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record a decision before a body, with its source.

    Example: ltsplan pathway decision record --code invite-georgia --body NATO --title "Invite Georgia to join the Alliance" --kind "invite to membership" --source 3f2a9c
    """
    values = {"code": code, "body": body, "title": title, "kind": kind, "due": due, "note": note}
    record_from_command(db, "decision", values, cited)


@outcome.command("record")
@cites_sources
def outcome_record(
    decision: DecisionCode,
    result: Annotated[str, _option("--result", said=f"One of {', '.join(OUTCOMES)}.")],
    decided: Annotated[str, _option("--date", said="The day it was decided (YYYY-MM-DD).")],
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record what a body did with a decision, with its source.

    Example: ltsplan pathway outcome record --decision invite-ukraine --result deferred --date 2024-07-10 --source 9c41d0
    """
    values = {"decision": decision, "result": result, "date": decided, "note": note}
    record_from_command(db, "outcome", values, cited)


@condition.command("record")
@cites_sources
def condition_record(
    code: Annotated[str, _option("--code", said="The condition's code.")],
    decision: DecisionCode,
    text: Annotated[str, _option("--text", said="What must hold, in words.")],
    derive: Annotated[
        str, typer.Option("--derive", help=f"How its status is known: {', '.join(DERIVATIONS)}.")
    ] = "recorded",
    stated: Annotated[str | None, _option("--stated", said="When it was first stated (YYYY-MM-DD).")] = None,
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record a condition a decision's pathway waits on, with its source.

    Example: ltsplan pathway condition record --code reforms-assessed --decision invite-ukraine --text "Allies assess the reforms as sufficient" --stated 2023-07-11 --source 9c41d0
    """
    values = {"code": code, "decision": decision, "text": text, "derive": derive, "stated": stated}
    record_from_command(db, "condition", {**values, "note": note}, cited)


@condition_status.command("record")
@cites_sources
def condition_status_record(
    condition_code: Annotated[str, _option("--condition", said="The condition's code.")],
    status: Annotated[str, _option("--status", said=f"One of {', '.join(CONDITION_STATUSES)}.")],
    assessed: Annotated[str, _option("--date", said="The day the status holds from (YYYY-MM-DD).")],
    note: Note = None,
    cited: list[Any] | None = None,
    db: DbOption = None,
) -> None:
    """Record a condition's status from a date on, with its source.

    Example: ltsplan pathway condition-status record --condition hostilities-ended --status "not met" --date 2025-06-25 --source 9c41d0
    """
    values = {"condition": condition_code, "status": status, "date": assessed, "note": note}
    record_from_command(db, "condition-status", values, cited)
