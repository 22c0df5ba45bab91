"""One frame of the optimizer page: the racers at the model's step in every view that shows them."""
from __future__ import annotations

import time

import numpy as np


class Frame:
    """Draws ``page.model``'s racers at ``page.model.step``: trails and arrows on the surface, the loss
    and lr curves, the timeline, the 3-D trails (while that tab is open) and the racers' statuses.

    Relabelling a legend or a list item relayouts it, so a status is written only when it changes.
    """

    def __init__(self, page):
        self.page = page
        self.statuses: dict[int, str] = {}
        self.count = 0
        self._status_t = 0.0

    def draw(self) -> None:
        """Draw the frame."""
        p = self.page
        m = p.model
        step = m.step
        states, series = [], []
        for i, traj in enumerate(m.trajectories):
            if traj is None:
                states.append({"trail": np.empty((0, 2))})
                series.append((np.empty(0), np.empty(0)))
                continue
            k = min(step, len(traj.xy) - 1)
            diverged = traj.diverged_at is not None and step >= traj.diverged_at
            trail = traj.xy[: k + 1]
            finite = np.isfinite(trail).all(axis=1)
            if not finite.all():
                trail = trail[finite]
            states.append({"trail": trail, "grad": traj.grad[k], "velocity": traj.velocity[k],
                           "diverged": diverged})
            series.append((traj.loss, traj.lr))
            self.set_racer_status(i, f"diverged at step {traj.diverged_at}" if diverged else "")
        p.surface_view.set_states(states)
        self.count += 1
        if not m.playing or self.count % 3 == 0:
            # Curves at 20 Hz while playing: their axes re-render text whenever the range grows.
            p.curves.set_steps(m.steps)  # a no-op unless the run length changed
            p.curves.set_data(series, step, complete=p.race.all_done())
        p.playback.set_position(step, p.race.computed(), m.steps)
        now = time.perf_counter()
        if now - self._status_t > 0.5:  # a changing label relayouts the page: twice a second is enough
            self._status_t = now
            p.update_status()
        if p.side_tabs.currentWidget() is p.view3d:
            self.draw_3d()

    def draw_3d(self) -> None:
        """The racers' trails on the 3-D surface (when it has OpenGL)."""
        p = self.page
        if not getattr(p.view3d, "has_gl", False) or p.shown_surface() is None:
            return
        m = p.model
        trails = []
        for i, st in enumerate(m.trajectories):
            if st is None:
                continue
            k = min(m.step, len(st.xy) - 1)
            trails.append((st.xy[: k + 1], st.loss[: k + 1], m.racers[i]["color"]))
        p.view3d.set_trails(trails)

    def set_racer_status(self, i: int, text: str) -> None:
        """Show ``text`` (e.g. "diverged at step 37") after racer ``i``'s label, in the list and the legend."""
        if self.statuses.get(i) == text:
            return  # a legend relabel relayouts the plot: only on change
        p = self.page
        self.statuses[i] = text
        p.racer_panel.set_status(i, text)
        racers = p.model.racers
        label = racers[i]["label"] if i < len(racers) else ""
        p.curves.set_label(i, f"{label} — {text}" if text else label)

    def set_racers(self) -> None:
        """The racers' labels and colours in the surface view and the curves (their statuses written anew)."""
        p = self.page
        pairs = [(r["label"], r.get("color") or p.theme().racer_colors[0]) for r in p.model.racers]
        p.surface_view.set_racers(pairs)
        p.curves.set_racers(pairs)
        self.statuses.clear()
