"""The HTTP face's guard: one ASGI layer around the whole app, so that every answer — page, API,
static file, error — passes through it (``server.create_app`` installs it outermost).

- Security headers on every answer: a Content-Security-Policy under which scripts, styles and
  images come from this server only (no inline script; the Swagger UI page sets a looser policy of
  its own, ``api/docs.py``), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
  and no framing.
- ``HEAD`` is answered wherever ``GET`` is, with the same status and headers and no body: the
  request goes in as a GET (so the answer cache serves it too) and the body is dropped.
- Request bodies are capped at ``Settings.max_body_bytes``: 413 when ``Content-Length`` says so up
  front, and when a body sent in chunks grows past the limit (it is not read further).
- A failure of ours (a bug) still gets the headers and, under ``/api``, a JSON body; it is then
  raised on, to be logged.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ltsplan.errors import LtsplanError
from ltsplan.views.errors import API_PREFIX, BodyTooLarge, body_of

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors, for browsers that predate it
)
BODY_MESSAGES = ("http.response.body", "http.response.pathsend", "http.response.zerocopy")


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The answer's headers and each security header it does not set itself (the docs page sets
    its own policy)."""
    present = {name.lower() for name, _ in headers}
    return [*headers, *((name, value) for name, value in SECURITY_HEADERS if name not in present)]


def declared_length(scope: Scope) -> int | None:
    """The request's Content-Length; None when it has none. A value that is not a number of bytes
    is a client's error (uvicorn refuses most before they get here)."""
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            text = value.decode("latin-1").strip()
            if not text.isdigit():
                raise LtsplanError(f"Content-Length '{text[:40]}' is not a number of bytes")
            return int(text)
    return None


async def answer(send: Send, status: int, body: dict[str, object]) -> None:
    content = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(content)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": content})


class Guard:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": with_security_headers(list(message.get("headers", [])))}
            elif head and message["type"] in BODY_MESSAGES:
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        try:
            declared = declared_length(scope)
        except LtsplanError as error:
            await answer(guarded_send, error.status_code, body_of(error))
            return
        if declared is not None and declared > self.limit:
            too_large = BodyTooLarge(self.limit)
            await answer(guarded_send, too_large.status_code, body_of(too_large))
            return

        received = 0

        async def guarded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised into whatever reads the body; the app's error handler answers 413.
                    raise BodyTooLarge(self.limit)
            return message

        inner = {**scope, "method": "GET"} if head else scope
        try:
            await self.app(inner, guarded_receive, guarded_send)
        except BodyTooLarge as error:
            if started:
                raise
            await answer(guarded_send, error.status_code, body_of(error))
        except Exception:
            if not started and scope.get("path", "").startswith(API_PREFIX):
                await answer(
                    guarded_send,
                    500,
                    {"error": "the server failed to answer (a bug; it is logged)", "status": 500},
                )
            elif not started:
                await guarded_send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
                    }
                )
                await guarded_send({"type": "http.response.body", "body": b"Internal Server Error"})
            raise
