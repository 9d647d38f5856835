"""``ltsplan readiness …``: force elements against their targets — roll-up, trend, gated
evaluations, milestones and gaps, findings, charts, import and export, commander's overrides."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from sqlalchemy import Connection

from ltsplan.cli.common import (
    AsOfOption,
    ChartOutputOption,
    DbOption,
    FormatFileOption,
    FormatOption,
    SkipInvalidOption,
    answer,
    check_choice,
    database,
    parse_as_of,
    parse_day,
    print_result,
    print_written,
)
from ltsplan.readiness import evaluations as evaluation_reports
from ltsplan.readiness import exports, imports, roadmap
from ltsplan.readiness import reports as service
from ltsplan.readiness.model import CAPABILITIES, LEVELS, OVERRIDE_LEVELS, RULES
from ltsplan.render import format_cell, render
from ltsplan.report import Report

app = typer.Typer(
    help="Readiness: force elements against their targets, rolled up the force tree, per domain and "
    "per standard; gated evaluations; milestones and gaps; findings and corrective actions.",
    no_args_is_help=True,
)

RuleOption = Annotated[
    str | None,
    typer.Option(
        "--rule",
        help=f"Aggregation: {', '.join(RULES)} (default: the rule the programme declares, else lowest).",
        show_default=False,
    ),
]
LevelOption = Annotated[str, typer.Option("--level", help=f"Roll up per {', '.join(LEVELS)}.")]
OnOption = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Compute readiness for this date (default: the --as-of date, else today).",
        show_default=False,
    ),
]


TERMINAL_WIDTH = 100  # characters the roll-up's table fits by default
# The columns the table shows by default, per level, under shorter names; the first text column
# named here takes what width is left and is cut with "…" beyond it.
BRIEF_COLUMNS = {
    "element": (
        "element",
        "name",
        "targets",
        "met",
        "score",
        "computed_level",
        "override_level",
        "mission_capability",
    ),
    "domain": ("domain", "targets", "met", "expired", "unassessed", "score", "level"),
    "standard": ("standard", "targets", "met", "expired", "unassessed", "score", "level"),
}
STRETCHED = {"element": "name", "domain": "domain", "standard": "standard"}
SHORT_NAMES = {"computed_level": "level", "override_level": "override", "mission_capability": "mission"}
NARROWEST = 12  # the stretched column never narrower than this


def fitted(report: Report, level: str, width: int) -> Report:
    """The roll-up as a terminal of ``width`` characters shows it: the columns that say most, under
    shorter names, and the stretched column (an element's name, a standard's designator) cut with
    "…" to the width the others leave; notes say what was left out and how to see it."""
    frame = report.frame
    keep = [c for c in BRIEF_COLUMNS[level] if c in frame.columns]
    stretched = STRETCHED[level]
    others = [c for c in keep if c != stretched]

    def widest(column: str) -> int:
        shown = SHORT_NAMES.get(column, column)
        cells = [format_cell(v, report.units.get(column)) for v in frame.get_column(column).to_list()]
        return max([len(shown), *map(len, cells)])

    # A table of n columns spends 3n + 1 characters on borders and padding.
    room = width - (3 * len(keep) + 1) - sum(widest(c) for c in others)
    limit = max(room, NARROWEST)
    texts = frame.get_column(stretched).cast(pl.Utf8)
    cut = int((texts.str.len_chars() > limit).sum())
    frame = frame.select(keep).with_columns(
        pl.when(pl.col(stretched).str.len_chars() > limit)
        .then(pl.col(stretched).str.slice(0, limit - 1) + "…")
        .otherwise(pl.col(stretched))
        .alias(stretched)
    )
    left_out = [c for c in report.frame.columns if c not in keep]
    notes = list(report.notes)
    if left_out:
        notes.append(
            f"{len(left_out)} column(s) left out to fit {width} characters ({', '.join(left_out)}): --wide "
            "shows every column; --format csv or json gives them whole"
        )
    if cut:
        notes.append(f"{cut} {stretched}(s) longer than {limit} characters are cut with …")
    renamed = {c: SHORT_NAMES[c] for c in keep if c in SHORT_NAMES}
    units = {renamed.get(c, c): u for c, u in report.units.items() if c in keep}
    return Report(report.title, frame.rename(renamed), notes, units, report.sources, report.params)


WideOption = Annotated[
    bool,
    typer.Option(
        "--wide",
        help=f"Every column, as wide as the terminal (default: the main columns, in {TERMINAL_WIDTH} "
        "characters at most).",
    ),
]


@app.command()
def rollup(
    rule: RuleOption = None,
    level: LevelOption = "element",
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    wide: WideOption = False,
    db: DbOption = None,
) -> None:
    """Readiness per element (rolled up the force tree), per domain or per standard.

    Shows the computed level beside any commander's override, and mission capability apart. The
    table fits 100 characters (fewer on a narrower terminal): the main columns, long names cut
    with "…"; --wide shows every column, and csv and json always carry everything.

    Example: ltsplan readiness rollup --rule lowest --level element --as-of 2025-06-30
    Example: ltsplan readiness rollup --wide
    """
    check_choice(rule, RULES, "--rule")
    check_choice(level, LEVELS, "--level")

    def query(connection: Connection) -> Report:
        return service.rollup_report(
            connection, rule=rule, by=level, on=parse_day(on, "--on"), moment=parse_as_of(as_of)
        )

    if fmt != "table" or wide:
        answer(db, fmt, query)
        return
    with database(db).reading() as connection:
        report = query(connection)
    width = min(Console().width, TERMINAL_WIDTH)
    render(fitted(report, level, width), "table", Console(width=width))


@app.command()
def trend(
    rule: RuleOption = None,
    level: LevelOption = "element",
    element: Annotated[
        list[str] | None,
        typer.Option("--key", help="Only these elements, domains or standards (repeatable)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM-DD).")] = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Readiness at every month-end: how each element, domain or standard moved over time.

    Example: ltsplan readiness trend --level domain --rule weighted --format csv
    """
    check_choice(rule, RULES, "--rule")
    check_choice(level, LEVELS, "--level")
    answer(
        db,
        fmt,
        lambda connection: service.trend_report(
            connection,
            rule=rule,
            by=level,
            start=parse_day(start, "--from"),
            on=parse_day(on, "--on"),
            moment=parse_as_of(as_of),
            keys=element,
        ),
    )


@app.command()
def evaluations(
    element: Annotated[str | None, typer.Option("--element", help="Only this element.")] = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Gated evaluations: checklist outcome, whether each counts (gate order, expiry), and why not.

    Example: ltsplan readiness evaluations --element 1-MECH-BN-A --as-of 2026-06-30
    """
    answer(
        db,
        fmt,
        lambda connection: evaluation_reports.evaluations_report(
            connection, element=element, on=parse_day(on, "--on"), moment=parse_as_of(as_of)
        ),
    )


@app.command()
def milestones(
    on: OnOption = None, as_of: AsOfOption = None, fmt: FormatOption = "table", db: DbOption = None
) -> None:
    """Milestones with status met / on track / at risk / late, and the rule's reason for each.

    Example: ltsplan readiness milestones --as-of 2024-12-31
    """
    answer(
        db,
        fmt,
        lambda connection: roadmap.milestones_report(
            connection, on=parse_day(on, "--on"), moment=parse_as_of(as_of)
        ),
    )


@app.command()
def gaps(
    milestone: Annotated[
        str | None, typer.Argument(help="A milestone's code (default: every milestone).", show_default=False)
    ] = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """What is missing where: each milestone's unmet targets, worst first.

    Example: ltsplan readiness gaps M2-FICTIONAL --format csv
    """
    answer(
        db,
        fmt,
        lambda connection: roadmap.gaps_report(
            connection, milestone=milestone, on=parse_day(on, "--on"), moment=parse_as_of(as_of)
        ),
    )


@app.command()
def findings(
    element: Annotated[str | None, typer.Option("--element", help="Only this element.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only findings with open actions.")] = False,
    on: OnOption = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Findings and their corrective actions (owner, due date, status, overdue).

    Example: ltsplan readiness findings --open --format json
    """
    answer(
        db,
        fmt,
        lambda connection: evaluation_reports.findings_report(
            connection,
            element=element,
            open_only=open_only,
            on=parse_day(on, "--on"),
            moment=parse_as_of(as_of),
        ),
    )


@app.command()
def heatmap(
    output: ChartOutputOption = Path("readiness-heatmap.png"),
    rule: RuleOption = None,
    on: OnOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Draw the heatmap of elements × standards (PNG and SVG).

    Example: ltsplan readiness heatmap -o out/heatmap.png --as-of 2025-12-31
    """
    from ltsplan.readiness.charts import heatmap as draw

    check_choice(rule, RULES, "--rule")
    with database(db).reading() as connection:
        report = service.heatmap_report(
            connection, rule=rule, on=parse_day(on, "--on"), moment=parse_as_of(as_of)
        )
    print_written(draw(report, output))


@app.command()
def burnup(
    output: ChartOutputOption = Path("readiness-burnup.png"),
    on: OnOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Draw the milestone burn-up: targets met per milestone over time (PNG and SVG).

    Example: ltsplan readiness burnup -o out/burnup.png
    """
    from ltsplan.readiness.charts import burnup as draw

    with database(db).reading() as connection:
        report = roadmap.burnup_report(connection, on=parse_day(on, "--on"), moment=parse_as_of(as_of))
    print_written(draw(report, output))


@app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="A .yaml, .json, .xlsx or .csv file, or a directory of CSV files.", show_default=False
        ),
    ],
    fmt: FormatFileOption = None,
    skip_invalid: SkipInvalidOption = False,
    db: DbOption = None,
) -> None:
    """Import elements, programmes, targets, evaluations, assessments, overrides, findings, actions and
    milestones in one transaction: a file with any problem writes nothing and lists every problem,
    unless --skip-invalid.

    Re-importing the same file changes nothing.

    Example: ltsplan readiness import readiness.yaml
    """
    written = imports.import_path(database(db), path, fmt=fmt, skip_invalid=skip_invalid)
    print_result(written, path)


@app.command("export")
def export_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="Where to write: .yaml, .json, .xlsx, or a directory for CSV.", show_default=False
        ),
    ],
    fmt: FormatFileOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export every readiness record (as known on --as-of); export then import round-trips.

    Example: ltsplan readiness export readiness.xlsx --as-of 2025-06-30
    """
    count, written = exports.export_path(database(db), path, fmt=fmt, moment=parse_as_of(as_of))
    Console(highlight=False).print(f"wrote {count} records to " + ", ".join(str(p) for p in written))


@app.command()
def override(
    element: Annotated[str, typer.Argument(help="The force element's code.", show_default=False)],
    level: Annotated[
        str, typer.Option("--level", help=f"One of {', '.join(OVERRIDE_LEVELS)}.", show_default=False)
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why the commander judges otherwise.", show_default=False)
    ],
    by: Annotated[str, typer.Option("--by", help="Who overrides (post or name).")] = "commander",
    valid_from: Annotated[str | None, typer.Option("--from", help="From this date (default today).")] = None,
    db: DbOption = None,
) -> None:
    """Record a commander's override; it is shown beside the computed level, never instead of it.

    Example: ltsplan readiness override 1-MECH-BN-A --level R2 --reason "new equipment fielded, not yet assessed"
    """
    check_choice(level, OVERRIDE_LEVELS, "--level")
    values = imports.record_override(
        database(db),
        element=element,
        level=level,
        reason=reason,
        by=by,
        valid_from=parse_day(valid_from, "--from") or date.today(),
    )
    Console(highlight=False).print(
        f"override recorded for {element}: {level} from {values['valid_from']} ({values['reason']})"
    )


@app.command()
def capability(
    element: Annotated[str, typer.Argument(help="The force element's code.", show_default=False)],
    judgement: Annotated[
        str, typer.Option("--judgement", help=f"One of {', '.join(CAPABILITIES)}.", show_default=False)
    ],
    by: Annotated[str, typer.Option("--by", help="Who judges.")] = "commander",
    reason: Annotated[str | None, typer.Option("--reason", help="Why.")] = None,
    on: Annotated[str | None, typer.Option("--on", help="Judged on this date (default today).")] = None,
    db: DbOption = None,
) -> None:
    """Record whether an element can do its assigned mission (yes / qualified / no) — a separate
    judgement, never mixed into the computed readiness.

    Example: ltsplan readiness capability 1-MECH-BN-A --judgement qualified --reason "lacks bridging"
    """
    check_choice(judgement, CAPABILITIES, "--judgement")
    imports.record_capability(
        database(db),
        element=element,
        capability=judgement,
        by=by,
        assessed_on=parse_day(on, "--on") or date.today(),
        reason=reason,
    )
    Console(highlight=False).print(f"mission capability recorded for {element}: {judgement}")
