"""What every command shares: the --db, --as-of, --format and chart --output options, parsing and
checking option values, and how answers are printed (``answer`` reads, builds a report and renders it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import Connection

from ltsplan.config import Settings
from ltsplan.errors import LtsplanError
from ltsplan.formats.text import printable
from ltsplan.records.sections import FORMATS as SECTION_FORMATS
from ltsplan.records.writing import Written, skip_summary
from ltsplan.render import FORMATS, render
from ltsplan.report import Report
from ltsplan.store.db import Database, open_database
from ltsplan.store.time import as_of, utcnow

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
# ``--format`` of a file of sections (records.sections: the same four forms for every domain),
# checked as it is read: an unknown one is misuse (exit 2).
FormatFileOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help=f"One of {', '.join(SECTION_FORMATS)}; guessed from the name when omitted.",
        callback=lambda fmt: None if fmt is None else check_format(fmt, SECTION_FORMATS),
    ),
]
SkipInvalidOption = Annotated[
    bool,
    typer.Option(
        "--skip-invalid",
        help="Write the valid records; leave out those with problems (and those that name them), "
        "each problem named in a report (NAME.skipped.csv).",
    ),
]
ChartOutputOption = Annotated[
    Path, typer.Option("--output", "-o", help="Where to write; .png and .svg are both written.")
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
    except OverflowError:  # a zone that moves the moment out of years 1 to 9999 in UTC
        raise typer.BadParameter(_beyond_utc(text), param_hint="--as-of") from None


def _beyond_utc(text: str) -> str:
    return f"'{text}' is outside the years 1 to 9999 once in UTC; give a moment within them"


def parse_recorded_at(text: str | None) -> datetime | None:
    """``--recorded-at``: when what a file says became known (a tracker release's date): a day
    means its start (UTC), so that asking as of that day sees it; a time may be given too. A
    moment still to come is refused: nothing is known in the future."""
    if text is None:
        return None
    try:
        # A day alone is its first instant; a time given is taken as UTC unless it names a zone.
        moment = as_of(datetime.fromisoformat(text))
    except ValueError:
        raise typer.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD (for example 2023-06-14)",
            param_hint="--recorded-at",
        ) from None
    except OverflowError:
        raise typer.BadParameter(_beyond_utc(text), param_hint="--recorded-at") from None
    assert moment is not None
    if moment > utcnow():
        raise typer.BadParameter(
            f"'{text}' is still to come; a record time is when something became known, today or before",
            param_hint="--recorded-at",
        )
    return moment


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value (valid time: --on, --from, --to); anything else is misuse (exit 2)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"'{text}' is not a date; write YYYY-MM-DD", param_hint=option) from None


def check_format(fmt: str, formats: Iterable[str] = FORMATS) -> str:
    """``--format``: an output format (table, csv, json), or one of a file reader's ``formats``."""
    allowed = tuple(formats)
    if fmt not in allowed:
        raise typer.BadParameter(
            f"'{fmt}' is not a format; use one of {', '.join(allowed)}", param_hint="--format"
        )
    return fmt


def check_choice(value: str | None, allowed: Iterable[str], option: str) -> None:
    """An option that takes one of a few words; ``None`` (not given) is fine."""
    choices = tuple(allowed)
    if value is not None and value not in choices:
        raise typer.BadParameter(
            f"'{value}' is not allowed; use one of {', '.join(choices)}", param_hint=option
        )


def emit(report: Report, fmt: str) -> None:
    render(report, check_format(fmt), Console(soft_wrap=fmt != "table"))


def answer(db: str | None, fmt: str, query: Callable[[Connection], Report]) -> None:
    """Check ``--format``, build the report in one reading transaction, and print it."""
    check_format(fmt)
    with database(db).reading() as connection:
        report = query(connection)
    emit(report, fmt)


def print_written(paths: Iterable[Path]) -> None:
    """The files a command wrote: "wrote a.png and a.svg"."""
    Console().print("wrote " + " and ".join(str(p) for p in paths))


def error_console() -> Console:
    return Console(stderr=True, highlight=False)


def fail(error: LtsplanError) -> None:
    shown = escape(printable(str(error)))  # the error quotes the input: never markup or escapes
    error_console().print(f"[bold red]error:[/bold red] {shown}", markup=True, soft_wrap=True)
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


def print_result(written: Written, origin: str | Path) -> None:
    """What a write did, section by section, and where its report of skipped records is."""
    console = Console(highlight=False)
    for line in written.lines():
        console.print(line)
    if not written.results:
        console.print(f"{origin}: no records")
    if written.report is not None:
        console.print(f"[yellow]{escape(skip_summary(written.skipped, written.report))}[/yellow]")
