"""Answers already given, given again without routing: an ASGI layer in front of the app that
serves a repeated ``GET /api/…`` from the answer cache while the database's stamp is unchanged
(cache.py says what the stamp covers). Anything else — a first request, a write, an error, a page —
goes through the app as usual, and a successful JSON or CSV answer is kept for next time. A HEAD
arrives here as a GET (the guard outside, ``views/guard.py``, drops the body), so it is served
from the cache too."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE = ("application/json", "text/csv")
NOT_CACHED = ("/api/docs",)


class CachedAnswers:
    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state

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
        with self.state.database.reading() as connection:
            stamp = self.state.cache.stamp(connection)
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
