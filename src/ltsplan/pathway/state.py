"""The pathway as known at a moment (or now), read back from the store as the objects its rules
take. The tables are small (hundreds of rows), so each question reads them whole."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

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
from ltsplan.records.types import RecordType, made
from ltsplan.store.time import live_rows


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

    def rows(record: RecordType) -> list[dict[str, Any]]:
        found = live_rows(connection, record.table, moment)
        state.recorded.update((r["id"], r["recorded_at"]) for r in found)
        return found

    state.bodies = {r["code"]: body_from_row(r) for r in rows(BODY)}
    state.memberships = [made(Membership, MEMBERSHIP, r) for r in rows(MEMBERSHIP)]
    state.decisions = {r["code"]: made(Decision, DECISION, r) for r in rows(DECISION)}
    state.outcomes = [made(Outcome, OUTCOME, r) for r in rows(OUTCOME)]
    state.positions = [made(Position, POSITION, r) for r in rows(POSITION)]
    state.conditions = [made(Condition, CONDITION, r) for r in rows(CONDITION)]
    state.condition_statuses = [made(ConditionStatus, CONDITION_STATUS, r) for r in rows(CONDITION_STATUS)]
    return state
