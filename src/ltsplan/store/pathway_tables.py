"""Tables of the pathway and objectives: bodies, memberships, decisions, outcomes, positions,
conditions and their statuses, objectives, assessments and statements.

Every table is versioned (see ``store.schema``); each record's sources are rows of ``evidence`` with
``record_kind`` = the table's name. Actors are the shared ``actor`` table; codes refer to it.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Index, String, Text

from ltsplan.store.schema import versioned_table

body = versioned_table(
    "body",
    Column("code", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("rule", String(16), nullable=False),
    Column("threshold", Float, nullable=False),
    Column("silence", String(16), nullable=False),
    Column("note", Text),
)

membership = versioned_table(
    "membership",
    Column("body", String(64), nullable=False),
    Column("member", String(64), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date),
)
Index("ix_membership_body", membership.c.body)

decision = versioned_table(
    "decision",
    Column("code", String(64), nullable=False),
    Column("body", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("due", Date),
    Column("note", Text),
)

decision_outcome = versioned_table(
    "decision_outcome",
    Column("decision", String(64), nullable=False),
    Column("result", String(16), nullable=False),
    Column("decided", Date, nullable=False),
    Column("note", Text),
)

position = versioned_table(
    "position",
    Column("decision", String(64), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("stance", String(16), nullable=False),
    Column("stated", Date, nullable=False),
    Column("conditions", Text),
    Column("note", Text),
)
Index("ix_position_decision", position.c.decision)

condition = versioned_table(
    "condition",
    Column("code", String(64), nullable=False),
    Column("decision", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("derive", String(16), nullable=False),
    Column("stated", Date),
    Column("note", Text),
)

condition_status = versioned_table(
    "condition_status",
    Column("condition", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assessed", Date, nullable=False),
    Column("note", Text),
)

objective = versioned_table(
    "objective",
    Column("code", String(64), nullable=False),
    Column("party", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("stated_by", String(64)),
    Column("stated", Date),
    Column("note", Text),
)

objective_assessment = versioned_table(
    "objective_assessment",
    Column("objective", String(64), nullable=False),
    Column("assessor", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assessed", Date, nullable=False),
    Column("label", Text),
    Column("note", Text),
)
Index("ix_objective_assessment_objective", objective_assessment.c.objective)

statement = versioned_table(
    "statement",
    Column("actor", String(64), nullable=False),
    Column("said", Date, nullable=False),
    Column("quote", Text, nullable=False),
    Column("attribution", String(32), nullable=False),
    Column("about", Text),
    Column("note", Text),
)
Index("ix_statement_actor", statement.c.actor)
