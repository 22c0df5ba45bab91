"""The host's clients: the racers across an idle stop, a paused training run, the maps' runner."""
from __future__ import annotations

import functools
import time

import numpy as np
import pytest

from core.training import TrainConfig

WAIT_S = 90.0  # a cold child imports torch first; a shared 2-core machine can be slow


def _wait(pred, what, poll=lambda: None):
    t0 = time.monotonic()
    while time.monotonic() - t0 < WAIT_S:
        poll()
        if pred():
            return
        time.sleep(0.01)
    pytest.fail(f"no {what} within {WAIT_S} s")


def basin_map(spec: str, optimizer: str, hparams: dict, starts, steps: int, progress=None, stop=None):
    """A maps job as the optimizer page builds one: run_map on a surface named by its spec."""
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_map

    return run_map(get_surface(spec), Racer(optimizer, hparams), np.asarray(starts, float), steps,
                   progress=progress, stop=stop)


def slow_job(seconds: float, progress=None, stop=None):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds and not stop():
        time.sleep(0.01)
        progress(min(1.0, (time.monotonic() - t0) / seconds))
    return "slow"


def test_racers_go_on_after_an_idle_stop_with_the_same_rows():
    from core.surfaces import get_surface
    from core.trajectories import Racer
    from playground.racer_process import RacerProcess
    from playground.racer_worker import compute_all

    errors = []
    racers = [Racer("sgd", {"lr": 0.001}, schedule="cosine"), Racer("adam", {"lr": 0.05}, grad_noise=1.0)]
    rp = RacerProcess(on_error=lambda gen, text: errors.append(text), idle_s=0.5)
    try:
        rp.set_job(1, get_surface("rosenbrock"), racers, (-1.2, 1.0), 300)

        def reached(n):
            return lambda: all(t is not None and len(t.xy) - 1 >= n for t in rp.snapshot()[2])

        _wait(reached(300), "300 steps")
        first_pid = rp.pid
        drawn = [t.xy.copy() for t in rp.snapshot()[2]]
        _wait(lambda: not rp.alive, "the idle stop", rp.snapshot)
        rp.extend(700)  # the job is resubmitted to a fresh child, from the rows held here
        _wait(reached(700), "700 steps")
        gen, _version, trajs = rp.snapshot()
        assert gen == 1 and rp.pid not in (None, first_pid) and not errors
        # The job was built for 300 steps (the cosine schedule's length) and extended, as the page does:
        # the same trajectories as one child computing it all (seeded noise included).
        ref = compute_all(get_surface("rosenbrock"), racers, (-1.2, 1.0), 300)
        for got, old, want in zip(trajs, drawn, ref):
            assert np.array_equal(got.xy[:301], old) and np.array_equal(got.xy[:301], want.xy)
            assert len(got.xy) == 701
    finally:
        rp.shutdown()
    assert not rp.alive


def test_a_paused_run_keeps_its_child_past_the_idle_time():
    from playground.train_process import TrainProcess

    host = TrainProcess(idle_s=0.5)
    got = []
    try:
        host.start_run(TrainConfig(dataset="moons", n=60, layers=(4,), epochs=50, report_every=0), paused=True)
        host.one_epoch()
        _wait(lambda: any(k == "paused" for k, _ in got), "the pause", lambda: got.extend(host.take()))
        pid = host.pid
        t0 = time.monotonic()
        while time.monotonic() - t0 < 2.0:  # four idle times
            got.extend(host.take())
            time.sleep(0.05)
        assert host.alive and host.pid == pid and host.running  # the paused run is a live job
        host.stop_run()
        _wait(lambda: not host.alive, "the idle stop after the run", lambda: got.extend(host.take()))
        assert ("done", "stopped") in got
    finally:
        host.close()


def test_map_runner_runs_a_partial_of_run_map_in_a_child(qtbot):
    from core.surfaces import get_surface
    from core.trajectories import Racer, run_map
    from playground.workers.map_runner import MapRunner

    starts = np.stack(np.meshgrid(np.linspace(-2, 2, 12), np.linspace(-1, 3, 10)), -1).reshape(-1, 2)
    job = functools.partial(basin_map, "rosenbrock", "adam", {"lr": 0.05}, starts, 200)
    runner = MapRunner("test")
    progress = []
    runner.sigProgress.connect(progress.append)
    try:
        with qtbot.waitSignal(runner.sigResult, timeout=int(WAIT_S * 1000)) as result:
            runner.start(job)
            assert runner.is_running()
        assert not runner.is_running() and progress and progress[-1] == 1.0
        want = run_map(get_surface("rosenbrock"), Racer("adam", {"lr": 0.05}), starts, 200)
        got = result.args[0]
        assert np.array_equal(got.outcome, want.outcome) and np.array_equal(got.final_xy, want.final_xy, equal_nan=True)
        assert runner.last_elapsed_s > 0
        # A newer job replaces the running one; only its result comes.
        results = []
        runner.sigResult.connect(results.append)
        runner.start(functools.partial(slow_job, 30.0))
        with qtbot.waitSignal(runner.sigResult, timeout=int(WAIT_S * 1000)):
            runner.start(functools.partial(slow_job, 0.2))
        assert results == ["slow"] and not runner.is_running()
        qtbot.waitUntil(lambda: runner.job_count() == 0, timeout=10000)  # the cancelled one ended
    finally:
        runner.shutdown()
    assert not runner.host.alive


def test_map_runner_reports_a_failing_job_in_one_line(qtbot):
    from playground.workers.map_runner import MapRunner

    runner = MapRunner("test")
    try:
        with qtbot.waitSignal(runner.sigFailed, timeout=int(WAIT_S * 1000)) as failed:
            runner.start(functools.partial(basin_map, "no-such-surface", "adam", {}, [[0.0, 0.0]], 5))
        assert "no-such-surface" in failed.args[0] and "\n" not in failed.args[0]
        with qtbot.waitSignal(runner.sigFailed, timeout=5000) as failed:
            runner.start(lambda progress, stop: 1)  # a lambda cannot go to a child
        assert "picklable" in failed.args[0]
    finally:
        runner.shutdown()
