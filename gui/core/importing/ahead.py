"""Reading a file's next batch in another thread while the caller stores the one before.

An import spends about as long parsing lines (Python, holding the GIL) as
SQLite spends inserting them (C, which lets the GIL go), so doing both at once
on two cores takes the longer of the two rather than their sum. The reader
runs one batch ahead. Whatever it needs of the session (the id of a new
competitor) is asked of the caller's thread, which owns the connection.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
U = TypeVar("U")

# What the reader thread puts on the queue: a batch, a question, an error, or the end.
_BATCH, _ASK, _ERROR, _END = range(4)


class _Stopped(Exception):
    """The caller stopped taking batches: the reader winds down."""


def read_ahead(
    make: Callable[[Callable[[str], int]], Iterator[T]],
    competitor_id: Callable[[str], int],
    prepare: Callable[[T], U],
) -> Generator[U, None, None]:
    """``prepare`` of each batch of ``make(ask)``, read one ahead in another thread.

    ``make`` gets ``ask``, its stand-in for ``competitor_id``: each call is
    answered by ``competitor_id`` on the thread that iterates this generator,
    between batches. An exception in the reader comes out of this generator
    where the batch would have been; closing this generator stops the reader
    after the batch it is reading, and closes ``make``'s iterator.
    """
    items: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=1)
    answers: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[int, Any]) -> None:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped

    def ask(handle: str) -> int:
        put((_ASK, handle))
        ok, value = answers.get()
        if not ok:
            raise value
        return int(value)

    def read() -> None:
        try:
            batches = make(ask)
            try:
                for batch in batches:
                    put((_BATCH, prepare(batch)))
            finally:
                close = getattr(batches, "close", None)
                if close is not None:
                    close()
            put((_END, None))
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the caller, who raises it
            try:
                put((_ERROR, exc))
            except _Stopped:
                pass

    reader = threading.Thread(target=read, name="photofinish-import-reader", daemon=True)
    reader.start()
    try:
        while True:
            kind, value = items.get()
            if kind == _BATCH:
                yield value
            elif kind == _ASK:
                try:
                    answers.put((True, competitor_id(value)))
                except BaseException as exc:
                    answers.put((False, exc))
            elif kind == _ERROR:
                raise value
            else:
                return
    finally:
        stop.set()
        if not answers.full():
            answers.put((False, _Stopped()))  # a reader waiting for an answer stops too
        reader.join()
