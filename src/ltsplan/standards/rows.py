"""Fields of the standards file formats, and the conversion of one row (of any format) into a
Standard, Requirement or NationalAdoption, with every problem located (pure: no I/O).

The same field names serve YAML, JSON, CSV and XLSX. In CSV and XLSX an ordinal scale's levels are
one cell, lowest first, separated by ``|`` (``0|0+|1|1+|2``); in YAML and JSON a list.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from ltsplan.errors import Problem
from ltsplan.standards.adoption import NationalAdoption
from ltsplan.standards.model import Measure, Requirement, Standard, level_text, measure_from_row

SECTIONS = ("standards", "requirements", "adoption")
FIELDS: dict[str, tuple[str, ...]] = {
    "standards": ("designator", "title", "domain", "edition", "edition_date", "status", "reference", "note"),
    "requirements": (
        "designator",
        "code",
        "text",
        "measure",
        "levels",
        "threshold",
        "mandatory",
        "weight",
        "illustrative",
        "note",
    ),
    "adoption": (
        "country",
        "designator",
        "applicable",
        "ratification",
        "reservation",
        "ratified_on",
        "implementation",
        "implemented_on",
        "evidence",
        "fictional",
        "note",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "standards": ("designator", "title", "domain"),
    "requirements": ("designator", "code", "text", "measure"),
    "adoption": ("country", "designator", "applicable"),
}
# Other names accepted on import (the shipped catalogue CSV says "date" and "source").
LABEL_FIELDS = {
    "standards": ("designator",),
    "requirements": ("designator", "code"),
    "adoption": ("country", "designator"),
}
ALIASES = {"standards": {"date": "edition_date", "source": "reference"}, "requirements": {}, "adoption": {}}
LEVEL_SEPARATOR = "|"

T = TypeVar("T")


@dataclass(frozen=True)
class Located(Generic[T]):
    """A record read from a file, with where it was read (for problems found later)."""

    item: T
    file: str
    line: int | None
    label: str | None = None

    def problem(self, message: str, field: str | None = None) -> Problem:
        return Problem(message, file=self.file, line=self.line, field=field, record=self.label)


def section_of_header(header: list[str]) -> str | None:
    """Which section a CSV file holds, from its header (adoption, requirements or standards)."""
    names = {h.strip().lower() for h in header}
    if "country" in names:
        return "adoption"
    if "measure" in names or "code" in names:
        return "requirements"
    if "title" in names:
        return "standards"
    return None


class _Row:
    """One row's fields, read with a problem recorded (not raised) for each bad value."""

    def __init__(
        self, section: str, raw: dict[str, Any], file: str, line: int | None, position: str | None
    ) -> None:
        self.section, self.file, self.line = section, file, line
        self.problems: list[Problem] = []
        self.values: dict[str, Any] = {}
        aliases = ALIASES[section]
        unknown = []
        for key, value in raw.items():
            name = aliases.get(str(key).strip().lower(), str(key).strip().lower())
            if name in FIELDS[section]:
                self.values[name] = value
            elif value not in (None, ""):
                unknown.append(str(key))
        # A record is named by its natural key, e.g. "UKR STANAG 6001", after its position if any.
        key = " ".join(filter(None, (self.text(n, report=False) for n in LABEL_FIELDS[section])))
        self.label = f"{position} {key}".strip() if position else (key or None)
        for name in unknown:
            self.add(f"unknown field; {section} have {', '.join(FIELDS[section])}", name)
        for name in REQUIRED[section]:
            if self.text(name, report=False) is None and not isinstance(self.values.get(name), bool):
                self.add(f"'{name}' is required", name)

    def add(self, message: str, field: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.file, line=self.line, field=field, record=self.label))

    def text(self, name: str, report: bool = True) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, (list, dict)):
            if report:
                self.add("expected a single value, not a list or mapping", name)
            return None
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        text = level_text(value) if isinstance(value, float) else str(value).strip()
        return text or None

    def flag(self, name: str, default: bool | None) -> bool | None:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        text = self.text(name)
        if text is None:
            return default
        lowered = text.lower()
        if lowered in ("true", "yes", "y", "1", "x"):
            return True
        if lowered in ("false", "no", "n", "0"):
            return False
        self.add(f"'{text}' is not yes or no (true/false, 1/0)", name)
        return default

    def number(self, name: str, default: float | None) -> float | None:
        value = self.values.get(name)
        if isinstance(value, bool):
            self.add(f"'{value}' is not a number", name)
            return default
        if isinstance(value, (int, float)):
            return float(value)
        text = self.text(name)
        if text is None:
            return default
        try:
            return float(text.rstrip("%"))
        except ValueError:
            self.add(f"'{text}' is not a number", name)
            return default

    def day(self, name: str) -> date | None:
        value = self.values.get(name)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = self.text(name)
        if text is None:
            return None
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            self.add(f"'{text}' is not a date; write YYYY-MM-DD", name)
            return None

    def levels(self) -> tuple[str, ...]:
        value = self.values.get("levels")
        if isinstance(value, list):
            return tuple(level_text(v) for v in value)
        text = self.text("levels")
        if text is None:
            return ()
        return tuple(part.strip() for part in text.split(LEVEL_SEPARATOR))

    def fail(self, pairs: list[tuple[str, str]]) -> None:
        for field, message in pairs:
            self.add(message, field)


def standard_from(
    raw: dict[str, Any], file: str, line: int | None, position: str | None = None
) -> tuple[Standard | None, list[Problem]]:
    row = _Row("standards", raw, file, line, position)
    standard = Standard(
        designator=" ".join((row.text("designator") or "").split()),
        title=row.text("title") or "",
        domain=(row.text("domain") or "").lower(),
        edition=row.text("edition"),
        edition_date=row.text("edition_date"),
        status=row.text("status"),
        reference=row.text("reference"),
        note=row.text("note"),
    )
    if not row.problems:
        row.fail(standard.problems())
    return (None if row.problems else standard), row.problems


def requirement_from(
    raw: dict[str, Any], file: str, line: int | None, position: str | None = None
) -> tuple[Requirement | None, list[Problem]]:
    row = _Row("requirements", raw, file, line, position)
    designator = " ".join((row.text("designator") or "").split())
    code = row.text("code") or ""
    kind = (row.text("measure") or "").lower()
    levels = row.levels()
    threshold_level: str | None = None
    threshold_percent: float | None = None
    if kind == "percentage":
        threshold_percent = row.number("threshold", None)
    elif kind == "ordinal":
        threshold_level = row.text("threshold")
    elif kind == "binary":
        given = row.text("threshold")
        if given is not None and given.lower().replace("_", " ") not in ("met", "yes", "true", "1"):
            row.add(f"'{given}' is not a binary threshold; leave it empty or write met", "threshold")
    measure = Measure(kind, levels, threshold_level, threshold_percent)
    requirement = Requirement(
        designator=designator,
        code=code,
        text=row.text("text") or "",
        measure=measure,
        mandatory=bool(row.flag("mandatory", True)),
        weight=row.number("weight", 1.0) or 0.0,
        illustrative=bool(row.flag("illustrative", False)),
        note=row.text("note"),
    )
    if not row.problems:
        row.fail(requirement.problems())
    return (None if row.problems else requirement), row.problems


def adoption_from(
    raw: dict[str, Any], file: str, line: int | None, position: str | None = None
) -> tuple[NationalAdoption | None, list[Problem]]:
    row = _Row("adoption", raw, file, line, position)
    country = (row.text("country") or "").upper()
    designator = " ".join((row.text("designator") or "").split())
    applicable = row.flag("applicable", None)
    adoption = NationalAdoption(
        country=country,
        designator=designator,
        applicable=bool(applicable),
        ratification=(row.text("ratification") or "not ratified").lower().replace("_", " "),
        reservation=row.text("reservation"),
        ratified_on=row.day("ratified_on"),
        implementation=(row.text("implementation") or "not started").lower().replace("_", " "),
        implemented_on=row.day("implemented_on"),
        evidence=row.text("evidence"),
        fictional=bool(row.flag("fictional", False)),
        note=row.text("note"),
    )
    if not row.problems:
        row.fail(adoption.problems())
    return (None if row.problems else adoption), row.problems


READERS: dict[str, Callable[..., tuple[Any, list[Problem]]]] = {
    "standards": standard_from,
    "requirements": requirement_from,
    "adoption": adoption_from,
}


def standard_fields(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored ``standard`` row in file form."""
    return {name: stored.get(name) for name in FIELDS["standards"]}


def requirement_fields(stored: dict[str, Any], designator: str) -> dict[str, Any]:
    """A stored ``requirement`` row in file form: levels as a list, one threshold field."""
    measure = measure_from_row(stored)
    threshold: Any = None
    if measure.kind == "ordinal":
        threshold = measure.threshold_level
    elif measure.kind == "percentage":
        threshold = measure.threshold_percent
    return {
        "designator": designator,
        "code": stored["code"],
        "text": stored["text"],
        "measure": measure.kind,
        "levels": list(measure.levels) if measure.levels else None,
        "threshold": threshold,
        "mandatory": bool(stored["mandatory"]),
        "weight": float(stored["weight"]),
        "illustrative": bool(stored["illustrative"]),
        "note": stored.get("note"),
    }


def adoption_fields(stored: dict[str, Any], designator: str) -> dict[str, Any]:
    """A stored ``national_adoption`` row in file form."""
    values = {name: stored.get(name) for name in FIELDS["adoption"]}
    values["designator"] = designator
    values["applicable"] = bool(stored["applicable"])
    values["fictional"] = bool(stored["fictional"])
    return values
