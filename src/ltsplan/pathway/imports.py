"""Writing scenario documents (YAML or JSON; a request body): sources, actors, the pathway and the
objectives, with their evidence, through the one write path (``records.writing``): the document's
records and references checked (``formats.read_scenario``), then the versioned writes and one
``import_run`` row, in one transaction. A document with any problem writes nothing and every problem
is listed, unless ``skip_invalid``: then the records with problems are left out (and, in turn, those
that named them) and each problem is written to a report. Re-importing the same document changes
nothing.

Record time: an import records everything *now*, unless ``use_recorded_dates`` (used by the demo to
replay a scenario's history), when each record is dated by its ``recorded`` field, else the latest
publication date of its sources, else its own date (stated, from, date), else now.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from ltsplan.errors import InvalidInput, LtsplanError, Problem
from ltsplan.formats.text import read_utf8
from ltsplan.objectives.state import load_objectives
from ltsplan.pathway.formats import read_scenario
from ltsplan.pathway.rules import check_references
from ltsplan.pathway.scenario import Known, Scenario
from ltsplan.pathway.state import load_state
from ltsplan.provenance.imports import actor_record, store_actors, store_evidence, store_sources
from ltsplan.provenance.model import Source, actor, source
from ltsplan.records.reading import Located
from ltsplan.records.writing import Written, drop, log_run, not_there, write_located, write_skip_report
from ltsplan.store.db import Database
from ltsplan.store.history import WriteResult
from ltsplan.store.time import live_values, utcnow

DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
# The dates of what has happened — stated, decided, assessed, said — unlike a membership's start or
# a decision's due date, which may lie ahead: none is after the day it is written.
HAPPENED = ("stated", "decided", "assessed", "said")
# A record's own date, the last resort for when it became known (``use_recorded_dates``); no
# record has two of them.
OWN_DATES = (*HAPPENED, "valid_from")


def known_state(connection: Connection) -> Known:
    """What the store holds now that a document may refer to."""
    state = load_state(connection, None)
    return Known(
        sources=live_values(connection, source, "id"),
        actors=live_values(connection, actor, "code"),
        bodies=set(state.bodies),
        decisions=set(state.decisions),
        conditions={c.code for c in state.conditions},
        objectives=set(load_objectives(connection, None).objectives),
        memberships=state.memberships,
    )


def read_text(path: Path) -> str:
    if not path.exists():
        raise LtsplanError(f"{path}: no such file")
    if not path.is_file():
        raise LtsplanError(f"{path}: not a file")
    if path.suffix.lower() not in DOCUMENT_SUFFIXES:
        raise LtsplanError(
            f"{path}: a scenario document is YAML (.yaml, .yml) or JSON (.json); see docs/pathway.md"
        )
    return read_utf8(path, "text")


def import_scenario(
    database: Database,
    path: Path,
    *,
    use_recorded_dates: bool = False,
    now: datetime | None = None,
    skip_invalid: bool = False,
    report_dir: Path | None = None,
) -> Written:
    text = read_text(path)
    with database.transaction() as connection:
        scenario = read_scenario(text, str(path), known_state(connection))
        return write_scenario(
            connection,
            scenario,
            now=now or utcnow(),
            use_recorded_dates=use_recorded_dates,
            origin=str(path),
            fmt=path.suffix.lower().lstrip(".").replace("yml", "yaml"),
            skip_invalid=skip_invalid,
            report_dir=report_dir,
        )


def write_body(
    connection: Connection, document: Any, *, now: datetime, origin: str, revise: bool = False
) -> Written:
    """A scenario document given as data (a request body), read as the file would be: its records
    keep their position and line in its JSON text, one record per line."""
    text = json.dumps(document, ensure_ascii=False, indent=1, default=str)
    scenario = read_scenario(text, origin, known_state(connection))
    return write_scenario(connection, scenario, now=now, origin=origin, fmt="json", revise=revise)


def write_scenario(
    connection: Connection,
    scenario: Scenario,
    *,
    now: datetime,
    origin: str,
    fmt: str,
    use_recorded_dates: bool = False,
    skip_invalid: bool = False,
    revise: bool = False,
    report_dir: Path | None = None,
) -> Written:
    """Check and write a document read (see the module's doc), in the caller's transaction."""
    problems = [*scenario.problems, *not_yet(scenario, now)]
    if use_recorded_dates:
        problems += known_too_soon(scenario, now)
    if revise and not problems:
        problems += not_there(connection, scenario.records.values())
    if problems and not skip_invalid:
        raise InvalidInput(problems, f"{origin}: {len(problems)} problem(s); nothing was written")
    skipped = list(problems)
    while problems:
        drop(scenario.records.values(), problems, by_label=True)
        scenario.problems = []
        check_references(scenario, known_state(connection), origin)
        problems = scenario.problems
        skipped += problems
    written = Written(now)
    times = _record_times(scenario, now, use_recorded_dates)
    source_times = _source_times(scenario, times, now, use_recorded_dates)
    by_time: dict[datetime, list[Source]] = defaultdict(list)
    for key, s in scenario.sources.items():
        by_time[source_times.get(key, now)].append(s)
    written.results["sources"] = WriteResult()
    for moment, group in sorted(by_time.items()):
        written.results["sources"] += store_sources(connection, group, recorded_at=moment)
    records = [
        actor_record(code, kind, None if kind == "state" else name)
        for code, (kind, name) in sorted(scenario.actors.items())
    ]
    earliest = min(times.values(), default=now)
    written.results["actors"] = store_actors(
        connection, records, recorded_at=earliest if use_recorded_dates else now
    )
    for part, items in scenario.records.items():
        kept = [x for x in items if x.ok]
        written.results[part] = write_located(
            connection, kept, recorded_at=now, record_time=lambda x: times.get(x.id)
        )
    source_ids = {key: s.id for key, s in scenario.sources.items()}
    written_ids = {x.id for x in scenario.located()}
    links: dict[datetime, list[tuple[str, str, str, str | None]]] = defaultdict(list)
    for kind, rid, key, quote in scenario.evidence:
        if rid not in written_ids:
            continue
        at = max(times.get(rid, now), source_times.get(key, times.get(rid, now)))
        links[at].append((kind, rid, source_ids.get(key, key), quote))
    written.results["evidence links"] = WriteResult()
    for moment, batch in sorted(links.items()):
        written.results["evidence links"] += store_evidence(connection, batch, recorded_at=moment)
    if skipped:
        written.skipped = skipped
        written.report = write_skip_report(Path(origin), skipped, report_dir)
    log_run(connection, written, origin=origin, fmt=fmt, dataset="scenario")
    return written


def _problem(scenario: Scenario, item: Located, message: str, name: str) -> Problem:
    """A problem with a field of a record read from a file, at the field's own line."""
    return Problem(
        message, file=item.file, line=scenario.line_of(item.id, name), field=name, record=item.label
    )


def not_yet(scenario: Scenario, now: datetime) -> list[Problem]:
    """A problem for each record dated after the day it is written (the day after, for a recorder
    whose time zone is ahead of UTC): a position cannot have been stated, nor a statement said, yet."""
    found: list[Problem] = []
    for item in scenario.located():
        found.extend(_happened_after(scenario, item, now.date(), now.date().isoformat()))
    return found


def known_too_soon(scenario: Scenario, now: datetime) -> list[Problem]:
    """With record times from the file: a problem for each ``recorded`` later than the moment it is
    written (a record time ahead of the store's clock), and for each record dated after the day its
    ``recorded`` gives (the day after, as in ``not_yet``): a position known before it was stated
    would show at an as-of date when nobody had stated it."""
    found: list[Problem] = []
    for item in scenario.located():
        given = scenario.recorded.get(item.id)
        if given is None:
            continue
        if given > now:
            found.append(
                _problem(
                    scenario,
                    item,
                    f"'{given.isoformat()}' is after the moment it is written ({now.isoformat()}): "
                    "a record is known once it is recorded",
                    "recorded",
                )
            )
            continue
        found.extend(
            _happened_after(scenario, item, given.date(), f"{given.date().isoformat()}, its 'recorded'")
        )
    return found


def _happened_after(scenario: Scenario, item: Located, recorded: date, said: str) -> list[Problem]:
    """A problem for each date of what happened that lies after the day ``recorded`` (and the day
    after it, for a recorder whose time zone is ahead of UTC), ``said`` naming that day."""
    latest = recorded + timedelta(days=1)
    return [
        _problem(
            scenario,
            item,
            f"'{day.isoformat()}' is after the day it is recorded ({said}): "
            f"a {item.record.title} is recorded once it has happened",
            item.record.field(name).file or name,
        )
        for name in HAPPENED
        if isinstance(day := item.values.get(name), date) and day > latest
    ]


def _record_times(scenario: Scenario, now: datetime, use_recorded_dates: bool) -> dict[str, datetime]:
    """When each record (by id) became known."""
    if not use_recorded_dates:
        return {}
    published: dict[str, date] = {k: s.published for k, s in scenario.sources.items() if s.published}
    by_record: dict[str, list[date]] = defaultdict(list)
    for _kind, rid, key, _quote in scenario.evidence:
        if key in published:
            by_record[rid].append(published[key])
    times: dict[str, datetime] = {}
    for item in scenario.located():
        own = next((item.values[n] for n in OWN_DATES if n in item.values), None)
        given = scenario.recorded.get(item.id)
        if given is not None:  # an instant (a day alone is its midnight, UTC)
            times[item.id] = given
            continue
        day = max(by_record.get(item.id, []), default=None) or own
        times[item.id] = datetime.combine(day, time()) if day else now
    return times


def _source_times(
    scenario: Scenario, times: dict[str, datetime], now: datetime, use_recorded_dates: bool
) -> dict[str, datetime]:
    """When each source became known: its publication, else when the first record citing it did."""
    if not use_recorded_dates:
        return {}
    found = {}
    for key, s in scenario.sources.items():
        citing = [times[rid] for _k, rid, k, _q in scenario.evidence if k == key and rid in times]
        found[key] = datetime.combine(s.published, time()) if s.published else min(citing, default=now)
    return found


def summary_lines(path: Path | str, written: Written) -> list[str]:
    parts = [
        f"{r.inserted} new, {r.revised} revised, {r.unchanged} unchanged {kind.replace('_', ' ')}"
        for kind, r in written.results.items()
        if r.inserted or r.revised or r.unchanged
    ]
    lines = [f"{path}: " + ("; ".join(parts) if parts else "nothing to import")]
    if written.report is not None:
        lines.append(f"{len(written.skipped)} problem(s); those records were skipped; see {written.report}")
    return lines
