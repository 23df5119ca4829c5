"""Group commit: concurrent callers' items are written together, each gets its own outcome."""

import threading

import pytest
from django.db import transaction

from carefront.core.combine import Combiner


class Recorder:
    """write_batch/write_one that record their calls; the first write waits for a gate, so
    the items submitted meanwhile queue up behind it."""

    def __init__(self, *, fail_batch: bool = False, bad: set[int] | None = None) -> None:
        self.batches: list[list[int]] = []
        self.singles: list[int] = []
        self.gate = threading.Event()
        self.first_started = threading.Event()
        self.fail_batch = fail_batch
        self.bad = bad or set()

    def _hold_first(self) -> None:
        if not self.first_started.is_set():
            self.first_started.set()
            assert self.gate.wait(10)

    def write_batch(self, items: list[int]) -> list[int]:
        self._hold_first()
        self.batches.append(list(items))
        if self.fail_batch or self.bad & set(items):
            raise RuntimeError("batch failed")
        return [item * 10 for item in items]

    def write_one(self, item: int) -> int:
        self._hold_first()
        self.singles.append(item)
        if item in self.bad:
            raise ValueError(f"bad item {item}")
        return item * 10


def _submit_concurrently(combiner: Combiner, recorder: Recorder, items: list[int]) -> dict:
    outcomes: dict[int, object] = {}

    def submit(item: int) -> None:
        try:
            outcomes[item] = combiner.submit(item)
        except Exception as exc:
            outcomes[item] = exc

    first = threading.Thread(target=submit, args=(items[0],))
    first.start()
    assert recorder.first_started.wait(10)
    others = [threading.Thread(target=submit, args=(item,)) for item in items[1:]]
    for thread in others:
        thread.start()
    # Let them all queue behind the first write, then let it finish.
    deadline = threading.Event()
    while len(combiner._queue) < len(others) and not deadline.wait(0.005):
        pass
    recorder.gate.set()
    for thread in [first, *others]:
        thread.join(10)
    return outcomes


def test_items_queued_during_a_write_are_written_together():
    recorder = Recorder()
    combiner = Combiner(write_batch=recorder.write_batch, write_one=recorder.write_one)
    outcomes = _submit_concurrently(combiner, recorder, [1, 2, 3, 4, 5])
    assert outcomes == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert recorder.singles == [1]  # alone when it started
    assert sorted(recorder.batches[0]) == [2, 3, 4, 5]  # the rest, in one write


def test_a_failing_batch_is_written_again_one_by_one_and_only_the_bad_item_fails():
    recorder = Recorder(bad={3})
    combiner = Combiner(write_batch=recorder.write_batch, write_one=recorder.write_one)
    outcomes = _submit_concurrently(combiner, recorder, [1, 2, 3, 4])
    assert outcomes[1] == 10
    assert outcomes[2] == 20
    assert outcomes[4] == 40
    assert isinstance(outcomes[3], ValueError)
    assert sorted(recorder.singles) == [1, 2, 3, 4]


def test_batches_are_bounded():
    recorder = Recorder()
    combiner = Combiner(write_batch=recorder.write_batch, write_one=recorder.write_one, max_batch=2)
    outcomes = _submit_concurrently(combiner, recorder, [1, 2, 3, 4, 5])
    assert outcomes == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}
    assert all(len(batch) <= 2 for batch in recorder.batches)


@pytest.mark.django_db
def test_a_caller_inside_a_transaction_writes_its_item_itself():
    recorder = Recorder()
    recorder.first_started.set()  # no gate
    combiner = Combiner(write_batch=recorder.write_batch, write_one=recorder.write_one)
    with transaction.atomic():
        assert combiner.submit(7) == 70
    assert recorder.singles == [7]
    assert combiner._queue == []
