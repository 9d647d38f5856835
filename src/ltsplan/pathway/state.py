"""The pathway as known at a moment (or now), read back from the store as the objects its rules
take. The tables are small (hundreds of rows), so each question reads them whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Connection

from ltsplan.pathway.model import (
    BODY,
    CONDITION,
    CONDITION_STATUS,
    DECISION,
    MEMBERSHIP,
    OUTCOME,
    POSITION,
    Body,
    Condition,
    ConditionStatus,
    Decision,
    Membership,
    Outcome,
    Position,
    body_from_row,
)
from ltsplan.records.types import RecordType, live_made
from ltsplan.store.time import live_rows

T = TypeVar("T")


@dataclass
class State:
    bodies: dict[str, Body] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    decisions: dict[str, Decision] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    condition_statuses: list[ConditionStatus] = field(default_factory=list)
    recorded: dict[str, datetime] = field(default_factory=dict)  # record id → when it became known

    def outcome_of(self, code: str, day: date) -> Outcome | None:
        taken = [o for o in self.outcomes if o.decision == code and o.decided <= day]
        return max(taken, key=lambda o: o.decided) if taken else None


def load_state(connection: Connection, moment: datetime | None) -> State:
    state = State()

    def objects(kind: type[T], record: RecordType) -> list[T]:
        return [made for _, made in live_made(connection, kind, record, moment, state.recorded)]

    bodies = live_rows(connection, BODY.table, moment)
    state.bodies = {r["code"]: body_from_row(r) for r in bodies}
    state.recorded.update((r["id"], r["recorded_at"]) for r in bodies)
    state.memberships = objects(Membership, MEMBERSHIP)
    state.decisions = {d.code: d for d in objects(Decision, DECISION)}
    state.outcomes = objects(Outcome, OUTCOME)
    state.positions = objects(Position, POSITION)
    state.conditions = objects(Condition, CONDITION)
    state.condition_statuses = objects(ConditionStatus, CONDITION_STATUS)
    return state
