"""Group commit: concurrent callers in one process hand their writes to whichever of them is
writing, which writes them all in one transaction.

SQLite lets one connection write at a time, and each write transaction holds that lock from
BEGIN to COMMIT: with eight programs creating conversations at once, the lock, not the CPU,
set the pace, and the Python work done while holding it (building a dozen statements) was paid
once per request. Batched, the same statements carry several requests each: bulk inserts,
one BEGIN, one COMMIT. This is the "flat combining" pattern: no extra thread, the first
caller to find nobody writing becomes the writer for everyone queued behind it.

A caller already inside a transaction (`atomic`) is never combined: its write must belong to
its own transaction, so it runs directly.
"""

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection


class _Slot:
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: Any) -> None:
        self.item = item
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


class Combiner[Item, Result]:
    """Runs `write_batch(items) -> results` for items submitted by concurrent threads.

    `write_batch` must be all-or-nothing (one transaction) and return one result per item, in
    order. If it raises, each item of that batch is written again on its own with
    `write_one`, so one bad item only fails its own caller.
    """

    def __init__(
        self,
        *,
        write_batch: Callable[[Sequence[Item]], Sequence[Result]],
        write_one: Callable[[Item], Result],
        max_batch: int = 32,
    ) -> None:
        self._write_batch = write_batch
        self._write_one = write_one
        self._max_batch = max_batch
        self._condition = threading.Condition()
        self._queue: list[_Slot] = []
        self._writing = False

    def submit(self, item: Item) -> Result:
        if connection.in_atomic_block:
            return self._write_one(item)
        slot = _Slot(item)
        with self._condition:
            self._queue.append(slot)
            while self._writing and not slot.done:
                self._condition.wait()
            if not slot.done:
                # Nobody is writing: this caller writes what is queued, its own item first.
                self._queue.remove(slot)
                batch = [slot, *self._queue[: self._max_batch - 1]]
                del self._queue[: self._max_batch - 1]
                self._writing = True
        if not slot.done:
            try:
                self._run(batch)
            finally:
                with self._condition:
                    self._writing = False
                    self._condition.notify_all()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _run(self, batch: list[_Slot]) -> None:
        try:
            results = self._write_batch([slot.item for slot in batch]) if len(batch) > 1 else None
        except Exception:
            results = None  # written again one by one below, each with its own outcome
        for index, slot in enumerate(batch):
            try:
                slot.result = results[index] if results is not None else self._write_one(slot.item)
            except BaseException as exc:
                slot.error = exc
        # Marked done only once all are written, under the lock, so a waiter cannot miss it.
        with self._condition:
            for slot in batch:
                slot.done = True
