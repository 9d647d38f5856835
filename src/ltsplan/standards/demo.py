"""The standards part of ``ltsplan demo``: idempotent, offline.

1. The starter catalogue of real, publicly named NATO standards (``data/standards/nato-standards.csv``,
   from the NISP database as of 2019 plus a few widely cited titles; see its SOURCES.md), recorded as
   known from the NISP snapshot's date (2019-12-08).
2. ILLUSTRATIVE requirements (``data/standards/illustrative-requirements.yaml``): written to show
   the measures, labelled illustrative everywhere; the STANAG 6001 scale itself is public.
3. A FICTIONAL national adoption set for the partner (UKR): no per-standard public data exists, so
   every record is invented (deterministically, from a hash of the designator) and marked fictional.
   A first set is recorded on 14 June 2023, a revision (more implemented standards) on 14 June 2024,
   so that ``--as-of 2023-06-14`` and today's view differ.
4. Public statements by Ukraine's defence ministry in 2023 and 2024 on NATO standards, each with its
   own speaker, date and graded source (not figures of this system).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from ltsplan.provenance.model import Source
from ltsplan.records.writing import Written, write_found
from ltsplan.report import Report
from ltsplan.shipped import shipped
from ltsplan.standards import formats as io
from ltsplan.standards.charts import coverage_curve
from ltsplan.standards.imports import cross_check, store_statement, write_records
from ltsplan.standards.model import national_adoption
from ltsplan.standards.reports import coverage_report, coverage_series_report
from ltsplan.store.db import Database

PARTNER = "UKR"
CATALOGUE_KNOWN = datetime(2019, 12, 8)  # the NISP snapshot's commit date
FIRST_SET = datetime(2023, 6, 14)
REVISION = datetime(2024, 6, 14)
OUTPUT = Path("ltsplan-out")
CATALOGUE = shipped("standards", "nato-standards.csv")
REQUIREMENTS = shipped("standards", "illustrative-requirements.yaml")

# Statements by Ukraine's defence ministry on NATO standards, each with its own speaker, date and
# source (the same as in the pathway demo's record-2023-2025.yaml). Read with its own date and
# denominator ("more than 1,200" in 2023, 1,135 from 2024) none contradicts another: the share grew.
STATEMENTS = (
    (
        "reznikov-2023-05-02",
        "Defence Minister Oleksii Reznikov, 2 May 2023: Ukraine had implemented 18 % of NATO's more than 1,200 standards",
        Source(
            kind="news report",
            title="Ukraine implements 18 pct of NATO standards: defense minister",
            publisher="Xinhua, as published by People's Daily Online",
            url="http://en.people.cn/n3/2023/0503/c90000-20013690.html",
            published=date(2023, 5, 3),
            attribution="on the record",
            reliability="C",
            credibility=2,
            note='Reliability C, "fairly reliable": a state news agency relaying Interfax-Ukraine, two steps from the minister. Credibility 2, "probably true": the same figure ("almost 18 %" of "more than 1,200") was reported by other outlets; it is the minister\'s claim, not a count we can check.',
        ),
    ),
    (
        "reznikov-2023-09-03",
        "Reznikov, September 2023: 287 NATO standards implemented, almost a quarter of more than 1,200",
        Source(
            kind="news report",
            title="Almost a quarter of NATO standards have been implemented in the Ukrainian army",
            publisher="babel.ua (from an interview with Ukrinform)",
            url="https://babel.ua/en/news/98085-almost-a-quarter-of-nato-standards-have-been-implemented-in-the-ukrainian-army",
            published=date(2023, 9, 3),
            attribution="on the record",
            reliability="B",
            credibility=2,
            note='Reliability B, "usually reliable". Credibility 2, "probably true": the minister\'s own figures (174 within the partnership goals, 113 on Ukraine\'s initiative); not independently counted.',
        ),
    ),
    (
        "haider-2024-05-18",
        "Deputy Minister Stanislav Haider, May 2024: 322 NATO standards implemented of 1,135 in force (28.4 %)",
        Source(
            kind="news report",
            title="Ukraine reports on NATO-standards implementation",
            publisher="Rubryka (from the Ministry of Defence)",
            url="https://rubryka.com/en/2024/05/18/u-minoborony-rozpovily-skilky-standartiv-nato-zaprovadyly-v-zsu/",
            published=date(2024, 5, 18),
            attribution="on the record",
            reliability="B",
            credibility=2,
            note='Reliability B, "usually reliable": it reports the ministry\'s own publication of Deputy Minister Haider\'s interview with the Kyiv Post. Credibility 2, "probably true": consistent with the ministry\'s earlier counts (315 in January 2024, 1,135 in force).',
        ),
    ),
)
RESERVATIONS = (
    "Applies to units designated for multinational operations only (fictional reservation)",
    "National procedures remain in force until equipment is replaced (fictional reservation)",
    "Implementation subject to availability of allied training support (fictional reservation)",
)


def _draw(designator: str, salt: str) -> float:
    """A number in [0, 1) fixed by the designator: the fictional set is the same on every run."""
    digest = hashlib.sha256(f"{salt}\x1f{designator}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fictional_adoption(designators: list[str], *, revised: bool) -> list[dict[str, Any]]:
    """An invented but plausible adoption set: most standards applicable, over half of those
    ratified (a few with reservations), about a quarter implemented by mid-2023 — and, in the
    revision, more implemented by mid-2024."""
    records = []
    for designator in designators:
        applicable = _draw(designator, "applicable") < 0.85
        ratify, implement, when = (
            _draw(designator, "ratify"),
            _draw(designator, "implement"),
            _draw(designator, "when"),
        )
        ratified_on = date(2015, 1, 1) + timedelta(days=int(when * 2900)) if ratify < 0.6 else None
        ratification = "not ratified"
        reservation = None
        if ratified_on is not None:
            ratification = "ratified with reservations" if ratify < 0.08 else "ratified"
            if ratification == "ratified with reservations":
                reservation = RESERVATIONS[int(when * len(RESERVATIONS))]
        implemented_on = None
        implementation = "not started"
        if applicable and ratified_on is not None:
            if implement < 0.45:
                implementation = "implemented"
                implemented_on = min(
                    ratified_on + timedelta(days=180 + int(implement * 900)), date(2023, 6, 1)
                )
            elif revised and implement < 0.6:
                implementation = "implemented"
                implemented_on = date(2023, 9, 1) + timedelta(days=int((implement - 0.45) * 1800))
            else:
                implementation = "in progress" if implement < 0.8 else "planned"
        records.append(
            {
                "country": PARTNER,
                "designator": designator,
                "applicable": applicable,
                "ratification": ratification,
                "reservation": reservation,
                "ratified_on": ratified_on,
                "implementation": implementation,
                "implemented_on": implemented_on,
                "evidence": "FICTIONAL demonstration record",
                "fictional": True,
                "note": "fictional: no per-standard public data on national adoption exists",
            }
        )
    return records


def load(database: Database) -> list[str]:
    catalogue = io.read(CATALOGUE)
    requirements = io.read(REQUIREMENTS)
    designators = [s.given["designator"] for s in catalogue.found["standards"]]
    with database.transaction() as connection:
        assert not catalogue.problems + requirements.problems, "the shipped catalogue is invalid"
        standards = write_found(
            connection,
            catalogue,
            recorded_at=CATALOGUE_KNOWN,
            origin=str(CATALOGUE),
            fmt="csv",
            cross_check=cross_check,
        )
        written = write_found(
            connection,
            requirements,
            recorded_at=FIRST_SET,
            origin=str(REQUIREMENTS),
            fmt="yaml",
            cross_check=cross_check,
        )
        # The first set is history: written once; on later runs the revision is already live and
        # writing the first set again would make it look like a newer correction.
        first = Written(FIRST_SET)
        if not _any_adoption_recorded(connection):
            first = _write_adoption(connection, designators, revised=False)
        second = _write_adoption(connection, designators, revised=True)
        for key, claim, origin in STATEMENTS:
            assert origin.published is not None
            known = datetime.combine(origin.published, datetime.min.time())
            store_statement(connection, key, claim, origin, recorded_at=known)
    now = coverage_report(database, country=PARTNER)
    then = coverage_report(database, country=PARTNER, moment=datetime(2023, 6, 14, 23, 59, 59))
    chart = coverage_curve(
        coverage_series_report(database, country=PARTNER), Path.cwd() / OUTPUT / "standards-coverage.png"
    )
    return [
        "Standards: starter catalogue, ILLUSTRATIVE requirements, FICTIONAL adoption",
        f"  {len(designators)} real NATO standards by public designator and title (NISP database, "
        f"about 2019; see data/standards/SOURCES.md): {_count(standards, 'standards', 'inserted')} new",
        f"  {requirements.count} ILLUSTRATIVE requirements (not the standards' wording): "
        f"{_count(written, 'requirements', 'inserted')} new",
        f"  FICTIONAL adoption by {PARTNER} (invented; no per-standard public data): "
        f"{_count(first, 'adoption', 'inserted')} records as of 2023-06-14, "
        f"{_count(second, 'adoption', 'revised')} revised as of 2024-06-14",
        f"  coverage (implemented ÷ applicable, FICTIONAL): {_share(then)} as known on 2023-06-14, {_share(now)} now",
        "  statements by Ukraine's defence ministry, each with its own speaker, date and source:",
        *[f"    {claim} ({origin.grade})" for _, claim, origin in STATEMENTS],
        "    each a share of its own day's total: 18 % (May 2023), about 24 % (September 2023), 28.4 % (May 2024)",
        f"  chart: {chart[0]}",
        "",
        "Try:",
        "  ltsplan standards list --domain training",
        '  ltsplan standards show "STANAG 6001"',
        "  ltsplan standards coverage --by domain",
        "  ltsplan standards coverage --as-of 2023-06-14",
        "  ltsplan standards coverage --on 2020-12-31",
        "  ltsplan standards statements",
        "  ltsplan standards coverage-chart -o ltsplan-out/coverage.png",
        "",
    ]


def _write_adoption(connection: Connection, designators: list[str], *, revised: bool) -> Written:
    return write_records(
        connection,
        {"adoption": fictional_adoption(designators, revised=revised)},
        recorded_at=REVISION if revised else FIRST_SET,
        origin=f"demo: fictional adoption, {'revised' if revised else 'first set'}",
        fmt="demo",
    )


def _count(written: Written, section: str, what: str) -> int:
    result = written.results.get(section)
    return getattr(result, what) if result is not None else 0


def _any_adoption_recorded(connection: Connection) -> bool:
    query = select(national_adoption.c.row_id).where(national_adoption.c.country == PARTNER).limit(1)
    return connection.execute(query).first() is not None


def _share(report: Report) -> str:
    frame = report.frame
    if not frame.height or frame.get_column("coverage")[0] is None:
        return "—"
    row = frame.row(0, named=True)
    return f"{row['coverage']:.1%} ({row['implemented']} of {row['applicable']})"
