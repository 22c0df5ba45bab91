"""A racer that fails in the subprocess: its traceback travels with the message and goes to the
GUI process's log; the one line the page shows names the log. Bad input (ValueError) stays one
line, with no traceback. A racer that cannot be built fails the job in one line, in a real child."""
from __future__ import annotations

import logging
import time

from playground import racer_process
from playground.child_process import ChildProcess
from playground.log import details_hint
from playground.workers import host as worker_host
from playground.workers.child import details
from playground.workers.messages import Finished, Notice


def _racers(monkeypatch, errors):
    monkeypatch.setattr(ChildProcess, "ensure_started", lambda self: None)  # no subprocess here
    rp = racer_process.RacerProcess(on_error=lambda gen, text: errors.append((gen, text)))
    rp.set_job(3, "rosenbrock", [], (0.0, 0.0), 10)  # queued: no child to take it
    (job,) = rp.host.live_jobs
    return rp, job


def _failure(exc):
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001
        return details(caught)


def test_details_are_the_traceback_except_for_bad_input():
    text = _failure(RuntimeError("nan in the hessian"))
    assert text.startswith("Traceback (most recent call last)") and "nan in the hessian" in text
    assert _failure(ValueError("lr must be in [0, 1000]")) == ""


def test_a_child_traceback_is_logged_and_the_message_names_the_log(monkeypatch, caplog):
    errors = []
    rp, job = _racers(monkeypatch, errors)
    tb = _failure(RuntimeError("nan in the hessian"))
    with caplog.at_level(logging.ERROR, logger=worker_host.__name__):
        rp.host.dispatch(Notice(job, "error", "racer 2: nan in the hessian", tb))
    assert errors == [(3, f"racer 2: nan in the hessian ({details_hint()})")]
    assert any("Traceback" in r.getMessage() and "racer 2" in r.getMessage() for r in caplog.records)
    errors.clear()
    rp.host.dispatch(Notice(job, "error", "lr must be in [0, 1000]", ""))
    assert errors == [(3, "lr must be in [0, 1000]")]
    rp.host.dispatch(Finished(job, "died"))
    assert errors[-1] == (3, racer_process.DIED) and rp.host.live_jobs == ()
    rp.shutdown()


def test_a_racer_that_cannot_be_built_is_reported_in_one_line():
    from core.trajectories import Racer

    errors = []
    rp = racer_process.RacerProcess(on_error=lambda gen, text: errors.append((gen, text)))
    try:
        rp.set_job(1, "rosenbrock", [Racer("sgd", {"lr": 0.01}), Racer("sgd", {"lr": -5.0})], (0.0, 0.0), 50)
        t0 = time.monotonic()
        while not errors and time.monotonic() - t0 < 90:
            rp.snapshot()
            time.sleep(0.01)
        ((gen, text),) = errors
        assert gen == 1 and "lr" in text and "\n" not in text and "Traceback" not in text
        assert rp.alive  # the child stays for the next job
    finally:
        rp.shutdown()
