"""The rules readiness records obey across their fields and across records (pure: the caller hands
in what the store holds): every reference resolves in the file or the store, levels are on their
requirement's scale, each record appears once, the element tree has no cycle, and a programme's
pass score goes with the weighted rule. The verdicts (roll-up, gates, milestones) are in
``rollup``, ``gates`` and ``milestones``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ltsplan.errors import Problem
from ltsplan.readiness.model import ASSESSMENT, TARGET
from ltsplan.readiness.programmes import EvaluationProgramme, parse_gates
from ltsplan.records.reading import Located
from ltsplan.records.sections import SectionsFile
from ltsplan.standards.measures import MeasureError, measure_from_row
from ltsplan.standards.model import requirement_id

Row = dict[str, Any]


@dataclass
class Known:
    """What the store already holds that a file may refer to."""

    elements: dict[str, str | None]  # code → parent code
    requirements: dict[str, Row]  # id → requirement row (with designator)
    programmes: dict[str, EvaluationProgramme]
    evaluations: set[str]
    assessments: set[str]
    targets: set[str]
    findings: set[str]
    milestones: set[str]


def programme_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A pass score goes with the weighted rule, and the weighted rule needs one; it is a share from
    0 to 1 (Σ weight × met ÷ Σ weight never exceeds 1). A result counts for 1 month or more: a
    validity of 0 or fewer months would expire it on (or before) the day it was held."""
    problems = []
    validity = given.get("validity_months")
    if validity is not None and validity < 1:
        problems.append(("validity_months", f"'{validity}' is not a number of months of 1 or more"))
    score = given.get("pass_score")
    if given.get("rule") == "weighted" and score is None:
        problems.append(("pass_score", "a weighted programme must declare its pass_score"))
    elif score is not None and given.get("rule") != "weighted":
        problems.append(("pass_score", "only a weighted programme has a pass_score"))
    elif score is not None and not 0 <= score <= 1:
        problems.append(("pass_score", f"'{score:g}' is not a share from 0 to 1 (0.75 for 75 %)"))
    return problems


def expiry_problems(start: str) -> Callable[[Mapping[str, Any]], list[tuple[str, str]]]:
    """A result cannot expire before the day (``start``) it was found or held."""

    def check(given: Mapping[str, Any]) -> list[tuple[str, str]]:
        expires, begun = given.get("expires_on"), given.get(start)
        if isinstance(expires, date) and isinstance(begun, date) and expires < begun:
            return [("expires_on", f"{expires} is before {start} {begun}")]
        return []

    return check


def target_problems(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A target's weight, like its requirement's, is 0 or more: a negative one would count a
    target's readiness against the whole (and a planner would keep it short on purpose)."""
    weight = given.get("weight")
    if weight is not None and not weight >= 0:
        return [("weight", f"'{weight:g}' is not a weight of 0 or more")]
    return []


def _codes(items: list[Located], name: str = "code") -> set[str]:
    return {i.given[name] for i in items if i.given.get(name)}


def cross_check(found: SectionsFile, store: Known) -> list[Problem]:
    """Every reference in the records must resolve in them or in the store; levels must be on
    their requirement's scale; the element tree may have no cycle. (A record given twice is every
    write's problem: ``records.writing.given_twice``.)"""
    s = found.found
    problems: list[Problem] = []
    elements = dict(store.elements)
    elements.update({i.given["code"]: i.given["parent"] for i in s["elements"] if i.given.get("code")})
    for item in s["elements"]:
        if item.given.get("code") is None:
            continue
        parent = item.given["parent"]
        if parent is not None and parent not in elements:
            problems.append(item.problem(f"no force element with code '{parent}'", "parent"))
        seen = {item.given["code"]}
        while parent is not None and parent in elements:
            if parent in seen:
                problems.append(item.problem("the parents form a cycle", "parent"))
                break
            seen.add(parent)
            parent = elements[parent]
    progs = dict(store.programmes)
    for item in s["programmes"]:
        code, gates = item.given.get("code"), item.given.get("gates")
        if code and gates:
            progs[code] = EvaluationProgramme(code, item.given.get("name") or code, parse_gates(gates))
    evaluations = store.evaluations | _codes(s["evaluations"])
    targets = store.targets | {TARGET.id_of(i.values) for i in s["targets"] if i.ok}
    findings = store.findings | _codes(s["findings"])
    milestones = store.milestones | _codes(s["milestones"])
    assessments = store.assessments | {ASSESSMENT.id_of(i.values) for i in s["assessments"] if i.ok}
    for section, items in s.items():
        for item in items:
            given = item.given
            if given.get("element") is not None and given["element"] not in elements:
                problems.append(item.problem(f"no force element with code '{given['element']}'", "element"))
            if given.get("requirement") is not None and given.get("standard") is not None:
                problems.extend(_requirement_problems(item, section, store))
    for item in s["evaluations"]:
        programme_code, gate = item.given.get("programme"), item.given.get("gate")
        if programme_code is None or gate is None:
            continue
        programme = progs.get(programme_code)
        if programme is None:
            problems.append(item.problem(f"no programme with code '{programme_code}'", "programme"))
        elif programme.gate(gate) is None:
            problems.append(
                item.problem(
                    f"'{gate}' is not a gate of {programme.code}; "
                    f"use one of {', '.join(g.code for g in programme.gates)}",
                    "gate",
                )
            )
    # Which field of which section names a record by its code, and the codes there are.
    for section, name, codes in (
        ("assessments", "evaluation", evaluations),
        ("actions", "finding", findings),
        ("milestone_targets", "milestone", milestones),
    ):
        for item in s[section]:
            code = item.given.get(name)
            if code is not None and code not in codes:
                problems.append(item.problem(f"no {name} with code '{code}'", name))
    for item in s["findings"]:
        given = item.given
        if (given.get("assessed_on") is None) != (given.get("method") is None):
            problems.append(
                item.problem(
                    "name the assessment with both assessed_on and method, or neither", "assessed_on"
                )
            )
        elif (
            given.get("assessed_on") is not None
            and item.ok
            and item.values["assessment_id"] not in assessments
        ):
            problems.append(
                item.problem(
                    f"no assessment of this requirement in {given['element']} on that date", "assessed_on"
                )
            )
    for item in s["milestone_targets"]:
        given = item.given
        if item.ok and item.values["target_id"] not in targets:
            problems.append(
                item.problem(f"{given['element']} has no target for this requirement", "requirement")
            )
    return problems


def _requirement_problems(item: Located, section: str, store: Known) -> list[Problem]:
    given = item.given
    row = store.requirements.get(requirement_id(given["standard"], given["requirement"]))
    if row is None:
        return [
            item.problem(
                f"the catalogue has no requirement '{given['requirement']}' in standard '{given['standard']}'",
                "requirement",
            )
        ]
    name = {"targets": "level", "assessments": "observed"}.get(section)
    if name is None or given.get(name) is None:
        return []
    try:
        measure_from_row(row).read(given[name])
    except MeasureError as error:
        return [item.problem(str(error), name)]
    return []
