"""The objectives as known at a moment (or now), read back from the store as the objects the
scoreboard takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from ltsplan.objectives.model import (
    ASSESSMENT,
    OBJECTIVE,
    STATEMENT,
    Objective,
    ObjectiveAssessment,
    Statement,
)
from ltsplan.records.types import live_made


@dataclass
class ObjectivesState:
    objectives: dict[str, Objective] = field(default_factory=dict)
    assessments: list[ObjectiveAssessment] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    recorded: dict[str, datetime] = field(default_factory=dict)  # record id → when it became known


def load_objectives(connection: Connection, moment: datetime | None) -> ObjectivesState:
    state = ObjectivesState()
    objectives = live_made(connection, Objective, OBJECTIVE, moment, state.recorded)
    state.objectives = {o.code: o for _, o in objectives}
    state.assessments = [
        a for _, a in live_made(connection, ObjectiveAssessment, ASSESSMENT, moment, state.recorded)
    ]
    state.statements = [s for _, s in live_made(connection, Statement, STATEMENT, moment, state.recorded)]
    return state
