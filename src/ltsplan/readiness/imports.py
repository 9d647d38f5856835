"""Readiness records in and out of the store: check a whole file against itself and the database,
write it in one transaction (or nothing), load what was known on a date, export it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, select

from ltsplan.errors import InvalidInput, Problem
from ltsplan.readiness import formats as io
from ltsplan.readiness.formats import Located
from ltsplan.readiness.model import EvaluationProgramme, parse_gates
from ltsplan.readiness.rows import SECTIONS
from ltsplan.standards.model import MeasureError, measure_from_row, requirement_id
from ltsplan.store.db import Database
from ltsplan.store.history import WriteResult, live_at, utcnow, write_versions
from ltsplan.store.ids import record_id, version_hash
from ltsplan.store.readiness_tables import (
    assessment,
    corrective_action,
    evaluation,
    evaluation_programme,
    finding,
    force_element,
    milestone,
    milestone_target,
    mission_capability,
    readiness_override,
    target,
)
from ltsplan.store.standards_tables import requirement, standard

Row = dict[str, Any]


def live_rows(connection: Connection, table: Table, moment: datetime | None) -> pl.DataFrame:
    """The live versions of a table as known at ``moment``, every column typed as in the table."""
    result = connection.execute(select(table).where(live_at(table, moment)))
    names = list(result.keys())
    rows = [tuple(r) for r in result]
    schema: dict[str, Any] = {}
    for column in table.columns:
        python = column.type.python_type
        schema[column.name] = {
            bool: pl.Boolean,
            int: pl.Int64,
            float: pl.Float64,
            datetime: pl.Datetime("us"),
        }.get(python, pl.Date if python.__name__ == "date" else pl.Utf8)
    return pl.DataFrame(rows, schema={n: schema[n] for n in names}, orient="row")


def requirements(connection: Connection, moment: datetime | None) -> pl.DataFrame:
    """Requirements with their standard's designator and domain."""
    req = live_rows(connection, requirement, moment)
    std = live_rows(connection, standard, moment).select(
        pl.col("id").alias("standard_id"), "designator", pl.col("domain").alias("standard_domain"), "title"
    )
    return req.join(std, on="standard_id", how="left")


# -- ids and rows -------------------------------------------------------------------------------


def element_id(code: str) -> str:
    return record_id("force_element", code)


def target_id(element: str, requirement_id_: str) -> str:
    return record_id("target", element, requirement_id_)


def assessment_id(element: str, requirement_id_: str, assessed_on: Any, method: str) -> str:
    return record_id("assessment", element, requirement_id_, assessed_on, method)


def _with_id(natural: tuple[Any, ...], values: Row) -> Row:
    return {"id": record_id(*natural), "version": version_hash(values.values()), **values}


def _req(v: Row) -> str:
    return requirement_id(v["standard"] or "", v["requirement"] or "")


BUILDERS: dict[str, tuple[Table, Callable[[Row], Row]]] = {
    "elements": (
        force_element,
        lambda v: _with_id(
            ("force_element", v["code"]),
            {
                "code": v["code"],
                "name": v["name"],
                "kind": v["kind"],
                "domain": v["domain"],
                "parent_code": v["parent"],
                "tags": ", ".join(t.strip() for t in v["tags"].split(",") if t.strip())
                if v["tags"]
                else None,
                "fictional": bool(v["fictional"]),
                "note": v["note"],
            },
        ),
    ),
    "programmes": (
        evaluation_programme,
        lambda v: _with_id(
            ("evaluation_programme", v["code"]),
            {
                "code": v["code"],
                "name": v["name"],
                "gates": v["gates"],
                "validity_months": v["validity_months"],
                "rule": v["rule"] or "all-mandatory",
                "pass_outcome": v["pass_outcome"] or "passed",
                "fail_outcome": v["fail_outcome"] or "not passed",
                "pass_score": v["pass_score"],
                "fictional": bool(v["fictional"]),
                "note": v["note"],
            },
        ),
    ),
    "targets": (
        target,
        lambda v: _with_id(
            ("target", v["element"], _req(v)),
            {
                "element_code": v["element"],
                "requirement_id": _req(v),
                "level": v["level"],
                "due": v["due"],
                "weight": v["weight"],
                "mandatory": v["mandatory"],
                "note": v["note"],
            },
        ),
    ),
    "evaluations": (
        evaluation,
        lambda v: _with_id(
            ("evaluation", v["code"]),
            {
                "code": v["code"],
                "element_code": v["element"],
                "programme_code": v["programme"],
                "gate": v["gate"],
                "held_on": v["held_on"],
                "evaluator": v["evaluator"],
                "expires_on": v["expires_on"],
                "note": v["note"],
            },
        ),
    ),
    "assessments": (
        assessment,
        lambda v: _with_id(
            ("assessment", v["element"], _req(v), v["assessed_on"], v["method"]),
            {
                "element_code": v["element"],
                "requirement_id": _req(v),
                "observed": v["observed"],
                "assessed_on": v["assessed_on"],
                "assessor": v["assessor"],
                "method": v["method"],
                "evidence": v["evidence"],
                "evaluation_code": v["evaluation"],
                "expires_on": v["expires_on"],
                "note": v["note"],
            },
        ),
    ),
    "overrides": (
        readiness_override,
        lambda v: _with_id(
            ("readiness_override", v["element"], v["valid_from"]),
            {
                "element_code": v["element"],
                "level": v["level"],
                "reason": v["reason"],
                "by": v["by"],
                "valid_from": v["valid_from"],
            },
        ),
    ),
    "capabilities": (
        mission_capability,
        lambda v: _with_id(
            ("mission_capability", v["element"], v["assessed_on"]),
            {
                "element_code": v["element"],
                "capability": v["capability"],
                "assessed_on": v["assessed_on"],
                "by": v["by"],
                "reason": v["reason"],
            },
        ),
    ),
    "findings": (
        finding,
        lambda v: _with_id(
            ("finding", v["code"]),
            {
                "code": v["code"],
                "element_code": v["element"],
                "requirement_id": _req(v),
                "assessment_id": assessment_id(v["element"], _req(v), v["assessed_on"], v["method"])
                if v["assessed_on"] and v["method"]
                else None,
                "raised_on": v["raised_on"],
                "text": v["text"],
            },
        ),
    ),
    "actions": (
        corrective_action,
        lambda v: _with_id(
            ("corrective_action", v["code"]),
            {
                "code": v["code"],
                "finding_code": v["finding"],
                "description": v["description"],
                "owner": v["owner"],
                "due": v["due"],
                "status": v["status"] or "open",
                "closed_on": v["closed_on"],
            },
        ),
    ),
    "milestones": (
        milestone,
        lambda v: _with_id(
            ("milestone", v["code"]),
            {
                "code": v["code"],
                "name": v["name"],
                "due": v["due"],
                "fictional": bool(v["fictional"]),
                "note": v["note"],
            },
        ),
    ),
    "milestone_targets": (
        milestone_target,
        lambda v: _with_id(
            ("milestone_target", v["milestone"], target_id(v["element"], _req(v))),
            {"milestone_code": v["milestone"], "target_id": target_id(v["element"], _req(v))},
        ),
    ),
}


# -- checking a file against itself and the store ------------------------------------------------


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


def known(connection: Connection) -> Known:
    def codes(table: Table, column: str) -> set[str]:
        return {
            r[0] for r in connection.execute(select(table.c[column]).where(table.c.retracted_at.is_(None)))
        }

    elements = {
        code: parent
        for code, parent in connection.execute(
            select(force_element.c.code, force_element.c.parent_code).where(
                force_element.c.retracted_at.is_(None)
            )
        )
    }
    reqs = requirements(connection, None)
    return Known(
        elements=elements,
        requirements={r["id"]: r for r in reqs.to_dicts()},
        programmes=programmes(live_rows(connection, evaluation_programme, None)),
        evaluations=codes(evaluation, "code"),
        assessments=codes(assessment, "id"),
        targets=codes(target, "id"),
        findings=codes(finding, "code"),
        milestones=codes(milestone, "code"),
    )


def programmes(frame: pl.DataFrame) -> dict[str, EvaluationProgramme]:
    return {
        r["code"]: EvaluationProgramme(
            code=r["code"],
            name=r["name"],
            gates=parse_gates(r["gates"]),
            validity_months=r["validity_months"],
            rule=r["rule"],
            pass_outcome=r["pass_outcome"],
            fail_outcome=r["fail_outcome"],
            pass_score=r["pass_score"],
        )
        for r in frame.to_dicts()
    }


def _problem(item: Located, field: str, message: str) -> Problem:
    return Problem(message, file=item.file, line=item.line, field=field, record=item.label)


def cross_check(found: io.ReadinessFile, store: Known) -> list[Problem]:
    """Every reference in the file must resolve in the file or the store; levels must be on their
    requirement's scale; each record may appear once; the element tree may have no cycle."""
    s = found.sections
    problems: list[Problem] = []
    elements = dict(store.elements)
    elements.update({i.values["code"]: i.values["parent"] for i in s["elements"] if i.values["code"]})
    for item in s["elements"]:
        if item.values["code"] is None:
            continue
        parent = item.values["parent"]
        if parent is not None and parent not in elements:
            problems.append(_problem(item, "parent", f"no force element with code '{parent}'"))
        seen = {item.values["code"]}
        while parent is not None and parent in elements:
            if parent in seen:
                problems.append(_problem(item, "parent", "the parents form a cycle"))
                break
            seen.add(parent)
            parent = elements[parent]
    progs = dict(store.programmes)
    for item in s["programmes"]:
        v = item.values
        if v["rule"] == "weighted" and v["pass_score"] is None:
            problems.append(_problem(item, "pass_score", "a weighted programme must declare its pass_score"))
        if v["pass_score"] is not None and v["rule"] != "weighted":
            problems.append(_problem(item, "pass_score", "only a weighted programme has a pass_score"))
        if v["code"] and v["gates"]:
            progs[v["code"]] = EvaluationProgramme(v["code"], v["name"], parse_gates(v["gates"]))
    evaluations = store.evaluations | {i.values["code"] for i in s["evaluations"] if i.values["code"]}
    targets = store.targets | {target_id(i.values["element"], _req(i.values)) for i in s["targets"] if i.ok}
    findings = store.findings | {i.values["code"] for i in s["findings"] if i.values["code"]}
    milestones = store.milestones | {i.values["code"] for i in s["milestones"] if i.values["code"]}
    assessments = store.assessments | {
        assessment_id(i.values["element"], _req(i.values), i.values["assessed_on"], i.values["method"])
        for i in s["assessments"]
        if i.ok
    }
    for section, items in s.items():
        for item in items:
            v = item.values
            if v.get("element") is not None and v["element"] not in elements:
                problems.append(_problem(item, "element", f"no force element with code '{v['element']}'"))
            if v.get("requirement") is not None and v.get("standard") is not None:
                problems.extend(_requirement_problems(item, section, store))
    for item in s["evaluations"]:
        if item.values["programme"] is None or item.values["gate"] is None:
            continue
        programme = progs.get(item.values["programme"])
        if programme is None:
            problems.append(
                _problem(item, "programme", f"no programme with code '{item.values['programme']}'")
            )
        elif programme.gate(item.values["gate"]) is None:
            problems.append(
                _problem(
                    item,
                    "gate",
                    f"'{item.values['gate']}' is not a gate of {programme.code}; "
                    f"use one of {', '.join(g.code for g in programme.gates)}",
                )
            )
    for item in s["assessments"]:
        code = item.values["evaluation"]
        if code is not None and code not in evaluations:
            problems.append(_problem(item, "evaluation", f"no evaluation with code '{code}'"))
    for item in s["findings"]:
        v = item.values
        if (v["assessed_on"] is None) != (v["method"] is None):
            problems.append(
                _problem(
                    item, "assessed_on", "name the assessment with both assessed_on and method, or neither"
                )
            )
        elif v["assessed_on"] is not None and item.ok and _finding_assessment(v) not in assessments:
            problems.append(
                _problem(
                    item, "assessed_on", f"no assessment of this requirement in {v['element']} on that date"
                )
            )
    for item in s["actions"]:
        if item.values["finding"] is not None and item.values["finding"] not in findings:
            problems.append(_problem(item, "finding", f"no finding with code '{item.values['finding']}'"))
    for item in s["milestone_targets"]:
        v = item.values
        if v["milestone"] is not None and v["milestone"] not in milestones:
            problems.append(_problem(item, "milestone", f"no milestone with code '{v['milestone']}'"))
        if item.ok and target_id(v["element"], _req(v)) not in targets:
            problems.append(
                _problem(item, "requirement", f"{v['element']} has no target for this requirement")
            )
    problems.extend(_duplicates(found))
    return problems


def _finding_assessment(v: Row) -> str:
    return assessment_id(v["element"], _req(v), v["assessed_on"], v["method"])


def _requirement_problems(item: Located, section: str, store: Known) -> list[Problem]:
    v = item.values
    row = store.requirements.get(_req(v))
    if row is None:
        return [
            _problem(
                item,
                "requirement",
                f"the catalogue has no requirement '{v['requirement']}' in standard '{v['standard']}'",
            )
        ]
    field = {"targets": "level", "assessments": "observed"}.get(section)
    if field is None or v[field] is None:
        return []
    try:
        measure_from_row(row).read(v[field])
    except MeasureError as error:
        return [_problem(item, field, str(error))]
    return []


def _duplicates(found: io.ReadinessFile) -> list[Problem]:
    problems = []
    for section, items in found.sections.items():
        build = BUILDERS[section][1]
        first: dict[str, Located] = {}
        for item in items:
            if not item.ok:
                continue
            key = build(item.values)["id"]
            if key in first:
                earlier = first[key]
                where = f"line {earlier.line}" if earlier.line else earlier.label or "earlier"
                problems.append(
                    Problem(f"the same {section[:-1]} as {where}", file=item.file, line=item.line)
                )
            else:
                first[key] = item
    return problems


# -- import and export --------------------------------------------------------------------------


ORDER = tuple(BUILDERS)


def import_path(
    database: Database, path: Path, *, fmt: str | None = None, recorded_at: datetime | None = None
) -> dict[str, WriteResult]:
    """Read, check and write one file (or a directory of CSV files): everything or nothing."""
    found = io.read(path, fmt)
    with database.transaction() as connection:
        problems = list(found.problems)
        problems.extend(cross_check(found, known(connection)))
        if problems:
            raise InvalidInput(problems, f"{path}: {len(problems)} problem(s); nothing was written")
        return write_sections(
            connection, {k: [i.values for i in v] for k, v in found.sections.items()}, recorded_at or utcnow()
        )


def write_sections(
    connection: Connection, sections: dict[str, list[Row]], recorded_at: datetime
) -> dict[str, WriteResult]:
    results = {}
    for section in ORDER:
        records = sections.get(section) or []
        if not records:
            continue
        table, build = BUILDERS[section]
        names = [f.name for f in SECTIONS[section]]
        rows = [build({n: r.get(n) for n in names}) for r in records]
        frame = live_shape(table, rows)
        if any("recorded_at" in r for r in records):
            # Each record dated by when it became known (a demo's history, a migration of records).
            frame = frame.with_columns(
                pl.Series(
                    "recorded_at",
                    [r.get("recorded_at", recorded_at) for r in records],
                    dtype=pl.Datetime("us"),
                )
            )
        results[section] = write_versions(connection, table, frame, recorded_at=recorded_at)
    return results


def live_shape(table: Table, rows: list[Row]) -> pl.DataFrame:
    schema: dict[str, Any] = {}
    for column in table.columns:
        if column.name in ("row_id", "recorded_at", "retracted_at"):
            continue
        python = column.type.python_type
        schema[column.name] = {bool: pl.Boolean, int: pl.Int64, float: pl.Float64}.get(
            python, pl.Date if python.__name__ == "date" else pl.Utf8
        )
    return pl.DataFrame(rows, schema=schema)


def export_sections(connection: Connection, moment: datetime | None) -> dict[str, list[Row]]:
    """Every live record, as known at ``moment``, in file form (``rows.SECTIONS``)."""
    reqs = {r["id"]: r for r in requirements(connection, moment).to_dicts()}

    def named(requirement_id_: str) -> dict[str, Any]:
        row = reqs.get(requirement_id_) or {}
        return {"standard": row.get("designator"), "requirement": row.get("code")}

    assessments = live_rows(connection, assessment, moment)
    by_id = {r["id"]: r for r in assessments.to_dicts()}
    targets = {r["id"]: r for r in live_rows(connection, target, moment).to_dicts()}
    out: dict[str, list[Row]] = {}
    rows = live_rows(connection, force_element, moment).sort("code").to_dicts()
    out["elements"] = [
        {
            **{k: r[k] for k in ("code", "name", "kind", "domain", "tags", "fictional", "note")},
            "parent": r["parent_code"],
        }
        for r in rows
    ]
    out["programmes"] = [
        {
            k: r[k]
            for k in (
                "code",
                "name",
                "gates",
                "validity_months",
                "rule",
                "pass_outcome",
                "fail_outcome",
                "pass_score",
                "fictional",
                "note",
            )
        }
        for r in live_rows(connection, evaluation_programme, moment).sort("code").to_dicts()
    ]
    out["targets"] = [
        {
            "element": r["element_code"],
            **named(r["requirement_id"]),
            **{k: r[k] for k in ("level", "due", "weight", "mandatory", "note")},
        }
        for r in sorted(targets.values(), key=lambda r: (r["element_code"], r["requirement_id"]))
    ]
    out["evaluations"] = [
        {
            "element": r["element_code"],
            "programme": r["programme_code"],
            **{k: r[k] for k in ("code", "gate", "held_on", "evaluator", "expires_on", "note")},
        }
        for r in live_rows(connection, evaluation, moment).sort("code").to_dicts()
    ]
    out["assessments"] = [
        {
            "element": r["element_code"],
            **named(r["requirement_id"]),
            "evaluation": r["evaluation_code"],
            **{
                k: r[k]
                for k in ("observed", "assessed_on", "assessor", "method", "evidence", "expires_on", "note")
            },
        }
        for r in sorted(
            by_id.values(), key=lambda r: (r["element_code"], r["requirement_id"], r["assessed_on"])
        )
    ]
    out["overrides"] = [
        {"element": r["element_code"], **{k: r[k] for k in ("level", "reason", "by", "valid_from")}}
        for r in live_rows(connection, readiness_override, moment)
        .sort("element_code", "valid_from")
        .to_dicts()
    ]
    out["capabilities"] = [
        {"element": r["element_code"], **{k: r[k] for k in ("capability", "assessed_on", "by", "reason")}}
        for r in live_rows(connection, mission_capability, moment)
        .sort("element_code", "assessed_on")
        .to_dicts()
    ]
    out["findings"] = []
    for r in live_rows(connection, finding, moment).sort("code").to_dicts():
        linked = by_id.get(r["assessment_id"] or "")
        out["findings"].append(
            {
                "code": r["code"],
                "element": r["element_code"],
                **named(r["requirement_id"]),
                "raised_on": r["raised_on"],
                "text": r["text"],
                "assessed_on": linked["assessed_on"] if linked else None,
                "method": linked["method"] if linked else None,
            }
        )
    out["actions"] = [
        {
            "finding": r["finding_code"],
            **{k: r[k] for k in ("code", "description", "owner", "due", "status", "closed_on")},
        }
        for r in live_rows(connection, corrective_action, moment).sort("code").to_dicts()
    ]
    out["milestones"] = [
        {k: r[k] for k in ("code", "name", "due", "fictional", "note")}
        for r in live_rows(connection, milestone, moment).sort("code").to_dicts()
    ]
    out["milestone_targets"] = []
    for r in live_rows(connection, milestone_target, moment).sort("milestone_code", "target_id").to_dicts():
        t = targets.get(r["target_id"])
        if t is not None:
            out["milestone_targets"].append(
                {"milestone": r["milestone_code"], "element": t["element_code"], **named(t["requirement_id"])}
            )
    return out


def export_path(
    database: Database, path: Path, *, fmt: str | None = None, moment: datetime | None = None
) -> tuple[int, list[Path]]:
    with database.reading() as connection:
        sections = export_sections(connection, moment)
    written = io.write(path, sections, fmt)
    return sum(len(v) for v in sections.values()), written
