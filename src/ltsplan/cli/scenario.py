"""What ``ltsplan pathway`` and ``ltsplan objectives`` share: both read and write the one scenario
document (``pathway.imports``, ``pathway.exports``), each exporting its own parts of it, and both list statements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import Connection

from ltsplan.cli.common import database, parse_as_of
from ltsplan.pathway.exports import export_document, write_document
from ltsplan.pathway.imports import import_scenario, summary_lines
from ltsplan.report import Report

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
