"""The application factory: settings in, an app out (no import-time globals).

``create_app(settings)`` opens the database (migrating it), mounts every domain's API router under
``/api`` and its pages at the root, the static files (vendored vega, vega-lite and vega-embed) under
``/static``, and installs the one error handler.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from ltsplan import __version__
from ltsplan.api import dashboard, errors
from ltsplan.api.cache import AnswerCache
from ltsplan.api.fastpath import CachedAnswers
from ltsplan.api.views import ListView, ListViews
from ltsplan.capabilities import landed
from ltsplan.config import Settings
from ltsplan.store.db import Database, open_database

WEB = Path(__file__).resolve().parent.parent / "web"

# Each domain's API module defines ``views`` (a ListViews); one that has not landed is left out.
DOMAINS = (
    "ltsplan.api.ledger",
    "ltsplan.api.sources",
    "ltsplan.api.standards",
    "ltsplan.api.readiness",
    "ltsplan.api.pathway",
    "ltsplan.api.objectives",
)


def domain_views() -> list[ListViews]:
    return [views for _, views in landed(f"{name}:views" for name in DOMAINS)]


def create_app(settings: Settings, database: Database | None = None) -> FastAPI:
    from ltsplan.web import pages

    store = database or open_database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            store.dispose()

    app = FastAPI(
        title="ltsplan",
        version=__version__,
        description="Long-term support plans: the support ledger, sources, standards and readiness, "
        "the pathway and stated objectives. Every list answers as JSON or CSV (`?format=csv` or a "
        "`.csv` path), filters on any column, sorts, pages, and answers as of any past date (`as_of`).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = store
    app.state.cache = AnswerCache()
    app.state.templates = pages.templates()
    app.state.render_list = pages.render_list
    app.state.page_context = pages.context
    every = domain_views()
    app.state.views = [v for group in every for v in group.views]
    errors.install(app)

    api = APIRouter(prefix="/api")
    dashboard.register(api)
    app.include_router(api)
    for group in every:
        app.include_router(group.api)
    app.include_router(pages.router)
    for group in every:
        app.include_router(group.web)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(CachedAnswers, state=app.state)
    return app


__all__ = ["ListView", "create_app"]
