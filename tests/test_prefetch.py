"""Work ahead on a second thread: order kept, errors raised in the consumer, memory bounded, and a
consumer that stops early stops the worker."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ltsplan.prefetch import prefetched


def test_items_arrive_in_order_made_on_another_thread() -> None:
    made_on: set[str] = set()

    def items() -> Iterator[int]:
        for number in range(50):
            made_on.add(threading.current_thread().name)
            yield number

    assert list(prefetched(items(), name="worker-under-test")) == list(range(50))
    assert made_on == {"worker-under-test"}


def test_an_error_in_the_worker_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("line 3: not a number")

    received = []
    with pytest.raises(ValueError, match="line 3"):
        for item in prefetched(items()):
            received.append(item)
    assert received == [1, 2]


def test_no_more_than_alive_items_exist_at_once() -> None:
    made = 0
    done = 0
    most_alive = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        nonlocal made, most_alive
        for number in range(30):
            with lock:
                made += 1
                most_alive = max(most_alive, made - done)
            yield number

    for _ in prefetched(items(), alive=2):
        threading.Event().wait(0.002)  # the consumer is slower than the worker
        with lock:
            done += 1
    assert most_alive == 2


def test_a_consumer_that_stops_early_stops_the_worker() -> None:
    made = 0

    def endless() -> Iterator[int]:
        nonlocal made
        while True:
            made += 1
            yield made

    stream = prefetched(endless(), alive=2, name="endless-under-test")
    assert next(stream) == 1
    stream.close()
    assert not any(t.name == "endless-under-test" for t in threading.enumerate())
    assert made <= 3
