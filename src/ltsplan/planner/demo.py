"""The planner part of ``ltsplan demo``: FICTIONAL support packages offered for the readiness
demonstration's gaps, two of them linked to FICTIONAL ledger commitments with their deliveries,
and the plan a programme office would have made in January 2024 from them (with what was known
then), solved in a few seconds.

The packages are written against the requirements most elements still missed on 1 January 2024:
courses with few seats (two needing an equipment batch first), batches with lead times of months,
and a fund whose yearly budget also pays for a course and a batch — so the greedy plan and the
solver's differ. Every name says FICTIONAL. Idempotent: fixed ids, fixed record times, and a
deterministic solver (one that stops on its deterministic limit, or proves its plan optimal).
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection

from ltsplan.ledger.imports import import_file
from ltsplan.ledger.model import ENTRY
from ltsplan.planner.imports import write_records
from ltsplan.planner.plans import make_plan
from ltsplan.planner.solve import Options
from ltsplan.readiness.data import load as load_readiness
from ltsplan.readiness.data import requirements
from ltsplan.store.db import Database
from ltsplan.store.time import as_of

PLAN = "DEMO-2024-FICTIONAL"
START = date(2024, 1, 1)
OFFERED = datetime(2023, 12, 15)  # when the offers became known
MADE = as_of(date(2024, 1, 5))  # the plan uses what was known then
DATASET = "planner-demo-FICTIONAL"
# code, donor, kind, what it takes, how many of the chosen requirements it raises, prerequisite
OFFERS: tuple[tuple[str, str, str, dict[str, Any], int, str | None], ...] = (
    (
        "FUND-NOR-FICTIONAL",
        "NOR",
        "funds",
        {"budget_per_year": 6_000_000, "cost": 1_500_000, "lead_months": 3},
        1,
        None,
    ),
    ("EQ-A-FICTIONAL", "USA", "equipment", {"quantity": 5, "lead_months": 8}, 1, None),
    ("EQ-B-FICTIONAL", "DEU", "equipment", {"quantity": 6, "lead_months": 6}, 2, None),
    ("EQ-C-FICTIONAL", "FRA", "equipment", {"quantity": 4, "lead_months": 10, "cost": 2_000_000}, 1, None),
    ("TRN-A-FICTIONAL", "GBR", "training", {"seats": 3, "months": 3}, 2, None),
    ("TRN-B-FICTIONAL", "DEU", "training", {"seats": 2, "months": 4}, 2, "EQ-A-FICTIONAL"),
    (
        "TRN-C-FICTIONAL",
        "POL",
        "training",
        {"seats": 2, "months": 2, "available_from": date(2024, 7, 1)},
        1,
        None,
    ),
    ("TRN-D-FICTIONAL", "USA", "training", {"seats": 4, "months": 6}, 2, "EQ-B-FICTIONAL"),
    ("TRN-E-FICTIONAL", "NLD", "training", {"seats": 3, "months": 3, "cost": 1_000_000}, 1, None),
)
FUNDED = {"EQ-C-FICTIONAL", "TRN-E-FICTIONAL"}


def _chosen(connection: Connection) -> list[dict[str, Any]]:
    """The requirements most elements still missed on START, with the step a package offers."""
    data = load_readiness(connection, OFFERED)
    latest = data.latest_on(START).filter(pl.col("met").not_())
    gaps = (
        latest.with_columns((pl.col("target_value") - pl.col("value").fill_null(0.0)).alias("missing"))
        .group_by("requirement_id", "designator", "code", "measure")
        .agg(pl.len().alias("short"), pl.col("missing").max())
        .sort(["short", "requirement_id"], descending=[True, False])
    )
    needed = sum(n for *_, n, _ in OFFERS)
    rows = gaps.head(needed).to_dicts()
    for row in rows:
        row["amount"] = {"binary": 1.0, "ordinal": float(min(max(row["missing"], 1), 2))}.get(
            row["measure"], 60.0
        )
    return rows


def build(connection: Connection) -> dict[str, list[dict[str, Any]]]:
    chosen = _chosen(connection)
    packages, raises, needs = [], [], []
    at = 0
    for code, donor, kind, takes, count, prerequisite in OFFERS:
        packages.append(
            {
                "code": code,
                "name": f"{kind.capitalize()} offer from {donor} (FICTIONAL)",
                "donor": donor,
                "kind": kind,
                "available_from": takes.get("available_from", START),
                "available_until": date(2026, 6, 30),
                "currency": "EUR",
                "funded_by": "FUND-NOR-FICTIONAL" if code in FUNDED else None,
                "commitment_id": _commitment_id(code) if code in LINKED else None,
                "fictional": True,
                "note": "FICTIONAL: written for the ltsplan demonstration",
                **{k: v for k, v in takes.items() if k != "available_from"},
            }
        )
        for row in chosen[at : at + count]:
            raises.append(
                {
                    "package": code,
                    "standard": row["designator"],
                    "requirement": row["code"],
                    "amount": row["amount"],
                }
            )
        at += count
        if prerequisite:
            needs.append({"package": code, "requires": prerequisite})
    return {"packages": packages, "raises": raises, "prerequisites": needs}


# The commitments behind two offers, with what arrived: EQ-A three of five by mid-2025 (late on the
# rest), TRN-B's money a quarter paid.
LINKED = {
    "EQ-A-FICTIONAL": (
        "USA",
        "weapons and equipment",
        5,
        50_000_000,
        "USD",
        ((date(2024, 10, 20), 2), (date(2025, 3, 10), 1)),
    ),
    "TRN-B-FICTIONAL": ("DEU", "training", None, 4_000_000, "EUR", ((date(2024, 12, 2), 1_000_000),)),
}


def _commitment_id(code: str) -> str:
    return ENTRY.id_of({"dataset": DATASET, "reference": code})


def ledger_rows() -> list[dict[str, Any]]:
    source = {
        "source_kind": "official document",
        "source_title": "Planner demonstration commitments (FICTIONAL)",
        "source_publisher": "ltsplan demonstration",
        "source_url": "https://example.org/ltsplan/planner-demo",
        "source_date": "2023-11-15",
        "source_attribution": "on the record",
        "source_grade": "F6",
    }
    rows = []
    for code, (donor, subtype, quantity, amount, currency, deliveries) in LINKED.items():
        rows.append(
            {
                "dataset": DATASET,
                "reference": code,
                "kind": "commitment",
                "stage": "committed",
                "donor": donor,
                "recipient": "UKR",
                "category": "military",
                "subtype": subtype,
                "event_date": "2023-11-15",
                "amount": amount,
                "currency": currency,
                "value_date": "2023-11-15",
                "quantity": quantity,
                "description": f"FICTIONAL commitment behind {code}",
                "recorded_at": "2023-11-20",
                **source,
            }
        )
        for n, (day, figure) in enumerate(deliveries, start=1):
            rows.append(
                {
                    "dataset": DATASET,
                    "reference": f"{code}-D{n}",
                    "kind": "delivery",
                    "stage": "delivered",
                    "donor": donor,
                    "recipient": "UKR",
                    "category": "military",
                    "subtype": subtype,
                    "event_date": day.isoformat(),
                    "quantity": figure if quantity else None,
                    "amount": None if quantity else figure,
                    "currency": None if quantity else currency,
                    "value_date": None if quantity else day.isoformat(),
                    "commitment_id": code,
                    "recorded_at": date.fromordinal(day.toordinal() + 5).isoformat(),
                    **source,
                }
            )
    return rows


def _write_ledger(database: Database) -> None:
    names = [
        "dataset", "reference", "kind", "stage", "donor", "recipient", "category", "subtype", "event_date",
        "amount", "currency", "value_date", "quantity", "description", "commitment_id", "recorded_at",
        "source_kind", "source_title", "source_publisher", "source_url", "source_date", "source_attribution",
        "source_grade",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "planner-demo-ledger.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(ledger_rows())
        import_file(database, path)


def load(database: Database) -> list[str]:
    with database.reading() as connection:
        if requirements(connection, None).is_empty():
            return ["Planner: skipped (load the standards catalogue and readiness first)"]
        sections = build(connection)
    _write_ledger(database)
    with database.transaction() as connection:
        write_records(
            connection,
            sections,
            recorded_at=OFFERED,
            origin="demo: the FICTIONAL support packages",
            fmt="demo",
        )
    made = make_plan(
        database, PLAN, options=Options(time_limit=5.0, workers=2, seed=1), start=START, moment=MADE
    )
    outcome = made.outcome
    return [
        f"Planner: {len(sections['packages'])} FICTIONAL support packages for the readiness gaps of January 2024, "
        f"and plan {PLAN} made with what was known then",
        f"  weighted readiness at the milestones: {outcome.objective:.1%} with the plan, {outcome.greedy.objective:.1%} "
        f"with the greedy plan, {outcome.baseline.objective:.1%} with no new support ({outcome.status})",
        f"  try: ltsplan plan show {PLAN} ; ltsplan plan explain {PLAN} --shortfalls",
        f"       ltsplan plan reality {PLAN} --on 2025-06-30   (EQ-A's deliveries run late)",
        f"       http://127.0.0.1:8000/plans/{PLAN} (after ltsplan serve)",
    ]
