"""Maps of many runs at once: basins of attraction, and a hyperparameter map.

Both maps run ``core.trajectories.run_map`` off the GUI thread, through a job runner the app injects
(``runner_factory``: ``playground.map_worker.MapJobRunner`` or one with its API), and show progress;
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

import logging
import math
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QProgressBar,
                               QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from core.trajectories.map_axes import (default_axes, hparams_with, make_map_job, numeric_hparams, racer_value,
                                        recorded_path, row_hparams_for)
from widgets.hparam_map_view import HparamMapView, axis_values
from widgets.outcome_map_view import OutcomeMapView, cell_grid
from widgets.theme import LIGHT, Theme

RESTART_DELAY_MS = 150
METRICS = ("final loss", "steps to converge")


class MapsPanel(QWidget):
    """Two tabs, "Basins" and "Hyperparameter map", computed off the GUI thread.

    Parameters
    ----------
    runner_factory : callable(name) -> runner
        Makes one job runner per kind of map ("basins", "replay", "hparams") with the API of
        ``playground.map_worker.MapJobRunner``: ``start(job) -> id``, ``cancel()``, ``shutdown()``,
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
        for sig in (self.tabs.currentChanged, self.basin_res.valueChanged, self.hp_res.valueChanged,
                    self.metric_combo.currentTextChanged, self.x_combo.currentTextChanged,
                    self.y_combo.currentTextChanged, self.x_lo.editingFinished, self.x_hi.editingFinished,
                    self.y_lo.editingFinished, self.y_hi.editingFinished):
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
        self.x_combo, self.y_combo = QComboBox(), QComboBox()
        self.x_lo, self.x_hi, self.y_lo, self.y_hi = (QLineEdit() for _ in range(4))
        for e in (self.x_lo, self.x_hi, self.y_lo, self.y_hi):
            e.setMinimumWidth(50)
        self.hp_res = QSpinBox()
        self.hp_res.setRange(5, 120)
        self.hp_res.setValue(40)
        self.metric_combo = QComboBox()
        self.metric_combo.addItems(METRICS)
        self.hp_compute = QPushButton("Compute")
        self.hp_cancel = QPushButton("Cancel")
        self.hp_cancel.setEnabled(False)
        self.hp_progress = QProgressBar()
        self.hp_progress.setRange(0, 1000)
        self.hp_progress.setTextVisible(False)
        self.hp_status = QLabel("Every cell is one run from the racer's start with that cell's values.")
        self.hp_status.setWordWrap(True)
        self.hparam_view = HparamMapView(theme=self._theme)
        # Four short rows, so the panel fits the side column at 1280x720 without scrolling sideways.
        grid = QGridLayout()
        for r, (name, combo, lo, hi) in enumerate((("x", self.x_combo, self.x_lo, self.x_hi),
                                                    ("y", self.y_combo, self.y_lo, self.y_hi))):
            grid.addWidget(QLabel(name), r, 0)
            combo.setMinimumContentsLength(7)  # with the icon room: "momentum" whole, not "moment"
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            grid.addWidget(combo, r, 1)
            lo.setToolTip(f"The {name} axis starts at this value.")
            hi.setToolTip(f"The {name} axis ends at this value.")
            grid.addWidget(lo, r, 2)
            grid.addWidget(QLabel("to"), r, 3)
            grid.addWidget(hi, r, 4)
        grid.addWidget(QLabel("Grid"), 2, 0)
        size_and_metric = QHBoxLayout()  # one cell across the combo and range columns: no column grows for it
        size_and_metric.addWidget(self.hp_res)
        size_and_metric.addWidget(self.metric_combo, 1)
        grid.addLayout(size_and_metric, 2, 1, 1, 4)
        for col in (1, 2, 4):
            grid.setColumnStretch(col, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hp_compute)
        buttons.addWidget(self.hp_cancel)
        buttons.addWidget(self.hp_progress, 1)
        lay = QVBoxLayout(page)
        lay.addLayout(grid)
        lay.addLayout(buttons)
        lay.addWidget(self.hparam_view, 1)
        lay.addWidget(self.hp_status)
        self.x_combo.currentTextChanged.connect(self._on_x_combo_changed)
        self.y_combo.currentTextChanged.connect(self._on_y_combo_changed)
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

    def set_context(self, surface_spec: str, racer, start, steps: int) -> None:
        """Set what the maps run: the surface, the selected racer (``core.trajectories.Racer``), the start
        used by the hyperparameter map, and the number of steps.

        A map that is computing is cancelled and restarted with the new context (after
        ``RESTART_DELAY_MS`` of quiet, so a dragged slider does not start a map per tick).

        Raises
        ------
        ValueError
            From ``core.surfaces.get_surface`` for a bad spec, or ``optimizer_info`` for an unknown name.
        """
        from core.surfaces import get_surface

        new_surface = surface_spec != self._spec
        old_opt = getattr(self._racer, "optimizer", None)
        self._spec = surface_spec
        if new_surface or self._surface is None:
            self._surface = get_surface(surface_spec)
            self.basin_view.set_domain(self._surface.domain)
            self.basin_view.set_minima(self._surface.minima)
        self._racer = racer
        self._start = (float(start[0]), float(start[1]))
        self._steps = int(steps)
        if racer.optimizer != old_opt or new_surface:
            self._fill_hparam_combos()
        for kind, runner in (("basins", self._basins), ("hparams", self._hparams)):
            if runner.is_running() or kind in self._pending:
                runner.cancel()
                self._pending.add(kind)
        self._replay.cancel()
        if self._pending:
            self._restart.start()

    def map_settings(self) -> dict:
        """What the user set: the open tab, each map's resolution, the two axes, their ranges and the metric.

        Plain values (TOML-able): ``{"tab": str, "basin_res": int, "hp_res": int, "metric": str,
        "x": str, "y": str, "x_range": [lo, hi], "y_range": [lo, hi]}``; a range the user typed that is
        not a number is kept as its text.
        """
        def rng(lo: QLineEdit, hi: QLineEdit) -> list:
            out = []
            for e in (lo, hi):
                try:
                    out.append(float(e.text()))
                except ValueError:
                    out.append(e.text())
            return out

        return {"tab": self.tabs.tabText(self.tabs.currentIndex()), "basin_res": int(self.basin_res.value()),
                "hp_res": int(self.hp_res.value()), "metric": self.metric_combo.currentText(),
                "x": self.x_combo.currentText(), "y": self.y_combo.currentText(),
                "x_range": rng(self.x_lo, self.x_hi), "y_range": rng(self.y_lo, self.y_hi)}

    def set_map_settings(self, settings: dict) -> None:
        """Show ``settings`` (keys of :meth:`map_settings`, any subset); no signal.

        An axis the current racer's optimizer does not have is left as it is.

        Raises
        ------
        ValueError
            Naming the key whose value does not fit (nothing is changed then).
        """
        d = dict(settings)
        unknown = set(d) - {"tab", "basin_res", "hp_res", "metric", "x", "y", "x_range", "y_range"}
        if unknown:
            raise ValueError(f"map settings: unknown key(s) {', '.join(sorted(unknown))}")
        tabs = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        checks = (("tab", lambda v: v in tabs, f"one of {', '.join(tabs)}"),
                  ("basin_res", lambda v: _whole(v, self.basin_res), "a whole number in [10, 300]"),
                  ("hp_res", lambda v: _whole(v, self.hp_res), "a whole number in [5, 120]"),
                  ("metric", lambda v: v in METRICS, f"one of {', '.join(METRICS)}"),
                  ("x", lambda v: isinstance(v, str), "a hyperparameter name"),
                  ("y", lambda v: isinstance(v, str), "a hyperparameter name"),
                  ("x_range", _pair, "[from, to]"), ("y_range", _pair, "[from, to]"))
        for key, ok, allowed in checks:
            if key in d and not ok(d[key]):
                raise ValueError(f"map settings: {key} must be {allowed}, got {d[key]!r}")
        widgets = (self.tabs, self.basin_res, self.hp_res, self.metric_combo, self.x_combo, self.y_combo,
                   self.x_lo, self.x_hi, self.y_lo, self.y_hi)
        for w in widgets:
            w.blockSignals(True)
        try:
            if "tab" in d:
                self.tabs.setCurrentIndex(tabs.index(d["tab"]))
            if "basin_res" in d:
                self.basin_res.setValue(int(d["basin_res"]))
            if "hp_res" in d:
                self.hp_res.setValue(int(d["hp_res"]))
            if "metric" in d:
                self.metric_combo.setCurrentText(d["metric"])
            for key, combo, lo, hi in (("x", self.x_combo, self.x_lo, self.x_hi), ("y", self.y_combo, self.y_lo, self.y_hi)):
                if key in d and combo.findText(d[key]) >= 0 and d[key] != combo.currentText():
                    combo.setCurrentText(d[key])
                    self._set_range(d[key], lo, hi)
                if f"{key}_range" in d and combo.currentText() == d.get(key, combo.currentText()):
                    for edit, v in zip((lo, hi), d[f"{key}_range"]):
                        edit.setText(v if isinstance(v, str) else f"{float(v):.6g}")
                        edit.setCursorPosition(0)
        finally:
            for w in widgets:
                w.blockSignals(False)

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
        self.basin_status.setText(f"Computing {n}×{n} runs of {steps} steps …")

        self._basins.start(make_map_job(surface.spec, racer, starts, steps, row_ids=row_ids))

    def compute_hparams(self) -> None:
        """Start the hyperparameter map now (cancelling one in progress)."""
        if self._racer is None:
            return
        try:
            xkey, ykey, xv, yv, xlog, ylog = self._hparam_grid()
        except ValueError as exc:
            self.hp_status.setText(f"Cannot compute: {exc}")
            return
        surface, racer, steps, start = self._surface, self._racer, self._steps, self._start
        gx, gy = np.meshgrid(xv, yv)  # (ny, nx)
        n = gx.size
        starts = np.tile(np.asarray(start, float), (n, 1))  # (n, 2)
        cols = {xkey: gx.ravel()} if xkey == ykey else {xkey: gx.ravel(), ykey: gy.ravel()}
        row_hparams = row_hparams_for(racer.hparams, cols)
        metric = self.metric_combo.currentText()
        self._hp_ctx = (racer, xkey, ykey, xv, yv, metric, surface)
        self.hparam_view.set_axes(xkey, xv, xlog, ykey, yv, ylog)
        self.hp_progress.setValue(0)
        self.hp_status.setText(f"Computing {len(xv)}×{len(yv)} runs of {steps} steps …")

        self._hparams.start(make_map_job(surface.spec, racer, starts, steps, row_hparams=row_hparams))

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
    def _fill_hparam_combos(self) -> None:
        opts = numeric_hparams(self._racer.optimizer)
        self._hp_specs = {k: (d, lo, hi, log) for k, d, lo, hi, log in opts}
        xk, yk = default_axes(self._racer.optimizer)
        for combo, key in ((self.x_combo, xk), (self.y_combo, yk)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(list(self._hp_specs))
            combo.setCurrentText(key)
            combo.blockSignals(False)
        self._set_range(self.x_combo.currentText(), self.x_lo, self.x_hi)
        self._set_range(self.y_combo.currentText(), self.y_lo, self.y_hi)
        self._settings_edited()  # the new racer's default axes

    def _suggest_range(self, key: str) -> tuple[float, float]:
        d, lo, hi, log = self._hp_specs[key]
        if key == "lr":
            lam = self._curvature_scale()
            if lam is not None:
                top = 10.0 / lam  # beyond 2(1+beta)/lambda_max: the map shows the edge of divergence
                return max(lo, top * 1e-4), min(hi, top)
            cur = racer_value(self._racer.hparams, key, d)
            return max(lo, cur * 1e-3), min(hi, cur * 1e2)
        if log:
            return lo, hi
        return lo, (0.99 if hi == 1.0 else hi)

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

    def _set_range(self, key: str, lo_edit: QLineEdit, hi_edit: QLineEdit) -> None:
        if key not in getattr(self, "_hp_specs", {}):
            return
        lo, hi = self._suggest_range(key)
        for edit, v in ((lo_edit, lo), (hi_edit, hi)):
            edit.setText(f"{v:.3g}")
            edit.setCursorPosition(0)  # a narrow field shows the leading digits, not "000463"

    def _hparam_grid(self):
        n = int(self.hp_res.value())
        out = []
        for combo, lo_e, hi_e in ((self.x_combo, self.x_lo, self.x_hi), (self.y_combo, self.y_lo, self.y_hi)):
            key = combo.currentText()
            if key not in self._hp_specs:
                raise ValueError("choose two hyperparameters")
            try:
                lo, hi = float(lo_e.text()), float(hi_e.text())
            except ValueError:
                raise ValueError(f"the range of {key} is not a number") from None
            _, vlo, vhi, log = self._hp_specs[key]
            if not (lo < hi):
                raise ValueError(f"{key}: 'from' must be below 'to'")
            if lo < vlo or hi > vhi or (log and lo <= 0):
                raise ValueError(f"{key} must stay within [{vlo:g}, {vhi:g}]")
            out.append((key, axis_values(lo, hi, n, log), log))
        (xk, xv, xl), (yk, yv, yl) = out
        return xk, yk, xv, yv, xl, yl

    # -- slots -------------------------------------------------------------------------
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
        self.basin_status.setText("Cancelled.")

    def _on_hp_compute_clicked(self) -> None:
        self.compute_hparams()

    def _on_hp_cancel_clicked(self) -> None:
        self._pending.discard("hparams")
        self._hparams.cancel()
        self.hp_status.setText("Cancelled.")

    def _on_x_combo_changed(self, key: str) -> None:
        self._set_range(key, self.x_lo, self.x_hi)

    def _on_y_combo_changed(self, key: str) -> None:
        self._set_range(key, self.y_lo, self.y_hi)

    def _on_basins_busy(self, busy: bool) -> None:
        self.basin_cancel.setEnabled(busy)

    def _on_hparams_busy(self, busy: bool) -> None:
        self.hp_cancel.setEnabled(busy)

    def _on_basins_progress(self, frac: float) -> None:
        self.basin_progress.setValue(int(1000 * frac))

    def _on_hparams_progress(self, frac: float) -> None:
        self.hp_progress.setValue(int(1000 * frac))

    def _on_basins_result(self, result) -> None:
        surface, racer, steps, xs, ys, _ = self._basin_ctx
        self.basin_result = result
        self.basin_seconds = self._basins.last_elapsed_s
        codes = np.asarray(result.outcome).reshape(len(ys), len(xs))
        self.basin_view.set_outcomes(codes, list(result.labels), surface.domain)
        self.basin_progress.setValue(1000)
        self.basin_status.setText(f"{len(xs)}×{len(ys)} runs of {steps} steps in {self.basin_seconds:.2f} s. "
                                  "Click a cell to replay its start.")
        self.sigBasinsReady.emit(result)

    def _on_basins_failed(self, text: str) -> None:
        self.basin_status.setText("Map failed: " + text.splitlines()[0])

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
        self.basin_status.setText(f"Replayed ({x0:.3g}, {y0:.3g}): {label} ({same}).")
        self.sigReplayed.emit(label)

    def _on_hparams_result(self, result) -> None:
        racer, xkey, ykey, xv, yv, metric, surface = self._hp_ctx
        self.hparam_result = result
        self.hparam_seconds = self._hparams.last_elapsed_s
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
        self.hp_status.setText(f"{len(xv)}×{len(yv)} runs of {self._steps} steps in {self.hparam_seconds:.2f} s. "
                               "The ring marks the racer.")
        self.sigHparamsReady.emit(result)

    def _on_hparams_failed(self, text: str) -> None:
        self.hp_status.setText("Map failed: " + text.splitlines()[0])

    def _on_basin_view_clicked(self, row: int, col: int) -> None:
        self.click_basin_cell(row, col)

    def _on_hparam_view_clicked(self, row: int, col: int) -> None:
        self.click_hparam_cell(row, col)


def _whole(v, box: QSpinBox) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and box.minimum() <= v <= box.maximum()


def _pair(v) -> bool:
    return (isinstance(v, (list, tuple)) and len(v) == 2
            and all(isinstance(x, str) or (isinstance(x, (int, float)) and not isinstance(x, bool)) for x in v))
