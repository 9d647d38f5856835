"""The shape of an OCHA FTS answer: where its flows are, and each flow's fields as columns (see
fts.py for what they become). Read a flow at a time (``json_stream``), so a download of any size
takes the memory of one batch.

A flow is an object; what this reader takes from it is its id, status, amounts and currency, dates,
description, type, boundary, ``newMoney``, contribution type, version, parent flow, report details,
and from its source and destination objects: the source Organizations (id, name, whether FTS types
them "Government"), the source and destination Locations, the destination Plans and GlobalClusters,
and the UsageYears. A field of the wrong JSON type is named with the flow's line and id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from ltsplan.errors import InvalidInput, Problem
from ltsplan.formats.jsons import number_text
from ltsplan.ledger.formats.json_stream import JsonStream, OverBudget
from ltsplan.ledger.rules import LINE, RECORD

# Enough of a file to reach data.flows in any answer the API gives (its totals come first).
PROBE_BYTES = 4 << 20
NATIVE_KEYS = {"format", "version", "sources", "entries"}
COLUMNS = (
    "flow_id",
    "status",
    "amount_usd",
    "original_amount",
    "original_currency",
    "date",
    "decision_date",
    "description",
    "flow_type",
    "boundary",
    "new_money",
    "contribution_type",
    "version",
    "parent",
    "org_id",
    "org_name",
    "org_government",
    "other_orgs",
    "source_location",
    "dest_location",
    "dest_locations",
    "plans",
    "clusters",
    "year_from",
    "year_to",
    "reporter",
)
SCHEMA: dict[str, Any] = {
    **dict.fromkeys(COLUMNS, pl.Utf8),
    "amount_usd": pl.Float64,
    "original_amount": pl.Float64,
    "new_money": pl.Boolean,
    "org_government": pl.Boolean,
    "year_from": pl.Int32,
    "year_to": pl.Int32,
}


def is_fts(path: Path) -> bool:
    """Whether a JSON file is an FTS answer: an object whose ``data`` holds a ``flows`` list."""
    try:
        with JsonStream(path, budget=PROBE_BYTES) as stream:
            if stream.peek() != "{":
                return False
            for key in stream.members():
                if key in NATIVE_KEYS:
                    return False
                if key == "data" and stream.peek() == "{":
                    for inner in stream.members():
                        if inner == "flows":
                            return stream.peek() == "["
                        stream.value()
                    return False
                stream.value()
    except (OverBudget, InvalidInput, OSError, ValueError):
        return False
    return False


def flows(stream: JsonStream) -> Iterator[tuple[int, Any]]:
    """(line, flow) for each element of ``data.flows``; the rest of the answer is read and left."""
    if stream.peek() != "{":
        stream.fail('an FTS answer is an object, {"data": {"flows": [...]}}')
    found = False
    for key in stream.members():
        if key == "data" and stream.peek() == "{":
            for inner in stream.members():
                if inner == "flows" and stream.peek() == "[":
                    found = True
                    yield from stream.elements()
                else:
                    stream.value()
        else:
            stream.value()
    stream.end()
    if not found:
        raise InvalidInput(
            [Problem("no flow records: an FTS answer holds them in data.flows", file=stream.file, line=1)],
            f"{stream.file}: not an FTS flow answer; nothing was written",
        )


def extract(
    flow: Any, line: int, file: str, columns: dict[str, list[Any]], seen: dict[str, int]
) -> list[Problem]:
    """One flow's fields, appended to ``columns``; what is wrong with its JSON shape."""
    if not isinstance(flow, dict):
        return [Problem("each flow is an object {…}", file=file, line=line, field="data.flows")]
    wrong: list[tuple[str, str]] = []
    flow_id = _text(flow.get("id"), "id", wrong)
    record = f"flow {flow_id}" if flow_id else f"flow on line {line}"
    if flow_id in seen:
        wrong.append(("id", f"this flow is given twice (first on line {seen[flow_id]})"))
    elif flow_id:
        seen[flow_id] = line
    orgs: list[tuple[str | None, str | None, bool]] = []
    source_places: list[str] = []
    places: list[str] = []
    plans: list[str] = []
    clusters: list[str] = []
    years: list[int] = []
    for side in ("sourceObjects", "destinationObjects"):
        objects = flow.get(side) or []
        if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
            wrong.append((side, "must be a list of objects {type, id, name, …}"))
            continue
        for obj in objects:
            kind, name = obj.get("type"), _text(obj.get("name"), f"{side}.name", wrong)
            if kind == "Organization" and side == "sourceObjects":
                types = obj.get("organizationTypes") or []
                government = isinstance(types, list) and "Government" in types
                orgs.append((_text(obj.get("id"), f"{side}.id", wrong), name, government))
            elif kind == "Location" and name:
                (source_places if side == "sourceObjects" else places).append(name)
            elif kind == "Plan" and name and side == "destinationObjects":
                plans.append(name)
            elif kind == "GlobalCluster" and name and side == "destinationObjects":
                clusters.append(name)
            elif kind == "UsageYear" and name and name.isdigit():
                years.append(int(name))
    reports = flow.get("reportDetails") or []
    first_report = (
        reports[0] if isinstance(reports, list) and reports and isinstance(reports[0], dict) else {}
    )
    new_money = flow.get("newMoney")
    values: dict[str, Any] = {
        "flow_id": flow_id,
        "status": _text(flow.get("status"), "status", wrong),
        "amount_usd": _number(flow.get("amountUSD"), "amountUSD", wrong),
        "original_amount": _number(flow.get("originalAmount"), "originalAmount", wrong),
        "original_currency": _text(flow.get("originalCurrency"), "originalCurrency", wrong),
        "date": _text(flow.get("date"), "date", wrong),
        "decision_date": _text(flow.get("decisionDate"), "decisionDate", wrong),
        "description": _text(flow.get("description"), "description", wrong),
        "flow_type": _text(flow.get("flowType"), "flowType", wrong),
        "boundary": _text(flow.get("boundary"), "boundary", wrong),
        "new_money": new_money if isinstance(new_money, bool) else None,
        "contribution_type": _text(flow.get("contributionType"), "contributionType", wrong),
        "version": _text(flow.get("versionId"), "versionId", wrong),
        "parent": _text(flow.get("parentFlowId"), "parentFlowId", wrong),
        "org_id": orgs[0][0] if orgs else None,
        "org_name": orgs[0][1] if orgs else None,
        "org_government": orgs[0][2] if orgs else None,
        "other_orgs": "; ".join(o[1] or f"FTS organisation {o[0]}" for o in orgs[1:]) or None,
        "source_location": source_places[0] if len(set(source_places)) == 1 else None,
        "dest_location": places[0] if len(set(places)) == 1 else None,
        "dest_locations": "; ".join(dict.fromkeys(places)) or None,
        "plans": "; ".join(dict.fromkeys(plans)) or None,
        "clusters": "; ".join(dict.fromkeys(clusters)) or None,
        "year_from": min(years) if years else None,
        "year_to": max(years) if years else None,
        "reporter": _text(first_report.get("organization"), "reportDetails.organization", wrong),
    }
    if wrong:
        return [Problem(m, file=file, line=line, field=f, record=record) for f, m in wrong]
    for name, value in values.items():
        columns[name].append(value)
    columns[LINE].append(line)
    columns[RECORD].append(record)
    return []


def _text(value: Any, name: str, wrong: list[tuple[str, str]]) -> str | None:
    """Text as FTS gives it (ids may be numbers); anything else is named as wrong."""
    if value is None or isinstance(value, str):
        return (value or "").strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_text(value)
    wrong.append((name, f"{str(value)[:40]!r} must be text or a number"))
    return None


def _number(value: Any, name: str, wrong: list[tuple[str, str]]) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    wrong.append((name, f"{str(value)[:40]!r} must be a JSON number (without quotes)"))
    return None
