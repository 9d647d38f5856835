"""The lists every face serves, declared once per domain: each is one data function, answered as
JSON or CSV under ``/api`` and as a page at the same path without it (``lists.ListViews``); and the
overview that the API and the front page share. The API (``api/``) and the pages (``web/``) both
build on this package and never import each other.
"""

from __future__ import annotations

from ltsplan.views import ledger, objectives, pathway, planner, readiness, sources, standards
from ltsplan.views.lists import ListViews

# In the order of the pages' navigation.
ALL: tuple[ListViews, ...] = (
    ledger.views,
    sources.views,
    standards.views,
    readiness.views,
    planner.views,
    pathway.views,
    objectives.views,
)
