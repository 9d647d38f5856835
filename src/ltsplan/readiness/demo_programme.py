"""The records of the readiness demonstration's FICTIONAL programme, generated deterministically
from a fixed seed in the readiness file form (the same rows an import takes): force elements,
targets, three years of assessments, gated evaluations, findings with corrective actions,
milestones, overrides and mission capability (``demo.py`` says what, and writes them)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from ltsplan.readiness.data import requirements
from ltsplan.readiness.programmes import format_gates, nato_occ_gates
from ltsplan.readiness.rollup import position
from ltsplan.standards.measures import Measure, measure_from_row

SEED = 20230711  # the Vilnius summit's opening day
KNOWN = datetime(2023, 1, 2)
PROGRAMME = "OCC-FICTIONAL"

LABEL = "FICTIONAL"

# (code, name, kind, domain, parent)
ELEMENTS = (
    ("MOD", "Ministry of Defence (FICTIONAL)", "ministry", "joint", None),
    ("GS", "General Staff (FICTIONAL)", "general staff", "command and control", "MOD"),
    ("LFC", "Land Forces Command (FICTIONAL)", "command", "land", "GS"),
    ("AFC", "Air Force Command (FICTIONAL)", "command", "air", "GS"),
    ("NFC", "Naval Forces Command (FICTIONAL)", "command", "maritime", "GS"),
    ("CYC", "Cyber Command (FICTIONAL)", "command", "cyber", "GS"),
    ("LOGC", "Logistics Command (FICTIONAL)", "command", "logistics", "GS"),
    (
        "C2C",
        "Communications and Information Systems Command (FICTIONAL)",
        "command",
        "command and control",
        "GS",
    ),
    ("10-MECH", "10th Mechanised Brigade (FICTIONAL)", "brigade", "land", "LFC"),
    ("14-MECH", "14th Mechanised Brigade (FICTIONAL)", "brigade", "land", "LFC"),
    ("25-AIRB", "25th Airborne Brigade (FICTIONAL)", "brigade", "land", "LFC"),
    ("10-MECH-1", "1st Mechanised Battalion, 10th Bde (FICTIONAL)", "battalion", "land", "10-MECH"),
    ("10-MECH-2", "2nd Mechanised Battalion, 10th Bde (FICTIONAL)", "battalion", "land", "10-MECH"),
    ("14-MECH-1", "1st Mechanised Battalion, 14th Bde (FICTIONAL)", "battalion", "land", "14-MECH"),
    ("14-MECH-2", "2nd Mechanised Battalion, 14th Bde (FICTIONAL)", "battalion", "land", "14-MECH"),
    ("25-AIRB-1", "1st Airborne Battalion, 25th Bde (FICTIONAL)", "battalion", "land", "25-AIRB"),
    ("25-AIRB-2", "2nd Airborne Battalion, 25th Bde (FICTIONAL)", "battalion", "land", "25-AIRB"),
    ("7-TAC-WING", "7th Tactical Aviation Wing (FICTIONAL)", "wing", "air", "AFC"),
    ("96-AD-BDE", "96th Air Defence Brigade (FICTIONAL)", "brigade", "air", "AFC"),
    ("96-AD-1", "1st Air Defence Battalion, 96th Bde (FICTIONAL)", "battalion", "air", "96-AD-BDE"),
    ("MCM-FLOT", "Mine Countermeasures Flotilla (FICTIONAL)", "flotilla", "maritime", "NFC"),
    ("36-MAR", "36th Marine Brigade (FICTIONAL)", "brigade", "maritime", "NFC"),
    ("36-MAR-1", "1st Marine Battalion, 36th Bde (FICTIONAL)", "battalion", "maritime", "36-MAR"),
    ("CYB-OPS", "Cyber Operations Centre (FICTIONAL)", "unit", "cyber", "CYC"),
    ("LOG-BDE", "Logistics Support Brigade (FICTIONAL)", "brigade", "logistics", "LOGC"),
    ("MAINT-BN", "Maintenance Battalion (FICTIONAL)", "battalion", "logistics", "LOG-BDE"),
    ("SIG-BDE", "Signals Brigade (FICTIONAL)", "brigade", "command and control", "C2C"),
    ("NDU", "National Defence University (FICTIONAL)", "institution", "joint", "MOD"),
    ("LANG-SCH", "Military Language School (FICTIONAL)", "school", "joint", "NDU"),
    ("NCO-ACAD", "NCO Academy (FICTIONAL)", "school", "land", "LFC"),
)
BATTALIONS = ("10-MECH-1", "10-MECH-2", "14-MECH-1", "14-MECH-2", "25-AIRB-1", "96-AD-1")
# Milestones: (code, name, due)
MILESTONES = (
    ("M1-FICTIONAL", "Interoperability core: doctrine and language (FICTIONAL)", date(2023, 12, 31)),
    ("M2-FICTIONAL", "Command and control and logistics procedures (FICTIONAL)", date(2024, 12, 31)),
    ("M3-FICTIONAL", "Manoeuvre and fires to NATO standards (FICTIONAL)", date(2025, 12, 31)),
    ("M4-FICTIONAL", "Full interoperability of designated forces (FICTIONAL)", date(2026, 12, 31)),
)
ASPECTS = (
    "procedures published in national orders",
    "staff trained on the procedures",
    "procedures exercised in a unit exercise",
    "equipment fielded and serviceable",
    "share of posts filled with qualified personnel",
    "evaluated in a combined exercise with allies",
    "reporting formats in use",
    "lessons identified and acted on",
)
TIERS = ("none", "initial", "partial", "full")
COMMON_DOMAINS = ("command and control", "joint", "training", "other")


def _record(**values: Any) -> dict[str, Any]:
    return values


def _level_at(measure: Measure, goal: float, progress: float) -> str:
    """An observation ``progress`` (0–1+) of the way to the goal, in the measure's terms."""
    if measure.kind == "binary":
        return "met" if progress >= 1 else "not met"
    if measure.kind == "percentage":
        return f"{min(100.0, round(goal * min(progress, 1.1), 0)):g}"
    index = min(len(measure.levels) - 1, round(goal * min(progress, 1.0)))
    return measure.levels[index]


def build(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    """Every readiness record of the demonstration, in file form (the same rows an import takes)."""
    rng = random.Random(SEED + 2)
    catalogue = requirements(connection, None)
    by_standard: dict[str, list[dict[str, Any]]] = {}
    for row in catalogue.to_dicts():
        by_standard.setdefault(row["designator"], []).append(row)
    sections: dict[str, list[dict[str, Any]]] = {
        k: []
        for k in (
            "elements",
            "programmes",
            "targets",
            "evaluations",
            "assessments",
            "overrides",
            "capabilities",
            "findings",
            "actions",
            "milestones",
            "milestone_targets",
        )
    }
    for code, name, kind, domain, parent in ELEMENTS:
        sections["elements"].append(
            _record(
                code=code,
                name=name,
                kind=kind,
                domain=domain,
                parent=parent,
                tags="FICTIONAL",
                fictional=True,
                note="FICTIONAL demonstration element",
            )
        )
    sections["programmes"].append(
        _record(
            code=PROGRAMME,
            name="OCC-style evaluation and feedback programme (FICTIONAL)",
            gates=format_gates(nato_occ_gates()),
            validity_months=36,
            rule="all-mandatory",
            pass_outcome="combat ready",
            fail_outcome="not combat ready",
            fictional=True,
            note="FICTIONAL: modelled on NATO's OCC E&F gates; no real evaluation results are public",
        )
    )
    for code, name, due in MILESTONES:
        sections["milestones"].append(
            _record(code=code, name=name, due=due, fictional=True, note="FICTIONAL roadmap milestone")
        )
    designators = sorted(by_standard)
    for code, _name, _kind, domain, _parent in ELEMENTS:
        relevant = [
            d for d in designators if by_standard[d][0]["standard_domain"] in (domain, *COMMON_DOMAINS)
        ]
        others = [d for d in designators if d not in relevant]
        picked = relevant[:8] + rng.sample(others, k=min(2, len(others)))
        for designator in picked:
            for req in by_standard[designator][:4]:
                measure = measure_from_row(req)
                goal_text = measure.threshold
                if goal_text is None:
                    continue
                goal = position(measure, goal_text)
                milestone_index = rng.randrange(len(MILESTONES))
                m_code, _, due = MILESTONES[milestone_index]
                target_level = str(goal_text if measure.kind != "binary" else "met")
                if measure.kind == "percentage":
                    target_level = f"{float(goal_text):g}"
                sections["targets"].append(
                    _record(
                        element=code,
                        standard=designator,
                        requirement=req["code"],
                        level=target_level,
                        due=due,
                        note=None,
                    )
                )
                sections["milestone_targets"].append(
                    _record(milestone=m_code, element=code, standard=designator, requirement=req["code"])
                )
                # Progress: starts 20–60 % of the way, improves each half-year; most targets on
                # later milestones progress more slowly.
                progress = rng.uniform(0.2, 0.6)
                speed = rng.uniform(0.1, 0.35) * (1.3 if milestone_index < 2 else 1.0)
                day = date(2023, 1, 15) + timedelta(days=rng.randrange(0, 120))
                while day < date(2026, 1, 1):
                    observed = _level_at(measure, goal if goal > 0 else 1.0, progress)
                    sections["assessments"].append(
                        _record(
                            element=code,
                            standard=designator,
                            requirement=req["code"],
                            observed=observed,
                            assessed_on=day,
                            assessor=f"{code} staff (FICTIONAL)",
                            method="self-evaluation",
                            evidence="FICTIONAL self-assessment return",
                            recorded_at=datetime.combine(day + timedelta(days=7), datetime.min.time()),
                        )
                    )
                    progress += speed
                    day += timedelta(days=rng.randrange(150, 240))
    _evaluations(sections, by_standard, rng)
    _judgements(sections)
    # An evaluation's checklist assessment replaces a routine one of the same day and method.
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for a in sections["assessments"]:
        unique[(a["element"], a["standard"], a["requirement"], a["assessed_on"], a["method"])] = a
    sections["assessments"] = list(unique.values())
    return sections


def _evaluations(
    sections: dict[str, list[dict[str, Any]]],
    by_standard: dict[str, list[dict[str, Any]]],
    rng: random.Random,
) -> None:
    """Gated evaluations for six battalions, their checklists (external or self assessments on the
    battalion's mandatory targets) and findings with corrective actions for every unmet criterion."""
    targets_of: dict[str, list[dict[str, Any]]] = {}
    for t in sections["targets"]:
        targets_of.setdefault(t["element"], []).append(t)
    reqs = {(r["designator"], r["code"]): r for rows in by_standard.values() for r in rows}
    plans = {
        # battalion: [(gate, held_on, all criteria met?)]
        "10-MECH-1": [
            ("SEL1", date(2023, 2, 20), True),
            ("NEL1", date(2023, 3, 28), True),
            ("SEL2", date(2024, 5, 14), True),
            ("NEL2", date(2025, 3, 11), True),
        ],
        "10-MECH-2": [
            ("SEL1", date(2023, 6, 5), True),
            ("NEL1", date(2023, 11, 21), True),
            ("SEL2", date(2025, 2, 3), True),
            ("NEL2", date(2025, 10, 7), False),
        ],
        "14-MECH-1": [
            ("NEL1", date(2023, 9, 19), True),
            ("SEL1", date(2024, 1, 16), True),
            ("NEL1", date(2024, 6, 25), True),
        ],
        "14-MECH-2": [
            ("SEL1", date(2024, 3, 4), True),
            ("NEL1", date(2024, 10, 15), False),
            ("NEL1", date(2025, 4, 8), True),
        ],
        "25-AIRB-1": [("SEL1", date(2023, 1, 24), True), ("NEL1", date(2023, 2, 28), True)],
        "96-AD-1": [
            ("SEL1", date(2024, 9, 9), True),
            ("NEL1", date(2025, 5, 20), True),
            ("SEL2", date(2025, 11, 18), False),
        ],
    }
    finding_number = 0
    for battalion, steps in plans.items():
        criteria = [t for t in targets_of.get(battalion, [])][:8]
        for attempt, (gate, held, passes) in enumerate(steps, start=1):
            code = f"EV-{battalion}-{gate}-{attempt}"
            external = gate.startswith("N")
            sections["evaluations"].append(
                _record(
                    code=code,
                    element=battalion,
                    programme=PROGRAMME,
                    gate=gate,
                    held_on=held,
                    evaluator="Allied evaluation team (FICTIONAL)"
                    if external
                    else f"{battalion} commander (FICTIONAL)",
                    note="FICTIONAL evaluation",
                    recorded_at=datetime.combine(held + timedelta(days=10), datetime.min.time()),
                )
            )
            failing = {0, 3, 5} if not passes else set()
            for index, t in enumerate(criteria):
                req = reqs[(t["standard"], t["requirement"])]
                measure = measure_from_row(req)
                met = index not in failing
                observed = t["level"] if met else _below(measure, t["level"])
                method = "external evaluation" if external else "self-evaluation"
                sections["assessments"].append(
                    _record(
                        element=battalion,
                        standard=t["standard"],
                        requirement=t["requirement"],
                        observed=observed,
                        assessed_on=held,
                        assessor="Allied evaluation team (FICTIONAL)"
                        if external
                        else f"{battalion} staff (FICTIONAL)",
                        method=method,
                        evidence=f"FICTIONAL {gate} checklist",
                        evaluation=code,
                        recorded_at=datetime.combine(held + timedelta(days=10), datetime.min.time()),
                    )
                )
                if not met:
                    finding_number += 1
                    f_code = f"F-{finding_number:03d}-FICTIONAL"
                    sections["findings"].append(
                        _record(
                            code=f_code,
                            element=battalion,
                            standard=t["standard"],
                            requirement=t["requirement"],
                            raised_on=held,
                            text=f"{gate}: criterion not met ({observed} against {t['level']}) (FICTIONAL)",
                            assessed_on=held,
                            method=method,
                        )
                    )
                    due = held + timedelta(days=120)
                    done = due < date(2025, 6, 1)
                    sections["actions"].append(
                        _record(
                            code=f"CA-{finding_number:03d}-FICTIONAL",
                            finding=f_code,
                            description="Retrain the staff and re-run the drill under evaluation (FICTIONAL)",
                            owner=f"{battalion} commander (FICTIONAL)",
                            due=due,
                            status="done" if done else "open",
                            closed_on=due - timedelta(days=14) if done else None,
                        )
                    )


def _below(measure: Measure, level: str) -> str:
    if measure.kind == "binary":
        return "not met"
    if measure.kind == "percentage":
        return f"{max(0.0, float(level) - 15):g}"
    index = measure.levels.index(level)
    return measure.levels[max(0, index - 1)]


def _judgements(sections: dict[str, list[dict[str, Any]]]) -> None:
    sections["overrides"].extend(
        [
            _record(
                element="14-MECH-1",
                level="R2",
                reason="New armoured vehicles fielded in May; the next assessment is not due until autumn (FICTIONAL)",
                by="Commander 14th Bde (FICTIONAL)",
                valid_from=date(2025, 6, 1),
            ),
            _record(
                element="MCM-FLOT",
                level="R4",
                reason="Two of three hulls in refit; figures overstate what can sail (FICTIONAL)",
                by="Commander Naval Forces (FICTIONAL)",
                valid_from=date(2025, 9, 1),
            ),
        ]
    )
    sections["capabilities"].extend(
        [
            _record(
                element="10-MECH-1",
                capability="yes",
                assessed_on=date(2025, 4, 1),
                by="Commander LFC (FICTIONAL)",
                reason="Assigned mission: territorial defence (FICTIONAL)",
            ),
            _record(
                element="14-MECH-1",
                capability="qualified",
                assessed_on=date(2025, 7, 1),
                by="Commander LFC (FICTIONAL)",
                reason="Lacks gap-crossing equipment (FICTIONAL)",
            ),
            _record(
                element="MCM-FLOT",
                capability="no",
                assessed_on=date(2025, 9, 1),
                by="Commander NFC (FICTIONAL)",
                reason="Hulls in refit (FICTIONAL)",
            ),
        ]
    )
