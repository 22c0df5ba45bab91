"""Frame timing of a page's draw timer: the GUI thread's longest stall and the time spent drawing."""
from __future__ import annotations

import time


class FrameClock:
    """Statistics of a periodic frame timer.

    Parameters
    ----------
    period_ms : float
        The timer's interval: a gap between two ticks beyond it is a stall of the GUI thread.

    Attributes
    ----------
    frame_ms : float
        Rolling mean time of one draw (exponential, weight 0.1 for the newest).
    max_stall_ms : float
        Longest gap between two ticks beyond ``period_ms`` since :meth:`reset_stall`.
    draws : int
        Draws timed so far.
    draw_seconds : float
        Total time spent in timed draws.
    """

    def __init__(self, period_ms: float):
        self.period_ms = float(period_ms)
        self.frame_ms = 0.0
        self.max_stall_ms = 0.0
        self.draws = 0
        self.draw_seconds = 0.0
        self._last_tick: float | None = None

    def tick(self) -> None:
        """Note a timer tick (the gap since the previous one counts toward the stall)."""
        now = time.perf_counter()
        if self._last_tick is not None:
            self.max_stall_ms = max(self.max_stall_ms, (now - self._last_tick) * 1000.0 - self.period_ms)
        self._last_tick = now

    def forget_tick(self) -> None:
        """The timer stopped (or is about to start): the next tick has no previous one to measure from."""
        self._last_tick = None

    def reset_stall(self) -> None:
        """Start measuring the stall afresh (a new playback)."""
        self.max_stall_ms = 0.0
        self._last_tick = None

    def timed(self, draw) -> None:
        """Call ``draw()`` and fold its time into :attr:`frame_ms`."""
        t0 = time.perf_counter()
        draw()
        s = time.perf_counter() - t0
        self.draws += 1
        self.draw_seconds += s
        ms = s * 1000.0
        self.frame_ms = ms if self.frame_ms == 0.0 else 0.9 * self.frame_ms + 0.1 * ms
