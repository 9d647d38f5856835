"""What every command shares: the --db, --as-of and --format options, and how answers are printed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from ltsplan.config import Settings
from ltsplan.errors import LtsplanError
from ltsplan.render import FORMATS, render
from ltsplan.report import Report
from ltsplan.store.db import Database, open_database
from ltsplan.store.history import as_of

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database: a SQLite file path or a URL (postgresql+psycopg://…). "
        "Default: $LTSPLAN_DATABASE_URL, else ./ltsplan.db.",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Answer with what was known on this date (YYYY-MM-DD, or an ISO date-time in UTC).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str,
    typer.Option("--format", "-f", help="Output: table, csv or json."),
]


def database(db: str | None) -> Database:
    return open_database(Settings.from_environment(db).database_url)


def parse_as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        if len(text) == 10:
            return as_of(date.fromisoformat(text))
        return as_of(datetime.fromisoformat(text))
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD (for example 2023-06-14)",
            param_hint="--as-of",
        ) from None


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise typer.BadParameter(
            f"'{fmt}' is not a format; use one of {', '.join(FORMATS)}", param_hint="--format"
        )
    return fmt


def emit(report: Report, fmt: str) -> None:
    render(report, check_format(fmt), Console(soft_wrap=fmt != "table"))


def error_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail(error: LtsplanError) -> None:
    error_console().print(f"[bold red]error:[/bold red] {error}", markup=True, soft_wrap=True)
    raise typer.Exit(1)


class DelayedProgress:
    """A progress bar that appears only when the work has taken more than a second."""

    def __init__(self, description: str, total: int | None, delay: float = 1.0) -> None:
        self.description = description
        self.total = total
        self.started = time.monotonic()
        self.delay = delay
        self.progress: Progress | None = None
        self.task: int | None = None

    def __call__(self, done: int) -> None:
        if self.progress is None:
            if time.monotonic() - self.started < self.delay:
                return
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=error_console(),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=self.total)
        assert self.task is not None
        self.progress.update(self.task, completed=done)  # type: ignore[arg-type]

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


ProgressCallback = Callable[[int], None]
