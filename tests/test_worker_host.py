"""The worker host: typed messages, several jobs in one child, credit, cancel, idle stop, a dead child, close."""
from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import time
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

from playground.workers import messages as M
from playground.workers.host import WorkerHost

WAIT_S = 90.0  # a cold child imports torch first; a shared 2-core machine can be slow


def count_up(n: int, delay: float, progress=None, stop=None):
    """A "call" job: n steps of ``delay`` s, progress after each; returns 0..n-1 (or what it reached)."""
    done = 0
    for i in range(n):
        if stop():
            break
        time.sleep(delay)
        done = i + 1
        progress(done / n)
    return np.arange(done)


def fail_with(kind: str, progress=None, stop=None):
    raise {"value": ValueError, "zero": ZeroDivisionError}[kind]("cell 7")


class Log:
    """A job handler that keeps what it got."""

    def __init__(self):
        self.got = []

    def __call__(self, msg):
        self.got.append(msg)

    def of(self, cls):
        return [m for m in self.got if isinstance(m, cls)]

    @property
    def finished(self):
        return bool(self.of(M.Finished))


def until(host, pred, what):
    t0 = time.monotonic()
    while time.monotonic() - t0 < WAIT_S:
        host.poll(0.02)
        if pred():
            return
        time.sleep(0.01)
    pytest.fail(f"no {what} within {WAIT_S} s")


@pytest.fixture
def host():
    h = WorkerHost("test-worker-host", idle_s=60.0)
    yield h
    h.close()


def test_every_message_type_survives_the_pipe_as_itself():
    samples = [M.Submit(3, "call", functools.partial(count_up, 2, 0.0)), M.Command(3, "extend", (500,)),
               M.Cancel(3), M.Ack(3, (0, 1, 2)), M.Quit(), M.Ready(1234), M.Progress(3, 7, [1.5, "x"]),
               M.Notice(3, "paused", 4, ""), M.Result(3, {"a": 1}), M.Failed(3, "bad lr", "Traceback ..."),
               M.Finished(3, "cancelled")]
    assert {type(s) for s in samples} == set(M.MESSAGES)
    for msg in samples:
        back = ForkingPickler.loads(ForkingPickler.dumps(msg))
        assert type(back) is type(msg)
        if isinstance(msg, M.Submit):  # a partial compares by identity: compare what it holds
            assert (back.job_id, back.kind, back.payload.args) == (3, "call", (2, 0.0))
        else:
            assert back == msg
    with pytest.raises(Exception):  # frozen: a message is never changed on its way
        samples[1].name = "other"


def test_two_jobs_at_once_each_report_progress_and_finish(host):
    both = Log()  # one handler for both: the order of their messages
    ja = host.submit("call", functools.partial(count_up, 20, 0.05), both)
    jb = host.submit("call", functools.partial(count_up, 10, 0.1), both)
    assert ja != jb and set(host.live_jobs) == {ja, jb}
    until(host, lambda: len(both.of(M.Finished)) == 2, "two results")
    for job_id, n in ((ja, 20), (jb, 10)):
        mine = [m for m in both.got if m.job_id == job_id]
        fracs = [m.data for m in mine if isinstance(m, M.Progress)]
        assert len(fracs) >= 3 and fracs == sorted(fracs) and fracs[-1] == 1.0
        assert np.array_equal([m for m in mine if isinstance(m, M.Result)][0].value, np.arange(n))
        assert isinstance(mine[-1], M.Finished) and mine[-1].reason == "completed"
    # They ran at once: before either result, both had reported progress.
    first_result = next(k for k, m in enumerate(both.got) if isinstance(m, M.Result))
    assert {m.job_id for m in both.got[:first_result] if isinstance(m, M.Progress)} == {ja, jb}
    assert host.live_jobs == ()


def test_cancel_ends_one_job_and_the_other_goes_on(host):
    a, b = Log(), Log()
    ja = host.submit("call", functools.partial(count_up, 400, 0.05), a)
    host.submit("call", functools.partial(count_up, 5, 0.05), b)
    until(host, lambda: a.of(M.Progress), "progress of the long job")
    host.cancel(ja)
    until(host, lambda: a.finished and b.finished, "both ends")
    assert a.got[-1].reason == "cancelled" and not a.of(M.Result)
    assert np.array_equal(b.of(M.Result)[0].value, np.arange(5))


def test_a_failing_job_arrives_as_one_line_and_its_traceback_is_logged(host, caplog):
    bad, broken = Log(), Log()
    host.submit("call", functools.partial(fail_with, "value"), bad)
    host.submit("call", functools.partial(fail_with, "zero"), broken)
    with caplog.at_level("ERROR", logger="playground.workers.host"):
        until(host, lambda: bad.finished and broken.finished, "two failures")
    assert bad.of(M.Failed)[0].text == "cell 7"  # bad input: its message, no traceback
    text = broken.of(M.Failed)[0].text
    assert text.startswith("ZeroDivisionError: cell 7 (details in ") and "\n" not in text
    assert any("Traceback" in r.getMessage() and "ZeroDivisionError" in r.getMessage() for r in caplog.records)


def test_an_unknown_kind_or_an_unpicklable_job_is_refused_by_name(host):
    log = Log()
    host.submit("no-such-kind", None, log)
    until(host, lambda: log.finished, "a refusal")
    assert "unknown job kind 'no-such-kind'" in log.of(M.Failed)[0].text
    with pytest.raises(ValueError, match="picklable"):
        host.submit("call", lambda progress, stop: 1, Log())


def test_out_of_credit_a_job_folds_its_rows_into_the_next_message(host):
    from core.surfaces import get_surface
    from core.trajectories import Racer
    from playground.racer_worker import compute_all
    from playground.workers.jobs_racers import RacerJob

    racers = [Racer("sgd", {"lr": 0.001}), Racer("adam", {"lr": 0.05}, grad_noise=1.0)]
    payload = {"surface": "rosenbrock", "racers": racers, "start": (-1.2, 1.0), "total_steps": 2000,
               "target": 2000}
    log = Log()
    job = host.submit("racers", payload, log, auto_ack=False)
    until(host, lambda: len(log.of(M.Progress)) >= RacerJob.CREDIT, "the first messages")
    time.sleep(1.0)  # the child computes on, out of credit
    host.poll(0.05)
    assert len(log.of(M.Progress)) == RacerJob.CREDIT  # nothing more until the GUI side acks
    acked = set()
    while not log.finished:  # ack what was read: the rest comes, folded into few messages
        seqs = [m.seq for m in log.of(M.Progress) if m.seq not in acked]
        host.ack(job, seqs)
        acked.update(seqs)
        host.poll(0.02)
        time.sleep(0.01)
    rows = [[], []]
    for m in log.of(M.Progress):
        for i, first, xy, *_ in m.data[1]:
            assert first == sum(len(r) for r in rows[i])  # each message goes on where the last stopped
            rows[i].append(xy)
    ref = compute_all(get_surface("rosenbrock"), racers, (-1.2, 1.0), 2000)
    for got, want in zip(rows, ref):
        assert np.array_equal(np.concatenate(got), want.xy)
    assert log.got[-1].reason == "completed"


def test_idle_host_ends_its_child_and_the_next_job_starts_a_fresh_one():
    h = WorkerHost("test-idle-host", idle_s=0.5)
    try:
        log = Log()
        h.submit("call", functools.partial(count_up, 2, 0.01), log)
        until(h, lambda: log.finished, "the first job")
        first = h.pid
        assert first is not None
        until(h, lambda: not h.alive, "the idle stop")
        until(h, lambda: not any(p.pid == first for p in multiprocessing.active_children()), "the child's end")
        again = Log()
        h.submit("call", functools.partial(count_up, 3, 0.01), again)
        until(h, lambda: again.finished, "the second job")
        assert np.array_equal(again.of(M.Result)[0].value, np.arange(3))
        assert h.pid not in (None, first)
    finally:
        h.close()


def test_a_killed_child_fails_its_jobs_in_one_line_and_the_next_job_gets_a_fresh_child(host):
    log = Log()
    host.submit("call", functools.partial(count_up, 400, 0.05), log)
    until(host, lambda: log.of(M.Progress), "progress")
    dead = host.pid
    os.kill(dead, signal.SIGKILL)
    until(host, lambda: log.finished, "the failure")
    (failed,) = log.of(M.Failed)
    assert failed.text == "the test-worker-host process ended unexpectedly" and log.got[-1].reason == "died"
    assert host.live_jobs == ()
    again = Log()
    host.submit("call", functools.partial(count_up, 3, 0.01), again)
    until(host, lambda: again.finished, "a job in a fresh child")
    assert np.array_equal(again.of(M.Result)[0].value, np.arange(3)) and host.pid != dead


def test_close_leaves_no_child_process():
    h = WorkerHost("test-close-host", start=True)
    log = Log()
    h.submit("call", functools.partial(count_up, 400, 0.05), log)  # busy, ignoring nothing
    until(h, lambda: log.of(M.Progress), "progress")
    pid = h.pid
    h.close()
    assert not h.alive and h.pid is None
    assert not [p for p in multiprocessing.active_children() if p.pid == pid]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    h.close()  # twice is fine


@pytest.mark.parametrize("text, want", [("", 30.0), ("7.5", 7.5), ("soon", 30.0), ("-1", 30.0), ("nan", 30.0)])
def test_the_idle_time_can_be_set_from_the_environment(monkeypatch, text, want):
    from playground.workers import host as worker_host

    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_IDLE_S", text)
    assert worker_host._idle_default() == want


def test_the_child_side_imports_no_qt():
    """The child loads only what its jobs need: no Qt (nor torch before child_main imports it)."""
    import subprocess
    import sys

    code = ("import sys; import playground.workers.child, playground.workers.jobs_racers, "
            "playground.workers.jobs_training, playground.workers.jobs_call; "
            "print(sorted(m for m in ('PySide6', 'pyqtgraph', 'widgets', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]"
