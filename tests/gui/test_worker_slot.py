"""WorkerSlot: one one-shot worker of a kind at a time, and only the newest result reaches the owner."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject

from poetpad.errors import PoetPadError
from poetpad.gui import workers
from poetpad.gui.workers import OneShotWorker, WorkerSlot

WAIT = 10_000


class Gated(OneShotWorker):
    """Returns `value` (or raises `error`) once the test opens its gate; logs when it starts and ends."""

    def __init__(self, value, log: list[str], error: Exception | None = None) -> None:
        super().__init__()
        self.value, self.log, self.error = value, log, error
        self.gate = threading.Event()

    def work(self):
        self.log.append(f"start {self.value}")
        assert self.gate.wait(WAIT / 1000)
        self.log.append(f"end {self.value}")
        if self.error is not None:
            raise self.error
        return self.value


@pytest.fixture
def owner(qapp):
    """An owner QObject with a slot whose results and failures are collected in owner.done and owner.failed."""
    made = QObject()
    made.done, made.failed = [], []
    made.slot = WorkerSlot(made, "test-slot", made.done.append, made.failed.append)
    yield made
    assert workers.wait_for_threads(WAIT)


def test_a_worker_reports_to_the_owner_and_the_slot_is_busy_until_then(owner, qtbot):
    log: list[str] = []
    worker = Gated("a", log)
    owner.slot.start(worker)
    assert owner.slot.busy and owner.slot.worker is worker
    worker.gate.set()
    qtbot.waitUntil(lambda: owner.done == ["a"], timeout=WAIT)
    assert not owner.slot.busy and owner.slot.worker is None and owner.failed == []


def test_a_failure_reaches_on_failed(owner, qtbot):
    worker = Gated("x", [], error=PoetPadError("The corpus is empty."))
    worker.gate.set()
    owner.slot.start(worker)
    qtbot.waitUntil(lambda: bool(owner.failed), timeout=WAIT)
    assert owner.failed == ["The corpus is empty."] and owner.done == [] and not owner.slot.busy


def test_a_newer_worker_waits_for_the_running_one_whose_result_is_dropped(owner, qtbot):
    log: list[str] = []
    first, second, third = Gated(1, log), Gated(2, log), Gated(3, log)
    owner.slot.start(first)
    qtbot.waitUntil(lambda: log == ["start 1"], timeout=WAIT)
    owner.slot.start(second)
    owner.slot.start(third)  # replaces the second before it ever started
    assert owner.slot.busy and owner.slot.worker is None
    second.gate.set()
    third.gate.set()
    QCoreApplication.processEvents()
    assert log == ["start 1"]  # one job of the kind at a time
    first.gate.set()
    qtbot.waitUntil(lambda: owner.done == [3], timeout=WAIT)
    assert log == ["start 1", "end 1", "start 3", "end 3"]
    assert not owner.slot.busy and owner.failed == []


def test_dropped_results_never_arrive_and_the_slot_can_start_again(owner, qtbot):
    log: list[str] = []
    dropped = Gated("old", log, error=PoetPadError("too late"))
    owner.slot.start(dropped)
    owner.slot.drop()  # the owner closed
    assert not owner.slot.busy
    dropped.gate.set()
    assert workers.wait_for_threads(WAIT)
    QCoreApplication.processEvents()
    assert owner.done == [] and owner.failed == [] and log == ["start old", "end old"]

    fresh = Gated("new", log)
    fresh.gate.set()
    owner.slot.start(fresh)
    qtbot.waitUntil(lambda: owner.done == ["new"], timeout=WAIT)


def test_a_worker_that_ends_after_its_owner_is_deleted_reaches_nothing(qapp):
    seen: list = []
    owner = QObject()
    slot = WorkerSlot(owner, "test-slot", seen.append, seen.append)
    worker = Gated("orphan", [])
    slot.start(worker)
    owner.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # gone while the worker runs
    worker.gate.set()
    assert workers.wait_for_threads(WAIT)
    QCoreApplication.processEvents()
    assert seen == []
