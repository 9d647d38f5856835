"""The JSON API's own routes: recording and revising records, single records, the overview's
figures. Every list is served by ``ltsplan.views``; ``ltsplan.server`` puts the two together."""

from __future__ import annotations

from fastapi import APIRouter

from ltsplan.api import dashboard, ledger, records, sources

ROUTERS: tuple[APIRouter, ...] = (dashboard.router, ledger.router, sources.router, *records.ROUTERS)
