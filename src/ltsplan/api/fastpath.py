"""Questions already asked, answered again without routing: two ASGI layers in front of the app.

``CachedAnswers`` (when the answer cache is on) serves a repeated ``GET /api/…`` from the answer
cache while the database's stamp is unchanged (cache.py says what the stamp covers); a successful
JSON or CSV answer is kept for next time. ``AskedBefore`` answers a ``GET`` the app has answered
before by the call it made then (``KnownQuestions`` in cache.py): the answer is computed again, but
FastAPI's routing, parameter parsing and validation are not repeated. Anything else — a first
request, a write, an error, a page — goes through the app as usual. A HEAD arrives here as a GET
(the guard outside, ``views/guard.py``, drops the body), so it is served the same way."""

from __future__ import annotations

from typing import Any

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ltsplan.views.cache import KnownQuestions

CACHEABLE = ("application/json", "text/csv")
NOT_CACHED = ("/api/docs",)
# Threads for reading the stamp, apart from those computing answers: a cached answer does not wait
# behind forty long computations for a thread.
STAMP_THREADS = 4


# An answer may hold two connections at once (the overview's panels open their own beside the one
# it reads with).
CONNECTIONS_PER_ANSWER = 2


# Answers computed at once by one process. They compute in Python, one at a time under the GIL
# whatever the threads, so more threads only share the CPU out: measured with one worker and 25
# clients on 1 M entries, p95 104-110 ms with 1 thread, 119-133 with 2, 142-144 with 5, for the
# same CPU per answer. Two, so that one long answer (an export, a write) does not hold up the rest.
ANSWER_THREADS = 2


def answer_threads(database: Any) -> int:
    """How many answers may be computed at once (threads from the app's thread pool): at most
    ``ANSWER_THREADS``, and few enough that they and the stamp readers never wait for a database
    connection: a wait for one gives up after the pool's timeout (30 s) with a 500, while a request
    waiting for a thread waits its turn."""
    pool = database.engine.pool
    size, overflow = getattr(pool, "size", None), getattr(pool, "_max_overflow", -1)
    if size is None or overflow < 0:  # the pool has no limit
        return ANSWER_THREADS
    return max(1, min(ANSWER_THREADS, (size() + overflow - STAMP_THREADS) // CONNECTIONS_PER_ANSWER))


class CachedAnswers:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop, on first use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith("/api/")
            or path.startswith(NOT_CACHED)
        ):
            await self.app(scope, receive, send)
            return
        # On a thread: a connection can be slow to come (the pool busy with long answers, a
        # PostgreSQL server far away), and on the event loop that wait would stall every request.
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(STAMP_THREADS)
        stamp = await anyio.to_thread.run_sync(self._stamp, limiter=self._limiter)
        key = ("answer", path, scope.get("query_string", b""), stamp)
        found = self.state.cache.peek(key)
        if found is not None:
            headers, body = found
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body") and started.get("status") == 200:
                    headers = list(started.get("headers", []))
                    kind = dict(headers).get(b"content-type", b"").decode()
                    if kind.startswith(CACHEABLE):
                        self.state.cache.put(key, (headers, b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, keep)

    def _stamp(self) -> tuple[Any, ...]:
        with self.state.database.reading() as connection:
            stamp: tuple[Any, ...] = self.state.cache.stamp(connection)
            return stamp


class AskedBefore:
    def __init__(self, app: ASGIApp, known: KnownQuestions) -> None:
        self.app = app
        self.known = known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self.known.find(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if answer is not None:
            try:
                # On the app's thread pool, under the same limit as the app's own answers.
                response = await anyio.to_thread.run_sync(answer, Request(scope, receive))
            except Exception:
                # Nothing is sent yet: the app answers instead, with its own error answer (a GET
                # changes nothing, so asking twice is safe), and remembers the call again if it
                # succeeds.
                self.known.forget(scope)
            else:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
