"""MapJobRunner: a job that ignores its stop event is waited for (logged, asked again), never
left running as its QThread is destroyed, and shutdown never raises."""
from __future__ import annotations

import logging
import threading
import time

from PySide6.QtCore import QThread

from playground import map_worker
from playground.map_worker import MapJobRunner


def _stubborn_job(seconds, record):
    def job(progress, stop):
        record["thread"] = QThread.currentThread()
        record["started"].set()
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:  # ignores stop()
            time.sleep(0.005)
        record["asked_to_stop"] = stop()
        return "done"
    return job


def test_shutdown_waits_for_a_job_that_ignores_stop(qtbot, caplog):
    runner = MapJobRunner("test")
    record = {"started": threading.Event()}
    runner.start(_stubborn_job(0.4, record))
    assert record["started"].wait(5)
    with caplog.at_level(logging.WARNING, logger=map_worker.__name__):
        runner.shutdown(timeout_ms=50)  # raised RuntimeError after the first 50 ms
    assert record["thread"].isFinished() and not record["thread"].isRunning()
    assert record["asked_to_stop"] is True
    assert runner.thread_count() == 0
    warnings = [r.getMessage() for r in caplog.records if r.name == map_worker.__name__]
    assert warnings and all("still running" in m and "test-1" in m for m in warnings)


def test_a_failing_job_is_logged_with_its_traceback(qtbot, caplog):
    runner = MapJobRunner("test")

    def job(progress, stop):
        raise ZeroDivisionError("cell 7")

    with caplog.at_level(logging.ERROR, logger=map_worker.__name__):
        with qtbot.waitSignal(runner.sigFailed, timeout=5000) as failed:
            runner.start(job)
    runner.shutdown()
    text = failed.args[0]
    assert "\n" not in text and text.startswith("ZeroDivisionError: cell 7 (details in ")
    rec = [r for r in caplog.records if r.name == map_worker.__name__ and r.exc_info]
    assert rec and rec[0].exc_info[0] is ZeroDivisionError


def test_a_job_failing_after_cancel_is_still_logged(qtbot, caplog):
    runner = MapJobRunner("test")
    go = threading.Event()

    def job(progress, stop):
        go.wait(5)
        raise RuntimeError("after cancel")

    with caplog.at_level(logging.ERROR, logger=map_worker.__name__):
        runner.start(job)
        runner.cancel()
        go.set()
        runner.shutdown()
    assert any(r.exc_info and r.exc_info[0] is RuntimeError for r in caplog.records)
