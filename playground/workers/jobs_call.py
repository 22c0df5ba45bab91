"""Job kind "call": run a picklable ``fn(progress=callable(frac), stop=callable() -> bool)`` and return its value.

The payload is the callable itself (a module-level function, or a ``functools.partial`` of one:
it is pickled into the child). It runs in a thread of the child, so the child's loop keeps reading
commands (a Cancel sets the ``stop`` the function checks) and serving its other jobs. Progress is a
fraction, sent at most every ``PROGRESS_STEP`` of progress or ``PROGRESS_INTERVAL`` seconds and
coalesced to the latest when out of credit; a ``Notice("elapsed", seconds)`` precedes the Result.
A ValueError fails the job with its message; any other exception with ``"Type: message"`` and the
traceback as details. A cancelled job sends no Result (a failure is still sent, for the log).
"""
from __future__ import annotations

import threading
import time

from playground.workers.child import Job, details, first_line

PROGRESS_STEP = 0.01
PROGRESS_INTERVAL = 0.05
POLL_S = 0.02  # how often the loop looks at the thread while it runs


class CallJob(Job):
    """The callable in a thread; the loop forwards its progress and its end."""

    CREDIT = 2

    def __init__(self, out, payload):
        super().__init__(out, payload)
        if not callable(payload):
            raise ValueError(f"a call job needs a callable, got {type(payload).__name__}")
        self.fn = payload
        self.stop_event = threading.Event()
        self.frac = None  # latest progress not sent yet (written by the thread)
        self.sent = (-1.0, 0.0)  # (fraction, time) of the last Progress
        self.outcome = None  # ("result", value, elapsed) or ("failed", text, details)
        self.thread = threading.Thread(target=self._run, name=f"call-{out.job_id}", daemon=True)
        self.thread.start()

    def _progress(self, frac: float) -> None:
        self.frac = float(frac)

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            value = self.fn(progress=self._progress, stop=self.stop_event.is_set)
            self.outcome = ("result", value, time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - reported by the loop, never raised in a thread
            first = first_line(exc)
            text = first if isinstance(exc, ValueError) else f"{type(exc).__name__}: {first}"
            self.outcome = ("failed", text, details(exc) or "")

    def _due(self) -> bool:
        frac = self.frac
        if frac is None or not self.out.can_send():
            return False
        last, at = self.sent
        return frac >= 1.0 or frac - last >= PROGRESS_STEP or time.perf_counter() - at >= PROGRESS_INTERVAL

    def wake(self):
        if self.thread.is_alive() and not self._due():
            return POLL_S
        return 0.0

    def step(self):
        if self._due():
            frac, self.frac = self.frac, None
            self.sent = (frac, time.perf_counter())
            self.out.progress(frac)
        if self.thread.is_alive():
            return
        self.thread.join()
        kind, a, b = self.outcome or ("failed", "the job ended without a result", "")
        if kind == "failed":
            self.out.failed(a, b)
            self.out.finish("cancelled" if self.stop_event.is_set() else "failed")
        elif self.stop_event.is_set():
            self.out.finish("cancelled")
        else:
            self.out.notice("elapsed", b)
            self.out.result(a)
            self.out.finish("completed")

    def cancel(self):
        # The thread ends at its next stop() check; the job finishes then (step sees the thread end).
        self.stop_event.set()

    def close(self):
        self.stop_event.set()
