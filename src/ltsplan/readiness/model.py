"""Readiness vocabulary: force elements, targets, assessments, gated evaluations, overrides, findings
and milestones (pure: no I/O).

Records travel as Polars frames in the shapes below (one per table); the dataclasses name the
things the rules talk about. Every rule that turns them into a verdict is stated in docs/readiness.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from ltsplan.standards.model import Measure, Observation

ELEMENT_KINDS = (
    "ministry",
    "general staff",
    "command",
    "corps",
    "division",
    "brigade",
    "regiment",
    "battalion",
    "company",
    "squadron",
    "wing",
    "flotilla",
    "ship",
    "unit",
    "school",
    "institution",
)
DOMAINS = ("land", "air", "maritime", "cyber", "logistics", "command and control", "joint")
METHODS = ("self-evaluation", "external evaluation")
RULES = ("lowest", "weighted", "all-mandatory")
CAPABILITIES = ("yes", "qualified", "no")
ACTION_STATUSES = ("open", "in progress", "done", "cancelled")
MILESTONE_STATUSES = ("met", "on track", "at risk", "late")
LEVELS = ("element", "domain", "standard")

# Bands of the 0–1 readiness score for the lowest-of and weighted rules (docs/readiness.md).
BANDS = (("R1", 1.0), ("R2", 0.75), ("R3", 0.5), ("R4", 0.0))
VERDICTS = ("ready", "not ready")  # the all-mandatory rule's two outcomes
OVERRIDE_LEVELS = (*(b for b, _ in BANDS), *VERDICTS)


def band(score: float | None) -> str | None:
    """The band a score falls in: R1 at 1.0 (every target met), R2 ≥ 0.75, R3 ≥ 0.5, R4 below."""
    if score is None or score != score:
        return None
    for name, floor in BANDS:
        if score >= floor:
            return name
    return BANDS[-1][0]


def band_expr(score: pl.Expr) -> pl.Expr:
    """``band`` column-wise."""
    expr: pl.Expr = pl.lit(BANDS[-1][0])
    for name, floor in reversed(BANDS[:-1]):
        expr = pl.when(score >= floor).then(pl.lit(name)).otherwise(expr)
    return pl.when(score.is_null() | score.is_nan()).then(pl.lit(None, dtype=pl.Utf8)).otherwise(expr)


@dataclass(frozen=True)
class ForceElement:
    """A unit, formation, school or institution; ``parent`` is another element's code."""

    code: str
    name: str
    kind: str
    domain: str
    parent: str | None = None
    tags: tuple[str, ...] = ()
    note: str | None = None


@dataclass(frozen=True)
class Target:
    """Element × requirement → level to reach by a date; weight and mandatory feed the rules."""

    element: str
    requirement: str
    level: str
    due: date
    weight: float = 1.0
    mandatory: bool = True


@dataclass(frozen=True)
class Assessment:
    """An observed level of one requirement in one element on a date (valid time), by an assessor
    and a method; it may belong to an evaluation (its checklist) and expire."""

    element: str
    requirement: str
    observed: str
    assessed_on: date
    assessor: str
    method: str
    evidence: str | None = None
    evaluation: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class Gate:
    """One step of a gated programme: e.g. ('SEL1', 'self-evaluation', 1)."""

    code: str
    method: str
    level: int


@dataclass(frozen=True)
class EvaluationProgramme:
    """Gates in the order they must be passed, how long a result counts, and what a checklist's
    outcome is called. ``rule`` is the aggregation the programme declares for its readiness view;
    ``pass_score`` only applies when it declares the weighted rule."""

    code: str
    name: str
    gates: tuple[Gate, ...]
    validity_months: int | None = 36
    rule: str = "all-mandatory"
    pass_outcome: str = "passed"
    fail_outcome: str = "not passed"
    pass_score: float | None = None

    def gate(self, code: str) -> Gate | None:
        return next((g for g in self.gates if g.code == code), None)

    def previous(self, code: str) -> Gate | None:
        codes = [g.code for g in self.gates]
        index = codes.index(code)
        return self.gates[index - 1] if index > 0 else None


def nato_occ_gates() -> tuple[Gate, ...]:
    """The OCC E&F sequence: self-evaluation 1 → NATO evaluation 1 → self-evaluation 2 → NATO
    evaluation 2."""
    return (
        Gate("SEL1", "self-evaluation", 1),
        Gate("NEL1", "external evaluation", 1),
        Gate("SEL2", "self-evaluation", 2),
        Gate("NEL2", "external evaluation", 2),
    )


def parse_gates(text: str) -> tuple[Gate, ...]:
    """'SEL1:self-evaluation:1, NEL1:external evaluation:1' → gates (the stored form)."""
    gates = []
    for part in text.split(","):
        code, method, level = (p.strip() for p in part.split(":"))
        gates.append(Gate(code, method, int(level)))
    return tuple(gates)


def format_gates(gates: tuple[Gate, ...]) -> str:
    return ", ".join(f"{g.code}:{g.method}:{g.level}" for g in gates)


@dataclass(frozen=True)
class ChecklistOutcome:
    """What a checklist of yes/no criteria yields: the stated outcome and what stopped it."""

    outcome: str
    passed: bool
    criteria: int
    mandatory: int
    mandatory_met: int
    unmet_mandatory: tuple[str, ...] = ()
    score: float | None = None


@dataclass(frozen=True)
class Override:
    """A commander's judgement of an element's level, kept beside the computed value."""

    element: str
    level: str
    reason: str
    by: str
    valid_from: date


@dataclass(frozen=True)
class MissionCapability:
    """Can the element do its assigned mission (yes / qualified / no)? A separate judgement: it never
    enters the computed readiness."""

    element: str
    capability: str
    assessed_on: date
    by: str
    reason: str | None = None


@dataclass(frozen=True)
class CorrectiveAction:
    code: str
    finding: str
    description: str
    owner: str
    due: date
    status: str = "open"
    closed_on: date | None = None


@dataclass(frozen=True)
class Finding:
    """What an assessment found missing against one requirement; its corrective actions fix it."""

    code: str
    element: str
    requirement: str
    raised_on: date
    text: str
    assessment: str | None = None
    actions: tuple[CorrectiveAction, ...] = ()


@dataclass(frozen=True)
class Milestone:
    """A named set of targets with a due date (the roadmap)."""

    code: str
    name: str
    due: date
    targets: tuple[str, ...] = field(default_factory=tuple)  # target ids
    note: str | None = None


def months_between(start: date, end: date) -> float:
    """Whole and fractional months from start to end (30.4375-day months)."""
    return (end - start).days / 30.4375


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end)."""
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def month_ends(start: date, end: date) -> list[date]:
    """The last day of every month from start's month to end's month, inclusive."""
    days = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        days.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return days


def position(measure: Measure, value: Observation) -> float:
    """Where a level sits on its requirement's scale, as a number that compares the way
    ``standards.model.meets`` does: binary 1 (met) or 0; ordinal the level's index, lowest 0;
    percentage the number itself. Raises ``MeasureError`` when the value is not on the scale."""
    read = measure.read(value)
    if measure.kind == "binary":
        return 1.0 if read else 0.0
    if measure.kind == "ordinal":
        return float(measure.level_index(read))
    return float(read)
