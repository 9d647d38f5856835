"""The file form of readiness records: sections, their fields and types, and checking one raw record
(pure: no I/O). Cross-record checks (does the element exist, is the level on the requirement's
scale) are the service's, which can see the database.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ltsplan.errors import Problem
from ltsplan.formats.cells import is_blank
from ltsplan.readiness.model import (
    ACTION_STATUSES,
    CAPABILITIES,
    DOMAINS,
    ELEMENT_KINDS,
    METHODS,
    OVERRIDE_LEVELS,
    RULES,
    parse_gates,
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text | date | number | integer | boolean | gates
    required: bool = False
    choices: tuple[str, ...] = ()


def _f(name: str, kind: str = "text", required: bool = False, choices: tuple[str, ...] = ()) -> Field:
    return Field(name, kind, required, choices)


REQ = ("standard", "requirement")  # a requirement is named by its standard's designator and its code

SECTIONS: dict[str, tuple[Field, ...]] = {
    "elements": (
        _f("code", required=True),
        _f("name", required=True),
        _f("kind", required=True, choices=ELEMENT_KINDS),
        _f("domain", required=True, choices=DOMAINS),
        _f("parent"),
        _f("tags"),
        _f("fictional", "boolean"),
        _f("note"),
    ),
    "programmes": (
        _f("code", required=True),
        _f("name", required=True),
        _f("gates", "gates", required=True),
        _f("validity_months", "integer"),
        _f("rule", choices=RULES),
        _f("pass_outcome"),
        _f("fail_outcome"),
        _f("pass_score", "number"),
        _f("fictional", "boolean"),
        _f("note"),
    ),
    "targets": (
        _f("element", required=True),
        _f("standard", required=True),
        _f("requirement", required=True),
        _f("level", required=True),
        _f("due", "date", required=True),
        _f("weight", "number"),
        _f("mandatory", "boolean"),
        _f("note"),
    ),
    "evaluations": (
        _f("code", required=True),
        _f("element", required=True),
        _f("programme", required=True),
        _f("gate", required=True),
        _f("held_on", "date", required=True),
        _f("evaluator", required=True),
        _f("expires_on", "date"),
        _f("note"),
    ),
    "assessments": (
        _f("element", required=True),
        _f("standard", required=True),
        _f("requirement", required=True),
        _f("observed", required=True),
        _f("assessed_on", "date", required=True),
        _f("assessor", required=True),
        _f("method", required=True, choices=METHODS),
        _f("evidence"),
        _f("evaluation"),
        _f("expires_on", "date"),
        _f("note"),
    ),
    "overrides": (
        _f("element", required=True),
        _f("level", required=True, choices=OVERRIDE_LEVELS),
        _f("reason", required=True),
        _f("by", required=True),
        _f("valid_from", "date", required=True),
    ),
    "capabilities": (
        _f("element", required=True),
        _f("capability", required=True, choices=CAPABILITIES),
        _f("assessed_on", "date", required=True),
        _f("by", required=True),
        _f("reason"),
    ),
    "findings": (
        _f("code", required=True),
        _f("element", required=True),
        _f("standard", required=True),
        _f("requirement", required=True),
        _f("raised_on", "date", required=True),
        _f("text", required=True),
        _f("assessed_on", "date"),
        _f("method", choices=METHODS),
    ),
    "actions": (
        _f("code", required=True),
        _f("finding", required=True),
        _f("description", required=True),
        _f("owner", required=True),
        _f("due", "date", required=True),
        _f("status", choices=ACTION_STATUSES),
        _f("closed_on", "date"),
    ),
    "milestones": (
        _f("code", required=True),
        _f("name", required=True),
        _f("due", "date", required=True),
        _f("fictional", "boolean"),
        _f("note"),
    ),
    "milestone_targets": (
        _f("milestone", required=True),
        _f("element", required=True),
        _f("standard", required=True),
        _f("requirement", required=True),
    ),
}

# A CSV file holds one section, told by a field only that section's header has (checked in order).
SIGNATURES = (
    ("gates", "programmes"),
    ("observed", "assessments"),
    ("held_on", "evaluations"),
    ("capability", "capabilities"),
    ("reason", "overrides"),
    ("owner", "actions"),
    ("raised_on", "findings"),
    ("milestone", "milestone_targets"),
    ("kind", "elements"),
    ("level", "targets"),
    ("due", "milestones"),
)

TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}


def section_of_header(header: list[str]) -> str | None:
    names = {h.strip().lower() for h in header}
    return next((section for key, section in SIGNATURES if key in names), None)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError
    return number


def _integer(value: Any) -> int:
    number = _number(value)
    if not number.is_integer():
        raise ValueError
    return int(number)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError


EXPECTED = {
    "date": "a date written YYYY-MM-DD",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "gates": "gates written CODE:method:level, comma-separated "
    "(e.g. SEL1:self-evaluation:1, NEL1:external evaluation:1)",
}
PARSERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "date": _date,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
}


def _gates(value: Any) -> str:
    text = _text(value)
    gates = parse_gates(text)
    if not gates or any(g.method not in METHODS or g.level < 1 for g in gates):
        raise ValueError
    if len({g.code for g in gates}) != len(gates):
        raise ValueError
    return ", ".join(f"{g.code}:{g.method}:{g.level}" for g in gates)


PARSERS["gates"] = _gates


def check_record(
    section: str, raw: dict[str, Any], *, file: str, line: int | None, record: str | None
) -> tuple[dict[str, Any], list[Problem]]:
    """One raw record → typed values (every field present; None when blank or unreadable) and its
    problems. A record with problems is still returned, so that its references can be checked too."""
    fields = SECTIONS[section]
    known = {f.name for f in fields}
    problems = []
    values: dict[str, Any] = {}
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for name in sorted(set(lowered) - known):
        problems.append(
            Problem(
                f"unknown field in {section}; the fields are {', '.join(f.name for f in fields)}",
                file=file,
                line=line,
                field=name,
                record=record,
            )
        )
    for spec in fields:
        value = lowered.get(spec.name)
        if spec.name == "tags" and isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if is_blank(value):
            if spec.required:
                problems.append(
                    Problem(f"{spec.name} is required", file=file, line=line, field=spec.name, record=record)
                )
            values[spec.name] = None
            continue
        try:
            parsed = PARSERS[spec.kind](value)
        except (ValueError, TypeError):
            problems.append(
                Problem(
                    f"'{value}' is not {EXPECTED[spec.kind]}",
                    file=file,
                    line=line,
                    field=spec.name,
                    record=record,
                )
            )
            values[spec.name] = None
            continue
        if spec.choices and parsed not in spec.choices:
            problems.append(
                Problem(
                    f"'{parsed}' is not allowed; use one of: {', '.join(spec.choices)}",
                    file=file,
                    line=line,
                    field=spec.name,
                    record=record,
                )
            )
        if spec.kind == "text" and len(parsed) > 64 and spec.name in ("code", "element", "parent", "finding"):
            problems.append(
                Problem("at most 64 characters", file=file, line=line, field=spec.name, record=record)
            )
        values[spec.name] = parsed
    return values, problems
