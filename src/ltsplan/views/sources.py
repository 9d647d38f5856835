"""Sources: the list, one source with every record that cites it, and recording a new one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from ltsplan.listing import ListQuery, Page
from ltsplan.provenance.model import SOURCE, source
from ltsplan.store.pages import page_from_table
from ltsplan.store.time import live_at
from ltsplan.views.deps import AsOf
from ltsplan.views.lists import LinkContext, ListViews

views = ListViews("sources")

SOURCE_COLUMNS = ["id", *SOURCE.columns, "recorded_at"]


def source_links(row: dict[str, Any], context: LinkContext) -> dict[str, str]:
    link = context.href(f"/sources/{row['id']}")
    return {"id": link, "title": link}


@views.list("/sources", title="Sources", row_links=source_links)
def sources(connection: Connection, moment: AsOf, *, query: ListQuery, everything: bool) -> Page:
    """Every source, graded on the Admiralty scale (reliability A–F, credibility 1–6)."""
    return page_from_table(
        connection,
        source,
        SOURCE_COLUMNS,
        [live_at(source, moment)],
        query,
        title="Sources",
        everything=everything,
        default_sort=[("published", True)],
        params={"as_of": moment},
    )
