"""Maps of many runs at once: basins of attraction, and a hyperparameter map.

Both maps run ``core.trajectories.run_map`` off the GUI thread, through a job runner the app injects
(``runner_factory``: ``playground.workers.map_runner.MapRunner`` or one with its API), and show progress;
both can be cancelled, and a change of context while a map runs restarts it. Each job is a picklable
``functools.partial`` (``core.trajectories.map_axes.make_map_job``): a runner may send it to a child process.

* **Basins**: one run per cell of a grid of starts over the surface's domain (cell centres; the cell
  edges are the domain's edges), each cell coloured by its outcome (minimum k, elsewhere, diverged,
  not converged). Clicking a cell replays that start through the same engine path (``run_map`` on
  the single row with the same row id, ``record=True``) and draws its path.
* **Hyperparameter map** (Goh, "Why Momentum Really Works", Distill 2017): one run from the racer's
  start per cell of a grid of two hyperparameters, coloured by final loss (log) or steps to
  converge. Clicking a cell asks the page to add a racer with those values.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from core.trajectories.map_axes import hparams_with, make_map_job, racer_value, recorded_path, row_hparams_for
from widgets.hparam_axes import KEYS as HPARAM_KEYS
from widgets.hparam_axes import HparamAxes
from widgets.hparam_map_view import HparamMapView
from widgets.outcome_map_view import OutcomeMapView, cell_grid
from widgets.theme import LIGHT, Theme

RESTART_DELAY_MS = 150


def _key(*parts) -> str:
    """What a map was computed for, as text: equal text, equal map (surface spec, racer, grid...)."""
    def plain(v):
        if isinstance(v, np.ndarray):
            return [float(x) for x in v.ravel()]
        if dataclasses.is_dataclass(v):
            return plain(dataclasses.asdict(v))
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        return v if v is None or isinstance(v, (bool, int, float, str)) else repr(v)
    return json.dumps(plain(list(parts)), sort_keys=True)


class MapsPanel(QWidget):
    """Two tabs, "Basins" and "Hyperparameter map", computed off the GUI thread.

    Parameters
    ----------
    runner_factory : callable(name) -> runner
        Makes one job runner per kind of map ("basins", "replay", "hparams") with the API of
        ``playground.workers.map_runner.MapRunner``: ``start(job) -> id``, ``cancel()``, ``shutdown()``,
        ``is_running()``, ``last_elapsed_s`` and the signals ``sigProgress(float)``, ``sigResult(object)``,
        ``sigFailed(str)``, ``sigBusy(bool)``.
    theme : Theme

    Signals
    -------
    sigMapSettingsChanged(dict)
        The user changed a setting of :meth:`map_settings` (or a new racer brought its default axes).
    sigReplayStart(float, float)
        A basin cell was clicked: its start (x0, y0).
    sigAddRacer(dict)
        A hyperparameter cell was clicked: ``dict(optimizer=name, hparams=full hparams dict)``.
    sigBasinsReady(object)
        The basin map finished (the ``MapResult``).
    sigHparamsReady(object)
        The hyperparameter map finished (the ``MapResult``).
    sigReplayed(str)
        The replay of a clicked cell finished with this outcome label.

    Attributes
    ----------
    last_replay_label, last_replay_cell : str, (row, col)
        Outcome of the last replay and the cell it came from (compare with
        ``basin_view.label_at(*last_replay_cell)``).
    basin_seconds, hparam_seconds : float
        Wall time of the last finished map, measured in its worker.
    """

    sigReplayStart = Signal(float, float)
    sigAddRacer = Signal(dict)
    sigBasinsReady = Signal(object)
    sigHparamsReady = Signal(object)
    sigReplayed = Signal(str)
    sigMapSettingsChanged = Signal(dict)

    def __init__(self, runner_factory: Callable[[str], object], theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._spec = None
        self._surface = None
        self._racer = None
        self._start = (0.0, 0.0)
        self._steps = 200
        self._basin_ctx = None  # (surface, racer, steps, xs, ys, starts) of the map shown
        self._hp_ctx = None     # (racer, xkey, ykey, xs, ys, metric) of the map shown
        self.basin_result = None
        self.hparam_result = None
        self.last_replay_label: str | None = None
        self.last_replay_cell: tuple[int, int] | None = None
        self.last_replay_path: np.ndarray | None = None
        self.basin_seconds = self.hparam_seconds = float("nan")
        self._pending: set[str] = set()

        # Injected: widgets never import the app, and the app may run the (picklable) jobs in a child.
        self._basins = runner_factory("basins")
        self._replay = runner_factory("replay")
        self._hparams = runner_factory("hparams")
        self._restart = QTimer(self)
        self._restart.setObjectName("maps-restart")
        self._restart.setSingleShot(True)
        self._restart.setInterval(RESTART_DELAY_MS)
        self._restart.timeout.connect(self._on_restart_timeout)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_basins_tab(), "Basins")
        self.tabs.addTab(self._build_hparams_tab(), "Hyperparameter map")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self._basins.sigProgress.connect(self._on_basins_progress)
        self._basins.sigResult.connect(self._on_basins_result)
        self._basins.sigFailed.connect(self._on_basins_failed)
        self._basins.sigBusy.connect(self._on_basins_busy)
        self._replay.sigResult.connect(self._on_replay_result)
        self._replay.sigFailed.connect(self._on_basins_failed)
        self._hparams.sigProgress.connect(self._on_hparams_progress)
        self._hparams.sigResult.connect(self._on_hparams_result)
        self._hparams.sigFailed.connect(self._on_hparams_failed)
        self._hparams.sigBusy.connect(self._on_hparams_busy)
        self.basin_view.sigCellClicked.connect(self._on_basin_view_clicked)
        self.hparam_view.sigCellClicked.connect(self._on_hparam_view_clicked)
        for sig in (self.tabs.currentChanged, self.basin_res.valueChanged, self.axes.sigEdited):
            sig.connect(self._settings_edited)
        self.set_theme(theme)

    # -- construction -------------------------------------------------------------
    def _build_basins_tab(self) -> QWidget:
        page = QWidget()
        self.basin_res = QSpinBox()
        self.basin_res.setRange(10, 300)
        self.basin_res.setValue(100)
        self.basin_res.setToolTip("Starts per side: the map runs this many squared.")
        self.basin_compute = QPushButton("Compute")
        self.basin_cancel = QPushButton("Cancel")
        self.basin_cancel.setEnabled(False)
        self.basin_progress = QProgressBar()
        self.basin_progress.setRange(0, 1000)
        self.basin_progress.setTextVisible(False)
        self.basin_status = QLabel("Press Compute: every cell is one run from its centre.")
        self.basin_status.setWordWrap(True)
        self.basin_view = OutcomeMapView(theme=self._theme)
        # Two short rows: the side panel is ~370 px wide at 1280x720.
        row = QHBoxLayout()
        row.addWidget(QLabel("Starts per side"))
        row.addWidget(self.basin_res)
        row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.basin_compute)
        buttons.addWidget(self.basin_cancel)
        buttons.addWidget(self.basin_progress, 1)
        lay = QVBoxLayout(page)
        lay.addLayout(row)
        lay.addLayout(buttons)
        lay.addWidget(self.basin_view, 1)
        lay.addWidget(self.basin_status)
        self.basin_compute.clicked.connect(self._on_basin_compute_clicked)
        self.basin_cancel.clicked.connect(self._on_basin_cancel_clicked)
        return page

    def _build_hparams_tab(self) -> QWidget:
        page = QWidget()
        self.axes = HparamAxes()
        # The axes' controls under the names the panel always had.
        a = self.axes
        self.x_combo, self.y_combo, self.metric_combo, self.hp_res = a.x_combo, a.y_combo, a.metric_combo, a.res
        self.x_lo, self.x_hi, self.y_lo, self.y_hi = a.x_lo, a.x_hi, a.y_lo, a.y_hi
        self.hp_compute = QPushButton("Compute")
        self.hp_cancel = QPushButton("Cancel")
        self.hp_cancel.setEnabled(False)
        self.hp_progress = QProgressBar()
        self.hp_progress.setRange(0, 1000)
        self.hp_progress.setTextVisible(False)
        self.hp_status = QLabel("Every cell is one run from the racer's start with that cell's values.")
        self.hp_status.setWordWrap(True)
        self.hparam_view = HparamMapView(theme=self._theme)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hp_compute)
        buttons.addWidget(self.hp_cancel)
        buttons.addWidget(self.hp_progress, 1)
        lay = QVBoxLayout(page)
        lay.addWidget(self.axes)
        lay.addLayout(buttons)
        lay.addWidget(self.hparam_view, 1)
        lay.addWidget(self.hp_status)
        self.hp_compute.clicked.connect(self._on_hp_compute_clicked)
        self.hp_cancel.clicked.connect(self._on_hp_cancel_clicked)
        return page

    # -- public API ------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Apply ``theme`` (fonts sized for the back row)."""
        self._theme = theme
        font = QFont(self.font())
        font.setPointSize(theme.font_pt)
        self.setFont(font)
        self.basin_view.set_theme(theme)
        self.hparam_view.set_theme(theme)

    def set_context(self, surface_spec, racer, start, steps: int) -> None:
        """Set what the maps run: the surface (a spec string, or a ``core.surfaces.Surface`` already built),
        the selected racer (``core.trajectories.Racer``), the start used by the hyperparameter map, and
        the number of steps.

        A map that is computing is cancelled and restarted with the new context (after
        ``RESTART_DELAY_MS`` of quiet, so a dragged slider does not start a map per tick).

        Raises
        ------
        ValueError
            From ``core.surfaces.get_surface`` for a bad spec, or ``optimizer_info`` for an unknown name.
        """
        from core.surfaces import get_surface

        built = surface_spec if hasattr(surface_spec, "spec") else None
        spec = built.spec if built is not None else surface_spec
        new_surface = spec != self._spec
        old_opt = getattr(self._racer, "optimizer", None)
        self._spec = spec
        if new_surface or self._surface is None:
            self._surface = built if built is not None else get_surface(spec)
            self.basin_view.set_domain(self._surface.domain)
            self.basin_view.set_minima(self._surface.minima)
        self._racer = racer
        self._start = (float(start[0]), float(start[1]))
        self._steps = int(steps)
        if racer.optimizer != old_opt or new_surface:
            self.axes.set_racer(racer.optimizer, racer.hparams, self._curvature_scale)
            self._settings_edited()  # the new racer's default axes
        for kind, runner in (("basins", self._basins), ("hparams", self._hparams)):
            if runner.is_running() or kind in self._pending:
                runner.cancel()
                self._pending.add(kind)
        self._replay.cancel()
        if self._pending:
            self._restart.start()

    def hparam_context(self) -> tuple[str, str, np.ndarray, np.ndarray] | None:
        """(x name, y name, x values, y values) of the hyperparameter map shown, or None before one."""
        if self._hp_ctx is None or self.hparam_result is None:
            return None
        _, xkey, ykey, xv, yv, _, _ = self._hp_ctx
        return xkey, ykey, np.asarray(xv, float), np.asarray(yv, float)

    def map_settings(self) -> dict:
        """What the user set: the open tab, each map's resolution, the two axes, their ranges and the metric.

        Plain values (TOML-able): ``{"tab": str, "basin_res": int, "hp_res": int, "metric": str,
        "x": str, "y": str, "x_range": [lo, hi], "y_range": [lo, hi]}``; a range the user typed that is
        not a number is kept as its text.
        """
        return {"tab": self.tabs.tabText(self.tabs.currentIndex()), "basin_res": int(self.basin_res.value()),
                **self.axes.settings()}

    def set_map_settings(self, settings: dict) -> None:
        """Show ``settings`` (keys of :meth:`map_settings`, any subset); no signal.

        An axis the current racer's optimizer does not have is left as it is.

        Raises
        ------
        ValueError
            Naming the key whose value does not fit (nothing is changed then).
        """
        d = dict(settings)
        unknown = set(d) - {"tab", "basin_res"} - set(HPARAM_KEYS)
        if unknown:
            raise ValueError(f"map settings: unknown key(s) {', '.join(sorted(unknown))}")
        tabs = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        if "tab" in d and d["tab"] not in tabs:
            raise ValueError(f"map settings: tab must be one of {', '.join(tabs)}, got {d['tab']!r}")
        res = d.get("basin_res", self.basin_res.value())
        if isinstance(res, bool) or not isinstance(res, int) or not self.basin_res.minimum() <= res <= self.basin_res.maximum():
            raise ValueError(f"map settings: basin_res must be a whole number in "
                             f"[{self.basin_res.minimum()}, {self.basin_res.maximum()}], got {res!r}")
        self.axes.check_settings(d)
        for w in (self.tabs, self.basin_res):
            w.blockSignals(True)
        try:
            if "tab" in d:
                self.tabs.setCurrentIndex(tabs.index(d["tab"]))
            self.basin_res.setValue(int(res))
        finally:
            for w in (self.tabs, self.basin_res):
                w.blockSignals(False)
        self.axes.set_settings(d)

    def compute_basins(self) -> None:
        """Start the basin map now (cancelling one in progress)."""
        if self._racer is None:
            return
        n = int(self.basin_res.value())
        surface, racer, steps = self._surface, self._racer, self._steps
        xs, ys = cell_grid(surface.domain, n, n)
        gx, gy = np.meshgrid(xs, ys)  # (n, n): row j is ys[j]
        starts = np.column_stack([gx.ravel(), gy.ravel()])  # (n*n, 2), row-major: k = j*n + i
        row_ids = np.arange(n * n)
        self._basin_ctx = (surface, racer, steps, xs, ys, starts)
        self.basin_view.clear_outcomes()
        self.basin_progress.setValue(0)
        self._say(self.basin_status, f"Computing {n}×{n} runs of {steps} steps …")

        self._basins.start(make_map_job(surface.spec, racer, starts, steps, row_ids=row_ids))

    def compute_hparams(self) -> None:
        """Start the hyperparameter map now (cancelling one in progress)."""
        if self._racer is None:
            return
        try:
            xkey, ykey, xv, yv, xlog, ylog = self.axes.grid()
        except ValueError as exc:
            self._say(self.hp_status, f"Cannot compute: {exc}")
            return
        surface, racer, steps, start = self._surface, self._racer, self._steps, self._start
        gx, gy = np.meshgrid(xv, yv)  # (ny, nx)
        n = gx.size
        starts = np.tile(np.asarray(start, float), (n, 1))  # (n, 2)
        cols = {xkey: gx.ravel()} if xkey == ykey else {xkey: gx.ravel(), ykey: gy.ravel()}
        row_hparams = row_hparams_for(racer.hparams, cols)
        metric = self.axes.metric_name()
        self._hp_ctx = (racer, xkey, ykey, xv, yv, metric, surface)
        self._hp_start = start
        self.hparam_view.set_axes(xkey, xv, xlog, ykey, yv, ylog)
        self.hp_progress.setValue(0)
        self._say(self.hp_status, f"Computing {len(xv)}×{len(yv)} runs of {steps} steps …")

        self._hparams.start(make_map_job(surface.spec, racer, starts, steps, row_hparams=row_hparams))

    # -- results (a session's side file) ---------------------------------------------
    def _basin_key(self, ctx) -> str:
        surface, racer, steps, xs, ys, _ = ctx
        return _key(surface.spec, racer, steps, xs, ys)

    def _hparam_key(self, ctx, start) -> str:
        racer, xkey, ykey, xv, yv, metric, surface = ctx
        return _key(surface.spec, racer, self._steps, xv, yv, xkey, ykey, metric, start)

    def results(self) -> dict:
        """The maps shown, with what they were computed for: plain values and arrays (``MapResult``).

        ``{"basins": {"key": str, "result": MapResult, "seconds": float}, "hparams": {...}}``; a map
        not computed is left out.
        """
        out = {}
        if self.basin_result is not None and self._basin_ctx is not None:
            out["basins"] = {"key": self._basin_key(self._basin_ctx), "result": self.basin_result,
                             "seconds": float(self.basin_seconds)}
        if self.hparam_result is not None and self._hp_ctx is not None:
            out["hparams"] = {"key": self._hparam_key(self._hp_ctx, self._hp_start), "result": self.hparam_result,
                              "seconds": float(self.hparam_seconds)}
        return out

    def restore_results(self, results: dict) -> list[str]:
        """Show maps :meth:`results` took, where they fit the current context and settings.

        Returns
        -------
        list[str]
            The maps left out, each with why ("basins: computed for other settings").
        """
        skipped = []
        if self._racer is None:
            return [f"{k}: no racer to show it for" for k in results]
        if "basins" in results:
            r = results["basins"]
            n = int(self.basin_res.value())
            xs, ys = cell_grid(self._surface.domain, n, n)
            gx, gy = np.meshgrid(xs, ys)
            ctx = (self._surface, self._racer, self._steps, xs, ys, np.column_stack([gx.ravel(), gy.ravel()]))
            if r.get("key") != self._basin_key(ctx) or np.asarray(r["result"].outcome).size != n * n:
                skipped.append("basins: computed for other settings")
            else:
                self._basin_ctx = ctx
                self._show_basins(r["result"], float(r.get("seconds", float("nan"))))
        if "hparams" in results:
            r = results["hparams"]
            try:
                xkey, ykey, xv, yv, xlog, ylog = self.axes.grid()
            except ValueError:
                xkey = None
            ctx = None if xkey is None else (self._racer, xkey, ykey, xv, yv, self.axes.metric_name(), self._surface)
            if ctx is None or r.get("key") != self._hparam_key(ctx, self._start):
                skipped.append("hyperparameter map: computed for other settings")
            else:
                self._hp_ctx, self._hp_start = ctx, self._start
                self.hparam_view.set_axes(xkey, xv, xlog, ykey, yv, ylog)
                self._show_hparams(r["result"], float(r.get("seconds", float("nan"))))
        return skipped

    def cancel(self) -> None:
        """Cancel both maps and any replay (without blocking)."""
        self._restart.stop()
        self._pending.clear()
        for runner in (self._basins, self._hparams, self._replay):
            runner.cancel()

    def is_busy(self) -> bool:
        """True while any map or replay is computing or about to restart."""
        return bool(self._pending) or any(r.is_running() for r in (self._basins, self._hparams, self._replay))

    def shutdown(self) -> None:
        """Stop every worker and wait for its thread (set stop event, quit, wait)."""
        self._restart.stop()
        self._pending.clear()
        for runner in (self._basins, self._hparams, self._replay):
            runner.shutdown()

    def basin_cell_at_scene(self, scene_pos) -> tuple[int, int] | None:
        """The basin map's (row, col) under a scene position, or None."""
        return self.basin_view.cell_at_scene(scene_pos)

    def click_basin_cell(self, row: int, col: int) -> None:
        """Do what a click on basin cell (row, col) does: emit sigReplayStart and replay the start."""
        if self._basin_ctx is None or self.basin_result is None:
            return
        surface, racer, steps, xs, ys, starts = self._basin_ctx
        k = int(row) * len(xs) + int(col)
        x0, y0 = float(starts[k, 0]), float(starts[k, 1])
        self.sigReplayStart.emit(x0, y0)
        self.last_replay_cell = (int(row), int(col))
        self.last_replay_label = None
        start = starts[k : k + 1].copy()  # (1, 2): the very same row
        row_ids = np.array([k])

        self._replay.start(make_map_job(surface.spec, racer, start, steps, row_ids=row_ids, record=True))

    def click_hparam_cell(self, row: int, col: int) -> dict | None:
        """Do what a click on hyperparameter cell (row, col) does: emit sigAddRacer; return the dict."""
        if self._hp_ctx is None or self.hparam_result is None:
            return None
        racer, xkey, ykey = self._hp_ctx[:3]
        xval, yval = self.hparam_view.values_at(row, col)
        hp = hparams_with(racer.hparams, {xkey: xval, ykey: yval})
        spec = dict(optimizer=racer.optimizer, hparams=hp)
        self.hparam_view.set_marker(xval, yval)
        self.sigAddRacer.emit(spec)
        return spec

    # -- hyperparameter axes ---------------------------------------------------------
    def _curvature_scale(self) -> float | None:
        """Largest |curvature| at the start and the listed minima (sets the lr range)."""
        try:
            import torch

            pts = [self._start] + list(self._surface.minima)
            h = self._surface.hessian(torch.tensor(pts, dtype=torch.float64)).numpy()
            lam = float(np.nanmax(np.abs(np.linalg.eigvalsh(0.5 * (h + h.transpose(0, 2, 1))))))
            return lam if math.isfinite(lam) and lam > 0 else None
        except Exception:  # noqa: BLE001  (a surface without a usable Hessian: use the racer's lr)
            logging.getLogger(__name__).debug("no curvature for the lr range on %s", self._spec, exc_info=True)
            return None

    # -- slots -------------------------------------------------------------------------
    def _say(self, label: QLabel, text: str) -> None:
        """Set a status line; the tab widget re-measures, since a hidden tab's new text does not reach
        its size (docs/traps.md): a restored map and a computed one were laid out 8 px apart."""
        label.setText(text)
        self.tabs.updateGeometry()

    def _settings_edited(self, *_) -> None:
        self.sigMapSettingsChanged.emit(self.map_settings())

    def _on_restart_timeout(self) -> None:
        pending, self._pending = self._pending, set()
        if "basins" in pending:
            self.compute_basins()
        if "hparams" in pending:
            self.compute_hparams()

    def _on_basin_compute_clicked(self) -> None:
        self.compute_basins()

    def _on_basin_cancel_clicked(self) -> None:
        self._pending.discard("basins")
        self._basins.cancel()
        self._say(self.basin_status, "Cancelled.")

    def _on_hp_compute_clicked(self) -> None:
        self.compute_hparams()

    def _on_hp_cancel_clicked(self) -> None:
        self._pending.discard("hparams")
        self._hparams.cancel()
        self._say(self.hp_status, "Cancelled.")

    def _on_basins_busy(self, busy: bool) -> None:
        self.basin_cancel.setEnabled(busy)

    def _on_hparams_busy(self, busy: bool) -> None:
        self.hp_cancel.setEnabled(busy)

    def _on_basins_progress(self, frac: float) -> None:
        self.basin_progress.setValue(int(1000 * frac))

    def _on_hparams_progress(self, frac: float) -> None:
        self.hp_progress.setValue(int(1000 * frac))

    def _on_basins_result(self, result) -> None:
        self._show_basins(result, self._basins.last_elapsed_s)

    def _show_basins(self, result, seconds: float) -> None:
        surface, racer, steps, xs, ys, _ = self._basin_ctx
        self.basin_result = result
        self.basin_seconds = seconds
        codes = np.asarray(result.outcome).reshape(len(ys), len(xs))
        self.basin_view.set_outcomes(codes, list(result.labels), surface.domain)
        self.basin_progress.setValue(1000)
        self._say(self.basin_status, f"{len(xs)}×{len(ys)} runs of {steps} steps in {self.basin_seconds:.2f} s. "
                                  "Click a cell to replay its start.")
        self.sigBasinsReady.emit(result)

    def _on_basins_failed(self, text: str) -> None:
        self._say(self.basin_status, "Map failed: " + text.splitlines()[0])

    def _on_replay_result(self, result) -> None:
        label = list(result.labels)[int(np.asarray(result.outcome)[0])]
        self.last_replay_label = label
        path = recorded_path(result)
        self.last_replay_path = path
        self.basin_view.set_path(path)
        row, col = self.last_replay_cell
        shown = self.basin_view.label_at(row, col)
        x0, y0 = self.basin_view.cell_center(row, col)
        same = "same as the map" if shown == label else f"the map shows {shown}"
        self._say(self.basin_status, f"Replayed ({x0:.3g}, {y0:.3g}): {label} ({same}).")
        self.sigReplayed.emit(label)

    def _on_hparams_result(self, result) -> None:
        self._show_hparams(result, self._hparams.last_elapsed_s)

    def _show_hparams(self, result, seconds: float) -> None:
        racer, xkey, ykey, xv, yv, metric, surface = self._hp_ctx
        self.hparam_result = result
        self.hparam_seconds = seconds
        labels = list(result.labels)
        codes = np.asarray(result.outcome).reshape(len(yv), len(xv))
        diverged = codes == labels.index("diverged")
        if metric == "steps to converge":
            values = np.asarray(result.steps, float).reshape(len(yv), len(xv))
            self.hparam_view.set_values(values, diverged, log=False, label="steps")
        else:
            loss = np.asarray(result.final_loss, float).reshape(len(yv), len(xv))
            f_min = surface.f_min
            if f_min is None:
                finite = loss[np.isfinite(loss) & ~diverged]
                f_min = float(finite.min()) if finite.size else 0.0
            self.hparam_view.set_values(loss - f_min, diverged, log=True, label="(loss − f*)")  # short: the bar is as tall as a small map
        self.hparam_view.set_marker(racer_value(racer.hparams, xkey, 0.0), racer_value(racer.hparams, ykey, 0.0))
        self.hp_progress.setValue(1000)
        self._say(self.hp_status, f"{len(xv)}×{len(yv)} runs of {self._steps} steps in {self.hparam_seconds:.2f} s. "
                               "The ring marks the racer.")
        self.sigHparamsReady.emit(result)

    def _on_hparams_failed(self, text: str) -> None:
        self._say(self.hp_status, "Map failed: " + text.splitlines()[0])

    def _on_basin_view_clicked(self, row: int, col: int) -> None:
        self.click_basin_cell(row, col)

    def _on_hparam_view_clicked(self, row: int, col: int) -> None:
        self.click_hparam_cell(row, col)

