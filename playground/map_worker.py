"""Run map computations (``core.trajectories.run_map``) off the GUI thread.

A :class:`MapWorker` is a QObject moved to its own QThread; it calls one job function
``job(progress, stop) -> result`` and reports progress and the result by queued signals. A
:class:`MapJobRunner` (living on the GUI thread) owns the threads: starting a new job cancels the
running one WITHOUT waiting for it (its late result is dropped by job id), so a restart never blocks
the GUI; :meth:`MapJobRunner.shutdown` sets every stop event, then ``quit()`` and ``wait()``
(docs/traps.md: destroying a running QThread aborts the process).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from playground.log import details_hint
from playground.warmup import warm_up

log = logging.getLogger(__name__)

#: How long :meth:`MapJobRunner.shutdown` waits for a thread before it logs and asks it again (ms).
SHUTDOWN_ASK_MS = 2000
#: Minimum progress step (fraction) and time (s) between two progress signals.
PROGRESS_STEP = 0.01
PROGRESS_INTERVAL = 0.05


class MapWorker(QObject):
    """Calls ``job(progress=callable(frac), stop=callable() -> bool)`` once, in its thread.

    Signals
    -------
    sigProgress(int, float)
        Job id and fraction done, at most every 1 % or 50 ms.
    sigResult(int, object)
        Job id and the job's return value (numpy arrays), unless stopped.
    sigFailed(int, str)
        Job id and the error in one line (the traceback goes to the log, whose file it names).
    sigFinished(int)
        Always last.
    """

    sigProgress = Signal(int, float)
    sigResult = Signal(int, object)
    sigFailed = Signal(int, str)
    sigFinished = Signal(int)

    def __init__(self, job_id: int, job: Callable):
        super().__init__()
        self.job_id = job_id
        self._job = job
        self._stop = threading.Event()
        self._last = (-1.0, 0.0)
        self.elapsed_s = float("nan")

    def stop(self) -> None:
        """Ask the job to stop at its next check (thread-safe)."""
        self._stop.set()

    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stop.is_set()

    def _progress(self, frac: float) -> None:
        now = time.monotonic()
        last_frac, last_t = self._last
        if frac >= 1.0 or frac - last_frac >= PROGRESS_STEP or now - last_t >= PROGRESS_INTERVAL:
            self._last = (frac, now)
            self.sigProgress.emit(self.job_id, float(frac))

    @Slot()
    def run(self) -> None:
        """Run the job (connected to ``QThread.started``)."""
        import torch

        torch.set_num_threads(1)  # docs/traps.md: torch's pool in a worker fights the GUI thread on 2 cores
        t0 = time.perf_counter()
        try:
            result = self._job(progress=self._progress, stop=self._stop.is_set)
            self.elapsed_s = time.perf_counter() - t0
            if not self._stop.is_set():
                self.sigResult.emit(self.job_id, result)
        except Exception as exc:  # noqa: BLE001  (reported to the GUI, never raised in a thread)
            first = (str(exc).splitlines() or [""])[0]
            if isinstance(exc, ValueError):  # core's word for bad input: the message says it all
                log.info("map job %d: %s", self.job_id, first)
                text = first
            else:
                log.exception("map job %d failed", self.job_id)
                text = f"{type(exc).__name__}: {first} ({details_hint()})"
            if not self._stop.is_set():
                self.sigFailed.emit(self.job_id, text)
        finally:
            self.sigFinished.emit(self.job_id)


class MapJobRunner(QObject):
    """Owns the worker threads of one kind of map; only the newest job reports.

    Signals
    -------
    sigProgress(float)
        Fraction done of the current job.
    sigResult(object)
        The current job's result.
    sigFailed(str)
        The current job failed.
    sigBusy(bool)
        A current job started (True) or ended (False).
    """

    sigProgress = Signal(float)
    sigResult = Signal(object)
    sigFailed = Signal(str)
    sigBusy = Signal(bool)

    def __init__(self, name: str = "map", parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self._next_id = 0
        self._current: int | None = None
        self._jobs: dict[int, tuple[QThread, MapWorker]] = {}
        self.last_elapsed_s = float("nan")

    def is_running(self) -> bool:
        """True while the current job has not finished."""
        return self._current is not None

    def thread_count(self) -> int:
        """Threads not yet finished (cancelled ones included)."""
        return len(self._jobs)

    def start(self, job: Callable) -> int:
        """Cancel the current job (without waiting) and start ``job`` in a new thread; return its id."""
        warm_up()  # torch's lazy imports on this (GUI) thread, never in the worker
        self.cancel()
        self._next_id += 1
        job_id = self._next_id
        thread = QThread()
        thread.setObjectName(f"{self.name}-{job_id}")
        worker = MapWorker(job_id, job)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.sigProgress.connect(self._on_worker_progress)
        worker.sigResult.connect(self._on_worker_result)
        worker.sigFailed.connect(self._on_worker_failed)
        worker.sigFinished.connect(thread.quit)  # queued to the thread's own loop
        thread.finished.connect(self._on_thread_finished)
        self._jobs[job_id] = (thread, worker)
        self._current = job_id
        thread.start()
        self.sigBusy.emit(True)
        return job_id

    def cancel(self) -> None:
        """Stop the current job; its thread ends on its own and its result is dropped."""
        if self._current is None:
            return
        _, worker = self._jobs.get(self._current, (None, None))
        if worker is not None:
            worker.stop()
        self._current = None
        self.sigBusy.emit(False)

    def shutdown(self, timeout_ms: int | None = None) -> None:
        """Stop every job and wait for its thread: set the stop event, ``quit()``, ``wait()``.

        Never raises, and never returns while one of its threads still runs: destroying a running
        QThread aborts the process (docs/traps.md). A job that ignores its stop event is logged every
        ``timeout_ms`` (default :data:`SHUTDOWN_ASK_MS`), asked again, and waited for.
        """
        step = SHUTDOWN_ASK_MS if timeout_ms is None else int(timeout_ms)
        self.cancel()
        for thread, worker in list(self._jobs.values()):
            worker.stop()
        for job_id, (thread, worker) in list(self._jobs.items()):
            thread.quit()
            waited = 0
            while not thread.wait(step):
                waited += step
                log.warning("map thread %s still running %d ms after it was asked to stop; asking again "
                            "and waiting", thread.objectName(), waited)
                worker.stop()
                thread.quit()
            self._release(job_id)

    # -- slots ----------------------------------------------------------------------
    def _on_worker_progress(self, job_id: int, frac: float) -> None:
        if job_id == self._current:
            self.sigProgress.emit(frac)

    def _on_worker_result(self, job_id: int, result) -> None:
        if job_id == self._current:
            _, worker = self._jobs[job_id]
            self.last_elapsed_s = worker.elapsed_s
            self._current = None
            self.sigResult.emit(result)
            self.sigBusy.emit(False)

    def _on_worker_failed(self, job_id: int, text: str) -> None:
        if job_id == self._current:
            self._current = None
            self.sigFailed.emit(text)
            self.sigBusy.emit(False)

    def _on_thread_finished(self) -> None:
        for job_id, (thread, _) in list(self._jobs.items()):
            if thread.isFinished():
                self._release(job_id)

    def _release(self, job_id: int) -> None:
        thread, worker = self._jobs.pop(job_id)
        if job_id == self._current:  # finished without a result (should not happen)
            self._current = None
            self.sigBusy.emit(False)
        worker.deleteLater()
        thread.deleteLater()
