"""``GET /api/dashboard``: the overview's figures as JSON (the front page shows the same data)."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ltsplan.views.cache import answered
from ltsplan.views.deps import AsOf
from ltsplan.views.overview import as_json, cached_overview

router = APIRouter(prefix="/api", tags=["dashboard"])


@router.get("/dashboard", summary="The overview's figures", response_class=Response)
async def dashboard(request: Request, moment: AsOf) -> Response:
    """Headline figures (announced, pledged, allocated, delivered, fulfilment), the largest
    donors, those furthest behind, the monthly series, and each module's panel."""
    return await answered(request, partial(_dashboard_body, moment=moment))


def _dashboard_body(request: Request, moment: datetime | None) -> Response:
    state = request.app.state
    with state.database.reading() as connection:
        stamp = state.cache.stamp(connection)
    body = state.cache.get_or_compute(
        ("overview-json", moment, stamp),
        lambda: json.dumps(as_json(cached_overview(request, moment)), default=str, allow_nan=False).encode(),
    )
    return Response(body, media_type="application/json")
