"""The Training page: build a small network, train it live, and watch it learn.

Training runs in a subprocess (:mod:`playground.train_process`); this page only draws. One
QTimer, capped at 60 Hz and active only while a run is going, drains the metrics that arrived
and, while training, updates one view per frame (each at most ``VIEW_INTERVAL_S``), so no frame
pays for all four views (bench/bench_training_page.py measures the frame rate, the longest GUI
stall and the trainer's speed against the bare loop).
"""
from __future__ import annotations

import math
import os
import time

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from core.optim import validate_hparams
from core.training import config as cfg
from core.training.data import load_data
from playground.pages.training import scene as scene_training
from playground.settings import settings
from widgets.confusion_view import ConfusionView
from widgets.decision_view import DecisionView
from widgets.field_errors import ERROR_COLOR
from widgets.layer_histograms import LayerHistograms
from widgets.network_diagram import NetworkDiagram
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette
from widgets.training_controls import LIVE_FIELDS, TrainingControls
from widgets.training_controls_run import SPEEDS, RunBar
from widgets.training_curves import TrainingCurves

FRAME_MS = 16  # 60 Hz cap (docs/traps.md: a 33 ms timer gives no headroom for 30 FPS)
# While training, each view is redrawn at most this often (seconds), one view per frame. On a
# 2-core machine the GUI and the trainer each need a core, and anything else that runs (another
# program, a test run) takes its time from one of them; so the views cost what they show: the
# decision surface is the animation, the curves move by a pixel at a time, the diagram and the
# histograms change slowly (bench/bench_training_page.py measures what that leaves the trainer).
VIEW_INTERVAL_S = {"decision": 1 / 30, "curves": 1 / 12, "diagram": 1 / 6, "histograms": 1 / 6}
STATUS_S = 0.25  # the status line changes at most 4 times a second while training
NEURON_GRID = 20  # resolution of each neuron's little heatmap

_FIELD_NAMES = {"layers": "the architecture", "activation": "the activation", "batchnorm": "batch norm",
                "init": "the initialization", "dataset": "the dataset", "n": "the number of points",
                "noise": "the noise", "classes": "the classes", "split": "the split", "features": "the features",
                "normalize": "normalization", "data_seed": "the data sample", "optimizer": "the optimizer",
                "schedule": "the schedule", "schedule_per": "the schedule", "batch_size": "the batch size",
                "epochs": "the epochs", "weight_decay": "weight decay", "early_stopping": "early stopping",
                "points": "your points", "lr": "the learning rate", "l1": "L1", "l2": "L2", "dropout": "dropout",
                "augment": "augmentation"}
SPEED_KEY = "training/speed"  # QSettings: epochs per second, 0 = as fast as it goes


def _saved_speed() -> float | None:
    """The training speed the user chose last time (None: as fast as it goes)."""
    try:
        eps = float(settings().value(SPEED_KEY, 0.0))
    except (TypeError, ValueError):
        return None
    # Only a speed the control offers (a hand-edited file may hold anything).
    return eps if eps > 0 and eps in {v for _t, v in SPEEDS} else None


class TrainingPage(QWidget):
    """The "Training" tab.

    Parameters
    ----------
    theme : Theme
        Colours and fonts of every view.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._values = scene_training.scene_to_values({})
        self._title, self._lesson = "", ""
        self._views = list(scene_training.VIEWS[:4])
        self._points: list[tuple[float, float, float]] = []
        self._prepared = None
        self._host = None
        self._state = "idle"  # idle | running | paused | finished
        self._snapshot = None
        self._dirty = set()
        self._last_epoch = None
        self._last_metrics = None
        self._ghost_label = ""
        self._lr_range_pending = False
        self._status_error = False  # the status line shows an error (the next success replaces it)
        self._speed = _saved_speed()  # epochs per second, None = as fast as it goes
        self.frames = 0  # frames in which a view was updated
        self._status_pending = None  # the latest epoch Metrics not yet shown in the status line
        self._status_at = 0.0
        self._drawn_at: dict[str, float] = {}  # view -> perf_counter of its last update
        self.data_view = None
        self._timer = QTimer(self)
        self._timer.setObjectName("training-page-frame")
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._build()
        self.controls.set_values(self._values)
        self._show_data()

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        t = self._theme
        self.controls = TrainingControls(t)
        self.run_bar = RunBar(t)
        self.lesson = QLabel()
        self.lesson.setWordWrap(True)
        self.decision = DecisionView(t)
        self.confusion = ConfusionView(t)
        self.curves = TrainingCurves(t)
        self.diagram = NetworkDiagram(t)
        self.histograms = LayerHistograms(t)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # Any width: a wrapped label's own minimum follows its text, and a long status widened the window.
        self.status.setMinimumWidth(1)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.decision, 3)
        lv.addWidget(self.confusion, 2)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.curves)
        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(self.diagram)
        bottom.addWidget(self.histograms)
        right.addWidget(bottom)
        right.setSizes([500, 400])
        views = QSplitter(Qt.Horizontal)
        views.addWidget(left)
        views.addWidget(right)
        views.setSizes([480, 620])
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.controls)
        row.addWidget(views, 1)
        # The lesson, the run bar and the status line span the page: beside the controls column the
        # bar alone made the page wider than a 1280 px screen, and the status holds more in two lines.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(4)
        outer.addWidget(self.lesson)
        outer.addWidget(self.run_bar)
        outer.addLayout(row, 1)
        outer.addWidget(self.status)

        self.controls.sigChanged.connect(self._on_controls_changed)
        self.controls.sigInvalid.connect(self._on_controls_invalid)
        self.controls.sigDrawToggled.connect(self._on_controls_draw_toggled)
        self.controls.sigClearPoints.connect(self._on_controls_clear_points)
        self.controls.sigLoadCsv.connect(self._on_controls_load_csv)
        self.decision.sigPointClicked.connect(self._on_decision_point_clicked)
        rb = self.run_bar
        rb.sigPlay.connect(self.play)
        rb.sigPause.connect(self.pause)
        rb.sigEpoch.connect(self.one_epoch)
        rb.sigReset.connect(self.reset)
        rb.sigCompare.connect(self.keep_as_ghost)
        rb.sigLrRange.connect(self.lr_range_test)
        rb.sigXMode.connect(self.curves.set_x_mode)
        rb.sigLogY.connect(self.curves.set_log_y)
        rb.sigShowTest.connect(self.decision.set_show_test)
        rb.set_speed(self._speed)
        rb.sigSpeed.connect(self.set_speed)
        self.set_theme(t)

    # -- Page protocol -----------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Show a training scene (validated here too); the current run stops."""
        scene = scene_training.validate(scene)
        values = scene_training.scene_to_values(scene)
        self._stop_run()
        self._values = values
        self._points = list(values["points"] or [])
        self._title, self._lesson = scene["title"], scene["lesson"]
        self._views = list(scene["views"])
        self.controls.set_values(values)
        self._clear_run_views()
        self.curves.clear_ghost()
        self.curves.hide_lr_range()
        self._apply_views()
        self._refresh_lesson()
        self._show_data()
        self._set_status(f"Scene loaded: {self._title}. Press Play to train." if self._title else "Press Play to train.")

    def scene(self) -> dict:
        """The current set-up as a scene dict."""
        values = dict(self._values)
        values["points"] = list(self._points) if values["dataset"] == "user" else None
        return scene_training.values_to_scene(values, self._title, self._lesson, self._views)

    def set_theme(self, theme: Theme) -> None:
        """Redraw every view with ``theme``."""
        self._theme = theme
        for w in (self.controls, self.run_bar, self.decision, self.confusion, self.curves, self.diagram,
                  self.histograms):
            w.set_theme(theme)
        # Wide enough for the widest box plus the scroll bar: nothing clipped on the right. Here, not
        # once at build time: a theme with larger text switched in live cut the boxes on the right.
        self.controls.setFixedWidth(self.controls.widget().minimumSizeHint().width() + 24)
        self.setPalette(palette(theme))
        self.setAutoFillBackground(True)
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.status.setFont(font)
        # Two lines, fixed: a status that wrapped to another line (or back) re-laid out the page,
        # resized every view and repainted all of them in one long frame; a third line as a
        # minimum took its height from the views, below their own minimum, at 1280x650.
        self.status.setFixedHeight(2 * QFontMetrics(font).lineSpacing() + 2)
        self.status.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        if ERROR_COLOR not in self.status.styleSheet():  # the text colour was the old theme's: dark on dark
            self.status.setStyleSheet(f"color: {theme.foreground};")
        self._refresh_lesson()
        self._dirty.update({"decision", "curves", "diagram", "histograms"})
        self._draw_frame()

    def pause(self) -> None:
        """Pause the running training (kept: Play continues the same run)."""
        if self._state == "running" and self._host is not None:
            self._host.pause()
            self._state = "paused"
            self.run_bar.set_running(False)
            self._set_status(f"Paused at epoch {self._epoch_text()}. Play continues the same run.")

    def shutdown(self) -> None:
        """Stop the training subprocess and the frame timer (window closing or page left for good)."""
        self._timer.stop()
        if self._host is not None:
            self._host.close()
            self._host = None
        self._state = "idle"
        self.run_bar.set_running(False)
        self.run_bar.set_busy(False)

    def speed(self) -> float | None:
        """Epochs per second the page trains at (None: as fast as the trainer goes)."""
        return self._speed

    def set_speed(self, epochs_per_s: float | None) -> None:
        """Train at most ``epochs_per_s`` epochs a second (None: as fast as it goes); remembered.

        The trainer process waits between steps; this page only tells it the pace.
        """
        self._speed = float(epochs_per_s) if epochs_per_s else None
        self.run_bar.set_speed(self._speed)
        settings().setValue(SPEED_KEY, self._speed or 0.0)
        if self._host is not None and self._host.running:
            self._host.set_pace(self._speed)

    # -- run control -------------------------------------------------------------
    def config(self) -> cfg.TrainConfig:
        """The TrainConfig of the current settings (raises ValueError when they do not fit)."""
        values = dict(self._values)
        if values["dataset"] == "user":
            if len(self._points) < 2:
                raise ValueError("draw at least two points (tick 'draw' and click the plot), or load a CSV")
            values["points"] = list(self._points)
        else:
            values["points"] = None
        values["report_every"] = 5
        values["grid_size"] = 100
        values["neuron_grid"] = NEURON_GRID if self._wants_neuron_maps() else 0
        config = scene_training.values_to_config(values)
        # The optimizer's own ranges here, not at Play in the trainer ("adam: lr must be in [0, 1000]").
        validate_hparams(config.optimizer, **{**dict(config.hparams or {}), "lr": config.lr})
        return config

    def _ensure_host(self):
        if self._host is None:
            from playground.train_process import TrainProcess

            self._host = TrainProcess()
        return self._host

    def _start_run(self, paused: bool = False) -> bool:
        try:
            config = self.config()
        except ValueError as exc:
            self._set_status(f"Cannot train: {exc}", error=True)
            return False
        self._show_data(config)
        self.curves.reset()
        self.curves.hide_lr_range()
        self._snapshot = None
        self._last_epoch = None
        self._last_metrics = None
        host = self._ensure_host()
        host.start_run(config, paused=paused)
        if not host.running:  # no trainer took the run: say so, never "training" with nothing behind it
            self._state = "idle"
            self.run_bar.set_running(False)
            self._set_status(f"Cannot train: {host.last_error}", error=True)
            return False
        host.set_pace(self._speed)
        self._state = "paused" if paused else "running"
        self.run_bar.set_running(not paused)
        self.run_bar.set_busy(True)  # until the first report arrives (a cold trainer imports torch first)
        self._timer.start()
        return True

    def _stop_run(self) -> None:
        if self._host is not None:
            self._host.stop_run()
        self._state = "idle"
        self.run_bar.set_running(False)
        self.run_bar.set_busy(False)

    def play(self) -> None:
        """Start training, or continue a paused run."""
        if self._state == "paused" and self._host is not None and self._host.running:
            self._host.play()
            self._state = "running"
            self.run_bar.set_running(True)
            self._timer.start()
            self._set_status("Training…")
            return
        if self._start_run():
            self._set_status("Starting the trainer…")

    def one_epoch(self) -> None:
        """Train exactly one more epoch, then pause."""
        if self._state in ("idle", "finished") or self._host is None or not self._host.running:
            if not self._start_run(paused=True):
                return
        self._host.one_epoch()
        self._state = "running"
        self.run_bar.set_running(True)
        self._timer.start()

    def reset(self) -> None:
        """Stop and show a fresh, untrained set-up."""
        self._stop_run()
        self._timer.stop()
        self._clear_run_views()
        self._show_data()
        self._set_status("Reset: press Play to train a freshly initialized network.")

    def keep_as_ghost(self) -> None:
        """Keep the current run's curves (dashed) and get ready for a run with one setting changed."""
        if len(self.curves.history) == 0:
            self._set_status("Train a run first, then keep it as a ghost to compare.", error=True)
            return
        self._stop_run()
        self.curves.keep_as_ghost()
        self._ghost_label = self._summary()
        self.curves.reset()
        self._set_status(f"Ghost kept ({self._ghost_label}). Change one setting and press Play to compare.")

    def lr_range_test(self) -> None:
        """Run the learning-rate range test in the trainer process and draw its U."""
        try:
            config = self.config()
        except ValueError as exc:
            self._set_status(f"Cannot run the range test: {exc}", error=True)
            return
        self._stop_run()
        self._ensure_host().lr_range(config, lr_min=1e-5, lr_max=10.0, steps=200)
        self._lr_range_pending = True
        self.run_bar.set_busy(True)
        self._timer.start()
        self._set_status("LR range test: training briefly while the learning rate grows 10x every 40 steps…")

    # -- settings ----------------------------------------------------------------
    def _on_controls_changed(self, field: str, value) -> None:
        old = self._values.get(field)
        self._values[field] = value
        try:
            self.config()
        except ValueError as exc:
            # Bad combination: keep the previous value and show it again, say why in the status line.
            self._values[field] = old
            self.controls.set_values({field: old})
            self._set_status(f"Not applied: {exc}", error=True)
            return
        active = self._state in ("running", "paused") and self._host is not None and self._host.running
        if field in LIVE_FIELDS and active:
            self._host.set_controls(**{field: value})
            shown = f"{value:.3g}" if isinstance(value, float) else repr(value)
            self._set_status(f"{field} → {shown}: applied live to the running training (same run).")
            return
        if active:
            was_running = self._state == "running"
            self._start_run(paused=not was_running)
            self._set_status(f"Changing {_FIELD_NAMES.get(field, field)} needs a new network: restarted training "
                             "from a fresh initialization and a fresh optimizer.")
            return
        # Not training: what the last run showed (curves, verdict, weights) was for other settings.
        had_run = self._state == "finished" or len(self.curves.history) > 0 or self._snapshot is not None
        if self._state == "finished":
            self._state = "idle"
        self._clear_run_views()
        if self._show_data():  # data, and the diagram of the new architecture
            after = " The last run's results were for the old settings: cleared." if had_run else ""
            self._set_status(f"Set {_FIELD_NAMES.get(field, field)}.{after} Press Play to train.")

    def _on_controls_invalid(self, message: str) -> None:
        self._set_status(f"Not applied: {message}", error=True)

    def _clear_run_views(self) -> None:
        """Forget the last run's results (curves, snapshot, histograms, matrix).

        The ghost stays, and so does an LR range test's U: it is what one picks the next lr from.
        """
        self.curves.reset()
        self._snapshot = None
        self._last_epoch = None
        self._last_metrics = None
        self._status_pending = None
        self.data_view = None
        self._dirty.discard("decision")
        self._dirty.discard("diagram")
        self._dirty.discard("histograms")
        self.histograms.clear_histograms()
        self.decision.set_grid(None)
        k = self._prepared.n_classes if self._prepared is not None else 2
        self.confusion.set_matrix(np.zeros((max(k, 2), max(k, 2))))

    def _on_controls_draw_toggled(self, on: bool) -> None:
        self.decision.set_drawing(on)
        if on:
            self._set_status("Draw: click the plot to add points of the selected class; they become your dataset.")

    def _on_controls_clear_points(self) -> None:
        self._points = []
        self._show_data()

    def _on_controls_load_csv(self, path: str) -> None:
        from core.training.data import read_csv

        try:
            X, labels = read_csv(path)
        except (ValueError, OSError) as exc:
            self._set_status(f"Could not load the CSV: {exc}", error=True)
            return
        self.set_points([(float(a), float(b), float(c)) for (a, b), c in zip(X, labels)])
        if self._prepared is not None:
            self._set_status(f"Loaded {len(X)} points from {os.path.basename(path)}. Press Play to train on them.")

    def _on_decision_point_clicked(self, x: float, y: float) -> None:
        self.add_point(x, y, self.controls.draw_class.value())

    def add_point(self, x: float, y: float, label: int) -> None:
        """Add one user point of class ``label``; the dataset becomes "your points"."""
        if self._values["dataset"] != "user" and not self._points:
            self._set_status("Drawing your own dataset: the generated one is replaced by your points.")
        self._points.append((float(x), float(y), float(label)))
        self._use_user_points()

    def set_points(self, points) -> None:
        """Replace the user points, [(x1, x2, label), ...], and train on them from now on."""
        self._points = list(points)
        self._use_user_points()

    def _use_user_points(self) -> None:
        if self._values["dataset"] != "user":
            self._values["dataset"] = "user"
            self.controls.set_values({"dataset": "user"})
        if self._state in ("running", "paused"):
            self._stop_run()
        self._clear_run_views()
        if self._show_data():
            self._set_status(f"Your dataset: {len(self._points)} points. Press Play to train on them.")

    # -- drawing -----------------------------------------------------------------
    def _show_data(self, config=None) -> bool:
        """Draw the data of the current settings (before training too); False if they do not fit."""
        try:
            config = config or self.config()
            prepared = load_data(config)
        except ValueError as exc:
            if self._values["dataset"] == "user":
                pts = np.array(self._points, float).reshape(-1, 3)
                self.decision.set_data({"train": (pts[:, :2], pts[:, 2])}, "classification",
                                       int(pts[:, 2].max()) + 1 if len(pts) else 2, (-6, 6, -6, 6))
                self.decision.set_grid(None)
            self._set_status(str(exc), error=True)
            self._prepared = None
            return False
        self._prepared = prepared
        pts = {s: (prepared.X_raw[s], prepared.y[s]) for s in ("train", "val", "test")}
        self.decision.set_data(pts, prepared.task, prepared.n_classes, prepared.extent)
        self.decision.set_grid(None)
        self.curves.set_classification(prepared.task == "classification")
        sizes = [len(prepared.features), *config.layers, 1 if prepared.n_classes <= 2 else prepared.n_classes]
        self.diagram.set_architecture(sizes, prepared.features)
        self._apply_views()
        if self._status_error:  # the error was about settings that fit now
            self._set_status(f"{sum(len(v) for v in prepared.y.values())} points ready. Press Play to train.")
        return True

    def _apply_views(self) -> None:
        multi = self._prepared is not None and self._prepared.n_classes > 2
        self.decision.setVisible("decision" in self._views)
        self.confusion.setVisible(multi or "confusion" in self._views)
        self.curves.setVisible("curves" in self._views)
        self.diagram.setVisible("diagram" in self._views)
        self.histograms.setVisible("histograms" in self._views)
        if self._host is not None and self._host.running:  # heatmaps only while the diagram shows them
            self._host.set_controls(neuron_grid=NEURON_GRID if self._wants_neuron_maps() else 0)

    def _wants_neuron_maps(self) -> bool:
        """Whether the diagram draws each unit's heatmap (the trainer computes them only then)."""
        from widgets.network_diagram import MAX_LAYERS, MAX_UNITS

        layers = self._values["layers"]
        return ("diagram" in self._views and len(layers) <= MAX_LAYERS
                and all(int(w) <= MAX_UNITS for w in (len(self._values["features"]), *layers)))

    def _refresh_lesson(self) -> None:
        if self._title:
            self.lesson.setText(f"<b style='font-size:{self._theme.title_pt}pt'>{self._title}</b>"
                                f"<span style='font-size:{self._theme.font_pt}pt'> — {self._lesson}</span>")
            self.lesson.show()
        else:
            self.lesson.hide()

    def _set_status(self, text: str, error: bool = False) -> None:
        self._status_pending = None
        self._status_at = time.perf_counter()
        self._status_error = bool(error)
        color = ERROR_COLOR if error else self._theme.foreground
        style = f"color: {color};"
        if self.status.styleSheet() != style:  # a style sheet re-polishes the label: only on change
            self.status.setStyleSheet(style)
        self.status.setText(text)

    def _epoch_text(self) -> str:
        return "0" if self._last_epoch is None else str(self._last_epoch)

    def _summary(self) -> str:
        v = self._values
        return (f"{v['optimizer']} lr={v['lr']:.3g}, layers={','.join(map(str, v['layers'])) or 'none'}, "
                f"init={v['init']}, dropout={v['dropout']}, L2={v['l2']:g}")

    # -- the frame ---------------------------------------------------------------
    def _on_timer_timeout(self) -> None:
        if self._host is not None:
            for kind, payload in self._host.take():
                self.handle_message(kind, payload)
        if self._status_pending is not None and time.perf_counter() - self._status_at >= STATUS_S:
            self._show_status_from(self._status_pending)
        self._draw_frame()
        if self._host is None or (not self._host.running and not self._dirty):
            self._timer.stop()

    def handle_message(self, kind: str, payload) -> None:
        """Take one message of the trainer (metrics, pause, end, error, lr range result)."""
        self.run_bar.set_busy(False)  # the first report (or the end) is here: things move now
        if kind == "metrics":
            if payload.data is not None:
                self.data_view = payload.data  # what the run really trains on (tests read it)
            self.handle_metrics(payload)
        elif kind == "paused":
            self._state = "paused"
            self.run_bar.set_running(False)
            self._set_status(f"Paused after epoch {payload}. Play continues, +1 epoch trains one more.")
        elif kind == "done":
            if self._state != "idle":
                self._state = "finished"
            self.run_bar.set_running(False)
        elif kind == "error":
            self._state = "finished"
            self.run_bar.set_running(False)
            self._set_status(str(payload), error=True)
        elif kind == "lr_range":
            self._lr_range_pending = False
            r = payload
            self.curves.show_lr_range(r.lrs, r.smoothed, r.suggested_lr)
            self._set_status(f"LR range test: the loss is lowest near lr={r.min_lr:.2g}; a good start is about "
                             f"{r.suggested_lr:.2g} (a bit before the bottom of the U).")

    def handle_metrics(self, m) -> None:
        """Fold one ``Metrics`` into the histories and mark the views to redraw."""
        h = self.curves.history
        if m.kind == "step":
            h.append("step", epoch=m.epoch_fraction, step=m.step, examples=m.examples_seen,
                     train_loss=m.batch_loss, lr=m.lr)
        elif m.kind in ("epoch", "final"):
            if m.kind == "epoch":
                h.append("epoch", epoch=m.epoch, step=m.step, examples=m.examples_seen, train_loss=m.train_loss,
                         val_loss=m.val_loss, train_acc=m.train_acc, val_acc=m.val_acc, lr=m.lr)
                if m.step == 0:
                    h.append("step", epoch=0, step=0, examples=0, train_loss=m.train_loss, lr=m.lr)
            self._last_epoch = m.epoch
            self._last_metrics = m
            self._status_from(m)
        if m.snapshot is not None:
            self._snapshot = m.snapshot
            self._dirty.update({"decision", "diagram", "histograms"})
        self._dirty.add("curves")

    def _status_from(self, m) -> None:
        # While training, at most STATUS_S apart: each new text re-lays out the page (a word-wrapped
        # label), 30 epochs a second did that 30 times a second and nobody can read it anyway.
        if m.kind == "epoch" and self._state == "running" and time.perf_counter() - self._status_at < STATUS_S:
            self._status_pending = m
            return
        self._show_status_from(m)

    def _show_status_from(self, m) -> None:
        parts = [f"epoch {m.epoch}"]
        if m.train_loss is not None:
            parts.append(f"train loss {m.train_loss:.3g}")
        if m.val_loss is not None:
            parts.append(f"val loss {m.val_loss:.3g}")
        if m.train_acc is not None and m.val_acc is not None:
            parts.append(f"accuracy {100 * m.train_acc:.0f}% / {100 * m.val_acc:.0f}% (train / val)")
        parts.append(f"lr {m.lr:.3g}")
        text = ", ".join(parts) + "."
        error = False
        if m.kind == "final":
            if m.stopped == "nan" or (m.train_loss is not None and not math.isfinite(m.train_loss)):
                text = f"Stopped: {m.message or 'the loss became NaN: the learning rate is most likely too high.'}"
                error = True
            else:
                how = {"early_stopping": f"early stopping kept epoch {m.best_epoch}", "stopped": "stopped",
                       "completed": "done"}.get(m.stopped or "completed", m.stopped)
                text = f"{how.capitalize()}: {text} {m.verdict_text or ''}"
            self._state = "finished"
            self.run_bar.set_running(False)
        elif m.epoch > 0 and m.train_loss is not None and m.val_loss is not None:
            if m.verdict_headline:  # the trainer's verdict: the final one's rule and noise floor
                text += f" {m.verdict_headline}."
            if m.message:
                text += f" {m.message}"
        self._set_status(text, error)

    def _draw_frame(self, force: bool = False) -> None:
        """Redraw views that got new data.

        While training, one view per frame: of the views that are due (``VIEW_INTERVAL_S``), the
        one that has waited longest. Every view's update costs a few ms of setData plus its
        repaint; doing all four in one frame stalled the GUI thread well past a frame
        (bench/bench_training_page.py measures the stalls). Paused, finished or forced: everything at once.
        """
        if not self._dirty:
            return
        now = time.perf_counter()
        if force or self._state != "running":
            todo = set(self._dirty)
        else:
            due = [v for v in self._dirty if now - self._drawn_at.get(v, 0.0) >= VIEW_INTERVAL_S.get(v, 0.0)]
            todo = {min(due, key=lambda v: self._drawn_at.get(v, 0.0))} if due else set()
        if not todo:
            return
        for v in todo:
            self._draw_view(v)
            self._drawn_at[v] = now
        self._dirty -= todo
        self.frames += 1

    def _draw_view(self, view: str) -> None:
        snap = self._snapshot
        if view == "curves":
            self.curves.refresh(tight=self._state != "running")  # live: the x range grows in steps
            return
        if snap is None:
            return
        if view == "decision":
            gx, gy = np.asarray(snap.grid_x, float), np.asarray(snap.grid_y, float)
            dx = (gx[-1] - gx[0]) / max(len(gx) - 1, 1)
            dy = (gy[-1] - gy[0]) / max(len(gy) - 1, 1)
            # Cell centres -> the extent of the cell edges (docs/traps.md: half a cell each side).
            self.decision.set_grid(snap.grid, (gx[0] - dx / 2, gx[-1] + dx / 2, gy[0] - dy / 2, gy[-1] + dy / 2))
            if self.confusion.isVisible():
                self._draw_confusion(snap)
            if self._host is not None:
                self._host.want_snapshot()  # drawn: the trainer may send the next one
        elif view == "diagram" and self.diagram.isVisible():
            self.diagram.set_state(snap.weights, snap.neurons, snap.dropout_masks)  # maps: the model's own
        elif view == "histograms" and self.histograms.isVisible():
            self.histograms.set_histograms("act", snap.act_hist, [f"hidden {i + 1}" for i in range(len(snap.act_hist))])
            grads = [g for g in snap.grad_hist if g is not None]
            self.histograms.set_histograms("grad", grads, [f"W{i + 1}" for i in range(len(grads))])

    def _draw_confusion(self, snap) -> None:
        # The trainer counts the real validation predictions (the forward pass that gave val_acc).
        if snap.confusion is not None:
            self.confusion.set_matrix(snap.confusion)

    # -- headless ------------------------------------------------------------------
    def render_image(self, width: int, height: int) -> QImage:
        """The page drawn into a ``width`` x ``height`` QImage (device pixel ratio 1)."""
        from PySide6.QtWidgets import QApplication

        self.resize(width, height)
        QApplication.processEvents()
        image = QImage(width, height, QImage.Format_ARGB32)
        image.setDevicePixelRatio(1.0)
        image.fill(QColor(self._theme.background))
        self.render(image)  # onto a QImage of exactly w x h: no device-pixel-ratio surprises (docs/traps.md)
        return image

    def train_synchronously(self, epochs: int | None = None, steps: int | None = None) -> None:
        """Train the current settings in this thread (headless rendering, tests); views updated at the end."""
        import threading

        from core.training import TrainControls, train

        config = self.config()
        if epochs is not None:
            config = config.replace(epochs=int(epochs))
        self._show_data(config)
        self.curves.reset()
        stop, controls = threading.Event(), TrainControls()
        for m in train(config, stop_event=stop, controls=controls):
            if m.kind == "epoch" and m.epoch >= config.epochs - 1:
                controls.request_snapshot()
            if steps is not None and m.step >= steps and not stop.is_set():
                controls.request_snapshot()
                stop.set()
            self.handle_metrics(m)
        if self._snapshot is None:
            self._set_status("No snapshot was produced.", error=True)
        self._draw_frame(force=True)


def render_scene(scene: dict, size=(1280, 720), theme: Theme | str = LIGHT, steps: int | None = None,
                 epochs: int | None = None) -> QImage:
    """Train a training scene headless and return a picture of the page.

    Parameters
    ----------
    scene : dict
        A validated training scene.
    size : (int, int)
        Width and height in pixels; the image is exactly this size (device pixel ratio 1).
    theme : Theme or str
        Theme or its name.
    steps, epochs : int, optional
        Stop after this many optimizer steps / epochs (default: the scene's epochs).

    Returns
    -------
    QImage
    """
    from widgets.theme import get_theme

    if isinstance(theme, str):
        theme = get_theme(theme)
    w, h = int(size[0]), int(size[1])
    page = TrainingPage(theme=theme)
    try:
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.resize(w, h)
        page.load_scene(scene)
        page.show()
        page.train_synchronously(epochs=epochs, steps=steps)
        from PySide6.QtWidgets import QApplication

        QApplication.processEvents()
        return page.render_image(w, h)
    finally:
        page.shutdown()
        page.hide()
        page.deleteLater()
