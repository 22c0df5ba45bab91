"""playground.leak_watch: what the playground fixture calls a leftover, and what it does not."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time

import pytest

from playground.leak_watch import LeakWatch, child_processes

linux_only = pytest.mark.skipif(not os.path.isdir(f"/proc/{os.getpid()}/task"), reason="needs Linux /proc")


def _proc_children() -> set[int]:
    pids = set()
    for tid in os.listdir(f"/proc/{os.getpid()}/task"):
        with open(f"/proc/{os.getpid()}/task/{tid}/children") as f:
            pids.update(int(p) for p in f.read().split())
    return pids


def test_a_thread_left_running_is_a_leak_until_it_ends():
    stop = threading.Event()
    with LeakWatch(grace=0.2) as watch:
        t = threading.Thread(target=stop.wait, name="waiter", daemon=True)
        t.start()
        assert watch.leaks() == ["thread 'waiter'"]
        stop.set()
        t.join()
        assert watch.leaks() == []


def test_threads_from_before_the_block_are_not_counted():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait, name="older", daemon=True)
    t.start()
    try:
        with LeakWatch(grace=0) as watch:
            assert watch.leaks() == []
    finally:
        stop.set()
        t.join()


def test_a_thread_that_ends_within_the_grace_is_not_a_leak():
    with LeakWatch(grace=3) as watch:
        threading.Thread(target=time.sleep, args=(0.3,), name="short").start()
        assert watch.leaks() == []


def test_an_active_qtimer_and_a_running_qthread_are_leaks(qapp):
    from PySide6.QtCore import QThread, QTimer

    with LeakWatch(grace=0.2) as watch:
        timer = QTimer()
        timer.setObjectName("poll")
        timer.start(1000)
        anonymous = QTimer()
        anonymous.start(250)
        thread = QThread()
        thread.setObjectName("worker")
        thread.start()
        assert watch.leaks() == ["QThread 'worker' running", "QTimer 'poll' active", "QTimer (250 ms) active"]
        timer.stop()
        anonymous.stop()
        thread.quit()
        thread.wait()
        assert watch.leaks() == []


def test_the_qt_start_methods_are_restored_afterwards(qapp):
    from PySide6.QtCore import QThread, QTimer

    before = (QThread.start, QTimer.start)
    with LeakWatch():
        assert (QThread.start, QTimer.start) != before
    assert (QThread.start, QTimer.start) == before


def test_a_spawned_child_is_a_leak_and_the_resource_tracker_is_not():
    ctx = multiprocessing.get_context("spawn")
    with LeakWatch(grace=0.2) as watch:
        child = ctx.Process(target=time.sleep, args=(60,), name="sleeper")
        child.start()
        try:
            assert watch.leaks() == [f"child process 'sleeper' (pid {child.pid})"]
        finally:
            child.terminate()
            child.join()
        assert watch.leaks() == []
    from multiprocessing import resource_tracker

    tracker = resource_tracker._resource_tracker._pid
    assert tracker is not None  # a spawned child starts it, and it stays...
    if sys.platform.startswith("linux"):
        assert tracker in _proc_children()  # ...as a child of this process...
    assert tracker not in child_processes()  # ...that is no leftover


@linux_only
def test_a_child_started_by_subprocess_is_a_leak_and_a_zombie_is_not():
    with LeakWatch(grace=0.2) as watch:
        p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        try:
            leaks = watch.leaks()
            assert len(leaks) == 1 and f"(pid {p.pid})" in leaks[0]
        finally:
            p.kill()
        deadline = time.monotonic() + 10
        while p.pid in _proc_children() and _state(p.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _state(p.pid) == "Z"  # exited, not reaped yet
        assert watch.leaks() == []
        p.wait()


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    return stat[stat.rfind(")") + 2]
