"""Reading sources, evidence and actors as known at a moment: one source, the sources behind a
record (with the grade and the quote of the same moment), actors' names."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ltsplan.errors import NotFound
from ltsplan.provenance.model import actor, evidence, source
from ltsplan.store.held import known_rows
from ltsplan.store.time import IN_CHUNK, known, live_at, live_where


def known_source_ids(connection: Connection, candidates: Iterable[str]) -> set[str]:
    return {r["id"] for r in live_where(connection, source, "id", candidates, None, (source.c.id,))}


def get_source(connection: Connection, source_id: str, moment: datetime | None = None) -> dict[str, Any]:
    row = connection.execute(known(source, moment).where(source.c.id == source_id)).mappings().first()
    if row is None:
        raise NotFound(f"no source with id '{source_id}'")
    return dict(row)


def sources_by_id(
    connection: Connection, ids: Iterable[str], moment: datetime | None = None
) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in live_where(connection, source, "id", ids, moment)}


def known_actor_codes(connection: Connection, codes: Iterable[str]) -> set[str]:
    """Which of these codes already name a live actor."""
    return {row["code"] for row in live_where(connection, actor, "code", codes, None, (actor.c.code,))}


def actor_names(connection: Connection, moment: datetime | None = None) -> dict[str, str]:
    return dict(known_rows(connection, actor, moment, "code", "name"))


def evidence_map(
    connection: Connection, record_kind: str, ids: Iterable[str], moment: datetime | None
) -> dict[str, list[dict[str, Any]]]:
    """For many records of one kind at once: their sources (each as known at ``moment``, with its
    grade then) and the quotes linking them."""
    wanted = sorted(set(ids))
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        rows = connection.execute(
            select(evidence.c.record_id, evidence.c.quote, source)
            .join(source, source.c.id == evidence.c.source_id)
            .where(
                evidence.c.record_kind == record_kind,
                evidence.c.record_id.in_(wanted[start : start + IN_CHUNK]),
                live_at(evidence, moment),
                live_at(source, moment),
            )
            .order_by(source.c.published, source.c.title)
        ).mappings()
        for r in rows:
            found.setdefault(r["record_id"], []).append(dict(r))
    return found


def evidence_for(
    connection: Connection, record_kind: str, record_id_: str, moment: datetime | None = None
) -> list[dict[str, Any]]:
    """The sources behind one record, each with its grade and the quote that links them."""
    return evidence_map(connection, record_kind, [record_id_], moment).get(record_id_, [])


def cite(links: list[dict[str, Any]]) -> str:
    """Sources as people read them: title (grade), one per source."""
    return "; ".join(f"{e['title']} ({e['reliability']}{e['credibility']})" for e in links)


def grades(links: list[dict[str, Any]]) -> str:
    return ", ".join(dict.fromkeys(f"{e['reliability']}{e['credibility']}" for e in links))


def like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lower(column: Any) -> Any:
    return func.lower(column)


def first_source(links: list[dict[str, Any]]) -> str | None:
    """The id of a record's first source (``source_id``: the row's link to its source)."""
    return links[0]["id"] if links else None
