"""Planner records: support packages (offers by donors), what each raises and what it needs first,
and the plans made from them — each plan with its assignments, the readiness it reaches at each
milestone, and the targets it leaves short with what binds them (pure: no I/O).

A file names a requirement by its standard's designator and its code, as readiness files do; the
store keeps the requirement's id. The rules across fields and records are in ``rules.py``; what
the fields mean is in docs/planner.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ltsplan.planner.problem import KINDS, OBJECTIVES
from ltsplan.readiness.model import DOMAINS
from ltsplan.records.fields import BOOLEAN, DATE, INTEGER, NUMBER, Field, code_field, currency, lower
from ltsplan.records.types import Lookup, RecordType, id_field
from ltsplan.standards.model import requirement_id

STATUSES = ("optimal", "feasible", "greedy")
# What keeps a target short, in the order explanations test them (docs/planner.md).
BINDINGS = ("no offer", "amount", "lead time", "window", "prerequisite", "capacity", "budget", "not chosen")
OWN_DUE = "own-due-dates"  # the milestone code under which targets in no milestone count


def _code(name: str, *, required: bool = True, file: str | None = None, doc: str = "") -> Field:
    return code_field(name, required=required, file=file, doc=doc)


BY_REQUIREMENT = (Field("standard", required=True, size=64), Field("requirement", required=True, size=64))


def _requirement_of(given: Mapping[str, Any]) -> str:
    return requirement_id(given.get("standard") or "", given.get("requirement") or "")


def _named(requirement: str, lookup: Lookup) -> dict[str, Any]:
    row = lookup.get("requirement", {}).get(requirement, {})
    return {"standard": row.get("designator"), "requirement": row.get("code")}


def _with_requirement(name: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def from_file(given: dict[str, Any]) -> dict[str, Any]:
        record = RECORDS_BY_NAME[name]
        plain = {f.name: given.get(f.file_name) for f in record.fields if f.in_files}
        return {**plain, "requirement_id": _requirement_of(given)}

    return from_file


def _requirement_to_file(name: str) -> Callable[[dict[str, Any], Lookup], dict[str, Any]]:
    def to_file(stored: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
        record = RECORDS_BY_NAME[name]
        plain = {f.file_name: stored.get(f.name) for f in record.fields if f.in_files}
        return {**plain, **_named(stored["requirement_id"], lookup)}

    return to_file


PACKAGE = RecordType(
    "support_package",
    (
        _code("code"),
        Field("name", required=True),
        code_field("donor", required=True),
        Field("kind", required=True, size=16, choices=KINDS, normalise=lower),
        Field("domain", size=32, choices=DOMAINS, normalise=lower, doc="only elements of this domain"),
        Field("available_from", DATE, required=True, doc="the first month it can start"),
        Field("available_until", DATE, doc="the last month it can start (open when empty)"),
        Field("seats", INTEGER, doc="training: elements in training at once"),
        Field("months", INTEGER, doc="training: the course's length in months"),
        Field("quantity", INTEGER, doc="equipment: elements equipped in all"),
        Field("lead_months", INTEGER, doc="equipment: months from order to delivery; funds: to effect"),
        Field("budget_per_year", NUMBER, doc="funds: money per calendar year"),
        Field("cost", NUMBER, doc="per element, paid from funded_by's budget (or the fund's own)"),
        Field("currency", size=3, check=currency, default="EUR"),
        _code("funded_by", required=False, file="funded_by"),
        id_field("commitment_id", doc="the ledger commitment that delivers it"),
        Field("fictional", BOOLEAN, required=True, default=False),
        Field("note"),
    ),
    key=("code",),
    title="support package",
    section="packages",
)

RAISE = RecordType(
    "package_raise",
    (
        _code("package_code", file="package"),
        id_field("requirement_id", required=True, file=""),
        Field("amount", NUMBER, required=True, doc="on the requirement's scale: steps, points, 1 for met"),
    ),
    key=("package_code", "requirement_id"),
    title="raise",
    section="raises",
    indexes={"package": ("package_code",)},
    file_only=BY_REQUIREMENT,
    from_file=_with_requirement("package_raise"),
    to_file=_requirement_to_file("package_raise"),
    file_order=("package", "standard", "requirement", "amount"),
)

PREREQUISITE = RecordType(
    "package_prerequisite",
    (
        _code("package_code", file="package"),
        _code("requires_code", file="requires"),
    ),
    key=("package_code", "requires_code"),
    title="prerequisite",
    section="prerequisites",
)

PACKAGE_RECORDS = (PACKAGE, RAISE, PREREQUISITE)

PLAN = RecordType(
    "plan",
    (
        _code("code"),
        Field("objective", required=True, size=16, choices=OBJECTIVES),
        Field("start", DATE, required=True),
        Field("months", INTEGER, required=True),
        Field("status", required=True, size=16, choices=STATUSES),
        Field("solver_status", size=32),
        Field("objective_value", NUMBER),
        Field("best_bound", NUMBER),
        Field("gap", NUMBER),
        Field("greedy_objective", NUMBER),
        Field("baseline_objective", NUMBER),
        Field("solve_seconds", NUMBER, versioned=False),
        Field("greedy_seconds", NUMBER, versioned=False),
        Field("time_limit", NUMBER),
        Field("relative_gap", NUMBER),
        Field("workers", INTEGER),
        Field("seed", INTEGER),
        Field("detail_months", INTEGER),
        Field("coarse_months", INTEGER),
        Field(
            "fingerprint",
            required=True,
            size=64,
            doc="SHA-256 of every input record's version and the options",
        ),
        Field("inputs_as_of", size=32, doc="the record time the inputs were read as of (empty: when made)"),
        _code("replans", required=False, doc="the plan this one re-plans from a later day"),
        Field("fixed", INTEGER, doc="assignments kept as done"),
        Field("note"),
    ),
    key=("code",),
    title="plan",
    section="plans",
)

ASSIGNMENT = RecordType(
    "plan_assignment",
    (
        _code("plan_code", file="plan"),
        _code("element_code", file="element"),
        _code("package_code", file="package"),
        Field("start", DATE, required=True),
        Field("effective", DATE, required=True),
        Field("done", BOOLEAN, required=True, default=False, doc="kept from what was done before the plan"),
        _code("milestone_code", required=False, file="milestone", doc="the first milestone it serves"),
        Field("serves", doc="which gap it closes for which milestone"),
    ),
    key=("plan_code", "element_code", "package_code"),
    title="assignment",
    section="assignments",
    indexes={"plan": ("plan_code",)},
)

MILESTONE = RecordType(
    "plan_milestone",
    (
        _code("plan_code", file="plan"),
        _code("milestone_code", file="milestone"),
        Field("due", DATE),
        Field("targets", INTEGER, required=True),
        Field("readiness", NUMBER, required=True),
        Field("met", INTEGER, required=True),
        Field("greedy_readiness", NUMBER),
        Field("greedy_met", INTEGER),
        Field("baseline_readiness", NUMBER),
    ),
    key=("plan_code", "milestone_code"),
    title="milestone readiness",
    section="milestones",
    indexes={"plan": ("plan_code",)},
)

SHORTFALL = RecordType(
    "plan_shortfall",
    (
        _code("plan_code", file="plan"),
        _code("element_code", file="element"),
        id_field("requirement_id", required=True, file=""),
        _code("milestone_code", file="milestone"),
        Field("due", DATE),
        Field("attainment", NUMBER, required=True),
        Field("binding", required=True, size=16, choices=BINDINGS),
        Field("detail"),
    ),
    key=("plan_code", "element_code", "requirement_id", "milestone_code"),
    title="shortfall",
    section="shortfalls",
    indexes={"plan": ("plan_code",)},
    file_only=BY_REQUIREMENT,
    from_file=_with_requirement("plan_shortfall"),
    to_file=_requirement_to_file("plan_shortfall"),
    file_order=(
        "plan",
        "element",
        "standard",
        "requirement",
        "milestone",
        "due",
        "attainment",
        "binding",
        "detail",
    ),
)

PLAN_RECORDS = (PLAN, ASSIGNMENT, MILESTONE, SHORTFALL)
RECORDS = (*PACKAGE_RECORDS, *PLAN_RECORDS)
RECORDS_BY_NAME = {r.name: r for r in RECORDS}
(
    support_package,
    package_raise,
    package_prerequisite,
    plan,
    plan_assignment,
    plan_milestone,
    plan_shortfall,
) = (r.table for r in RECORDS)
