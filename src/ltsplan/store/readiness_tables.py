"""Tables of readiness: force elements, targets, assessments, gated evaluations, overrides, mission
capability, findings with corrective actions, and milestones.

Ids are deterministic (``store.ids.record_id``) over each record's natural key:

- force_element:        ``record_id("force_element", code)``
- evaluation_programme: ``record_id("evaluation_programme", code)``
- target:               ``record_id("target", element_code, requirement_id)`` (one goal per pair)
- assessment:           ``record_id("assessment", element_code, requirement_id, assessed_on, method)``
- evaluation:           ``record_id("evaluation", code)``
- readiness_override:   ``record_id("readiness_override", element_code, valid_from)``
- mission_capability:   ``record_id("mission_capability", element_code, assessed_on)``
- finding:              ``record_id("finding", code)``
- corrective_action:    ``record_id("corrective_action", code)``
- milestone:            ``record_id("milestone", code)``
- milestone_target:     ``record_id("milestone_target", milestone_code, target_id)``

Assessments, evaluations, overrides and capability judgements are bitemporal: valid time is the date
they carry (``assessed_on``, ``held_on``, ``valid_from``), record time ``recorded_at``/``retracted_at``.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Text

from ltsplan.store.schema import versioned_table

force_element = versioned_table(
    "force_element",
    Column("code", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("parent_code", String(64)),
    Column("tags", Text),  # comma-separated
    Column("fictional", Boolean, nullable=False),
    Column("note", Text),
)
Index("ix_force_element_code", force_element.c.code)

evaluation_programme = versioned_table(
    "evaluation_programme",
    Column("code", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("gates", Text, nullable=False),  # "SEL1:self-evaluation:1, NEL1:external evaluation:1, …"
    Column("validity_months", Integer),  # null: results never expire
    Column("rule", String(16), nullable=False),  # lowest | weighted | all-mandatory
    Column("pass_outcome", Text, nullable=False),
    Column("fail_outcome", Text, nullable=False),
    Column("pass_score", Float),  # only with the weighted rule
    Column("fictional", Boolean, nullable=False),
    Column("note", Text),
)

target = versioned_table(
    "target",
    Column("element_code", String(64), nullable=False),
    Column("requirement_id", String(32), nullable=False),
    Column("level", String(64), nullable=False),  # in the requirement's measure
    Column("due", Date, nullable=False),
    Column("weight", Float),  # null: the requirement's weight
    Column("mandatory", Boolean),  # null: the requirement's mandatory flag
    Column("note", Text),
)
Index("ix_target_element", target.c.element_code)

assessment = versioned_table(
    "assessment",
    Column("element_code", String(64), nullable=False),
    Column("requirement_id", String(32), nullable=False),
    Column("observed", String(64), nullable=False),
    Column("assessed_on", Date, nullable=False),
    Column("assessor", Text, nullable=False),
    Column("method", String(24), nullable=False),  # self-evaluation | external evaluation
    Column("evidence", Text),
    Column("evaluation_code", String(64)),
    Column("expires_on", Date),
    Column("note", Text),
)
Index("ix_assessment_element", assessment.c.element_code)
Index("ix_assessment_evaluation", assessment.c.evaluation_code)

evaluation = versioned_table(
    "evaluation",
    Column("code", String(64), nullable=False),
    Column("element_code", String(64), nullable=False),
    Column("programme_code", String(64), nullable=False),
    Column("gate", String(16), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("evaluator", Text, nullable=False),
    Column("expires_on", Date),  # null: the programme's validity applies
    Column("note", Text),
)
Index("ix_evaluation_element", evaluation.c.element_code)

readiness_override = versioned_table(
    "readiness_override",
    Column("element_code", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
)

mission_capability = versioned_table(
    "mission_capability",
    Column("element_code", String(64), nullable=False),
    Column("capability", String(16), nullable=False),  # yes | qualified | no
    Column("assessed_on", Date, nullable=False),
    Column("by", Text, nullable=False),
    Column("reason", Text),
)

finding = versioned_table(
    "finding",
    Column("code", String(64), nullable=False),
    Column("element_code", String(64), nullable=False),
    Column("requirement_id", String(32), nullable=False),
    Column("assessment_id", String(32)),
    Column("raised_on", Date, nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_finding_element", finding.c.element_code)

corrective_action = versioned_table(
    "corrective_action",
    Column("code", String(64), nullable=False),
    Column("finding_code", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(16), nullable=False),  # open | in progress | done | cancelled
    Column("closed_on", Date),
)
Index("ix_corrective_action_finding", corrective_action.c.finding_code)

milestone = versioned_table(
    "milestone",
    Column("code", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("fictional", Boolean, nullable=False),
    Column("note", Text),
)

milestone_target = versioned_table(
    "milestone_target",
    Column("milestone_code", String(64), nullable=False),
    Column("target_id", String(32), nullable=False),
)
Index("ix_milestone_target_milestone", milestone_target.c.milestone_code)

TABLES = {
    "force_element": force_element,
    "evaluation_programme": evaluation_programme,
    "target": target,
    "assessment": assessment,
    "evaluation": evaluation,
    "readiness_override": readiness_override,
    "mission_capability": mission_capability,
    "finding": finding,
    "corrective_action": corrective_action,
    "milestone": milestone,
    "milestone_target": milestone_target,
}
