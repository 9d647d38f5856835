"""Making a plan: the greedy baseline, then CP-SAT started from it (pure but for the solver and the
clock it is given), and the better of the two by the one exact evaluation.

The solver runs with a fixed number of workers and seed, interleaved (``interleave_search``) so
that its parallel search is deterministic, and stops on a deterministic time limit: the same inputs
and seed give the same plan. A wall-clock limit stands beside it (``max_time_in_seconds``), and a
guard thread stops the search should the solver overrun it (google/or-tools#5163); a plan stopped
by the clock says so, as it may differ from run to run. The greedy plan is a complete hint, and a
solver's plan that is not better than it — or no plan at all — gives way to it, which the outcome
says (google/or-tools#4166).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from ltsplan.errors import LtsplanError
from ltsplan.planner import cpsat
from ltsplan.planner.evaluate import Assignments, Evaluation, evaluate, to_elements
from ltsplan.planner.greedy import greedy_counts
from ltsplan.planner.layout import Layout, build_layout
from ltsplan.planner.problem import OBJECTIVES, Problem, month_label

# Called with (seconds so far, best objective found, best bound) while the solver runs.
Progress = Callable[[float, float, float], None]
GUARD_GRACE = 5.0  # seconds past the wall-clock limit before the guard stops the search
# CP-SAT's deterministic time runs slower than the clock (about a tenth of it for this model on two
# busy cores): the default work limit is set so that the clock rarely stops a search first.
WORK_PER_SECOND = 0.1
BOUND_SHARE = 0.3  # of the work and the time: the first phase, which proves the bound


@dataclass(frozen=True)
class Options:
    """How a plan is made. ``time_limit``: seconds of search (deterministic time, which stops the
    search at the same point on every run, and wall-clock time as a ceiling); ``relative_gap``: stop
    when the objective is this close to the bound (0: prove optimality); ``workers``: search threads;
    ``seed``: the search's random seed; ``detail_months``: months planned month by month before the
    starts go ``coarse_months`` apart."""

    objective: str = "readiness"
    time_limit: float = 30.0
    relative_gap: float = 0.0
    workers: int = 2
    seed: int = 0
    detail_months: int = 24
    coarse_months: int = 3
    work_limit: float | None = None  # deterministic seconds (default: WORK_PER_SECOND × time_limit)

    @property
    def work(self) -> float:
        return self.work_limit if self.work_limit is not None else WORK_PER_SECOND * self.time_limit

    def problems(self) -> list[str]:
        found = []
        if self.objective not in OBJECTIVES:
            found.append(f"'{self.objective}' is not an objective; use one of {', '.join(OBJECTIVES)}")
        if not self.time_limit > 0:
            found.append("the time limit must be a positive number of seconds")
        if self.work_limit is not None and not self.work_limit > 0:
            found.append("the work limit must be a positive number of deterministic seconds")
        if not 0 <= self.relative_gap < 1:
            found.append("the relative gap must be at least 0 and below 1 (0.01 is 1%)")
        if not 1 <= self.workers <= 64:
            found.append("the workers must be from 1 to 64")
        if self.detail_months < 0 or self.coarse_months < 1:
            found.append("detail months must be 0 or more and coarse months 1 or more")
        return found


@dataclass
class Outcome:
    """A plan made: its assignments and worth, the greedy plan's beside it, and how it was found."""

    assignments: Assignments
    evaluation: Evaluation
    counts: np.ndarray  # per variable of ``layout``: elements started
    greedy_assignments: Assignments
    greedy: Evaluation
    baseline: Evaluation  # the history alone: what no new support gives
    status: str  # optimal, feasible, greedy
    solver_status: str
    bound: float | None
    gap: float | None
    solve_seconds: float
    greedy_seconds: float
    layout: Layout
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        return self.evaluation.objective


def better(objective: str, a: float, b: float) -> bool:
    """Whether ``a`` is strictly better than ``b`` under the objective (beyond rounding)."""
    return a > b + 1e-9 if objective == "readiness" else a < b - 1e-9


class _Watch(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress | None, started: float) -> None:
        super().__init__()
        self.progress, self.started = progress, started

    def on_solution_callback(self) -> None:
        if self.progress is not None:
            self.progress(time.monotonic() - self.started, self.objective_value, self.best_objective_bound)


def make(problem: Problem, options: Options, progress: Progress | None = None) -> Outcome:
    said = options.problems()
    if said:
        raise LtsplanError("; ".join(said))
    if options.objective == "readiness":
        _something_due(problem)
    layout = build_layout(problem, options.objective, options.detail_months, options.coarse_months)
    started = time.perf_counter()
    hint = greedy_counts(problem, layout)
    greedy_assignments = to_elements(problem, layout, hint)
    greedy = evaluate(problem, greedy_assignments, options.objective)
    greedy_seconds = time.perf_counter() - started
    baseline = evaluate(problem, Assignments.empty(), options.objective)
    notes: list[str] = []
    if layout.var_pair.size == 0:
        notes.append("no package can raise any gap in time: nothing to plan")
        return Outcome(
            greedy_assignments,
            greedy,
            hint,
            greedy_assignments,
            greedy,
            baseline,
            "optimal",
            "no variables",
            greedy.objective,
            0.0,
            0.0,
            greedy_seconds,
            layout,
            notes,
        )
    began = time.perf_counter()
    built = cpsat.build(problem, layout)
    build_seconds = time.perf_counter() - began
    search = _search(built, hint, options, progress)
    status, name, wall = search.status, search.status_name, search.wall
    stats = {
        "variables": float(len(built.x) + len(built.aux)),
        "constraints": float(built.constraints),
        "cohorts": float(layout.cohort_size.size),
        "pairs": float(layout.pair_cohort.size),
        "build_seconds": build_seconds,
        "deterministic_time": search.work,
        "bound_phase_seconds": search.first_wall,
    }
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        raise LtsplanError(
            f"the solver found the model {name.lower()}: what is done asks more than the packages now "
            "offer (docs/planner.md, Infeasible input)"
        )
    if search.stopped_by_clock:
        notes.append(
            f"the search was stopped by the wall clock after {wall:.0f} s, before its deterministic limit: "
            "another run may find a different plan"
        )
    bound = search.bound
    if search.counts is not None:
        counts = search.counts
        assignments = to_elements(problem, layout, counts)
        evaluation = evaluate(problem, assignments, options.objective)
        model_value = search.objective
        if (
            better(options.objective, model_value, evaluation.objective)
            and abs(model_value - evaluation.objective) > 1e-6
        ):
            notes.append(
                f"the model counted {model_value:.6g} for this plan and its elements get {evaluation.objective:.6g}: "
                "some cohort's packages could not all go to the elements that needed them"
            )
    else:
        counts, assignments, evaluation = hint, greedy_assignments, greedy
    chosen = "optimal" if status == cp_model.OPTIMAL else "feasible"
    if search.counts is None:
        notes.append(f"the solver found no plan ({name}) in {wall:.1f} s: this is the greedy plan")
        chosen = "greedy"
    elif not better(options.objective, evaluation.objective, greedy.objective):
        if better(options.objective, greedy.objective, evaluation.objective):
            notes.append("the solver's plan was not better than the greedy plan: this is the greedy plan")
        else:
            notes.append("the solver found no plan better than the greedy one: this is the greedy plan")
        counts, assignments, evaluation = hint, greedy_assignments, greedy
        chosen = "greedy" if status != cp_model.OPTIMAL else "optimal"
    gap = _gap(evaluation.objective, bound)
    # CP-SAT proves a floating objective optimal to within its absolute gap limit (1e-4).
    if chosen == "optimal" and gap is not None and gap > max(options.relative_gap, 1e-4):
        chosen = "feasible"
    return Outcome(
        assignments,
        evaluation,
        counts,
        greedy_assignments,
        greedy,
        baseline,
        chosen,
        name,
        bound,
        gap,
        wall,
        greedy_seconds,
        layout,
        notes,
        stats,
    )


def _something_due(problem: Problem) -> None:
    """A readiness plan is worth the weighted mean over the deadlines from its first month on; with
    none (every milestone and target due before it, or none weighing anything) there is no mean to
    maximise, and 100 % for nothing due would be a false answer."""
    terms = problem.terms()
    first = month_label(problem.start)
    if terms.is_empty():
        raise LtsplanError(
            f"nothing is due from {first} on: every milestone and target is due before the plan's first "
            "month, so no plan can change its readiness; start the plan earlier, or use --objective lateness"
        )
    if not float(problem.t_weight[terms.get_column("target").to_numpy()].sum()) > 0:
        raise LtsplanError(
            f"the targets due from {first} on all weigh 0: their weighted readiness is undefined; "
            "give some of them a weight above 0"
        )


def _gap(objective: float, bound: float | None) -> float | None:
    """How far the plan may be from the best possible, relative to the bound."""
    if bound is None:
        return None
    scale = max(abs(bound), abs(objective), 1e-9)
    return max(0.0, abs(bound - objective) / scale)


@dataclass
class _Found:
    status: Any  # cp_model.CpSolverStatus
    status_name: str
    counts: np.ndarray | None
    objective: float
    bound: float | None
    wall: float
    first_wall: float
    work: float
    stopped_by_clock: bool


def _search(built: cpsat.Built, hint: np.ndarray, options: Options, progress: Progress | None) -> _Found:
    """Two deterministic phases: one worker with the linear relaxation (the bound, and a plan
    where the model is small enough to prove), then the interleaved neighbourhood search from the
    best plan so far (``interleave_search``: the same steps on every run, whatever the threads).
    Each stops on its share of the work limit; the clock is the ceiling."""
    model = built.model
    values = hint
    aux_values = [value_of(hint) for _, value_of in built.aux]
    clock = time.monotonic()
    deadline = clock + options.time_limit
    best_counts: np.ndarray | None = None
    best_objective = float("nan")
    bound: float | None = None
    status, name, work, first_wall, by_clock = cp_model.UNKNOWN, "UNKNOWN", 0.0, 0.0, False
    maximise = options.objective == "readiness"
    for phase in (1, 2):
        left = deadline - time.monotonic()
        if left <= 0.05:
            by_clock = True
            break
        model.clear_hints()
        for v, value in zip(built.x, values, strict=True):
            model.add_hint(v, int(value))
        for (v, _), value in zip(built.aux, aux_values, strict=True):
            model.add_hint(v, int(value))
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.random_seed = options.seed
        params.relative_gap_limit = options.relative_gap
        params.fix_variables_to_their_hinted_value = False
        share = BOUND_SHARE if phase == 1 else 1.0
        params.max_deterministic_time = max(options.work * share - work, 0.01)
        params.max_time_in_seconds = left * share if phase == 1 else left
        if phase == 1:
            params.num_workers = 1
        else:
            params.num_workers = options.workers
            params.interleave_search = True
            params.use_lns_only = True
        guard = threading.Timer(params.max_time_in_seconds + GUARD_GRACE, solver.stop_search)
        guard.daemon = True
        guard.start()
        began = time.monotonic()
        try:
            found = solver.solve(model, _Watch(progress, clock))
        finally:
            guard.cancel()
        spent = time.monotonic() - began
        work += float(solver.deterministic_time)
        if phase == 1:
            first_wall = spent
        if (
            spent >= params.max_time_in_seconds - 0.05
            and solver.deterministic_time < params.max_deterministic_time
        ):
            by_clock = True
        if found in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
            return _Found(
                found,
                solver.status_name(found),
                None,
                float("nan"),
                None,
                time.monotonic() - clock,
                first_wall,
                work,
                by_clock,
            )
        if found in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            this_bound = float(solver.best_objective_bound)
            # A floating objective solved in presolve keeps its trivial bound beside OPTIMAL
            # (0.5 proven 0): the proof is the objective itself, within the limits asked.
            if found == cp_model.OPTIMAL and (_gap(solver.objective_value, this_bound) or 0.0) > max(
                options.relative_gap, 1e-4
            ):
                this_bound = float(solver.objective_value)
            if bound is None or (this_bound < bound if maximise else this_bound > bound):
                bound = this_bound
            objective = float(solver.objective_value)
            if best_counts is None or better(options.objective, objective, best_objective):
                best_objective = objective
                best_counts = np.fromiter(
                    (solver.value(v) for v in built.x), dtype=np.int64, count=len(built.x)
                )
                aux_values = [solver.value(v) for v, _ in built.aux]
                values = best_counts
            status, name = (
                (found, solver.status_name(found)) if status != cp_model.OPTIMAL else (status, name)
            )
            if found == cp_model.OPTIMAL:
                break
            if (
                bound is not None
                and _gap(best_objective, bound) is not None
                and (_gap(best_objective, bound) or 0) <= options.relative_gap
            ):
                break
    return _Found(
        status, name, best_counts, best_objective, bound, time.monotonic() - clock, first_wall, work, by_clock
    )
