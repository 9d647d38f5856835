"""Gated evaluation programmes and their calendar (pure): the gates in the order they must be
passed (NATO OCC E&F: self-evaluation 1 → NATO evaluation 1 → self-evaluation 2 → NATO
evaluation 2), how long a result counts, what a checklist's outcome is called, and the month
arithmetic of validity and trends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ltsplan.records.fields import FieldError, cell_text


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
        if (year, month) == (date.max.year, date.max.month):  # no month after it to step back from
            days.append(date.max)
            break
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        days.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return days


def gates_text(value: Any, methods: tuple[str, ...]) -> str:
    """A programme's gates in the stored form: ``CODE:method:level``, comma-separated."""
    text = cell_text(value)
    try:
        gates = parse_gates(text)
    except ValueError:
        gates = ()
    if (
        not gates
        or any(g.method not in methods or g.level < 1 for g in gates)
        or (len({g.code for g in gates}) != len(gates))
    ):
        raise FieldError(
            f"'{value}' is not gates written CODE:method:level, comma-separated "
            "(e.g. SEL1:self-evaluation:1, NEL1:external evaluation:1)"
        )
    return format_gates(gates)
