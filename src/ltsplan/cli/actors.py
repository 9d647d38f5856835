"""``ltsplan actors …``: the actors the ledger names, the references that name none, and aliases."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Connection

from ltsplan.cli.common import AsOfOption, DbOption, FormatOption, answer, database, parse_as_of
from ltsplan.ledger.reports import LedgerFilter, delta_sums
from ltsplan.provenance import aliases
from ltsplan.report import Report

app = typer.Typer(invoke_without_command=True)  # the callback's docstring is the group's help


@app.callback(invoke_without_command=True)
def actors(
    context: typer.Context,
    unmapped: Annotated[
        bool,
        typer.Option(
            "--unmapped",
            help="List instead the donors and recipients of live entries that name no known actor, "
            "with their entry counts (most first).",
        ),
    ] = False,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Actors and their other names: list them, find references that name none, record aliases.

    Without a command, lists the actors, each with the references that count as it (your
    aliases, then the IATI and DAC lists shipped with ltsplan); --unmapped lists instead the
    references in live entries that name no known actor.

    Example: ltsplan actors --unmapped
    """
    if context.invoked_subcommand is not None:
        return
    moment = parse_as_of(as_of)

    def unmapped_report(connection: Connection) -> Report:
        counts = delta_sums(connection, ["donor", "recipient"], moment, LedgerFilter())
        return aliases.unmapped(connection, counts, moment)

    answer(db, fmt, unmapped_report if unmapped else lambda c: aliases.actors_report(c, moment))


@app.command("alias")
def alias(
    reference: Annotated[
        str,
        typer.Argument(
            metavar="REFERENCE",
            help="The name entries give, such as SE-0 or XM-DAC-41114.",
            show_default=False,
        ),
    ],
    actor: Annotated[
        str | None,
        typer.Argument(
            metavar="ACTOR",
            help="The actor it names: a state's ISO 3166 alpha-3 code, EU, or a recorded actor's code.",
            show_default=False,
        ),
    ] = None,
    remove: Annotated[
        bool, typer.Option("--remove", help="Withdraw the alias of REFERENCE from now on.")
    ] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with the alias).")] = None,
    db: DbOption = None,
) -> None:
    """Record that REFERENCE names ACTOR in every total and donor filter, from now on (--remove withdraws it).

    Entries keep the reference as given; as of a date before the alias was recorded, the
    reference stands for itself. An alias is one step: ACTOR may not be another name itself.

    Example: ltsplan actors alias SE-0 SWE --note "Sida's IATI organisation identifier"
    """
    if remove:
        if actor is not None:
            raise typer.BadParameter("--remove takes the reference only", param_hint="ACTOR")
        when = aliases.remove_alias(database(db), reference)
        Console(highlight=False).print(
            f"alias of {reference} withdrawn as of {when:%Y-%m-%d %H:%M} UTC; as of earlier dates it still applies"
        )
        return
    if actor is None:
        raise typer.BadParameter("give the actor REFERENCE names (or --remove)", param_hint="ACTOR")
    written = aliases.record_alias(database(db), reference, actor, note)
    result = written.total
    said = "already recorded" if not (result.inserted or result.revised) else "recorded"
    Console(highlight=False).print(
        f"alias {said}: {reference} → {actor} in totals and donor filters from "
        f"{written.recorded_at:%Y-%m-%d %H:%M} UTC"
    )
