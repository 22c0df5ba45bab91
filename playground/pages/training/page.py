"""The Training page: build a small network, train it live, and watch it learn.

The page is the view of a :class:`TrainingModel` (``page.model``): the controls assign model
fields, and the page follows the model's events into its widgets. Training runs in a subprocess
(:class:`TrainerLink`); this page only draws. One QTimer, capped at 60 Hz and active only while a
run is going, drains the reports that arrived and, while training, updates one view per frame
(:class:`ViewScheduler`), so no frame pays for all four views (bench/bench_training_page.py
measures the frame rate, the longest GUI stall and the trainer's speed against the bare loop).
"""
from __future__ import annotations

import weakref

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from core.training.data import load_data
from playground.pages.training import render
from playground.pages.training.controls_binding import ControlsBinding
from playground.pages.training.frame import FrameLoop
from playground.pages.training.model import RunStatus, TrainingModel
from playground.pages.training.run import TrainerLink
from playground.pages.training.labels import LessonLabel, StatusLabel
from playground.pages.training.run_bar_binding import RunBarBinding, saved_speed
from playground.pages.training.status import StatusLine, field_name, summary
from playground.pages.training.view_scheduler import VIEWS, ViewScheduler
from playground.pages.training.views import TrainingViews
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette
from widgets.training_controls import LIVE_FIELDS, TrainingControls
from widgets.training_controls_run import RunBar

NEURON_GRID = 20  # resolution of each neuron's little heatmap


def _weakly(method):
    """``method`` called while its object lives: helpers that call back into the page hold no
    reference to it (a cycle kept a closed page alive until the garbage collector ran)."""
    ref = weakref.WeakMethod(method)

    def call(*args):
        bound = ref()
        return None if bound is None else bound(*args)

    return call


class TrainingPage(QWidget):
    """The "Training" tab.

    Parameters
    ----------
    theme : Theme
        Colours and fonts of every view.
    model : TrainingModel, optional
        The state to show (a new one by default).

    Attributes
    ----------
    model : TrainingModel
        The page's whole state; assign its fields to drive the page.
    frames : int
        Frames in which a view was updated.

    Signals
    -------
    sigResultsChanged()
        What :meth:`results` returns changed: a run paused, ended or was reset, a ghost was kept,
        an LR range test came back (the autosave writes the side file then).
    """

    sigResultsChanged = Signal()

    def __init__(self, theme: Theme = LIGHT, parent=None, model: TrainingModel | None = None):
        super().__init__(parent)
        self.theme = theme
        if model is None:
            model = TrainingModel()
            model.speed = saved_speed()
        self.model = model
        self.status_line = StatusLine(self.model)
        self.scheduler = ViewScheduler()
        me = weakref.ref(self)  # through the attribute: a test or a benchmark may wrap handle_metrics
        self.trainer = TrainerLink(self.model, self.status_line, lambda m: me().handle_metrics(m))
        self.frame = FrameLoop(self)
        self._prepared = None  # the loaded data of the current settings (None: they do not fit)
        self._build()
        self._connect_model()
        self._on_model_loaded(announce=False)

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        t = self.theme
        self.controls = TrainingControls(t)
        self.run_bar = RunBar(t)
        self.lesson = LessonLabel(t)
        self.views = TrainingViews(t)
        v = self.views
        self.decision, self.confusion, self.curves = v.decision, v.confusion, v.curves
        self.diagram, self.histograms = v.diagram, v.histograms
        self.status = StatusLabel(t)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.controls)
        row.addWidget(self.views, 1)
        # The lesson, the run bar and the status line span the page: beside the controls column the
        # bar alone made the page wider than a 1280 px screen, and the status holds more in two lines.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(4)
        outer.addWidget(self.lesson)
        outer.addWidget(self.run_bar)
        outer.addLayout(row, 1)
        outer.addWidget(self.status)

        # Widgets only assign model fields (or call the page's actions).
        self.controls_binding = ControlsBinding(self.controls, self.decision, self.model, self.status_line,
                                                _weakly(self._on_setting))
        rb = self.run_bar
        rb.sigPlay.connect(self.play)
        rb.sigPause.connect(self.pause)
        rb.sigEpoch.connect(self.one_epoch)
        rb.sigReset.connect(self.reset)
        rb.sigCompare.connect(self.keep_as_ghost)
        rb.sigLrRange.connect(self.lr_range_test)
        self.run_bar_binding = RunBarBinding(rb, self.views, self.model, self.trainer.set_pace)
        self.set_theme(t)

    def _connect_model(self) -> None:
        ev = self.model.events
        ev.views.connect(self._apply_views)
        ev.title.connect(self._refresh_lesson)
        ev.lesson.connect(self._refresh_lesson)
        ev.status_text.connect(self._show_status)
        ev.status_error.connect(self._show_status)
        ev.lr_range.connect(self._show_lr_range)
        ev.lr_range.connect(self._results_changed)
        ev.status.connect(self._results_changed)
        ev.ghost_label.connect(self._results_changed)
        self.model.loaded.connect(self._on_model_loaded)

    # -- Page protocol -----------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Show a training scene (validated: ValueError names the key, nothing changes); the run stops."""
        self.model.load_scene(scene)

    def scene(self) -> dict:
        """The current set-up as a scene dict."""
        return self.model.to_scene()

    def set_theme(self, theme: Theme) -> None:
        """Redraw every view with ``theme``."""
        self.theme = theme
        for w in (self.controls, self.run_bar, self.views, self.lesson, self.status):
            w.set_theme(theme)
        # Wide enough for the widest box plus the scroll bar: nothing clipped on the right. Here, not
        # once at build time: a theme with larger text switched in live cut the boxes on the right.
        self.controls.setFixedWidth(self.controls.widget().minimumSizeHint().width() + 24)
        self.setPalette(palette(theme))
        self.setAutoFillBackground(True)
        self.scheduler.mark(*VIEWS)
        self.draw_frame()

    def shutdown(self) -> None:
        """Stop the training subprocess and the frame timer (window closing or page left for good)."""
        self.frame.stop()
        self.trainer.close()

    def speed(self) -> float | None:
        """Epochs per second the page trains at (None: as fast as the trainer goes)."""
        return self.model.speed

    def set_speed(self, epochs_per_s: float | None) -> None:
        """Train at most ``epochs_per_s`` epochs a second (None: as fast as it goes); remembered.

        The trainer process waits between steps; this page only tells it the pace.
        """
        self.model.speed = float(epochs_per_s) if epochs_per_s else None

    def results(self) -> dict | None:
        """What the last run showed (curves, snapshot, status), for a session's side file; None if nothing."""
        from playground.pages.training import results

        return results.collect(self)

    def restore_results(self, r: dict) -> None:
        """Show results :meth:`results` took with the same settings (ValueError when they do not fit)."""
        from playground.pages.training import results

        results.show(self, r)

    def splitter_sizes(self) -> list[list[int]]:
        """Sizes of the views' splitters (the window layout a session keeps)."""
        return self.views.splitter_sizes()

    def set_splitter_sizes(self, sizes) -> None:
        """Put back what :meth:`splitter_sizes` returned (a list that does not fit is ignored)."""
        self.views.set_splitter_sizes(sizes)

    def _results_changed(self, *_args) -> None:
        if self.model.status is not RunStatus.RUNNING:
            self.sigResultsChanged.emit()

    def trainer_pid(self) -> int | None:
        """The trainer process's id (None when the page has none)."""
        return self.trainer.pid

    # -- run control -------------------------------------------------------------
    def config(self):
        """The TrainConfig of the current settings (raises ValueError when they do not fit)."""
        return self.model.train_config(report_every=5, grid_size=100,
                                       neuron_grid=NEURON_GRID if self._wants_neuron_maps() else 0)

    def _start_run(self, paused: bool = False) -> bool:
        try:
            config = self.config()
        except ValueError as exc:
            self.status_line.say(f"Cannot train: {exc}", error=True)
            return False
        self.show_data(config)
        self.curves.reset()
        m = self.model
        m.lr_range = None
        m.snapshot, m.epoch, m.metrics = None, None, None
        if not self.trainer.start(config, paused=paused):
            return False
        self.frame.wake()
        return True

    def play(self) -> None:
        """Start training, or continue a paused run."""
        if self.trainer.play():
            self.frame.wake()
            self.status_line.say("Training…")
        elif self._start_run():
            self.status_line.say("Starting the trainer…")

    def pause(self) -> None:
        """Pause the running training (kept: Play continues the same run)."""
        if self.trainer.pause():
            epoch = "0" if self.model.epoch is None else str(self.model.epoch)
            self.status_line.say(f"Paused at epoch {epoch}. Play continues the same run.")

    def one_epoch(self) -> None:
        """Train exactly one more epoch, then pause."""
        if self.model.status in (RunStatus.IDLE, RunStatus.FINISHED) or not self.trainer.running:
            if not self._start_run(paused=True):
                return
        self.trainer.one_epoch()
        self.frame.wake()

    def reset(self) -> None:
        """Stop and show a fresh, untrained set-up."""
        self.trainer.stop()
        self.frame.stop()
        self._clear_run_views()
        self.show_data()
        self.status_line.say("Reset: press Play to train a freshly initialized network.")

    def keep_as_ghost(self) -> None:
        """Keep the current run's curves (dashed) and get ready for a run with one setting changed."""
        if len(self.curves.history) == 0:
            self.status_line.say("Train a run first, then keep it as a ghost to compare.", error=True)
            return
        self.trainer.stop()
        self.curves.keep_as_ghost()
        self.model.ghost_label = summary(self.model)
        self.curves.reset()
        self.status_line.say(f"Ghost kept ({self.model.ghost_label}). Change one setting and press Play to compare.")

    def lr_range_test(self) -> None:
        """Run the learning-rate range test in the trainer process and draw its U."""
        try:
            config = self.config()
        except ValueError as exc:
            self.status_line.say(f"Cannot run the range test: {exc}", error=True)
            return
        self.trainer.lr_range(config)
        self.frame.wake()
        self.status_line.say("LR range test: training briefly while the learning rate grows 10x every 40 steps…")

    def train_synchronously(self, epochs: int | None = None, steps: int | None = None) -> None:
        """Train the current settings in this thread (headless rendering, tests); views updated at the end."""
        render.train_synchronously(self, epochs=epochs, steps=steps)

    def render_image(self, width: int, height: int) -> QImage:
        """The page drawn into a ``width`` x ``height`` QImage (device pixel ratio 1)."""
        return render.render_image(self, width, height)

    # -- the user's points (a script: model.set_points, controls_binding.load_csv) ---------
    def add_point(self, x: float, y: float, label: int) -> None:
        """Add one user point of class ``label``; the dataset becomes "your points"."""
        self.controls_binding.add_point(x, y, label)

    # -- model -> widgets --------------------------------------------------------------
    def _on_model_loaded(self, announce: bool = True) -> None:
        """A scene or a session replaced the settings: every widget shows them, the old run goes."""
        m = self.model
        self.trainer.stop()
        self.controls_binding.refresh()
        self._clear_run_views()
        self.curves.clear_ghost()
        self._show_lr_range()
        self.run_bar_binding.refresh()
        self._refresh_lesson()
        self.show_data()
        if announce:
            self.status_line.say(f"Scene loaded: {m.title}. Press Play to train." if m.title else "Press Play to train.")
        else:
            self._show_status()

    def _on_setting(self, field: str, value) -> None:
        """One setting changed (its control shows it): a run restarts or takes it live; old results go."""
        if field == "points":
            self._on_points_changed()
            return
        m = self.model
        if m.active and self.trainer.running:
            if field in LIVE_FIELDS:
                self.trainer.set_controls(**{field: value})
                shown = f"{value:.3g}" if isinstance(value, float) else repr(value)
                self.status_line.say(f"{field} → {shown}: applied live to the running training (same run).")
            elif self._start_run(paused=m.status is not RunStatus.RUNNING):
                self.status_line.say(f"Changing {field_name(field)} needs a new network: restarted training "
                                     "from a fresh initialization and a fresh optimizer.")
            return
        # Not training: what the last run showed (curves, verdict, weights) was for other settings.
        had_run = m.status is RunStatus.FINISHED or len(self.curves.history) > 0 or m.snapshot is not None
        m.advance("settings_changed")
        self._clear_run_views()
        if self.show_data():  # data, and the diagram of the new architecture
            after = " The last run's results were for the old settings: cleared." if had_run else ""
            self.status_line.say(f"Set {field_name(field)}.{after} Press Play to train.")

    def _on_points_changed(self) -> None:
        m = self.model
        if m.dataset != "user":
            return  # kept for when the dataset is "user" again
        if m.active:
            self.trainer.stop()
        m.advance("settings_changed")
        self._clear_run_views()
        if self.show_data():
            self.status_line.say(f"Your dataset: {len(m.points)} points. Press Play to train on them.")

    def _show_lr_range(self, *_args) -> None:
        r = self.model.lr_range
        if r is None:
            self.curves.hide_lr_range()
        else:
            self.curves.show_lr_range(r.lrs, r.smoothed, r.suggested_lr)

    def _show_status(self, *_args) -> None:
        self.status.set_status(self.model.status_text, self.model.status_error)

    def _refresh_lesson(self, *_args) -> None:
        self.lesson.set_lesson(self.model.title, self.model.lesson)

    # -- data and views ----------------------------------------------------------------
    def show_data(self, config=None) -> bool:
        """Draw the data of the current settings (before training too); False if they do not fit."""
        try:
            config = config or self.config()
            prepared = load_data(config)
        except ValueError as exc:
            if self.model.dataset == "user":
                self.views.show_points(self.model.points)
            self.status_line.say(str(exc), error=True)
            self._prepared = None
            return False
        self._prepared = prepared
        self.views.show_data(prepared, config.layers)
        self._apply_views()
        if self.model.status_error:  # the error was about settings that fit now
            self.status_line.say(f"{sum(len(v) for v in prepared.y.values())} points ready. Press Play to train.")
        return True

    def _apply_views(self, *_args) -> None:
        self.views.show_views(self.model.views, self._prepared is not None and self._prepared.n_classes > 2)
        # Heatmaps only while the diagram shows them.
        self.trainer.set_controls(neuron_grid=NEURON_GRID if self._wants_neuron_maps() else 0)

    def _wants_neuron_maps(self) -> bool:
        m = self.model
        return "diagram" in m.views and self.views.draws_unit_maps(len(m.features), m.layers)

    def _clear_run_views(self) -> None:
        """Forget the last run's results (curves, snapshot, histograms, matrix).

        The ghost stays, and so does an LR range test's U: it is what one picks the next lr from.
        """
        m = self.model
        m.snapshot, m.epoch, m.metrics, m.run_data = None, None, None, None
        self.status_line.pending = None
        self.scheduler.discard("decision", "diagram", "histograms")
        self.views.clear_run(self._prepared.n_classes if self._prepared is not None else 2)

    # -- the frame ---------------------------------------------------------------------
    def handle_metrics(self, m) -> None:
        """Fold one ``Metrics`` into the histories and mark the views to redraw (no redraw here)."""
        self.frame.handle_metrics(m)

    def draw_frame(self, force: bool = False) -> set[str]:
        """Redraw views that got new data (one per frame while training) and return their names."""
        return self.frame.draw(force)
