"""Objectives, their assessments and attributed statements (pure: no I/O).

An **Objective** is a party's stated aim, with who stated it and when. An **ObjectiveAssessment** is
one assessor's verdict on it on a date, in the scale below, keeping the assessor's own words
(``label``: "Check", "Check+"). A **Statement** is a quote attributed to an actor, on the record,
by an official spokesman or from an anonymous source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ltsplan.provenance.model import ATTRIBUTIONS
from ltsplan.records.fields import DATE, Field, code_field
from ltsplan.records.types import RecordType, made
from ltsplan.store.ids import record_id

# The ordinal scale of progress; "abandoned" stands apart (an aim given up is not "less achieved").
SCALE = {"achieved": 4, "partly achieved": 3, "ongoing": 2, "not achieved": 1}
STATUSES = (*SCALE, "abandoned")


def _code(name: str, *, required: bool = True) -> Field:
    return code_field(name, required=required)


OBJECTIVE = RecordType(
    "objective",
    (
        _code("code"),
        _code("party"),
        Field("text", required=True),
        _code("stated_by", required=False),
        Field("stated", DATE),
        Field("note"),
    ),
    key=("code",),
    title="objective",
    section="objectives",
)

ASSESSMENT = RecordType(
    "objective_assessment",
    (
        _code("objective"),
        _code("assessor"),
        Field("status", required=True, size=16, choices=STATUSES),
        Field("assessed", DATE, required=True, file="date"),
        Field("label", doc="the assessor's own words for the verdict (Check, Check+)"),
        Field("note"),
    ),
    key=("objective", "assessor", "assessed"),
    title="objective assessment",
    section="assessments",
    indexes={"objective": ("objective",)},
)

STATEMENT = RecordType(
    "statement",
    (
        _code("actor"),
        Field("said", DATE, required=True, file="date"),
        Field("quote", required=True),
        Field("attribution", required=True, size=32, choices=ATTRIBUTIONS, default="on the record"),
        Field("about", doc="what it is about: a decision or objective code, or free words"),
        Field("note"),
    ),
    key=("actor", "said", "quote"),
    title="statement",
    section="statements",
    indexes={"actor": ("actor",)},
)

RECORDS = (OBJECTIVE, ASSESSMENT, STATEMENT)
objective, objective_assessment, statement = (r.table for r in RECORDS)

__all__ = [
    "ATTRIBUTIONS",
    "RECORDS",
    "SCALE",
    "STATUSES",
    "Objective",
    "ObjectiveAssessment",
    "Statement",
    "made",
]


@dataclass(frozen=True)
class Objective:
    code: str
    party: str
    text: str
    stated_by: str | None = None
    stated: date | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("objective", self.code)


@dataclass(frozen=True)
class ObjectiveAssessment:
    objective: str
    assessor: str
    status: str
    assessed: date
    label: str | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("objective_assessment", self.objective, self.assessor, self.assessed)


@dataclass(frozen=True)
class Statement:
    actor: str
    said: date
    quote: str
    attribution: str = "on the record"
    about: str | None = None  # what it is about: a decision or objective code, or free words
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("statement", self.actor, self.said, self.quote)
