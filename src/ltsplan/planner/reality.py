"""A plan against reality: packages linked to ledger commitments show, as of any date, which of
their planned deliveries happened (the ledger's deliveries linked to the commitment), which are
late, and what re-planning from that day, keeping what is done, would change.

A package's planned deliveries are its assignments in the order they take effect. The share of
the commitment delivered by the day — delivered quantity ÷ committed quantity when the commitment
gives a quantity, else delivered value ÷ committed value (in EUR where both are converted, else as
given in one currency) — counts that share of them as happened, earliest first. One not happened
whose effective date has passed is late. A package with no commitment is not tracked: a re-plan
takes its assignments begun before the day as done, as planned.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection

from ltsplan.ledger.model import ENTRY
from ltsplan.planner.data import first_of_month
from ltsplan.planner.model import package_prerequisite, support_package
from ltsplan.planner.plans import Made, make_plan, stored
from ltsplan.planner.problem import month_label
from ltsplan.planner.solve import Options, Progress
from ltsplan.report import Report
from ltsplan.store.db import Database
from ltsplan.store.time import live_frame, live_rows, live_where

STATES = ("delivered", "late", "due later", "not tracked")


def delivered_shares(
    connection: Connection, commitments: list[str], on: date, moment: datetime | None
) -> dict[str, float]:
    """For each commitment, the share delivered by ``on`` as known at ``moment``."""
    table = ENTRY.table
    promised = {r["id"]: r for r in live_where(connection, table, "id", commitments, moment)}
    deliveries = live_where(connection, table, "commitment_id", commitments, moment)
    shares: dict[str, float] = {}
    for cid, row in promised.items():
        mine = [
            d
            for d in deliveries
            if d["commitment_id"] == cid and d["kind"] == "delivery" and d["event_date"] <= on
        ]
        if row.get("quantity"):
            got = sum(d["quantity"] or 0.0 for d in mine)
            shares[cid] = got / row["quantity"]
        elif row.get("eur") and all(d.get("eur") is not None for d in mine):
            shares[cid] = sum(d["eur"] for d in mine) / row["eur"]
        elif row.get("amount"):
            same = [d for d in mine if d.get("currency") == row.get("currency")]
            shares[cid] = sum(d["amount"] or 0.0 for d in same) / row["amount"]
        else:
            shares[cid] = 0.0
    return {k: max(0.0, min(1.0, v)) for k, v in shares.items()}


def reality_frame(connection: Connection, code: str, on: date, moment: datetime | None) -> pl.DataFrame:
    """Every assignment of the plan with its state on ``on``: delivered, late, due later, not tracked."""
    plan = stored(connection, code, moment)
    packages = live_frame(connection, support_package, moment).select(
        pl.col("code").alias("package_code"), "commitment_id"
    )
    rows = plan.assignments.join(packages, on="package_code", how="left").sort(
        "package_code", "effective", "element_code"
    )
    linked = [c for c in rows.get_column("commitment_id").unique().to_list() if c]
    shares = delivered_shares(connection, linked, on, moment)
    rows = rows.with_columns(
        pl.int_range(pl.len()).over("package_code").alias("order"),
        pl.len().over("package_code").alias("planned"),
        pl.col("commitment_id").replace_strict(shares, default=None, return_dtype=pl.Float64).alias("share"),
    )
    happened = (pl.col("share") * pl.col("planned") + 1e-9).floor()
    state = (
        pl.when(pl.col("commitment_id").is_null())
        .then(pl.lit("not tracked"))
        .when(pl.col("order") < happened)
        .then(pl.lit("delivered"))
        .when(pl.col("effective") <= on)
        .then(pl.lit("late"))
        .otherwise(pl.lit("due later"))
    )
    return rows.with_columns(state.alias("state")).sort("element_code", "start", "package_code")


def reality_report(connection: Connection, code: str, on: date, moment: datetime | None = None) -> Report:
    frame = reality_frame(connection, code, on, moment)
    counts = frame.group_by("state").len()
    tally = dict(counts.iter_rows())
    notes = [
        f"on {on}: " + ", ".join(f"{tally.get(s, 0)} {s}" for s in STATES),
        "a package linked to a ledger commitment counts the share of the commitment delivered by the day "
        "(quantity, else value) as that share of its planned deliveries, earliest first",
        f"re-planning from {month_label(first_of_month(on))}, keeping what is done: ltsplan plan reality {code} --on {on} --replan NEW",
    ]
    return Report(
        title=f"Plan {code} against reality on {on}",
        frame=frame.select(
            pl.col("element_code").alias("element"),
            pl.col("package_code").alias("package"),
            "start",
            "effective",
            "state",
            pl.col("share").alias("delivered_share"),
            pl.col("commitment_id").alias("commitment"),
        ),
        notes=notes,
        units={"delivered_share": "share"},
        params={"plan": code, "on": on, "as_of": moment},
    )


def done_by(frame: pl.DataFrame, on: date, needs: list[tuple[str, str]] | None = None) -> pl.DataFrame:
    """What a re-plan from ``on`` keeps: deliveries that happened, and untracked assignments begun
    before the month of ``on`` (as planned) whose prerequisites are kept and in effect by their
    start — a course cannot have run on equipment that is late. Late ones are planned again."""
    month = first_of_month(on)
    kept = frame.filter(
        (pl.col("state") == "delivered") | ((pl.col("state") == "not tracked") & (pl.col("start") < month))
    )
    rows = {(r["element_code"], r["package_code"]): r for r in kept.to_dicts()}
    required: dict[str, list[str]] = {}
    for package, needed in needs or []:
        required.setdefault(package, []).append(needed)
    changed = True
    while changed:  # drop what rests on something dropped, until nothing more goes
        changed = False
        for (element, package), row in list(rows.items()):
            for needed in required.get(package, []):
                before = rows.get((element, needed))
                if row["state"] == "not tracked" and (before is None or before["effective"] > row["start"]):
                    del rows[(element, package)]
                    changed = True
                    break
    return pl.DataFrame(
        [{"element": e, "package": p, "start": r["start"]} for (e, p), r in sorted(rows.items())],
        schema={"element": pl.Utf8, "package": pl.Utf8, "start": pl.Date},
    )


def replan(
    database: Database,
    code: str,
    new_code: str,
    on: date,
    *,
    options: Options,
    moment: datetime | None = None,
    months: int | None = None,
    progress: Progress | None = None,
) -> Made:
    """Make ``new_code`` from ``on``'s month, keeping what plan ``code`` had done by then."""
    with database.reading() as connection:
        frame = reality_frame(connection, code, on, moment)
        head = stored(connection, code, moment).head
        needs = [
            (r["package_code"], r["requires_code"])
            for r in live_rows(connection, package_prerequisite, moment)
        ]
    elapsed = (on.year - head["start"].year) * 12 + on.month - head["start"].month
    left = head["months"] - elapsed  # the rest of the old plan's horizon
    return make_plan(
        database,
        new_code,
        options=options,
        start=on,
        months=months if months is not None else max(1, left),
        moment=moment,
        history=done_by(frame, on, needs),
        replans=code,
        progress=progress,
    )
