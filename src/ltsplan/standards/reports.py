"""Standards questions: the catalogue, one standard's requirements, national adoption, adoption
coverage (now, on a past day, and as a series), and sourced statements about standards.

Every answer is a Report; ``moment`` is record time (what was known then, ``--as-of``) and ``day``
valid time (what was implemented by then, ``--on``). The coverage rule is in ``standards.adoption``.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Connection, Integer, cast, func, select

from ltsplan.errors import LtsplanError, NotFound
from ltsplan.provenance.model import CREDIBILITY, RELIABILITY, evidence, source
from ltsplan.report import Report
from ltsplan.standards.measures import measure_from_row
from ltsplan.standards.model import (
    STATEMENT_KIND,
    national_adoption,
    normalise_designator,
    requirement,
    standard,
    standard_id,
)
from ltsplan.standards.rules import coverage, coverage_series, year_ends
from ltsplan.store.db import Database
from ltsplan.store.time import live_at

ILLUSTRATIVE = "illustrative"
COVERAGE_RULE = (
    "coverage = implemented ÷ applicable: standards marked not applicable, and standards with no "
    "adoption record, are never counted in the denominator"
)
ADOPTION_COLUMNS = {
    "country": pl.Utf8,
    "designator": pl.Utf8,
    "domain": pl.Utf8,
    "applicable": pl.Boolean,
    "ratification": pl.Utf8,
    "reservation": pl.Utf8,
    "ratified_on": pl.Date,
    "implementation": pl.Utf8,
    "implemented_on": pl.Date,
    "evidence": pl.Utf8,
    "fictional": pl.Boolean,
}


def list_standards(
    database: Database, *, domain: str | None = None, moment: datetime | None = None
) -> Report:
    """The catalogue, one row per standard, with how many requirements each has (and how many of
    those are illustrative)."""
    counts = (
        select(
            requirement.c.standard_id,
            func.count().label("requirements"),
            func.sum(cast(requirement.c.illustrative, Integer)).label("illustrative"),
        )
        .where(live_at(requirement, moment))
        .group_by(requirement.c.standard_id)
        .subquery()
    )
    query = (
        select(
            standard.c.designator,
            standard.c.title,
            standard.c.domain,
            standard.c.edition,
            standard.c.edition_date,
            standard.c.status,
            func.coalesce(counts.c.requirements, 0).label("requirements"),
            func.coalesce(counts.c.illustrative, 0).label("illustrative_requirements"),
        )
        .select_from(standard.outerjoin(counts, counts.c.standard_id == standard.c.id))
        .where(live_at(standard, moment))
        .order_by(standard.c.domain, standard.c.designator)
    )
    if domain:
        query = query.where(standard.c.domain == domain.lower())
    with database.reading() as connection:
        rows = connection.execute(query).all()
    schema = {
        "designator": pl.Utf8,
        "title": pl.Utf8,
        "domain": pl.Utf8,
        "edition": pl.Utf8,
        "edition_date": pl.Utf8,
        "status": pl.Utf8,
        "requirements": pl.Int64,
        "illustrative_requirements": pl.Int64,
    }
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    notes = []
    if frame.height and frame.get_column("illustrative_requirements").sum():
        notes.append(
            "illustrative requirements are written to show the system, not quoted from the standards "
            "(most detailed texts are not public); load real ones with 'ltsplan standards import'"
        )
    return Report(
        "Standards catalogue" + (f" — {domain}" if domain else ""),
        frame,
        notes=notes,
        params={"as_of": moment, "domain": domain},
    )


def show_standard(database: Database, designator: str, *, moment: datetime | None = None) -> Report:
    """One standard's requirements and how each is measured."""
    sid = standard_id(designator)
    with database.reading() as connection:
        found = (
            connection.execute(select(standard).where(standard.c.id == sid, live_at(standard, moment)))
            .mappings()
            .first()
        )
        if found is None:
            raise NotFound(
                f"no standard '{normalise_designator(designator)}' in the catalogue"
                + (" as known then" if moment else "")
                + "; 'ltsplan standards list' shows the designators"
            )
        rows = [
            dict(r)
            for r in connection.execute(
                select(requirement)
                .where(requirement.c.standard_id == sid, live_at(requirement, moment))
                .order_by(requirement.c.code)
            ).mappings()
        ]
    records = []
    for row in rows:
        measure = measure_from_row(row)
        records.append(
            {
                "code": row["code"],
                "text": row["text"],
                "measure": measure.kind,
                "levels": " < ".join(measure.levels) if measure.levels else None,
                "threshold": _threshold_text(measure.threshold),
                "mandatory": "yes" if row["mandatory"] else "no",
                "weight": float(row["weight"]),
                "basis": ILLUSTRATIVE if row["illustrative"] else "from the standard",
            }
        )
    schema = {
        "code": pl.Utf8,
        "text": pl.Utf8,
        "measure": pl.Utf8,
        "levels": pl.Utf8,
        "threshold": pl.Utf8,
        "mandatory": pl.Utf8,
        "weight": pl.Float64,
        "basis": pl.Utf8,
    }
    edition = f", edition {found['edition']}" if found["edition"] else ""
    dated = f" ({found['edition_date']})" if found["edition_date"] else ""
    notes = [f"{found['designator']}: {found['title']}{edition}{dated}; domain {found['domain']}"]
    if found["reference"]:
        notes.append(f"catalogue entry from {found['reference']}")
    if any(r["basis"] == ILLUSTRATIVE for r in records):
        notes.append(
            "ILLUSTRATIVE requirements are not the standard's own wording; they show how it can be measured"
        )
    if not records:
        notes.append("no requirements recorded for this standard")
    return Report(
        f"{found['designator']} — requirements",
        pl.DataFrame(records, schema=schema),
        notes=notes,
        params={"as_of": moment, "designator": found["designator"]},
    )


def _threshold_text(value: object) -> str | None:
    if value is True:
        return "met"
    if isinstance(value, float):
        return f"{value:g}%"
    return None if value is None else str(value)


def adoption_frame(
    connection: Connection, moment: datetime | None = None, country: str | None = None
) -> pl.DataFrame:
    """Adoption records known at ``moment``, with each standard's designator and domain."""
    query = (
        select(
            national_adoption.c.country,
            standard.c.designator,
            standard.c.domain,
            national_adoption.c.applicable,
            national_adoption.c.ratification,
            national_adoption.c.reservation,
            national_adoption.c.ratified_on,
            national_adoption.c.implementation,
            national_adoption.c.implemented_on,
            national_adoption.c.evidence,
            national_adoption.c.fictional,
        )
        .join(standard, standard.c.id == national_adoption.c.standard_id)
        .where(live_at(national_adoption, moment), live_at(standard, moment))
        .order_by(national_adoption.c.country, standard.c.domain, standard.c.designator)
    )
    if country:
        query = query.where(national_adoption.c.country == country.upper())
    rows = connection.execute(query).all()
    frame = pl.DataFrame([tuple(r) for r in rows], schema=ADOPTION_COLUMNS, orient="row")
    return frame.with_columns(pl.col("applicable").cast(pl.Boolean), pl.col("fictional").cast(pl.Boolean))


def adoption_report(
    database: Database,
    *,
    country: str | None = None,
    domain: str | None = None,
    moment: datetime | None = None,
) -> Report:
    """National adoption, one row per country and standard."""
    with database.reading() as connection:
        frame = adoption_frame(connection, moment, country)
    if domain:
        frame = frame.filter(pl.col("domain") == domain.lower())
    return Report(
        "National adoption of standards" + (f" — {country.upper()}" if country else ""),
        frame,
        notes=_fictional_notes(frame),
        params={"as_of": moment, "country": country, "domain": domain},
    )


def _fictional_notes(frame: pl.DataFrame) -> list[str]:
    if frame.height and frame.get_column("fictional").any():
        count = int(frame.get_column("fictional").sum())
        return [
            f"FICTIONAL: {count} adoption record(s) are invented for the demonstration (no per-standard "
            "public data exists); they are not any country's real adoption"
        ]
    return []


def coverage_report(
    database: Database,
    *,
    by_domain: bool = False,
    day: date | None = None,
    moment: datetime | None = None,
    country: str | None = None,
) -> Report:
    """Adoption coverage per country (and domain) on ``day``, as known at ``moment``."""
    with database.reading() as connection:
        frame = adoption_frame(connection, moment, country)
        statements = statements_frame(connection, moment)
    keys = ["country", "domain"] if by_domain else ["country"]
    table = coverage(frame, day=day, by=keys)
    notes = [COVERAGE_RULE + (f"; implemented on or before {day.isoformat()}" if day else "")]
    notes.extend(_fictional_notes(frame))
    notes.extend(statement_notes(statements))
    return Report(
        "Adoption coverage" + (" by domain" if by_domain else "") + (f" on {day.isoformat()}" if day else ""),
        table,
        notes=notes,
        units={"coverage": "share", "ratified_share": "share"},
        sources=statements.to_dicts(),
        params={"as_of": moment, "day": day, "country": country, "by_domain": by_domain},
    )


def coverage_series_report(
    database: Database,
    *,
    start: date | None = None,
    end: date | None = None,
    by_domain: bool = False,
    moment: datetime | None = None,
    country: str | None = None,
) -> Report:
    """Coverage at each year end from the first ratification or implementation date (or ``start``)
    to ``end`` (default: today, or the as-of date)."""
    with database.reading() as connection:
        frame = adoption_frame(connection, moment, country)
    last = end or (moment.date() if moment else date.today())
    dated = pl.concat([frame.get_column("ratified_on"), frame.get_column("implemented_on")]).drop_nulls()
    first = start or (dated.min() if dated.len() else last)
    assert isinstance(first, date)
    if first > last:
        raise LtsplanError(f"the series would start on {first} after it ends on {last}")
    keys = ["country", "domain"] if by_domain else ["country"]
    table = coverage_series(frame, year_ends(first, last), by=keys).filter(pl.col("country").is_not_null())
    return Report(
        "Adoption coverage over time",
        table,
        notes=[COVERAGE_RULE, *_fictional_notes(frame)],
        units={"coverage": "share", "ratified_share": "share"},
        params={"as_of": moment, "country": country, "start": first, "end": last, "by_domain": by_domain},
    )


def statements_frame(connection: Connection, moment: datetime | None = None) -> pl.DataFrame:
    rows = connection.execute(
        select(
            evidence.c.quote,
            source.c.title,
            source.c.publisher,
            source.c.published,
            source.c.url,
            source.c.reliability,
            source.c.credibility,
            source.c.note,
        )
        .join(source, source.c.id == evidence.c.source_id)
        .where(evidence.c.record_kind == STATEMENT_KIND, live_at(evidence, moment), live_at(source, moment))
        .order_by(source.c.title, evidence.c.quote)
    ).all()
    schema = {
        "statement": pl.Utf8,
        "source": pl.Utf8,
        "publisher": pl.Utf8,
        "published": pl.Date,
        "url": pl.Utf8,
        "reliability": pl.Utf8,
        "credibility": pl.Int64,
        "grading_note": pl.Utf8,
    }
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.with_columns((pl.col("reliability") + pl.col("credibility").cast(pl.Utf8)).alias("grade"))


def statement_notes(frame: pl.DataFrame) -> list[str]:
    return [
        f"sourced statement, graded {r['grade']} ({RELIABILITY[r['reliability']]}; "
        f"{CREDIBILITY[r['credibility']]}), not a figure of this system: “{r['statement']}” — {r['source']}"
        for r in frame.iter_rows(named=True)
    ]


def statements_report(database: Database, *, moment: datetime | None = None) -> Report:
    """Claims about standards made by sources, each with its Admiralty grade."""
    with database.reading() as connection:
        frame = statements_frame(connection, moment)
    table = frame.select("statement", "grade", "source", "publisher", "published", "grading_note")
    return Report(
        "Sourced statements about standards",
        table,
        notes=[
            "statements are what a source said, graded on the Admiralty scale; they are not computed by ltsplan"
        ],
        sources=frame.to_dicts(),
        params={"as_of": moment},
    )
