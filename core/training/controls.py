"""Babysitting: knobs the GUI turns while a run is going (thread-safe, applied at the next step).

The GUI thread assigns fields; the trainer calls :meth:`TrainControls.take` once per step, which
returns and clears the pending changes under the lock.

Learning rate and schedules
---------------------------
A scheduler's ``step()`` overwrites an lr set by hand (docs/traps.md). So a new lr *rebases* the
schedule instead: the trainer keeps the schedule's own value :math:`s_t` and a factor
:math:`f`; on a change to :math:`\\eta_{new}` at step :math:`t_0` it sets
:math:`f = \\eta_{new} / s_{t_0}` and from then on uses :math:`\\eta_t = f\\, s_t` (the
schedule keeps its shape, scaled to pass through the new value). Before each scheduler step the
optimizer's lr is put back to :math:`s_t`, so chainable schedules (which multiply the current
lr) never compound the factor. Without a schedule the new lr simply stays.
"""
from __future__ import annotations

import threading

_FIELDS = ("lr", "l1", "l2", "dropout", "augment", "neuron_grid")


class TrainControls:
    """Mid-run changes: ``lr``, ``l1``, ``l2``, ``dropout`` (p, or one per layer), ``augment`` spec,
    and ``neuron_grid`` (G of the per-unit heatmaps in the snapshots, 0: none; a view, not the run).

    Assign a field (``controls.lr = 0.003``) or call :meth:`set`; call
    :meth:`request_snapshot` to get a Snapshot in the next report. Values are validated by the
    trainer when applied; an invalid one is dropped and reported in the next Metrics' ``message``.
    """

    def __init__(self):
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "_pending", {})
        object.__setattr__(self, "_snapshot", False)

    def __setattr__(self, name, value):
        if name not in _FIELDS:
            raise AttributeError(f"TrainControls has no field {name!r}; fields: {', '.join(_FIELDS)}")
        with self._lock:
            self._pending[name] = value

    def __getattr__(self, name):
        if name in _FIELDS:
            with self._lock:
                return self._pending.get(name)
        raise AttributeError(name)

    def set(self, **changes) -> None:
        """Set several fields at once (atomically)."""
        bad = [k for k in changes if k not in _FIELDS]
        if bad:
            raise AttributeError(f"TrainControls has no field {bad[0]!r}; fields: {', '.join(_FIELDS)}")
        with self._lock:
            self._pending.update(changes)

    def request_snapshot(self) -> None:
        """Ask for a Snapshot in the next report (step or epoch)."""
        with self._lock:
            object.__setattr__(self, "_snapshot", True)

    def take(self) -> tuple[dict, bool]:
        """(pending changes, snapshot requested), clearing both. Called by the trainer."""
        with self._lock:
            pending, snap = self._pending, self._snapshot
            object.__setattr__(self, "_pending", {})
            object.__setattr__(self, "_snapshot", False)
        return pending, snap
