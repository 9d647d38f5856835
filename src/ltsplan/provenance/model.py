"""Provenance, which every domain cites: sources and their grading on the NATO Admiralty scale,
evidence linking any record to a source, and actors (states, organisations, bodies, persons).
The record declarations (``SOURCE``, ``EVIDENCE``, ``ACTOR``) and their vocabulary (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property
from typing import Any

import polars as pl
import pycountry

from ltsplan.records.fields import (
    DATE,
    INTEGER,
    Field,
    FieldError,
    Kind,
    code_field,
    lower,
    required,
    web_address,
)
from ltsplan.records.types import RecordType, id_field

SOURCE_KINDS = (
    "official document",
    "dataset release",
    "news report",
    "opinion",
    "statement",
    "assessment",
)
# What an actor is: every actor (a donor state, NATO, the North Atlantic Council, a minister…) is one.
ACTOR_KINDS = ("state", "organisation", "body", "person")
ATTRIBUTIONS = ("on the record", "official spokesman", "anonymous")
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
CREDIBILITY = {
    1: "confirmed by other sources",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "truth cannot be judged",
}


def _grade(value: Any) -> tuple[str, int]:
    try:
        return parse_grade(str(value))
    except ValueError as error:
        raise FieldError(str(error)) from None


GRADE = Kind("grade", pl.Utf8, _grade)


def _source_from_file(given: dict[str, Any]) -> dict[str, Any]:
    """A grade (B2) or its two parts; a source nobody graded cannot be judged (F6)."""
    values = {f.name: given.get(f.file_name) for f in SOURCE.fields if f.in_files}
    reliability, credibility = given.get("grade") or (given.get("reliability") or "F", 6)
    if given.get("credibility") is not None:
        credibility = given["credibility"]
    return {**values, "reliability": reliability, "credibility": credibility}


def _source_to_file(stored: dict[str, Any], _lookup: Any) -> dict[str, Any]:
    values = {f.file_name: stored.get(f.name) for f in SOURCE.fields if f.in_files and f.kind is not INTEGER}
    values.pop("reliability", None)
    return {**values, "grade": f"{stored['reliability']}{stored['credibility']}"}


def source_problems_of(given: dict[str, Any]) -> list[tuple[str, str]]:
    """A grade, or its two parts, not both."""
    if given.get("grade") is not None and (given.get("reliability") or given.get("credibility")) is not None:
        return [("grade", "give a grade (B2) or its reliability and credibility, not both")]
    return []


def _credibility(value: Any) -> str | None:
    return None if value in CREDIBILITY else f"'{value}' is not an Admiralty credibility 1–6"


SOURCE = RecordType(
    "source",
    (
        Field("kind", required=True, size=32, choices=SOURCE_KINDS, normalise=lower),
        Field("title", required=True, free=True),
        Field("publisher", free=True),
        Field("url", check=web_address, doc="http:// or https:// only"),
        Field("published", DATE),
        Field(
            "attribution",
            required=True,
            size=32,
            choices=ATTRIBUTIONS,
            default="on the record",
            normalise=lower,
        ),
        Field("reliability", filled=True, size=1, choices=tuple(RELIABILITY), normalise=str.upper),
        Field("credibility", INTEGER, filled=True, check=_credibility),
        Field("note", free=True),
    ),
    key=("title", "publisher", "url", "published"),
    title="source",
    section="sources",
    file_only=(Field("grade", GRADE, doc="Admiralty grade: reliability A–F then credibility 1–6, as B2"),),
    from_file=_source_from_file,
    to_file=_source_to_file,
    file_order=(
        "kind",
        "title",
        "publisher",
        "url",
        "published",
        "attribution",
        "grade",
        "reliability",
        "credibility",
        "note",
    ),
)

EVIDENCE = RecordType(
    "evidence",
    (
        Field("record_kind", required=True, size=40),
        id_field("record_id", required=True),
        id_field("source_id", required=True),
        Field("quote", free=True),
    ),
    key=("record_kind", "record_id", "source_id"),
    title="evidence link",
    indexes={"record": ("record_kind", "record_id")},
)

ACTOR = RecordType(
    "actor",
    (
        code_field("code", required=True),
        Field("kind", required=True, size=16, choices=ACTOR_KINDS, normalise=lower),
        Field("name", filled=True, doc="a state's is its ISO 3166 name when not given"),
        Field("iso3", size=3, file=""),
        id_field("source_id", file=""),
    ),
    key=("code",),
    title="actor",
    section="actors",
    indexes={"code": ("code",)},
    file_only=(Field("note", free=True, doc="read and not kept"),),
    from_file=lambda given: actor_values(given["code"], given["kind"], given.get("name")),
    to_file=lambda stored, _lookup: {"code": stored["code"], "kind": stored["kind"], "name": stored["name"]},
)


def actor_values(
    code: str, kind: str, name: str | None = None, source_id: str | None = None
) -> dict[str, Any]:
    """An actor's stored values: a state is named from ISO 3166 when no name is given."""
    iso3 = code if kind == "state" else None
    named = name or (state_name(code) if kind == "state" else None) or code
    return {"code": code, "kind": kind, "name": named, "iso3": iso3, "source_id": source_id}


RECORDS = (SOURCE, EVIDENCE, ACTOR)
source, evidence, actor = SOURCE.table, EVIDENCE.table, ACTOR.table


@dataclass(frozen=True)
class Source:
    """A source as code makes one (a reader of a tracker release, the demo): the fields of
    ``SOURCE``, checked by its rules (tests/provenance/test_model.py holds the two together)."""

    kind: str
    title: str
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    attribution: str = "on the record"
    reliability: str = "F"
    credibility: int = 6
    note: str | None = None

    @cached_property  # a frozen record: computed once (an IATI file asks for it per activity)
    def id(self) -> str:
        """Same title, publisher, url and date: same source, however often it is imported."""
        return SOURCE.id_of(asdict(self))

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility}"

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for each thing wrong; empty when the source is valid."""
        found = []
        for name, value in asdict(self).items():
            spec = SOURCE.field(name)
            try:
                read = spec.read(value)
            except FieldError as error:
                found.append((name, str(error)))
                continue
            if read is None and (spec.required or spec.filled):
                found.append((name, required(name)))
        return found

    def record(self) -> dict[str, Any]:
        return SOURCE.row(asdict(self))


def parse_grade(text: str) -> tuple[str, int]:
    """'B2' → ('B', 2); raises ValueError with what would be accepted."""
    cleaned = text.strip().upper()
    if len(cleaned) != 2 or cleaned[0] not in RELIABILITY or not cleaned[1].isdigit():
        raise ValueError(f"'{text}' is not an Admiralty grade such as B2 (A–F then 1–6)")
    credibility = int(cleaned[1])
    if credibility not in CREDIBILITY:
        raise ValueError(f"'{text}' is not an Admiralty grade such as B2 (A–F then 1–6)")
    return cleaned[0], credibility


def is_state(code: str | None) -> bool:
    return isinstance(code, str) and pycountry.countries.get(alpha_3=code) is not None


def state_name(code: str | None) -> str | None:
    """A state's ISO 3166 name (its common name where it has one); None for anything else."""
    if not isinstance(code, str):  # pycountry raises on anything but text
        return None
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        return None
    return getattr(country, "common_name", None) or country.name
