"""The application behind ``ltsplan serve``: settings in, an app out (no import-time globals).

``create_app(settings)`` opens the database (migrating it) and puts the faces together: every
domain's lists (``views``: JSON and CSV under ``/api``, a page at the same path without it), the
API's writes and single records (``api``), the pages of their own (``web``), the static files
(vendored vega, vega-lite, vega-embed and vega's interpreter) under ``/static``, the one error
handler, and around it all the guard (``views/guard.py``: security headers, HEAD, the body limit).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ltsplan import __version__, api, views, web
from ltsplan.api import docs
from ltsplan.api.fastpath import AskedBefore, CachedAnswers, answer_threads
from ltsplan.config import Settings
from ltsplan.ledger.cube import ledger_copy
from ltsplan.ledger.entries import ENTRIES_SORT
from ltsplan.store.db import Database, open_database
from ltsplan.views import errors
from ltsplan.views.cache import AnswerCache, KnownQuestions
from ltsplan.views.guard import Guard
from ltsplan.web import pages


def create_app(settings: Settings, database: Database | None = None, *, server: bool = False) -> FastAPI:
    """``server``: the app is the whole of a server process (``ltsplan serve``), which it may tune
    for answering (``settle``)."""
    store = database or open_database(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Beyond that a request waits for a thread, not for a connection (api/fastpath.py).
        to_thread.current_default_thread_limiter().total_tokens = answer_threads(store)
        # The ledger's copy in memory read before the first request, not by it (a few seconds for
        # a million entries; requests arriving meanwhile wait in the socket's queue).
        await to_thread.run_sync(prepare_ledger, store)
        if server:
            settle()
        yield
        if database is None:
            store.dispose()

    app = FastAPI(
        title="ltsplan",
        version=__version__,
        description="Long-term support plans: the support ledger, sources, standards and readiness, "
        "the pathway and stated objectives. Every list answers as JSON or CSV (`?format=csv` or a "
        "`.csv` path), filters on any column, sorts, pages, and answers as of any past date (`as_of`).",
        docs_url=None,  # api/docs.py serves it, with its own security policy
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = store
    # Answer cache off (Settings.answer_cache): a cache that keeps nothing, so every request computes.
    app.state.cache = AnswerCache() if settings.answer_cache else AnswerCache(size=0)
    app.state.known = KnownQuestions()
    app.state.templates = pages.templates()
    app.state.render_list = pages.render_list
    app.state.page_context = pages.context
    app.state.views = [v for group in views.ALL for v in group.views]
    errors.install(app)

    # Every API route documents the error answers it can give (their body: errors.ErrorBody).
    for router in api.ROUTERS:
        app.include_router(router, responses=errors.ERROR_RESPONSES)
    for group in views.ALL:
        app.include_router(group.api, responses=errors.ERROR_RESPONSES)
    app.include_router(docs.router)
    app.include_router(pages.router)
    for group in views.ALL:
        app.include_router(group.web)
    app.mount("/static", StaticFiles(directory=web.STATIC), name="static")
    app.add_middleware(AskedBefore, known=app.state.known)
    if settings.answer_cache:
        app.add_middleware(CachedAnswers, state=app.state)
    # Added last, so outermost: it sees every answer, the cached ones included.
    app.add_middleware(Guard, max_body_bytes=settings.max_body_bytes)
    return app


def prepare_ledger(store: Database) -> None:
    """Read the ledger's copy in memory (ledger/cube.py) that this process's answers come from."""
    with store.reading() as connection:
        ledger_copy(connection).prepare(connection, [tuple(ENTRIES_SORT)])


def settle() -> None:
    """Once a server process has started (the ledger's copy read): what it holds now stays for its
    life, so it is moved out of the cyclic garbage collector's sight (``gc.freeze``). Otherwise
    each full collection walked those ~265,000 objects (1 M entries): about 0.16 ms of every
    answer on average, spent as pauses of some 100 ms in the middle of a few answers."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> FastAPI:
    """The app of one of ``ltsplan serve --workers N``'s processes: settings from the environment
    the command set for them (``Settings.environment``)."""
    return create_app(Settings.from_environment(), server=True)


__all__ = ["app_from_environment", "create_app"]
