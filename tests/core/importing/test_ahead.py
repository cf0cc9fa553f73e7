"""Reading ahead: batches in order from another thread, questions answered on the caller's."""

from __future__ import annotations

import threading
import time

import pytest

from photofinish.core.importing.ahead import read_ahead


def test_batches_come_in_order_prepared_in_the_reader_thread():
    caller = threading.get_ident()
    seen_in: set[int] = set()

    def make(ask):
        yield from range(5)

    def prepare(n):
        seen_in.add(threading.get_ident())
        return n * 10

    assert list(read_ahead(make, lambda h: 0, prepare)) == [0, 10, 20, 30, 40]
    assert seen_in and caller not in seen_in


def test_the_caller_answers_what_the_reader_asks_between_batches():
    caller = threading.get_ident()
    asked_in: list[tuple[str, int]] = []

    def competitor_id(handle):
        asked_in.append((handle, threading.get_ident()))
        return len(handle)

    def make(ask):
        yield ask("alice")
        yield ask("bo")

    assert list(read_ahead(make, competitor_id, lambda b: b)) == [5, 2]
    assert asked_in == [("alice", caller), ("bo", caller)]


def test_an_error_in_the_reader_comes_out_where_its_batch_would_have():
    def make(ask):
        yield 1
        raise ValueError("line 7 is bad")

    got = []
    with pytest.raises(ValueError, match="line 7"):
        for batch in read_ahead(make, lambda h: 0, lambda b: b):
            got.append(batch)
    assert got == [1]


def test_an_error_answering_goes_back_to_the_reader_and_out_again():
    def competitor_id(handle):
        raise KeyError(handle)

    def make(ask):
        yield ask("nobody")

    with pytest.raises(KeyError, match="nobody"):
        list(read_ahead(make, competitor_id, lambda b: b))


def test_closing_early_stops_the_reader_and_closes_its_batches():
    closed = threading.Event()
    made = []

    def make(ask):
        try:
            for n in range(1000):
                made.append(n)
                yield n
        finally:
            closed.set()

    batches = read_ahead(make, lambda h: 0, lambda b: b)
    assert next(batches) == 0
    batches.close()
    assert closed.is_set()  # close() waits for the reader
    assert len(made) <= 3  # one taken, one waiting, one being read at most
    assert not [t for t in threading.enumerate() if t.name == "photofinish-import-reader"]


def test_closing_while_the_reader_waits_for_an_answer_stops_it():
    def make(ask):
        yield 0
        yield ask("late")  # asked after the caller stopped taking batches

    batches = read_ahead(make, lambda h: 0, lambda b: b)
    assert next(batches) == 0
    time.sleep(0.05)  # the reader is now waiting to put its question
    batches.close()
    assert not [t for t in threading.enumerate() if t.name == "photofinish-import-reader"]
