"""Racer trajectories computed in a spawned subprocess; the GUI process only polls and draws.

Why a process: each racer steps a real ``torch.optim`` optimizer on a (1, 2) tensor, Python that
holds the GIL at every step. In a QThread (``playground.racer_worker``) eight racers at playback
speed 10 held the GIL so much that the GUI timer stalled far past a frame, whatever the switch
interval (bench/bench_optimizer_page.py measures the stalls now). A subprocess has its own interpreter: computing and drawing each get a core.
The training page does the same (``playground.train_process``).

The API is the one the optimizer page used on the worker thread: ``set_job``, ``extend``,
``snapshot`` (never blocks: it reads what arrived within a small time budget), ``shutdown``,
``busy_ms``, and ``on_error(generation, text)`` in place of the thread's ``sigError``.

Protocol (``multiprocessing`` spawn context, one duplex ``Pipe``; picklable descriptions only):

GUI -> child: ``("job", gen, surface_spec, racers, start, target)`` (replaces the job),
``("extend", gen, target)``, ``("ack",)`` (the GUI read one update), ``("quit",)``.

child -> GUI: ``("ready",)`` once, then ``("update", gen, busy_ms, items)`` where each item is
``(racer, first_row, xy, loss, lr, grad, velocity, diverged_at, converged_at, outcome, labels)``:
only the rows the GUI does not have yet; ``("error", gen, text, details)`` (``details``: the
traceback, which the GUI logs, or "" for bad input).

Flow control: the child has at most ``CREDIT`` updates unread in the pipe (the GUI acks each one
it reads); out of credit it keeps computing and the next update carries every new row. So the
child never blocks on a full pipe, and it always reads its commands between chunks.

One process serves job after job (a new job costs no interpreter start or torch import: that is
1-2 s, done once per page). Results are those of ``compute_all``: the same ``TrajectoryRun``,
built for the same ``total_steps``, advanced in chunks (seeded noise included).
"""
from __future__ import annotations

import logging
import os
import time
import traceback

import numpy as np

from playground.child_process import ChildProcess
from playground.racer_worker import CHUNK, make_runs, run_done

log = logging.getLogger(__name__)

CREDIT = 4  # updates in flight (unread by the GUI) at most
FLUSH_S = 0.015  # an update at least this often while computing (one pickle and write per batch)
BUDGET_S = 0.004  # the GUI spends at most this long per snapshot() reading the pipe
CHILD_NICE = 10  # the subprocess runs at a lower priority than the GUI


# ----------------------------------------------------------------------------- the subprocess
class _Job:  # pragma: no cover - subprocess
    def __init__(self, gen, runs, target):
        self.gen, self.runs, self.target = gen, runs, int(target)
        n = len(runs)
        self.trajs = [None] * n
        self.sent = [0] * n  # rows the GUI has (or has been sent) per racer
        self.dirty = [False] * n
        self.stopped = [False] * n  # failed, or the engine stopped on its own

    def todo(self, i) -> bool:
        return not self.stopped[i] and not run_done(self.runs[i], self.trajs[i], self.target)


def _child_main(conn) -> None:  # pragma: no cover - runs in the subprocess
    """Entry point of the subprocess: compute the current job, chunk by chunk, and send the new rows."""
    import torch

    torch.set_num_threads(1)  # one core for the racers, the other for the GUI (docs/traps.md)
    try:
        # Below the GUI: when other programs load both cores, the window still gets its slices
        # (it roughly halved the GUI timer's gaps with eight racers on a loaded machine).
        os.nice(CHILD_NICE)
    except (AttributeError, OSError):  # no os.nice on Windows
        pass
    from playground.warmup import warm_up

    warm_up()  # the first optimizer.step() imports torch._dynamo: before the first job, not during it
    try:
        conn.send(("ready",))
        _child_loop(conn)
    except (EOFError, OSError):  # the GUI closed its end: quit
        pass
    # Nothing to flush or clean up: skip the interpreter's teardown (torch's takes most of a second,
    # and the GUI joins this process when a page closes).
    os._exit(0)


def _details(exc: BaseException) -> str:
    """The traceback for the GUI's log; "" for a ValueError (bad input: its message says it all)."""
    if isinstance(exc, ValueError):
        return ""
    return "".join(traceback.format_exception(exc))


def _build(msg):  # pragma: no cover - subprocess
    from core.surfaces import get_surface

    _, gen, spec, racers, start, target = msg
    surface = get_surface(spec) if isinstance(spec, str) else spec
    return _Job(gen, make_runs(surface, racers, start, target), target)


def _child_loop(conn) -> None:  # pragma: no cover - subprocess
    job = None
    credit = CREDIT
    busy_ms = 0.0
    last_flush = time.perf_counter()
    nxt = 0  # round robin: the racer to advance next

    def flush():
        nonlocal credit, last_flush
        items = []
        for i, traj in enumerate(job.trajs):
            if not job.dirty[i] or traj is None:
                continue
            k = job.sent[i]
            items.append((i, k, traj.xy[k:], traj.loss[k:], traj.lr[k:], traj.grad[k:], traj.velocity[k:],
                          traj.diverged_at, traj.converged_at, traj.outcome, traj.labels))
            job.sent[i] = len(traj.xy)
            job.dirty[i] = False
        if items:
            conn.send(("update", job.gen, busy_ms, items))
            credit -= 1
        last_flush = time.perf_counter()

    while True:
        working = job is not None and any(job.todo(i) for i in range(len(job.runs)))
        pending = job is not None and any(job.dirty) and credit > 0
        # Read every command that is there; wait for one only when there is nothing else to do.
        wait = 0 if working or pending else 0.5
        while conn.poll(wait):
            wait = 0
            msg = conn.recv()
            kind = msg[0]
            if kind == "quit":
                return
            if kind == "ack":
                credit = min(credit + 1, CREDIT)
            elif kind == "job":
                job, nxt, busy_ms = None, 0, 0.0
                try:
                    job = _build(msg)
                except Exception as exc:  # noqa: BLE001 - a bad racer: report, keep the process
                    text = str(exc).splitlines()[0] if str(exc) else repr(exc)
                    conn.send(("error", msg[1], text, _details(exc)))
            elif kind == "extend":
                if job is not None and msg[1] == job.gen and msg[2] > job.target:
                    job.target = int(msg[2])
        if job is None:
            continue
        todo = [i for i in range(len(job.runs)) if job.todo(i)]
        if todo:
            i = next((j for j in todo if j >= nxt), todo[0])
            nxt = i + 1
            run, traj = job.runs[i], job.trajs[i]
            t0 = time.perf_counter()
            try:
                done_before = len(traj.xy) - 1 if traj is not None else 0
                n = min(CHUNK, job.target - done_before)
                took = run.advance(n) if n > 0 else 0
                job.trajs[i] = run.trajectory()
                if traj is not None and took == 0:
                    job.stopped[i] = True  # the engine stopped on its own: never spin on it
            except Exception as exc:  # noqa: BLE001 - reported; the other racers go on
                job.stopped[i] = True
                conn.send(("error", job.gen, f"racer {i + 1}: {exc}".splitlines()[0], _details(exc)))
                continue
            busy_ms = max(busy_ms, (time.perf_counter() - t0) * 1000.0)
            job.dirty[i] = True
        if credit > 0 and any(job.dirty) and (not todo or time.perf_counter() - last_flush >= FLUSH_S):
            flush()


# ----------------------------------------------------------------------------- the GUI side
class _Rows:
    """One racer's trajectory as received: preallocated arrays grown by doubling."""

    def __init__(self):
        self.n = 0
        self.xy = np.empty((64, 2))
        self.loss = np.empty(64)
        self.lr = np.empty(64)
        self.grad = np.empty((64, 2))
        self.vel = np.empty((64, 2))

    def append(self, first: int, xy, loss, lr, grad, vel) -> None:
        end = first + len(xy)
        if end > len(self.lr):
            cap = max(2 * len(self.lr), end)
            for key in ("xy", "loss", "lr", "grad", "vel"):
                old = getattr(self, key)
                new = np.empty((cap,) + old.shape[1:])
                new[: self.n] = old[: self.n]
                setattr(self, key, new)
        self.xy[first:end] = xy
        self.loss[first:end] = loss
        self.lr[first:end] = lr
        self.grad[first:end] = grad
        self.vel[first:end] = vel
        self.n = end

    def trajectory(self, diverged_at, converged_at, outcome, labels):
        """A Trajectory of views of the rows so far (rows already received never change)."""
        from core.trajectories import Trajectory

        n = self.n
        return Trajectory(self.xy[:n], self.loss[:n], self.lr[:n], self.grad[:n], self.vel[:n],
                          diverged_at, converged_at, outcome, labels)


class RacerProcess(ChildProcess):
    """The GUI side of the racer subprocess; every method returns at once.

    Parameters
    ----------
    on_error : callable(generation, text), optional
        Called (from ``snapshot``, on the GUI thread) when a racer could not be built or stepped.

    Attributes
    ----------
    busy_ms : float
        Longest single chunk the subprocess computed for the current job (status line, benchmarks).
    """

    def __init__(self, on_error=None):
        super().__init__(_child_main, "optimizer-playground-racers")
        self._pending = None  # the latest job, held until the child says "ready"
        self.on_error = on_error
        self.busy_ms = 0.0
        self._gen = -1
        self._target = 0
        self._version = 0
        self._rows: list[_Rows] = []
        self._trajs: list = []
        self.ensure_started()

    # -- lifecycle -------------------------------------------------------------
    def shutdown(self, timeout: float = 1.0) -> None:
        """End the subprocess: ask it to quit, then terminate it (safe to call twice)."""
        self._end_child((("quit",),), timeout)

    stop = shutdown

    # -- commands --------------------------------------------------------------
    def _send(self, msg) -> None:
        if not self._ready:
            return
        try:
            self._conn.send(msg)
        except (OSError, ValueError):
            self._died()

    def set_job(self, generation: int, surface, racers, start, target: int) -> None:
        """Replace the job; results of older generations are dropped."""
        self.ensure_started()
        self._gen, self._target = int(generation), int(target)
        self._rows = [_Rows() for _ in racers]
        self._trajs = [None] * len(racers)
        self._version += 1
        self.busy_ms = 0.0
        spec = getattr(surface, "spec", None) or surface
        msg = ("job", self._gen, spec, list(racers), tuple(float(v) for v in start), self._target)
        if self._ready:
            self._send(msg)
        else:
            self._pending = msg

    def extend(self, target: int) -> None:
        """Compute further, up to ``target`` steps."""
        if target <= self._target:
            return
        self._target = int(target)
        if self._pending is not None:
            self._pending = self._pending[:5] + (self._target,)
        else:
            self._send(("extend", self._gen, self._target))

    # -- receiving -------------------------------------------------------------
    def snapshot(self, budget_s: float = BUDGET_S) -> tuple[int, int, list]:
        """(generation, version, trajectories): what has arrived (a trajectory is None until its first chunk).

        Reads the pipe without blocking, for at most ``budget_s``.
        """
        conn = self._conn
        if conn is not None:
            t0 = time.perf_counter()
            try:
                while self._conn is conn and time.perf_counter() - t0 < budget_s and conn.poll():
                    self._handle(conn.recv())
            except (EOFError, OSError):
                if self._conn is conn:
                    self._died()
        return self._gen, self._version, list(self._trajs)

    def _handle(self, msg) -> None:
        kind = msg[0]
        if kind == "ready":
            self._ready = True
            pending, self._pending = self._pending, None
            if pending is not None:
                self._send(pending)
            return
        if kind == "update":
            self._send(("ack",))
            _, gen, busy, items = msg
            if gen != self._gen:
                return  # a result of a job that was replaced
            self.busy_ms = max(self.busy_ms, busy)
            for i, first, xy, loss, lr, grad, vel, div, conv, outcome, labels in items:
                rows = self._rows[i]
                rows.append(first, xy, loss, lr, grad, vel)
                self._trajs[i] = rows.trajectory(div, conv, outcome, labels)
            self._version += 1
        elif kind == "error":
            text, details = msg[2], (msg[3] if len(msg) > 3 else "")
            if details:  # the child's traceback goes to this process's log; the message names it
                from playground.log import details_hint

                log.error("racer process: %s\n%s", text, details.rstrip())
                text = f"{text} ({details_hint()})"
            if msg[1] == self._gen and self.on_error is not None:
                self.on_error(msg[1], text)

    def _died(self) -> None:
        if self._conn is None:
            return  # already handled
        proc = self._proc
        self._proc = None
        self._ready = False
        self._close_conn()
        if proc is not None:
            proc.join(0.1)
            if proc.is_alive():
                proc.terminate()
                proc.join(1.0)
        if self.on_error is not None:
            self.on_error(self._gen, "the racer process ended unexpectedly; change anything to restart it")
