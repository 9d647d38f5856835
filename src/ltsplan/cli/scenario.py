"""What ``ltsplan pathway`` and ``ltsplan objectives`` share: both read and write the one scenario
document (``pathway.imports``, ``pathway.exports``), each exporting its own parts of it; both list
statements, judge on a day (``--on``) and record single records with their sources (``… record``,
through ``pathway.recording``)."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy import Connection

from ltsplan.cli.common import database, parse_as_of
from ltsplan.errors import InvalidInput, Problem
from ltsplan.pathway import recording
from ltsplan.pathway.exports import export_document, write_document
from ltsplan.pathway.imports import import_scenario, summary_lines
from ltsplan.provenance.model import ATTRIBUTIONS, SOURCE_KINDS
from ltsplan.report import Report
from ltsplan.store.time import utcnow

DocumentArgument = Annotated[Path, typer.Argument(help="A scenario document (.yaml, .yml or .json).")]
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


def import_document(path: Path, recorded_from_file: bool, db: str | None, skip_invalid: bool = False) -> None:
    """Import a scenario document in one transaction and print what changed."""
    written = import_scenario(
        database(db), path, use_recorded_dates=recorded_from_file, skip_invalid=skip_invalid
    )
    for line in summary_lines(path, written):
        Console(highlight=False).print(line)


def export_parts(
    path: Path,
    as_of: str | None,
    db: str | None,
    *,
    parts: tuple[str, ...],
    noun: str,
    csv_list: Callable[[Connection, datetime | None], Report],
    csv_noun: str,
) -> None:
    """Write ``parts`` of the scenario document (.yaml or .json) as known on ``as_of``, or, to a .csv
    path, the list ``csv_list`` gives. ``noun`` and ``csv_noun`` name what was written."""
    from ltsplan.render import to_csv

    moment = parse_as_of(as_of)
    with database(db).reading() as connection:
        if path.suffix.lower() == ".csv":
            report = csv_list(connection, moment)
            path.write_text(to_csv(report), encoding="utf-8")
            Console().print(f"wrote {report.frame.height} {csv_noun} to {path}")
            return
        document = export_document(connection, moment, parts)
    write_document(document, path)
    Console().print(f"wrote {sum(len(document.get(p, [])) for p in parts)} {noun} to {path}")


OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Judge the world on this day (YYYY-MM-DD; valid time): its members, positions and "
        "outcomes of that day, as known now or --as-of. Default: the --as-of date, else today.",
        show_default=False,
    ),
]


def _source_options(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="ID",
            help="The id of a stored source the record cites (repeatable; a new source's id is "
            "printed when it is first recorded, and /api/sources lists them).",
            show_default=False,
        ),
    ] = None,
    source_title: Annotated[
        str | None, typer.Option("--source-title", help="A new source: its title.", show_default=False)
    ] = None,
    source_url: Annotated[
        str | None,
        typer.Option("--source-url", help="A new source: its address (http or https).", show_default=False),
    ] = None,
    source_publisher: Annotated[
        str | None,
        typer.Option("--source-publisher", help="A new source: who published it.", show_default=False),
    ] = None,
    source_published: Annotated[
        str | None,
        typer.Option(
            "--source-published",
            "--source-date",
            help="A new source: its date (YYYY-MM-DD).",
            show_default=False,
        ),
    ] = None,
    source_kind: Annotated[
        str,
        typer.Option("--source-kind", help=f"A new source: one of {', '.join(SOURCE_KINDS)}."),
    ] = "news report",
    source_attribution: Annotated[
        str,
        typer.Option("--source-attribution", help=f"A new source: one of {', '.join(ATTRIBUTIONS)}."),
    ] = "on the record",
    source_grade: Annotated[
        str | None,
        typer.Option(
            "--source-grade",
            help="A new source's Admiralty grade: reliability A–F then credibility 1–6 (B2). "
            "Ungraded: F6, reliability and truth cannot be judged.",
            show_default=False,
        ),
    ] = None,
    source_note: Annotated[
        str | None,
        typer.Option("--source-note", help="A new source: why it is graded so.", show_default=False),
    ] = None,
    source_quote: Annotated[
        str | None,
        typer.Option(
            "--source-quote", help="The words of the source(s) the record rests on.", show_default=False
        ),
    ] = None,
) -> None:
    """The options naming a record's sources (their parameters are added to each record command)."""


SOURCE_PARAMETERS = tuple(inspect.signature(_source_options).parameters.values())
# A source's fields → the options that give them, to name an option in a problem.
SOURCE_FIELD_OPTIONS = {
    "title": "--source-title",
    "url": "--source-url",
    "publisher": "--source-publisher",
    "published": "--source-published",
    "kind": "--source-kind",
    "attribution": "--source-attribution",
    "grade": "--source-grade",
    "reliability": "--source-grade",
    "credibility": "--source-grade",
    "note": "--source-note",
}


def cites_sources(command: Callable[..., None]) -> Callable[..., None]:
    """A record command with the source options added before its ``db`` option: the command
    receives them as ``cited`` (the record's ``sources``: stored ids and at most one new source)."""
    hints = typing.get_type_hints(command, include_extras=True)
    source_hints = typing.get_type_hints(_source_options, include_extras=True)
    own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(command).parameters.values()]
    added = [p.replace(annotation=source_hints[p.name]) for p in SOURCE_PARAMETERS]
    names = {p.name for p in SOURCE_PARAMETERS}

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        given = {k: kwargs.pop(k) for k in names}
        command(**kwargs, cited=cited_sources(given))

    parameters = [p for p in own if p.name not in ("cited", "db")] + added
    parameters += [p for p in own if p.name == "db"]
    wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    return wrapper


def cited_sources(given: dict[str, Any]) -> list[Any] | None:
    """The record's ``sources`` from the source options: each stored id, then the new source."""
    quote = given.get("source_quote")
    found: list[Any] = [({"source": s, "quote": quote} if quote else s) for s in given.get("source") or []]
    new = {name: given.get(f"source_{name}") for name in ("title", "url", "publisher", "published", "note")}
    if any(v is not None for v in new.values()) or given.get("source_grade") is not None:
        found.append(
            {
                **{k: v for k, v in new.items() if v is not None},
                "kind": given.get("source_kind"),
                "attribution": given.get("source_attribution"),
                **({"grade": given["source_grade"]} if given.get("source_grade") else {}),
                **({"quote": quote} if quote else {}),
            }
        )
    return found or None


def option_where(
    options: dict[str, str],
) -> Callable[[int, int | None, str | None], tuple[str | None, str | None]]:
    """Where a problem is, as a command line gives it: the option of the field."""

    def where(_index: int, source: int | None, name: str | None) -> tuple[str | None, str | None]:
        if name is None:
            return None, None
        if source is not None:
            return None, SOURCE_FIELD_OPTIONS.get(name, "--source")
        if name == "sources":
            return None, "--source"
        return None, options.get(name, "--" + name.replace("_", "-"))

    return where


def record_from_command(db: str | None, kind: str, values: dict[str, Any], cited: list[Any] | None) -> None:
    """Record one record given by a command's options, in one transaction, and say what changed."""
    command = f"ltsplan {'objectives' if kind in ('assessment', 'statement') else 'pathway'} {kind} record"
    if not cited:
        needed = (
            "a record rests on a source: cite a stored one (--source ID) or give a new one "
            "(--source-title, --source-url, …)"
        )
        raise InvalidInput([Problem(needed, field="--source")], f"{command}: 1 problem; nothing was written")
    entry = {k: v for k, v in values.items() if v is not None}
    entry["sources"] = cited
    with database(db).transaction() as connection:
        done = recording.record(
            connection,
            kind,
            [entry],
            now=utcnow(),
            origin=command,
            fmt="command",
            where=option_where({}),
        )
    console = Console(highlight=False)
    title = recording.record_type(kind).title
    state = done.state(recording.KINDS[kind])
    for rid in done.ids:
        console.print(f"{title} {rid}: {state}")
    for sid in done.new_sources:
        console.print(f"source {sid} (cite it again with --source {sid})")
    if any(isinstance(c, dict) and "grade" not in c for c in cited):
        console.print(
            "note: the new source is not graded, so it counts as F6 (cannot be judged); give --source-grade"
        )
