"""The race's computation: gives the racer subprocess its job from the model, and writes the
trajectories it sends back into the model.

Threaded (the app), the job runs in ``playground.racer_process.RacerProcess`` and :meth:`Race.pull`
takes what has arrived without blocking; otherwise (offscreen renders, tests) it is computed on this
thread on demand, with ``playground.racer_worker.compute_all``.
"""
from __future__ import annotations

from playground.racer_process import RacerProcess
from playground.racer_worker import compute_all


class Race:
    """Runs ``model``'s racers on its surface from its start for its steps.

    Parameters
    ----------
    model : OptimizerModel
        Read for the job (``surface_object``, ``engine_racers()``, ``start``, ``steps``); written:
        ``trajectories`` and ``error``.
    threaded : bool
        Compute in a subprocess (started here) rather than on this thread.

    Attributes
    ----------
    process : RacerProcess or None
        The subprocess (None when not threaded, or after :meth:`shutdown`).
    generation : int
        Number of the current job: what the subprocess still sends for an older one is dropped.
    """

    def __init__(self, model, threaded: bool):
        self.model = model
        self.process = RacerProcess(on_error=self._on_worker_error) if threaded else None
        self.generation = 0
        self._version = -1

    # -- jobs --------------------------------------------------------------------------------
    def restart(self) -> bool:
        """Start every racer afresh; False (and ``model.error`` set) when the racers cannot be built."""
        m = self.model
        self.drop()
        m.error = ""
        try:
            racers = m.engine_racers()
        except (ValueError, TypeError) as exc:
            m.error = str(exc)
            return False
        if self.process is not None:
            self.process.set_job(self.generation, m.surface_object, racers, m.start, m.steps)
        else:
            self._compute_now(racers)
        return True

    def drop(self) -> None:
        """A new generation with nothing computed yet (the old results go at once)."""
        self.generation += 1
        self._version = -1
        self.model.trajectories = (None,) * len(self.model.racers)

    def extend(self) -> None:
        """Compute on to ``model.steps`` (the runs so far go on)."""
        if self.process is not None:
            self.process.extend(self.model.steps)
        else:
            self._compute_now()

    def pull(self) -> None:
        """Take the subprocess's latest results into the model if they are newer (never blocks)."""
        if self.process is None:
            return
        gen, version, trajs = self.process.snapshot()
        if gen == self.generation and version != self._version:
            self._version = version
            self.model.trajectories = tuple(trajs)

    def shutdown(self) -> None:
        """End the subprocess (safe to call twice)."""
        process, self.process = self.process, None
        if process is not None:
            process.shutdown()

    # -- what is there -----------------------------------------------------------------------
    def available(self) -> int:
        """Highest step every still-running racer has reached (diverged racers do not hold others back)."""
        trajs, steps = self.model.trajectories, self.model.steps
        if not trajs or any(t is None for t in trajs):
            return 0
        reach = [steps if t.diverged_at is not None else len(t.xy) - 1 for t in trajs]
        return max(0, min(min(reach), steps))

    def computed(self) -> int:
        """Most steps any racer has computed."""
        have = [len(t.xy) - 1 for t in self.model.trajectories if t is not None]
        return max(have) if have else 0

    def all_done(self) -> bool:
        """Every racer computed to the last step (or diverged)."""
        trajs, steps = self.model.trajectories, self.model.steps
        return bool(trajs) and all(t is not None and (t.diverged_at is not None or len(t.xy) - 1 >= steps)
                                   for t in trajs)

    @property
    def busy_ms(self) -> float:
        """Longest chunk the subprocess computed for the current job (0 when not threaded)."""
        return self.process.busy_ms if self.process is not None else 0.0

    # -- helpers -----------------------------------------------------------------------------
    def _compute_now(self, racers=None) -> None:
        m = self.model
        try:
            m.trajectories = tuple(compute_all(m.surface_object, racers or m.engine_racers(), m.start, m.steps))
        except (ValueError, TypeError) as exc:
            m.error = str(exc)

    def _on_worker_error(self, gen: int, text: str) -> None:
        if gen == self.generation:
            self.model.error = text
