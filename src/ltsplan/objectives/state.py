"""The objectives as known at a moment (or now), read back from the store as the objects the
scoreboard takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ltsplan.objectives.model import (
    ASSESSMENT,
    OBJECTIVE,
    STATEMENT,
    Objective,
    ObjectiveAssessment,
    Statement,
)
from ltsplan.records.types import RecordType, made
from ltsplan.store.time import live_rows


@dataclass
class ObjectivesState:
    objectives: dict[str, Objective] = field(default_factory=dict)
    assessments: list[ObjectiveAssessment] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    recorded: dict[str, datetime] = field(default_factory=dict)  # record id → when it became known


def load_objectives(connection: Connection, moment: datetime | None) -> ObjectivesState:
    state = ObjectivesState()

    def rows(record: RecordType) -> list[dict[str, Any]]:
        found = live_rows(connection, record.table, moment)
        state.recorded.update((r["id"], r["recorded_at"]) for r in found)
        return found

    state.objectives = {r["code"]: made(Objective, OBJECTIVE, r) for r in rows(OBJECTIVE)}
    state.assessments = [made(ObjectiveAssessment, ASSESSMENT, r) for r in rows(ASSESSMENT)]
    state.statements = [made(Statement, STATEMENT, r) for r in rows(STATEMENT)]
    return state
