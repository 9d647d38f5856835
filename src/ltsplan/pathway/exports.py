"""Exporting scenario documents: what was known at a moment, the chosen parts (the pathway's, the
objectives'), the sources they cite and the actors they name — import the export again and nothing
changes."""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection

from ltsplan.errors import LtsplanError
from ltsplan.formats.document import plain
from ltsplan.pathway.formats import FORMAT
from ltsplan.pathway.scenario import PARTS
from ltsplan.provenance.model import ACTOR, SOURCE, actor
from ltsplan.provenance.reports import evidence_map
from ltsplan.store.time import live_rows, live_where

# The fields of each part that name an actor (the export declares the actors it names).
ACTOR_FIELDS = {
    "bodies": ("code",),
    "memberships": ("member",),
    "positions": ("actor",),
    "objectives": ("party", "stated_by"),
    "assessments": ("assessor",),
    "statements": ("actor",),
}


def export_document(
    connection: Connection, moment: datetime | None, parts: tuple[str, ...]
) -> dict[str, Any]:
    """The document of what was known at ``moment``: the chosen sections, the sources they cite and
    the actors they name (import it again and nothing changes)."""
    document: dict[str, Any] = {"format": FORMAT, "sources": [], "actors": []}
    cited: dict[str, dict[str, Any]] = {}
    named: set[str] = set()
    for part in parts:
        record = PARTS[part]
        rows = live_rows(connection, record.table, moment)
        links = evidence_map(connection, record.name, [r["id"] for r in rows], moment)
        entries = []
        for row in rows:
            entry = record.file_row(row)
            named.update(row[f] for f in ACTOR_FIELDS.get(part, ()) if row.get(f))
            refs = []
            for e in links.get(row["id"], []):
                cited[e["id"]] = e
                refs.append({"source": e["id"], "quote": e["quote"]} if e["quote"] else e["id"])
            entry["sources"] = refs
            # The instant it became known (a day alone, when that is its midnight): imported again
            # with --recorded-from-file, it is dated as it was, not hours earlier.
            known_at = row["recorded_at"]
            entry["recorded"] = known_at.date() if known_at.time() == time() else known_at
            entries.append(entry)
        document[part] = entries
    for sid, e in sorted(cited.items(), key=lambda kv: (str(kv[1]["published"]), kv[1]["title"])):
        document["sources"].append({"key": sid, **SOURCE.file_row(e)})
    for r in sorted(live_where(connection, actor, "code", named, moment), key=lambda r: r["code"]):
        document["actors"].append(ACTOR.file_row(r))
    return plain(_drop_nulls(document))


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def write_document(document: dict[str, Any], path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif suffix in (".yaml", ".yml"):
        path.write_text(
            yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8"
        )
    else:
        raise LtsplanError(f"{path}: export writes .yaml, .yml or .json (or .csv for a list)")
