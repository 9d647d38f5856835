"""Work ahead on a second thread: a stream's next item is produced while the caller uses the last.
Imports use it to read and check the next batch of a file while the previous one is written; both
sides spend most of their time outside the GIL (Polars, lxml's parser, SQLite)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetched(
    items: Iterable[T], alive: int = 2, *, name: str = "ltsplan-prefetch"
) -> Generator[T, None, None]:
    """``items`` produced on a worker thread while the consumer uses the previous ones.

    At most ``alive`` items exist at once, counting the one the consumer holds and the one being
    made: with 2 the worker makes the next item and then waits until the consumer asks for it,
    so a stream of large batches keeps two of them in memory, not three or four. An exception
    in the worker is raised here; a consumer that stops early stops the worker."""
    ready: queue.SimpleQueue[object] = queue.SimpleQueue()
    slots = threading.Semaphore(max(1, alive))
    stop = threading.Event()

    def work() -> None:
        try:
            source = iter(items)
            while True:
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                item = next(source, _END)
                ready.put(item)
                if item is _END:
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            ready.put(error)

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
            slots.release()  # the consumer is done with it: its slot goes to the next item
    finally:
        stop.set()
        worker.join()
