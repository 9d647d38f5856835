"""``ltsplan plan …``: support packages and the plans made from them — import and export the
packages, make a plan (CP-SAT beside the greedy baseline), show it, explain it, compare two,
export one, and hold one against what the ledger says was delivered."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ltsplan.cli.common import (
    AsOfOption,
    DbOption,
    DelayedProgress,
    FormatFileOption,
    FormatOption,
    SkipInvalidOption,
    answer,
    check_choice,
    database,
    emit,
    error_console,
    parse_as_of,
    parse_day,
    print_result,
)
from ltsplan.planner import exports, imports, plans, reality, reports
from ltsplan.planner.model import BINDINGS
from ltsplan.planner.problem import OBJECTIVES
from ltsplan.planner.solve import Options

app = typer.Typer(
    help="Plans: the allocation of donors' support packages to force elements and months that "
    "closes the readiness gaps fastest (CP-SAT, beside a greedy baseline), explained and kept.",
    no_args_is_help=True,
)

PlanArgument = Annotated[str, typer.Argument(help="The plan's code.", show_default=False)]


class SolverProgress(DelayedProgress):
    """The shared delayed progress bar, counting the solver's seconds against its limit and saying
    the best plan and bound found so far."""

    def __init__(self, description: str, limit: float) -> None:
        super().__init__(description, max(int(limit), 1))
        self.base = description
        self.stopped = threading.Event()
        # The solver reports only when it finds a better plan (none during presolve): tick apart.
        self.ticker = threading.Thread(target=self._tick, daemon=True)
        self.ticker.start()

    def _tick(self) -> None:
        while not self.stopped.wait(0.5):
            self(int(time.monotonic() - self.started))

    def close(self) -> None:
        self.stopped.set()
        self.ticker.join()
        super().close()

    def found(self, seconds: float, value: float, bound: float) -> None:
        self.description = f"{self.base}: best {value:.4g}, bound {bound:.4g}"
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, description=self.description)  # type: ignore[arg-type]
        self(int(seconds))

    def __call__(self, done: int) -> None:
        if self.progress is None and time.monotonic() - self.started >= self.delay:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TimeElapsedColumn(),
                console=error_console(),
                transient=True,
            )
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=self.total)
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, completed=done)  # type: ignore[arg-type]


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
    """Import support packages, what they raise and their prerequisites in one transaction: a file
    with any problem writes nothing and lists every problem, unless --skip-invalid.

    Example: ltsplan plan import packages.yaml
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
    plan: Annotated[
        str | None, typer.Option("--plan", help="Export this plan (its assignments, milestones, shortfalls).")
    ] = None,
    fmt: FormatFileOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Export the support packages — or, with --plan, one plan — as known on --as-of.

    Export then import of the packages round-trips.

    Example: ltsplan plan export plan.xlsx --plan DEMO-2024-FICTIONAL
    """
    count, written = exports.export_path(database(db), path, fmt=fmt, moment=parse_as_of(as_of), plan=plan)
    Console(highlight=False).print(f"wrote {count} records to " + ", ".join(str(p) for p in written))


@app.command()
def make(
    code: PlanArgument,
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help=f"{' or '.join(OBJECTIVES)}: weighted readiness at the milestones, or weighted months late.",
        ),
    ] = "readiness",
    start: Annotated[
        str | None, typer.Option("--start", help="The plan's first month (YYYY-MM-DD; default: this month).")
    ] = None,
    months: Annotated[
        int | None,
        typer.Option("--months", help="How many months it covers (default: to the last due date)."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds the solver may take at most.")
    ] = 30.0,
    work_limit: Annotated[
        float | None,
        typer.Option(
            "--work-limit", help="Deterministic seconds of search (default: a tenth of --time-limit)."
        ),
    ] = None,
    gap: Annotated[
        float, typer.Option("--gap", help="Stop within this relative gap of the bound (0.01 = 1%).")
    ] = 0.0,
    workers: Annotated[int, typer.Option("--workers", help="Search threads.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="The search's random seed.")] = 0,
    detail: Annotated[int, typer.Option("--detail-months", help="Months planned month by month.")] = 24,
    coarse: Annotated[int, typer.Option("--coarse-months", help="Months between starts after those.")] = 3,
    as_of: AsOfOption = None,
    db: DbOption = None,
) -> None:
    """Make (or make again) a plan: the allocation of support packages to force elements and months
    that maximises weighted readiness at the milestones (or minimises weighted lateness), with the
    greedy plan beside it. The same inputs and seed give the same plan.

    Example: ltsplan plan make P-2027 --start 2027-01-01 --time-limit 60 --seed 7
    """
    check_choice(objective, OBJECTIVES, "--objective")
    options = Options(
        objective=objective,
        time_limit=time_limit,
        relative_gap=gap,
        workers=workers,
        seed=seed,
        detail_months=detail,
        coarse_months=coarse,
        work_limit=work_limit,
    )
    progress = SolverProgress(f"planning {code}", time_limit)
    try:
        made = plans.make_plan(
            database(db),
            code,
            options=options,
            start=parse_day(start, "--start"),
            months=months,
            moment=parse_as_of(as_of),
            progress=progress.found,
        )
    finally:
        progress.close()
    console = Console(highlight=False, soft_wrap=True)
    console.print(
        f"plan {code}: {made.outcome.assignments.size} assignments; " + "; ".join(made.written.lines())
    )
    for line in reports.summary(made.head):
        console.print(f"  {line}")


@app.command()
def show(
    code: Annotated[
        str | None, typer.Argument(help="A plan's code (default: list the plans).", show_default=False)
    ] = None,
    milestones: Annotated[
        bool, typer.Option("--milestones", help="The readiness each milestone reaches.")
    ] = False,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The plans made, or one plan's assignments (with its objective, bound, gap and the greedy
    plan's objective), or its milestone readiness against the greedy plan's.

    Example: ltsplan plan show DEMO-2024-FICTIONAL --milestones
    """
    moment = parse_as_of(as_of)
    if code is None:
        answer(db, fmt, lambda connection: reports.plans_report(connection, moment))
    elif milestones:
        answer(db, fmt, lambda connection: reports.milestones_report(connection, code, moment))
    else:
        answer(db, fmt, lambda connection: reports.plan_report(connection, code, moment))


@app.command()
def explain(
    code: PlanArgument,
    shortfalls: Annotated[
        bool, typer.Option("--shortfalls", help="The targets left short and what binds each.")
    ] = False,
    binding: Annotated[
        str | None, typer.Option("--binding", help=f"Only shortfalls bound by: {', '.join(BINDINGS)}.")
    ] = None,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """Why the plan is as it is: which gap each assignment closes for which milestone; with
    --shortfalls, each target a milestone leaves short and what binds it (capacity, budget, lead
    time, prerequisite, window, the amount offered, no offer, or not chosen).

    Example: ltsplan plan explain DEMO-2024-FICTIONAL --shortfalls --binding capacity
    """
    check_choice(binding, BINDINGS, "--binding")
    moment = parse_as_of(as_of)
    if shortfalls or binding:
        answer(db, fmt, lambda connection: reports.shortfalls_report(connection, code, moment, binding))
    else:
        answer(db, fmt, lambda connection: reports.explain_report(connection, code, moment))


@app.command()
def diff(
    first: Annotated[str, typer.Argument(help="The plan to compare from.", show_default=False)],
    second: Annotated[str, typer.Argument(help="The plan to compare to.", show_default=False)],
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """What changes from one plan to another: assignments added, dropped, started earlier or later,
    and each milestone's readiness.

    Example: ltsplan plan diff DEMO-2024-FICTIONAL DEMO-2025-FICTIONAL
    """
    moment = parse_as_of(as_of)
    answer(db, fmt, lambda connection: reports.diff_report(connection, first, second, moment))


@app.command("reality")
def reality_command(
    code: PlanArgument,
    on: Annotated[
        str | None, typer.Option("--on", help="The day to hold the plan against (default: today).")
    ] = None,
    replan: Annotated[
        str | None,
        typer.Option("--replan", help="Re-plan from that day, keeping what is done, as a plan of this code."),
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds the re-plan may take.")] = 30.0,
    seed: Annotated[int, typer.Option("--seed", help="The re-plan's random seed.")] = 0,
    as_of: AsOfOption = None,
    fmt: FormatOption = "table",
    db: DbOption = None,
) -> None:
    """The plan against the ledger: which planned deliveries of packages linked to commitments
    happened by the day, which are late; with --replan, what re-planning from that day (keeping
    what is done) would change.

    Example: ltsplan plan reality DEMO-2024-FICTIONAL --on 2025-06-30 --replan DEMO-2025-FICTIONAL
    """
    from datetime import date

    moment = parse_as_of(as_of)
    day = parse_day(on, "--on") or (moment.date() if moment else date.today())
    answer(db, fmt, lambda connection: reality.reality_report(connection, code, day, moment))
    if replan is None:
        return
    progress = SolverProgress(f"re-planning {replan}", time_limit)
    try:
        reality.replan(
            database(db),
            code,
            replan,
            day,
            options=Options(time_limit=time_limit, seed=seed),
            moment=moment,
            progress=progress.found,
        )
    finally:
        progress.close()
    error_console().print(f"re-planned from {day:%Y-%m} as {replan}; what changes:")
    with database(db).reading() as connection:
        emit(reports.diff_report(connection, code, replan, moment), fmt)
