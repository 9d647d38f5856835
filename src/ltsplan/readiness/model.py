"""Readiness vocabulary and records: force elements, targets, assessments, gated evaluations,
overrides, mission capability, findings with corrective actions, and milestones (pure: no I/O).

Each kind of record is declared once below (fields, natural key, its name in files); the rules
that turn them into a verdict are stated in docs/readiness.md. A file names a requirement by its
standard's designator and its code; the store keeps the requirement's id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from ltsplan.readiness.programmes import gates_text
from ltsplan.records.fields import BOOLEAN, DATE, INTEGER, NUMBER, Field, Kind, cell_text
from ltsplan.records.types import Lookup, RecordType, id_field
from ltsplan.standards.model import requirement_id

# Ministries and formations, then units, schools and institutions.
ELEMENT_KINDS = (
    *("ministry", "general staff", "command", "corps", "division", "brigade", "regiment"),
    *("battalion", "company", "squadron", "wing", "flotilla", "ship", "unit", "school", "institution"),
)
DOMAINS = ("land", "air", "maritime", "cyber", "logistics", "command and control", "joint")
METHODS = ("self-evaluation", "external evaluation")
RULES = ("lowest", "weighted", "all-mandatory")
CAPABILITIES = ("yes", "qualified", "no")
ACTION_STATUSES = ("open", "in progress", "done", "cancelled")
LEVELS = ("element", "domain", "standard")

# Bands of the 0–1 readiness score for the lowest-of and weighted rules (docs/readiness.md).
BANDS = (("R1", 1.0), ("R2", 0.75), ("R3", 0.5), ("R4", 0.0))
VERDICTS = ("ready", "not ready")  # the all-mandatory rule's two outcomes
OVERRIDE_LEVELS = (*(b for b, _ in BANDS), *VERDICTS)


def _tags(value: Any) -> str | None:
    """Tags as one text, comma-separated: a list (YAML, JSON) or one cell."""
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return ", ".join(t for t in (cell_text(p).strip() for p in parts) if t) or None


GATES = Kind("gates", pl.Utf8, lambda value: gates_text(value, METHODS))
TAGS = Kind("tags", pl.Utf8, _tags, many=True)


def _code(name: str, *, required: bool = True, file: str | None = None) -> Field:
    """A code that names a record (an element, a finding): at most 64 characters."""
    return Field(name, required=required, size=64, file=file)


def _requirement_of(given: Mapping[str, Any]) -> str:
    return requirement_id(given.get("standard") or "", given.get("requirement") or "")


def _plain(record: RecordType, given: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: given.get(f.file_name) for f in record.fields if f.in_files}


def _named(requirement: str, lookup: Lookup) -> dict[str, Any]:
    row = lookup.get("requirement", {}).get(requirement, {})
    return {"standard": row.get("designator"), "requirement": row.get("code")}


# The fields a file names a requirement by: its standard's designator and its code.
BY_REQUIREMENT = (_code("standard", file="standard"), _code("requirement", file="requirement"))


def _with_requirement(record_name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def from_file(given: dict[str, Any]) -> dict[str, Any]:
        return {**_plain(RECORDS_BY_NAME[record_name], given), "requirement_id": _requirement_of(given)}

    return from_file


def _requirement_to_file(record_name: str) -> Callable[[dict[str, Any], Lookup], dict[str, Any]]:
    def to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
        record = RECORDS_BY_NAME[record_name]
        plain = {f.file_name: stored.get(f.name) for f in record.fields if f.in_files}
        return {**plain, **_named(stored["requirement_id"], lookup)}

    return to_file


ELEMENT = RecordType(
    "force_element",
    (
        _code("code"),
        Field("name", required=True),
        Field("kind", required=True, size=32, choices=ELEMENT_KINDS),
        Field("domain", required=True, size=32, choices=DOMAINS),
        _code("parent_code", required=False, file="parent"),
        Field("tags", TAGS, doc="comma-separated"),
        Field("fictional", BOOLEAN, required=True, default=False),
        Field("note"),
    ),
    key=("code",),
    title="force element",
    section="elements",
    indexes={"code": ("code",)},
)

PROGRAMME = RecordType(
    "evaluation_programme",
    (
        _code("code"),
        Field("name", required=True),
        Field("gates", GATES, required=True, doc="SEL1:self-evaluation:1, NEL1:external evaluation:1, …"),
        Field("validity_months", INTEGER, doc="null: results never expire"),
        Field("rule", required=True, size=16, choices=RULES, default="all-mandatory"),
        Field("pass_outcome", required=True, default="passed"),
        Field("fail_outcome", required=True, default="not passed"),
        Field("pass_score", NUMBER, doc="only with the weighted rule"),
        Field("fictional", BOOLEAN, required=True, default=False),
        Field("note"),
    ),
    key=("code",),
    title="evaluation programme",
    section="programmes",
)

TARGET = RecordType(
    "target",
    (
        _code("element_code", file="element"),
        id_field("requirement_id", required=True, file=""),
        Field("level", required=True, size=64, doc="in the requirement's measure"),
        Field("due", DATE, required=True),
        Field("weight", NUMBER, doc="null: the requirement's weight"),
        Field("mandatory", BOOLEAN, doc="null: the requirement's mandatory flag"),
        Field("note"),
    ),
    key=("element_code", "requirement_id"),
    title="target",
    section="targets",
    indexes={"element": ("element_code",)},
    file_only=BY_REQUIREMENT,
    from_file=_with_requirement("target"),
    to_file=_requirement_to_file("target"),
    file_order=("element", "standard", "requirement", "level", "due", "weight", "mandatory", "note"),
)

ASSESSMENT = RecordType(
    "assessment",
    (
        _code("element_code", file="element"),
        id_field("requirement_id", required=True, file=""),
        Field("observed", required=True, size=64),
        Field("assessed_on", DATE, required=True),
        Field("assessor", required=True),
        Field("method", required=True, size=24, choices=METHODS),
        Field("evidence"),
        _code("evaluation_code", required=False, file="evaluation"),
        Field("expires_on", DATE),
        Field("note"),
    ),
    key=("element_code", "requirement_id", "assessed_on", "method"),
    title="assessment",
    section="assessments",
    indexes={"element": ("element_code",), "evaluation": ("evaluation_code",)},
    file_only=BY_REQUIREMENT,
    from_file=_with_requirement("assessment"),
    to_file=_requirement_to_file("assessment"),
    file_order=(
        "element",
        "standard",
        "requirement",
        "observed",
        "assessed_on",
        "assessor",
        "method",
        "evidence",
        "evaluation",
        "expires_on",
        "note",
    ),
)

EVALUATION = RecordType(
    "evaluation",
    (
        _code("code"),
        _code("element_code", file="element"),
        _code("programme_code", file="programme"),
        Field("gate", required=True, size=16),
        Field("held_on", DATE, required=True),
        Field("evaluator", required=True),
        Field("expires_on", DATE, doc="null: the programme's validity applies"),
        Field("note"),
    ),
    key=("code",),
    title="evaluation",
    section="evaluations",
    indexes={"element": ("element_code",)},
)

OVERRIDE = RecordType(
    "readiness_override",
    (
        _code("element_code", file="element"),
        Field("level", required=True, size=16, choices=OVERRIDE_LEVELS),
        Field("reason", required=True),
        Field("by", required=True),
        Field("valid_from", DATE, required=True),
    ),
    key=("element_code", "valid_from"),
    title="override",
    section="overrides",
)

CAPABILITY = RecordType(
    "mission_capability",
    (
        _code("element_code", file="element"),
        Field("capability", required=True, size=16, choices=CAPABILITIES),
        Field("assessed_on", DATE, required=True),
        Field("by", required=True),
        Field("reason"),
    ),
    key=("element_code", "assessed_on"),
    title="mission capability judgement",
    section="capabilities",
)


def _finding_from_file(given: dict[str, Any]) -> dict[str, Any]:
    requirement = _requirement_of(given)
    assessed_on, method = given.get("assessed_on"), given.get("method")
    linked = (
        ASSESSMENT.id_of(
            {
                "element_code": given["element"],
                "requirement_id": requirement,
                "assessed_on": assessed_on,
                "method": method,
            }
        )
        if assessed_on and method
        else None
    )
    return {**_plain(FINDING, given), "requirement_id": requirement, "assessment_id": linked}


def _finding_to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    linked = lookup.get("assessment", {}).get(stored.get("assessment_id") or "")
    return {
        "code": stored["code"],
        "element": stored["element_code"],
        **_named(stored["requirement_id"], lookup),
        "raised_on": stored["raised_on"],
        "text": stored["text"],
        "assessed_on": linked["assessed_on"] if linked else None,
        "method": linked["method"] if linked else None,
    }


FINDING = RecordType(
    "finding",
    (
        _code("code"),
        _code("element_code", file="element"),
        id_field("requirement_id", required=True, file=""),
        id_field("assessment_id", file=""),
        Field("raised_on", DATE, required=True),
        Field("text", required=True),
    ),
    key=("code",),
    title="finding",
    section="findings",
    indexes={"element": ("element_code",)},
    file_only=(
        *BY_REQUIREMENT,
        Field("assessed_on", DATE, doc="with method: the assessment that found it"),
        Field("method", size=24, choices=METHODS),
    ),
    from_file=_finding_from_file,
    to_file=_finding_to_file,
    file_order=("code", "element", "standard", "requirement", "raised_on", "text", "assessed_on", "method"),
)

ACTION = RecordType(
    "corrective_action",
    (
        _code("code"),
        _code("finding_code", file="finding"),
        Field("description", required=True),
        Field("owner", required=True),
        Field("due", DATE, required=True),
        Field("status", required=True, size=16, choices=ACTION_STATUSES, default="open"),
        Field("closed_on", DATE),
    ),
    key=("code",),
    title="corrective action",
    section="actions",
    indexes={"finding": ("finding_code",)},
)

MILESTONE = RecordType(
    "milestone",
    (
        _code("code"),
        Field("name", required=True),
        Field("due", DATE, required=True),
        Field("fictional", BOOLEAN, required=True, default=False),
        Field("note"),
    ),
    key=("code",),
    title="milestone",
    section="milestones",
)


def _milestone_target_from_file(given: dict[str, Any]) -> dict[str, Any]:
    target = TARGET.id_of({"element_code": given["element"], "requirement_id": _requirement_of(given)})
    return {"milestone_code": given["milestone"], "target_id": target}


def _milestone_target_to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    target = lookup.get("target", {}).get(stored["target_id"], {})
    return {
        "milestone": stored["milestone_code"],
        "element": target.get("element_code"),
        **_named(target.get("requirement_id", ""), lookup),
    }


MILESTONE_TARGET = RecordType(
    "milestone_target",
    (
        _code("milestone_code", file="milestone"),
        id_field("target_id", required=True, file=""),
    ),
    key=("milestone_code", "target_id"),
    title="milestone target",
    section="milestone_targets",
    indexes={"milestone": ("milestone_code",)},
    file_only=(_code("element", file="element"), *BY_REQUIREMENT),
    from_file=_milestone_target_from_file,
    to_file=_milestone_target_to_file,
)

# In the order a file's records are written: each record's references come before it.
RECORDS = (
    ELEMENT,
    PROGRAMME,
    TARGET,
    EVALUATION,
    ASSESSMENT,
    OVERRIDE,
    CAPABILITY,
    FINDING,
    ACTION,
    MILESTONE,
    MILESTONE_TARGET,
)
RECORDS_BY_NAME = {r.name: r for r in RECORDS}
(
    force_element,
    evaluation_programme,
    target,
    evaluation,
    assessment,
    readiness_override,
    mission_capability,
    finding,
    corrective_action,
    milestone,
    milestone_target,
) = (r.table for r in RECORDS)
