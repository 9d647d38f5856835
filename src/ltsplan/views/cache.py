"""Answers cached while the data they rest on is unchanged.

A cached answer is keyed on the question (view, parameters, as-of) and on a *stamp* of the
database: the highest row number of every table, and the number of retracted versions in every
versioned table. Every write adds rows (a new version, or a delta of the ledger's maintained totals)
or retracts versions, so any write changes the stamp and the next question is answered afresh.
The ledger's entries are covered by ``ledger_total_delta``, which gains rows on every change to
them (so the large entry table is not counted on each request).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection

from ltsplan.store.schema import metadata
from ltsplan.store.time import stamp_statement

T = TypeVar("T")
COVERED_ELSEWHERE = {"ledger_entry": "ledger_total_delta"}
# A question is its path and query string; longer query strings are not remembered, so that a few
# clients cannot fill the memory with them.
LONGEST_QUERY = 2048
Answer = Callable[[Request], Response]


class AnswerCache:
    """A small least-recently-used map from (question, stamp) to answer, safe across threads."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._statement: Any = None
        self._table_count = -1

    def stamp(self, connection: Connection) -> tuple[Any, ...]:
        if self.size == 0:  # nothing is kept, so nothing needs telling apart
            return ()
        tables = sorted(metadata.tables.values(), key=lambda t: t.name)
        if self._statement is None or len(tables) != self._table_count:
            self._statement = stamp_statement(tables, COVERED_ELSEWHERE)
            self._table_count = len(tables)
        row = connection.execute(self._statement).one()
        return tuple(row)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                found: T = self._entries[key]
                return found
        value = compute()
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def peek(self, key: Hashable) -> Any:
        """The answer kept for ``key``, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class KnownQuestions:
    """The GET questions the app has routed, checked and answered, each with the call that answers
    it: the view with its arguments as FastAPI parsed and validated them from the query string. The
    same question asked again is answered by that call without routing it again (``api/fastpath.py``):
    the answer is still computed every time, only the routing, the parsing and the validation are
    not repeated (they were about a quarter of the time an answer held the GIL, py-spy --gil). Only
    what the path and the query string decide is remembered (no header, no state), so the call is
    the one the app would make. Kept in an ``AnswerCache`` (least recently used first out, safe
    across threads)."""

    def __init__(self, size: int = 1024) -> None:
        self._calls = AnswerCache(size)

    @staticmethod
    def _key(scope: Any) -> tuple[str, bytes] | None:
        query: bytes = scope.get("query_string", b"")
        return None if len(query) > LONGEST_QUERY else (scope.get("path", ""), query)

    def find(self, scope: Any) -> Answer | None:
        key = self._key(scope)
        return None if key is None else self._calls.peek(key)

    def remember(self, scope: Any, answer: Answer) -> None:
        key = self._key(scope)
        if key is not None:
            self._calls.put(key, answer)

    def forget(self, scope: Any) -> None:
        key = self._key(scope)
        if key is not None:
            self._calls.forget(key)


async def answered(request: Request, answer: Answer) -> Response:
    """``answer`` to the request, computed on the thread pool, and remembered for the same question
    asked again (``KnownQuestions``) once it has answered without an error."""
    response = await run_in_threadpool(answer, request)
    request.app.state.known.remember(request.scope, answer)
    return response
