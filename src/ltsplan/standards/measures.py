"""Standards and their requirements, and how a requirement is measured (pure: no I/O).

A **Standard** is a STANAG or an Allied publication (designator, title, domain, edition). Each of its
**Requirements** is measured in one of three ways, a ``Measure``:

- ``binary``: met or not met. An observation is ``True``/``False`` or one of the words in
  ``MET_WORDS`` / ``NOT_MET_WORDS`` ("met", "not met", "yes", "no", …).
- ``ordinal``: a named level on an ordered scale, lowest first — for example the STANAG 6001 language
  proficiency levels ``0, 0+, 1, 1+, 2, 2+, 3, 3+, 4, 4+, 5``. Levels compare by their position in
  the scale, never as text or numbers: ``1+`` is above ``1`` and ``2`` below ``2+``.
- ``percentage``: a number from 0 to 100, met at or above a threshold.

``meets(measure, observed, target)`` is the one rule every other module uses (the readiness domain
compares assessments with targets through it): an observation meets a target when it is at or above
it on the measure's scale. When ``target`` is None the requirement's own threshold applies.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

MEASURE_KINDS = ("binary", "ordinal", "percentage")
MET_WORDS = frozenset({"met", "yes", "true", "1", "y", "pass", "passed"})
NOT_MET_WORDS = frozenset({"not met", "no", "false", "0", "n", "fail", "failed", "unmet"})

# STANAG 6001 (Language Proficiency Levels), since Edition 4: levels 0–5 with "plus" levels 0+ to 4+,
# rated separately for listening, speaking, reading and writing (the Standardized Language Profile).
STANAG_6001_LEVELS: tuple[str, ...] = ("0", "0+", "1", "1+", "2", "2+", "3", "3+", "4", "4+", "5")

Observation = bool | str | float | int


class MeasureError(ValueError):
    """An observation or target that the measure cannot read; the message says what it accepts."""


@dataclass(frozen=True)
class Measure:
    """How a requirement is measured, with its default threshold (the level that counts as met)."""

    kind: str
    levels: tuple[str, ...] = ()
    threshold_level: str | None = None
    threshold_percent: float | None = None

    @classmethod
    def binary(cls) -> Measure:
        return cls("binary")

    @classmethod
    def ordinal(cls, levels: tuple[str, ...] | list[str], threshold: str | None = None) -> Measure:
        return cls("ordinal", tuple(levels), threshold_level=threshold)

    @classmethod
    def percentage(cls, threshold: float | None = None) -> Measure:
        return cls("percentage", threshold_percent=threshold)

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for each thing wrong; empty when the measure is usable."""
        found: list[tuple[str, str]] = []
        if self.kind not in MEASURE_KINDS:
            found.append(
                ("measure", f"'{self.kind}' is not a measure; use one of {', '.join(MEASURE_KINDS)}")
            )
            return found
        if self.kind == "ordinal":
            if len(self.levels) < 2:
                found.append(("levels", "an ordinal measure needs at least two named levels, lowest first"))
            duplicates = sorted({lv for lv in self.levels if self.levels.count(lv) > 1})
            if duplicates:
                found.append(("levels", f"level names repeat: {', '.join(duplicates)}"))
            if any(not lv.strip() for lv in self.levels):
                found.append(("levels", "a level name is empty"))
            if any(len(lv) > 64 for lv in self.levels):
                found.append(("levels", "a level name has at most 64 characters"))
            if self.threshold_level is not None and self.threshold_level not in self.levels:
                found.append(
                    (
                        "threshold",
                        f"'{self.threshold_level}' is not one of the levels ({', '.join(self.levels)})",
                    )
                )
        elif self.levels:
            found.append(("levels", f"only an ordinal measure has levels, not a {self.kind} one"))
        if self.kind == "percentage":
            t = self.threshold_percent
            if t is None:
                found.append(("threshold", "a percentage measure needs a threshold from 0 to 100"))
            elif math.isnan(t) or not 0 <= t <= 100:
                found.append(("threshold", f"'{t}' is not a percentage from 0 to 100"))
        elif self.threshold_percent is not None:
            found.append(("threshold", f"a {self.kind} measure has no percentage threshold"))
        if self.kind != "ordinal" and self.threshold_level is not None:
            found.append(("threshold", f"a {self.kind} measure has no threshold level"))
        return found

    @property
    def threshold(self) -> Observation | None:
        """The default target: True, a level name, or a percentage."""
        if self.kind == "binary":
            return True
        if self.kind == "ordinal":
            return self.threshold_level
        return self.threshold_percent

    def read(self, value: Observation) -> bool | str | float:
        """An observation or target in this measure's terms; raises MeasureError when unreadable."""
        if self.kind == "binary":
            return _read_binary(value)
        if self.kind == "ordinal":
            text = level_text(value)
            if text not in self.levels:
                raise MeasureError(
                    f"'{value}' is not a level of this scale; use one of {', '.join(self.levels)}"
                )
            return text
        return _read_percent(value)

    def level_index(self, level: Observation) -> int:
        """Position of a level on an ordinal scale, lowest = 0 (so levels compare as integers)."""
        if self.kind != "ordinal":
            raise MeasureError(f"a {self.kind} measure has no levels")
        return self.levels.index(str(self.read(level)))

    def attainment(self, observed: Observation) -> float:
        """Where an observation sits on the scale, from 0 (lowest) to 1 (highest), for weighted means:
        binary 0 or 1; ordinal its level's index ÷ the top index; percentage ÷ 100."""
        value = self.read(observed)
        if self.kind == "binary":
            return 1.0 if value else 0.0
        if self.kind == "ordinal":
            return self.level_index(value) / (len(self.levels) - 1)
        assert isinstance(value, float)
        return value / 100.0

    def meets(self, observed: Observation, target: Observation | None = None) -> bool:
        """True when ``observed`` is at or above ``target`` (default: this measure's threshold)."""
        goal = self.threshold if target is None else target
        if goal is None:
            raise MeasureError("no target given and the requirement has no threshold")
        if self.kind == "binary":
            return bool(self.read(observed)) or not self.read(goal)
        if self.kind == "ordinal":
            return self.level_index(observed) >= self.level_index(goal)
        observed_value, goal_value = self.read(observed), self.read(goal)
        assert isinstance(observed_value, float) and isinstance(goal_value, float)
        return observed_value >= goal_value


def meets(measure: Measure, observed: Observation, target: Observation | None = None) -> bool:
    """Does an observation meet a target on this measure? (See ``Measure.meets``.)

    >>> slp = Measure.ordinal(STANAG_6001_LEVELS, threshold="2")
    >>> meets(slp, "2+"), meets(slp, "1+"), meets(slp, "2", target="2+")
    (True, False, False)
    >>> meets(Measure.percentage(80), 79.5), meets(Measure.binary(), "met")
    (False, True)
    """
    return measure.meets(observed, target)


def level_index(measure: Measure, level: Observation) -> int:
    """Position of ``level`` on an ordinal measure's scale, lowest = 0.

    >>> level_index(Measure.ordinal(STANAG_6001_LEVELS), "1+")
    3
    """
    return measure.level_index(level)


def level_text(value: Observation) -> str:
    """A level's name from a cell: spreadsheets turn level '2' into 2.0; that is read back as '2'."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet turns level "2" into 2.0
    return str(value).strip()


def _read_binary(value: Observation) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower().replace("_", " ")
    if text in MET_WORDS:
        return True
    if text in NOT_MET_WORDS:
        return False
    raise MeasureError(f"'{value}' is neither met nor not met; write met or not met")


def _read_percent(value: Observation) -> float:
    if isinstance(value, bool):
        raise MeasureError(f"'{value}' is not a percentage from 0 to 100")
    try:
        number = float(str(value).strip().rstrip("%")) if isinstance(value, str) else float(value)
    except ValueError:
        raise MeasureError(f"'{value}' is not a percentage from 0 to 100") from None
    if math.isnan(number) or not 0 <= number <= 100:
        raise MeasureError(f"'{value}' is not a percentage from 0 to 100")
    return number


def measure_from_file(given: dict[str, Any]) -> Measure:
    """The Measure a requirement's file form describes (its threshold read by the measure's kind;
    ``rules.requirement_problems`` says what is wrong with one that cannot be read)."""
    kind = given.get("measure") or ""
    threshold = given.get("threshold")
    if kind == "percentage":
        return Measure(kind, tuple(given.get("levels") or ()), None, _percent(threshold))
    if kind == "ordinal":
        return Measure(kind, tuple(given.get("levels") or ()), threshold, None)
    return Measure(kind, tuple(given.get("levels") or ()))


def _percent(threshold: Any) -> float | None:
    if threshold is None:
        return None
    try:
        return float(str(threshold).strip().rstrip("%"))
    except ValueError:
        return None


def measure_from_row(row: dict[str, Any]) -> Measure:
    """The Measure of a stored requirement row (``levels`` is a JSON array)."""
    levels = tuple(json.loads(row["levels"])) if row.get("levels") else ()
    return Measure(row["measure"], levels, row.get("threshold_level"), row.get("threshold_percent"))
