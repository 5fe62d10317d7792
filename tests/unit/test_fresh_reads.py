"""Shared reads: every caller gets a read that began after it asked; callers arriving together share reads."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from insure.risk.fresh_reads import FreshReads


class Store:
    """A value the callers write before they read; each read can be held at a gate."""

    def __init__(self) -> None:
        self.version = 0
        self.lock = threading.Lock()
        self.started = threading.Semaphore(0)
        self.gate = threading.Event()

    def write(self) -> int:
        with self.lock:
            self.version += 1
            return self.version

    def read(self, key: str) -> int:
        with self.lock:
            seen = self.version
        self.started.release()
        assert self.gate.wait(5)
        return seen


def test_callers_arriving_during_a_read_share_the_next_one_which_sees_their_writes():
    store = Store()
    reads = FreshReads(store.read)
    with ThreadPoolExecutor(max_workers=6) as pool:
        # Given one caller's read running (held at the gate)
        first_wrote = store.write()
        first = pool.submit(reads.get, "e")
        assert store.started.acquire(timeout=5)
        # When five more callers write and then ask while it runs
        wrote = [store.write() for _ in range(5)]
        later = []
        for n in range(5):  # each one in turn: the first leads the next read, the others join it
            later.append(pool.submit(reads.get, "e"))
            deadline = time.monotonic() + 5
            while reads.shared < n and time.monotonic() < deadline:
                time.sleep(0.001)
        deadline = time.monotonic() + 5
        while (reads.shared < 4 or reads._keys["e"].following is None) and time.monotonic() < deadline:
            time.sleep(0.001)
        store.gate.set()
        # Then the first caller saw its own write, the later ones a read started after theirs: two reads in all
        assert first.result(5) >= first_wrote
        assert all(f.result(5) >= max(wrote) for f in later)
    assert (reads.reads, reads.shared) == (2, 4)
    assert reads._keys == {}


def test_a_failed_read_fails_each_caller_sharing_it_and_the_next_caller_reads_again():
    calls = []

    def read(key: str) -> str:
        calls.append(key)
        if len(calls) == 1:
            raise RuntimeError("store unavailable")
        return "event"

    reads = FreshReads(read)
    with pytest.raises(RuntimeError, match="store unavailable"):
        reads.get("e")
    assert reads.get("e") == "event"
    assert calls == ["e", "e"]


def test_many_concurrent_callers_each_see_their_own_write():
    store = Store()
    store.gate.set()
    reads = FreshReads(store.read)

    def write_then_read(_: int) -> tuple[int, int]:
        mine = store.write()
        return mine, reads.get("e")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(write_then_read, range(400)))
    assert all(seen >= wrote for wrote, seen in results)
    assert reads.reads <= 400
