"""The pathway's vocabulary (pure: no I/O).

A **Body** decides by a **Rule** that is data, not code (NATO: consensus; another body: a majority).
**Memberships** are dated, so "who could block this on 2023-06-14" has one answer. A **Decision** is
a question before a body with a due date; its **Outcome**, once taken, is recorded with a date. A
**Position** is one actor's stance on one decision as stated on a date. A **Condition** is something
the pathway waits on; its status is recorded over time (**ConditionStatus**) or derived from the
consensus on a decision ("all allies agree").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ltsplan.records.fields import DATE, NUMBER, Field, code_field
from ltsplan.records.types import RecordType
from ltsplan.store.ids import record_id

RULE_KINDS = ("consensus", "majority")
SILENCE = ("no position", "consent")  # what a member who has stated nothing counts as
STANCES = ("support", "oppose", "conditional", "undecided")
OUTCOMES = ("adopted", "not adopted", "deferred", "withdrawn")
# Outcomes that close a decision; a deferred one stays before the body.
FINAL_OUTCOMES = ("adopted", "not adopted", "withdrawn")
CONDITION_STATUSES = ("met", "not met", "unknown")
DERIVATIONS = ("recorded", "consensus")
DECISION_KINDS = (
    "invite to membership",
    "approve programme",
    "upgrade cooperation format",
    "other",
)


@dataclass(frozen=True)
class Rule:
    """How a body decides.

    ``consensus``: adopted when every current member supports (members with no position count as
    consenting only when ``silence`` is "consent"); blocked as soon as one current member opposes.
    ``majority``: adopted when supporters exceed ``threshold`` × current members; blocked once
    that can no longer happen (opposers ≥ members − ⌊threshold × members⌋).
    """

    kind: str = "consensus"
    threshold: float = 0.5
    silence: str = "no position"

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if self.kind not in RULE_KINDS:
            found.append(
                ("rule", f"'{self.kind}' is not a decision rule; use one of {', '.join(RULE_KINDS)}")
            )
        if not 0 <= self.threshold < 1:
            found.append(("threshold", f"{self.threshold} is not a fraction in [0, 1)"))
        if self.silence not in SILENCE:
            found.append(("silence", f"'{self.silence}' is not one of {', '.join(SILENCE)}"))
        return found


@dataclass(frozen=True)
class Body:
    code: str
    name: str
    rule: Rule = Rule()
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("body", self.code)


@dataclass(frozen=True)
class Membership:
    """``member`` belongs to ``body`` from ``valid_from`` (inclusive) to ``valid_to`` (exclusive)."""

    body: str
    member: str
    valid_from: date
    valid_to: date | None = None

    @property
    def id(self) -> str:
        return record_id("membership", self.body, self.member, self.valid_from)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Decision:
    code: str
    body: str
    title: str
    kind: str = "other"
    due: date | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("decision", self.code)


@dataclass(frozen=True)
class Outcome:
    """What the body did with a decision, on a date."""

    decision: str
    result: str
    decided: date
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("decision_outcome", self.decision, self.decided)


@dataclass(frozen=True)
class Position:
    """An actor's stance on a decision as stated on ``stated``; a later position replaces it."""

    decision: str
    actor: str
    stance: str
    stated: date
    conditions: str | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("position", self.decision, self.actor, self.stated)


@dataclass(frozen=True)
class Condition:
    """Something the pathway waits on. ``derive`` "consensus" takes its status from the consensus
    on its decision (met when adopted); "recorded" from its dated statuses."""

    code: str
    decision: str
    text: str
    derive: str = "recorded"
    stated: date | None = None
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("condition", self.code)


@dataclass(frozen=True)
class ConditionStatus:
    condition: str
    status: str
    assessed: date
    note: str | None = None

    @property
    def id(self) -> str:
        return record_id("condition_status", self.condition, self.assessed)


def _code(name: str, *, required: bool = True, file: str | None = None) -> Field:
    return code_field(name, required=required, file=file)


BODY = RecordType(
    "body",
    (
        _code("code"),
        Field("name", required=True),
        Field("rule", required=True, size=16, choices=RULE_KINDS, default="consensus"),
        Field("threshold", NUMBER, required=True, default=0.5),
        Field("silence", required=True, size=16, choices=SILENCE, default="no position"),
        Field("note"),
    ),
    key=("code",),
    title="body",
    section="bodies",
    digest_order=("code", "name", "note", "rule", "threshold", "silence"),
)

MEMBERSHIP = RecordType(
    "membership",
    (
        _code("body"),
        _code("member"),
        Field("valid_from", DATE, required=True, file="from"),
        Field("valid_to", DATE, file="to"),
    ),
    key=("body", "member", "valid_from"),
    title="membership",
    section="memberships",
    indexes={"body": ("body",)},
)

DECISION = RecordType(
    "decision",
    (
        _code("code"),
        _code("body"),
        Field("title", required=True),
        Field("kind", required=True, size=32, choices=DECISION_KINDS, default="other"),
        Field("due", DATE),
        Field("note"),
    ),
    key=("code",),
    title="decision",
    section="decisions",
)

OUTCOME = RecordType(
    "decision_outcome",
    (
        _code("decision"),
        Field("result", required=True, size=16, choices=OUTCOMES),
        Field("decided", DATE, required=True, file="date"),
        Field("note"),
    ),
    key=("decision", "decided"),
    title="outcome",
    section="outcomes",
)

POSITION = RecordType(
    "position",
    (
        _code("decision"),
        _code("actor"),
        Field("stance", required=True, size=16, choices=STANCES),
        Field("stated", DATE, required=True, file="date"),
        Field("conditions"),
        Field("note"),
    ),
    key=("decision", "actor", "stated"),
    title="position",
    section="positions",
    indexes={"decision": ("decision",)},
)

CONDITION = RecordType(
    "condition",
    (
        _code("code"),
        _code("decision"),
        Field("text", required=True),
        Field("derive", required=True, size=16, choices=DERIVATIONS, default="recorded"),
        Field("stated", DATE),
        Field("note"),
    ),
    key=("code",),
    title="condition",
    section="conditions",
)

CONDITION_STATUS = RecordType(
    "condition_status",
    (
        _code("condition"),
        Field("status", required=True, size=16, choices=CONDITION_STATUSES),
        Field("assessed", DATE, required=True, file="date"),
        Field("note"),
    ),
    key=("condition", "assessed"),
    title="condition status",
    section="condition_statuses",
)

RECORDS = (BODY, MEMBERSHIP, DECISION, OUTCOME, POSITION, CONDITION, CONDITION_STATUS)
body, membership, decision, decision_outcome, position, condition, condition_status = (
    r.table for r in RECORDS
)


def body_from_row(row: Mapping[str, Any]) -> Body:
    return Body(
        row["code"], row["name"], Rule(row["rule"], float(row["threshold"]), row["silence"]), row["note"]
    )


def latest_by(items: list, key: str, when: str, day: date) -> dict:
    """For each value of ``key``, the item with the latest ``when`` on or before ``day``."""
    chosen: dict = {}
    for item in items:
        moment = getattr(item, when)
        if moment is None or moment > day:
            continue
        k = getattr(item, key)
        if k not in chosen or getattr(chosen[k], when) <= moment:
            chosen[k] = item
    return chosen
