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

import polars as pl

from ltsplan.records.fields import BOOLEAN, DATE, NUMBER, Field, Kind, lower
from ltsplan.records.types import Lookup, RecordType, id_field
from ltsplan.store.ids import record_id

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


RATIFICATION_STATES = ("ratified", "ratified with reservations", "not ratified")
IMPLEMENTATION_STATES = ("not started", "planned", "in progress", "implemented")
RATIFIED = ("ratified", "ratified with reservations")


def _levels(value: Any) -> tuple[str, ...]:
    """An ordinal scale's levels, lowest first: a list (YAML, JSON) or one cell, ``0|0+|1``."""
    if isinstance(value, (list, tuple)):
        return tuple(level_text(v) for v in value)
    return tuple(part.strip() for part in str(value).split(LEVEL_SEPARATOR))


LEVELS = Kind("levels", pl.Utf8, _levels, many=True)
LEVEL_SEPARATOR = "|"


def _designator(text: str) -> str:
    return " ".join(text.split())


def _looks_like_date(value: Any) -> str | None:
    parts = str(value).split("-")
    ok = parts[0].isdigit() and len(parts[0]) == 4 and len(parts) <= 3
    ok = ok and all(p.isdigit() and len(p) == 2 for p in parts[1:])
    return None if ok else f"'{value}' is not a year, YYYY-MM or YYYY-MM-DD"


STANDARD = RecordType(
    "standard",
    (
        Field("designator", required=True, size=64, normalise=_designator, doc="STANAG 6001, AJP-01"),
        Field("title", required=True),
        Field("domain", required=True, size=64, normalise=lower, doc="land, command and control, …"),
        Field("edition", size=32),
        Field(
            "edition_date",
            size=10,
            check=_looks_like_date,
            doc="as precise as the source: 2014 or 2014-08-07",
        ),
        Field("status", doc="catalogue status as the source states it"),
        Field("reference", doc="where the row comes from (repository, file, record)"),
        id_field("source_id", doc="the id of a recorded source, if the record cites one"),
        Field("note"),
    ),
    key=("designator",),
    title="standard",
    section="standards",
    indexes={"designator": ("designator",), "domain": ("domain",)},
    identify=lambda values: standard_id(values["designator"] or ""),
)


def _requirement_from_file(given: dict[str, Any]) -> dict[str, Any]:
    measure = measure_from_file(given)
    designator, code = given["designator"] or "", given["code"] or ""
    return {
        "id": requirement_id(designator, code),
        "standard_id": standard_id(designator),
        "code": code,
        "text": given["text"],
        "measure": measure.kind,
        "levels": json.dumps(list(measure.levels), ensure_ascii=False) if measure.levels else None,
        "threshold_level": measure.threshold_level,
        "threshold_percent": measure.threshold_percent,
        "mandatory": given["mandatory"],
        "weight": given["weight"],
        "illustrative": given["illustrative"],
        "source_id": given["source_id"],
        "note": given["note"],
    }


def _requirement_to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    measure = measure_from_row(stored)
    threshold: Any = measure.threshold_level if measure.kind == "ordinal" else measure.threshold_percent
    standard = lookup.get("standard", {}).get(stored["standard_id"], {})
    return {
        "designator": standard.get("designator", stored["standard_id"]),
        "code": stored["code"],
        "text": stored["text"],
        "measure": measure.kind,
        "levels": list(measure.levels) if measure.levels else None,
        "threshold": threshold,
        "mandatory": bool(stored["mandatory"]),
        "weight": float(stored["weight"]),
        "illustrative": bool(stored["illustrative"]),
        "source_id": stored.get("source_id"),
        "note": stored.get("note"),
    }


REQUIREMENT = RecordType(
    "requirement",
    (
        id_field("standard_id", required=True, file=""),
        Field("code", required=True, size=64, doc="unique within its standard"),
        Field("text", required=True),
        Field("measure", required=True, size=16, choices=MEASURE_KINDS, normalise=lower),
        Field("levels", LEVELS, file="", doc="ordinal only: level names, lowest first (JSON in the store)"),
        Field("threshold_level", size=64, file="", doc="ordinal only: the level that counts as meeting it"),
        Field("threshold_percent", NUMBER, file="", doc="percentage only: 0–100, met at or above"),
        Field("mandatory", BOOLEAN, required=True, default=True),
        Field("weight", NUMBER, required=True, default=1.0),
        Field(
            "illustrative", BOOLEAN, required=True, default=False, doc="True: not the standard's own words"
        ),
        id_field("source_id", doc="the id of a recorded source, if the record cites one"),
        Field("note"),
    ),
    key=("standard_id", "code"),
    title="requirement",
    section="requirements",
    indexes={"standard": ("standard_id",)},
    file_only=(
        Field("designator", required=True, size=64, normalise=_designator),
        Field("levels", LEVELS),
        Field("threshold", doc="a level (ordinal), a percentage, or met (binary)"),
    ),
    from_file=_requirement_from_file,
    to_file=_requirement_to_file,
    file_order=(
        "designator",
        "code",
        "text",
        "measure",
        "levels",
        "threshold",
        "mandatory",
        "weight",
        "illustrative",
        "source_id",
        "note",
    ),
)


def _adoption_from_file(given: dict[str, Any]) -> dict[str, Any]:
    values = {f.name: given.get(f.file_name) for f in ADOPTION.fields if f.in_files}
    designator = given["designator"] or ""
    return {
        **values,
        "id": adoption_id(given["country"] or "", designator),
        "standard_id": standard_id(designator),
    }


def _adoption_to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    values = {f.file_name: stored.get(f.name) for f in ADOPTION.fields if f.in_files}
    standard = lookup.get("standard", {}).get(stored["standard_id"], {})
    designator = standard.get("designator", stored["standard_id"])
    return {"country": values.pop("country"), "designator": designator, **values}


ADOPTION = RecordType(
    "national_adoption",
    (
        Field("country", required=True, size=64, normalise=str.upper, doc="actor code, e.g. UKR"),
        id_field("standard_id", required=True, file=""),
        Field("applicable", BOOLEAN, required=True),
        Field(
            "ratification",
            required=True,
            size=32,
            choices=RATIFICATION_STATES,
            default="not ratified",
            normalise=lower,
        ),
        Field("reservation", doc="the reservation's text, when ratified with reservations"),
        Field("ratified_on", DATE),
        Field(
            "implementation",
            required=True,
            size=32,
            choices=IMPLEMENTATION_STATES,
            default="not started",
            normalise=lower,
        ),
        Field("implemented_on", DATE),
        Field("evidence", doc="what shows it (a decree, an order, an evaluation report)"),
        Field("fictional", BOOLEAN, required=True, default=False, doc="True: invented for a demonstration"),
        id_field("source_id", doc="the id of a recorded source, if the record cites one"),
        Field("note"),
    ),
    key=("country", "standard_id"),
    title="adoption record",
    section="adoption",
    indexes={"country": ("country",), "standard": ("standard_id",)},
    file_only=(Field("designator", required=True, size=64, normalise=_designator),),
    from_file=_adoption_from_file,
    to_file=_adoption_to_file,
    file_order=(
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
        "source_id",
        "note",
    ),
)

RECORDS = (STANDARD, REQUIREMENT, ADOPTION)
# A claim about standards a source made (a figure reported, not computed): an evidence link of this
# kind from the claim to its graded source.
STATEMENT_KIND = "standards statement"
standard, requirement, national_adoption = STANDARD.table, REQUIREMENT.table, ADOPTION.table


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


def standard_id(designator: str) -> str:
    return record_id("standard", normalise_designator(designator))


def requirement_id(designator: str, code: str) -> str:
    return record_id("requirement", normalise_designator(designator), code.strip())


def normalise_designator(designator: str) -> str:
    """'stanag  6001' and 'STANAG 6001' name the same standard: spaces collapsed, letters upper."""
    return " ".join(designator.split()).upper()


def adoption_id(country: str, designator: str) -> str:
    return record_id("national_adoption", country.strip().upper(), normalise_designator(designator))
