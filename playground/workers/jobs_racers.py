"""Job kind "racers": the optimizer page's trajectories, racer by racer, a chunk at a time.

Payload: ``{"surface": spec or Surface, "racers": [...], "start": (x, y), "total_steps": n,
"target": n, "have": [rows per racer]}``. ``total_steps`` builds the runs (schedules depend on it),
``target`` is how far to compute (``extend`` moves it on), ``have`` the rows the GUI already holds:
a job resubmitted to a fresh child recomputes them (the runs are seeded and deterministic) and
sends only the rows after them.

Each Progress is ``(busy_ms, items)`` with one item per racer that has new rows:
``(racer, first_row, xy, loss, lr, grad, velocity, diverged_at, converged_at, outcome, labels)``.
A racer that cannot be stepped sends ``Notice("error", text, details)`` and stops; the others go on.
Last, ``Notice("done", target)`` says how far the job computed (an ``extend`` that reached the child
after the job ended is then seen, and the client resubmits).
"""
from __future__ import annotations

import time

from playground.racer_worker import CHUNK, make_runs, run_done
from playground.workers.child import Job, details, first_line

FLUSH_S = 0.015  # a Progress at least this often while computing (one pickle and write per batch)


class RacerJob(Job):
    """Advance every racer to ``target`` in chunks, round robin; finish when all are there or stopped."""

    CREDIT = 4

    def __init__(self, out, payload):
        super().__init__(out, payload)
        from core.surfaces import get_surface

        spec = payload["surface"]
        surface = get_surface(spec) if isinstance(spec, str) else spec
        self.target = int(payload["target"])
        self.runs = make_runs(surface, payload["racers"], payload["start"], payload.get("total_steps", self.target))
        n = len(self.runs)
        have = list(payload.get("have") or [0] * n)
        self.trajs = [None] * n
        self.sent = [int(h) for h in have]  # rows the GUI has (or has been sent) per racer
        self.dirty = [False] * n
        self.stopped = [False] * n  # failed, or the engine stopped on its own
        self.busy_ms = 0.0
        self.last_flush = time.perf_counter()
        self.nxt = 0

    def _todo(self) -> list[int]:
        return [i for i in range(len(self.runs))
                if not self.stopped[i] and not run_done(self.runs[i], self.trajs[i], self.target)]

    def wake(self):
        if self._todo():
            return 0.0
        if any(self.dirty):
            return 0.0 if self.out.can_send() else None  # the last rows wait for credit
        return 0.0  # nothing left: the next step finishes the job

    def command(self, name, args):
        if name == "extend":
            self.target = max(self.target, int(args[0]))
        else:
            super().command(name, args)

    def step(self):
        todo = self._todo()
        if todo:
            i = next((j for j in todo if j >= self.nxt), todo[0])
            self.nxt = i + 1
            self._advance(i)
        if any(self.dirty) and self.out.can_send() and (
                not todo or time.perf_counter() - self.last_flush >= FLUSH_S):
            self._flush()
        if not self._todo() and not any(self.dirty):
            self.out.notice("done", self.target)  # how far it computed: an extend that came too late resubmits
            self.out.finish("completed")

    def _advance(self, i: int) -> None:
        run, traj = self.runs[i], self.trajs[i]
        t0 = time.perf_counter()
        try:
            done_before = len(traj.xy) - 1 if traj is not None else 0
            n = min(CHUNK, self.target - done_before)
            took = run.advance(n) if n > 0 else 0
            self.trajs[i] = new = run.trajectory()
            if traj is not None and took == 0:
                self.stopped[i] = True  # the engine stopped on its own: never spin on it
        except Exception as exc:  # noqa: BLE001 - reported; the other racers go on
            self.stopped[i] = True
            self.out.notice("error", first_line(Exception(f"racer {i + 1}: {exc}")), details(exc))
            return
        self.busy_ms = max(self.busy_ms, (time.perf_counter() - t0) * 1000.0)
        # Below the rows the GUI has (a resubmitted job recomputing them), there is nothing to send.
        self.dirty[i] = len(new.xy) >= self.sent[i]

    def _flush(self) -> None:
        items = []
        for i, traj in enumerate(self.trajs):
            if not self.dirty[i] or traj is None:
                continue
            k = self.sent[i]
            items.append((i, k, traj.xy[k:], traj.loss[k:], traj.lr[k:], traj.grad[k:], traj.velocity[k:],
                          traj.diverged_at, traj.converged_at, traj.outcome, traj.labels))
            self.sent[i] = len(traj.xy)
            self.dirty[i] = False
        if items:
            self.out.progress((self.busy_ms, items))
        self.last_flush = time.perf_counter()
