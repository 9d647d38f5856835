"""The standards' records: **Standard** (a STANAG or Allied publication, by its public designator),
its **Requirements** (each measured by a ``measures.Measure``) and **NationalAdoption** (one country
and one standard: applicable, ratified, implemented), each declared once below with its fields,
natural key and file form (pure: no I/O).

Ids are deterministic: a standard's from its designator (spaces collapsed, upper case), a
requirement's from its standard's designator and its code, an adoption record's from its country
and designator, so that re-importing a file changes nothing.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl

from ltsplan.records.fields import BOOLEAN, DATE, NUMBER, Field, Kind, lower
from ltsplan.records.types import Lookup, RecordType, id_field
from ltsplan.standards.measures import MEASURE_KINDS, level_text, measure_from_file, measure_from_row
from ltsplan.store.ids import record_id

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
    """A year, a month or a day of the calendar, as precise as the source: 2014, 2014-08, 2014-08-07
    (not 2024-13-01, 2023-02-30 or the year 0000)."""
    parts = str(value).split("-")
    ok = parts[0].isdigit() and len(parts[0]) == 4 and len(parts) <= 3
    ok = ok and all(p.isdigit() and len(p) == 2 for p in parts[1:])
    if ok:
        numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
        try:
            date(*numbers)
        except ValueError:
            ok = False
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


def standard_id(designator: str) -> str:
    return record_id("standard", normalise_designator(designator))


def requirement_id(designator: str, code: str) -> str:
    return record_id("requirement", normalise_designator(designator), code.strip())


def normalise_designator(designator: str) -> str:
    """'stanag  6001' and 'STANAG 6001' name the same standard: spaces collapsed, letters upper."""
    return " ".join(designator.split()).upper()


def adoption_id(country: str, designator: str) -> str:
    return record_id("national_adoption", country.strip().upper(), normalise_designator(designator))
