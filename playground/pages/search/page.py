"""The Search page: a hyperparameter search over the training knobs, every plot drawn as trials finish.

The page is the view of a :class:`SearchModel` (``page.model``). The search runs in the page's
worker host child (:class:`SearchLink`, job kind "search"); the sampler's mind (the GP refit for
bayes, TPE's densities) is refitted in the same child as "call" jobs, and the importances come with
the search's snapshots, so nothing slow runs on the GUI thread. Clicking a trial in any plot or in
the table shows its settings; "Use these settings" hands them to the training page through the
window (:attr:`sigUseSettings`).
"""
from __future__ import annotations

import collections
import functools
import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QTabWidget, QVBoxLayout,
                               QWidget)

from playground.pages.search import scene as scene_search
from playground.pages.search.mind_panel import MindPanel
from playground.pages.search.model import SearchModel, SearchStatus, records_from_dicts
from playground.pages.search.race_panel import RacePanel
from playground.pages.search.run import SearchLink
from playground.pages.search.studies import StudiesTab
from playground.pages.search.texts import counts_text, final_text, progress_text
from playground.pages.search.truth_layer import TruthLayer
from playground.search.methods import METHODS, PRUNERS
from playground.search.space import KNOBS, _knob_from_toml, parse_param
from widgets.field_errors import style_error_label
from widgets.search.contour_plot import ContourPlot
from widgets.search.history_plot import HistoryPlot
from widgets.search.importance_plot import ImportancePlot
from widgets.search.intermediate_plot import IntermediatePlot
from widgets.search.parallel_coords import ParallelCoords
from widgets.search.slice_plot import SlicePlot
from widgets.search.trials_table import TrialsTable
from widgets.search.base import value_text
from widgets.search_controls import SearchControls
from widgets.search_space_editor import SpaceEditor
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import palette

#: The views redraw at most this often while a search runs (ms).
DRAW_MS = 100
#: The views redrawn in one turn of the event loop take about this long at most (s; a slow one runs alone).
DRAW_BUDGET_S = 0.008

#: Knobs the space editor offers, and the text an unticked row starts with.
ROW_DEFAULTS = {"optimizer": "sgd,adam", "lr": "1e-4:1:log:5", "batch_size": "16,32,64", "width": "4:64:log:4",
                "depth": "1:3", "activation": "relu,tanh", "init": "he-normal,xavier-uniform", "dropout": "0:0.5:3",
                "l2": "1e-5:1e-2:log:4", "weight_decay": "0:0.01:3", "momentum": "0:0.95:3",
                "beta1": "0.8:0.95:3", "beta2": "0.9:0.999:3", "schedule": "none|cosine", "epochs": "5:40:3"}


def knob_text(name: str, d: dict) -> str:
    """The editor's text of a ``[space]`` entry (the ``--param`` form without ``name=``)."""
    return _knob_from_toml(name, d).text().partition("=")[2]


class SearchPage(QWidget):
    """The "Search" tab.

    Signals
    -------
    sigUseSettings(dict)
        "Use these settings": a trial's TrainConfig as a dict, for the training page.
    """

    sigUseSettings = Signal(dict)

    def __init__(self, theme: Theme = LIGHT, parent=None, model: SearchModel | None = None):
        super().__init__(parent)
        self.theme = theme
        self.model = model if model is not None else SearchModel()
        from playground.home import data_dir

        SearchModel.home_folder = str(data_dir())  # the default storage: search.db in the home folder
        self.training_source = None  # callable -> the training page's scene (set by the window)
        self.link = SearchLink(self)
        self.link.sigSnapshot.connect(self._on_snapshot)
        self.link.sigResult.connect(self._on_result)
        self.link.sigFailed.connect(self._on_failed)
        self.link.sigFinished.connect(self._on_finished)
        self._first_snapshot = False
        self._draw_timer = QTimer(self)
        self._draw_timer.setObjectName("search-draw")
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(DRAW_MS)
        self._draw_timer.timeout.connect(self._draw_snapshot)
        self._pending: collections.deque = collections.deque()  # views still to redraw for this snapshot
        self._drain_timer = QTimer(self)
        self._drain_timer.setObjectName("search-draw-rest")
        self._drain_timer.setSingleShot(True)
        # 1 ms, not 0: the turns of a redraw came one after another with no timer (the stall probe)
        # and no paint between them (bench_search_stall's "waited for").
        self._drain_timer.setInterval(1)
        self._drain_timer.timeout.connect(self._drain)
        self._build()
        self.model.loaded.connect(self._refresh_all)
        ev = self.model.events
        ev.message.connect(self._show_message)
        ev.error.connect(self._show_message)
        self._refresh_all()

    # -- layout ----------------------------------------------------------------
    def _build(self) -> None:
        t = self.theme
        self.lesson = QLabel("")
        self.lesson.setWordWrap(True)
        self.controls = SearchControls(METHODS, scene_search.OBJECTIVES, PRUNERS, t)
        self.editor = SpaceEditor([(k, KNOBS[k].help) for k in ROW_DEFAULTS], t)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.editor_scroll = scroll
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.detail = QLabel("Click a trial in any plot or in the table to see its settings.")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.use_button = QPushButton("Use these settings")
        self.use_button.setToolTip("Copy the clicked trial's settings onto the training page and show it there.")
        self.use_button.setEnabled(False)
        self.final = QLabel("")
        self.final.setWordWrap(True)
        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.controls)
        left.addWidget(scroll, 1)
        left.addWidget(self.message)
        self.left = QWidget()
        self.left.setLayout(left)
        self.left.setFixedWidth(330)
        left.setContentsMargins(0, 0, 0, 0)

        self.history, self.table = HistoryPlot(t), TrialsTable(t)
        self.intermediate, self.importance = IntermediatePlot(t), ImportancePlot(t)
        self.slice, self.contour, self.parallel = SlicePlot(t), ContourPlot(t), ParallelCoords(t)
        self.mind = mind = MindPanel(t)
        self.surrogate, self.tpe, self.mind_note = mind.surrogate, mind.tpe, mind.note
        self.race = RacePanel(self.model, self.link, t)
        self.tabs_left, self.tabs_right = QTabWidget(), QTabWidget()
        for tabs, items in ((self.tabs_left, (("History", self.history), ("Trials", self.table),
                                             ("Curves", self.intermediate), ("Importance", self.importance))),
                            (self.tabs_right, (("Slice", self.slice), ("Contour", self.contour),
                                              ("Parallel", self.parallel), ("Sampler's mind", mind)))):
            for title, w in items:
                tabs.addTab(w, title)
        self.truth = TruthLayer(self.model, self.link, (self.slice, self.contour), t)
        left.insertWidget(1, self.truth)
        self.tabs_right.addTab(self.race, "Race")
        self.studies = StudiesTab(self)  # the storage's studies: a tab of tabs_left (pages/search/studies.py)
        for w in (self.history, self.table, self.intermediate, self.importance, self.slice, self.contour,
                  self.parallel):
            w.trial_clicked.connect(self.select_trial)
        bottom = QHBoxLayout()
        bottom.setSpacing(8)
        bottom.addWidget(self.detail, 3)
        bottom.addWidget(self.use_button, 0, Qt.AlignTop)
        bottom.addWidget(self.final, 3)
        right = QGridLayout()
        right.setSpacing(4)
        right.addWidget(self.tabs_left, 0, 0)
        right.addWidget(self.tabs_right, 0, 1)
        right.addLayout(bottom, 1, 0, 1, 2)
        right.setRowStretch(0, 1)
        right.setColumnStretch(0, 1)
        right.setColumnStretch(1, 1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.left)
        row.addLayout(right, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.setSpacing(4)
        outer.addWidget(self.lesson)
        outer.addLayout(row, 1)

        c = self.controls
        c.sigStart.connect(self.start)
        c.sigResume.connect(self.resume)
        c.sigCancel.connect(self.cancel)
        c.sigAround.connect(self.search_around)
        c.sigEdited.connect(self._on_control)
        self.editor.sigEdited.connect(self._on_space_edited)
        self.use_button.clicked.connect(self.use_settings)
        self.set_theme(t)

    # -- Page protocol -----------------------------------------------------------
    def load_scene(self, scene: dict) -> None:
        """Show a search scene (validated: ValueError names the key, nothing changes); a search stops."""
        scene_search.validate(scene)
        self.link.cancel()
        self.model.load_scene(scene)

    def scene(self) -> dict:
        return self.model.to_scene()

    def set_theme(self, theme: Theme) -> None:
        """Redraw every view with ``theme``."""
        self.theme = theme
        for w in (self.controls, self.editor, self.history, self.table, self.intermediate, self.importance,
                  self.slice, self.contour, self.parallel, self.mind, self.truth):
            w.set_theme(theme)
        self.race.set_theme(theme)
        self.studies.set_theme(theme)
        self.setPalette(palette(theme))
        self.setAutoFillBackground(True)
        font = self.font()
        font.setPointSize(max(theme.font_pt - 2, 9))
        for w in (self.lesson, self.message, self.detail, self.final, self.mind_note, self.use_button):
            w.setFont(font)
        self._show_message()

    def shutdown(self) -> None:
        """Stop the search and end its child process (finished trials stay in the storage)."""
        self.truth.shutdown()
        self.race.stop()
        self.link.close()
        self._draw_timer.stop()
        self._drain_timer.stop()
        self._pending.clear()
        if self.model.running:
            self.model.status = SearchStatus.CANCELLED

    def worker_pid(self) -> int | None:
        """The search child's process id (None when there is none)."""
        return self.link.pid

    # -- actions ---------------------------------------------------------------------
    def start(self) -> bool:
        """Run a new study (refused when the study already has trials: Resume continues it)."""
        return self._run("start")

    def resume(self) -> bool:
        """Continue the stored study of this name up to its number of trials."""
        return self._run("resume")

    def _run(self, mode: str) -> bool:
        m = self.model
        if m.running:
            return False
        if not self._read_editor():
            return False
        try:
            spec = m.spec()
        except ValueError as exc:
            m.say(f"Cannot search: {exc}", error=True)
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. a storage URL that cannot even be parsed
            m.say(f"Cannot search: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", error=True)
            return False
        m.final = None
        m.total = spec.trials or (m.grid_size() if m.method == "grid" else 0)
        m.started_at, m.done_at_start = time.monotonic(), 0
        self._first_snapshot = True  # the study's trials so far: the time left counts from them
        self.mind.forget()
        if not self.link.start(spec, mode):
            return False
        m.status = SearchStatus.RUNNING
        m.say("Starting the search process…" if mode == "start" else f"Resuming study {m.study!r}…")
        self.controls.set_running(True)
        self._draw()
        return True

    def cancel(self) -> None:
        """Stop the search at its next epoch; every finished trial stays in the study."""
        if self.model.status is SearchStatus.RUNNING:
            self.link.cancel()
            self.model.status = SearchStatus.CANCELLING
            self.model.say("Cancelling: the trials under way stop at their next epoch…")

    def search_around(self) -> None:
        """Take the training page's settings as the fixed set-up; centre the lr range on its lr."""
        if self.training_source is None:
            self.model.say("No training page to search around.", error=True)
            return
        scene = self.training_source()
        base = {k: scene[k] for k in ("epochs", "seed", "data", "model", "regularization", "optimizer", "schedule")}
        space = dict(self.model.space)
        lr = float(scene["optimizer"]["lr"])
        old = space.get("lr", {})
        space["lr"] = {"low": lr / 10, "high": min(lr * 10, 10.0), "log": True, "points": int(old.get("points", 5))}
        try:
            self.model.set(base=base, space=space)
        except ValueError as exc:
            self.model.say(f"Cannot search around the training page's settings: {exc}", error=True)
            return
        self.refresh_settings()
        self.model.say(f"Searching around the training page: lr {lr / 10:.3g} to {lr * 10:.3g} (log), "
                       f"{scene['epochs']} epochs on {scene['data']['dataset']}.")

    def select_trial(self, number: int) -> None:
        """Show trial ``number``'s settings and value (a click in any plot or the table)."""
        r = self.model.record(int(number))
        if r is None:
            return
        self.model.selected = r.number
        params = ", ".join(f"{k} = {value_text(v)}" for k, v in r.params.items())
        value = "" if r.value is None else f", {self.model.objective} {value_text(r.value)}"
        note = f" ({r.attrs['error']})" if "error" in r.attrs else ""
        self.detail.setText(f"Trial {r.number}: {r.state}{value}{note}. {params}.")
        self.use_button.setEnabled("config" in r.attrs)

    def use_settings(self) -> None:
        """Copy the selected trial's settings onto the training page (through :attr:`sigUseSettings`)."""
        r = self.model.record(self.model.selected) if self.model.selected is not None else None
        if r is None or "config" not in r.attrs:
            return
        self.sigUseSettings.emit(dict(r.attrs["config"]))
        self.model.say(f"Trial {r.number}'s settings are on the training page: press Play there to replay it.")

    # -- widgets -> model --------------------------------------------------------------
    def _on_control(self, name: str) -> None:
        c, m = self.controls, self.model
        value = {"method": c.method.currentText(), "trials": c.trials.value(),
                 "objective": c.objective.currentText(), "pruner": c.pruner.currentText(),
                 "sampler_seed": c.seed.value(), "startup_trials": c.startup.value(),
                 "study": c.study.text().strip(),
                 "storage": c.storage.text().strip()}[name]
        try:
            m.set(**{name: value})
        except ValueError as exc:
            m.say(str(exc), error=True)
            return
        self._show_grid_size()
        if m.error:
            m.say("")

    def _read_editor(self) -> bool:
        """The editor's rows into the model's space; False (error shown on the row) when one is bad."""
        space = {}
        for name, text in self.editor.texts().items():
            try:
                space[name] = parse_param(f"{name}={text}").to_dict()
            except ValueError as exc:
                self.editor.set_error(name, str(exc))
                self.model.say(str(exc), error=True)
                return False
        try:
            self.model.set(space=space)
        except ValueError as exc:
            bad = next((n for n in space if str(exc).startswith(f"space.{n}")), None)
            self.editor.set_error(bad, str(exc))
            self.model.say(str(exc), error=True)
            return False
        self.editor.set_error(None, None)
        return True

    def _on_space_edited(self, _name: str) -> None:
        if self._read_editor():
            self._show_grid_size()
            self._axes_changed()
            if self.model.error:
                self.model.say("")

    # -- model -> widgets --------------------------------------------------------------
    def _refresh_all(self) -> None:
        self.link.cancel()
        self.refresh_settings()
        self.controls.set_running(self.model.running)
        self.lesson.setText(f"<b>{self.model.title}</b> {self.model.lesson}" if self.model.title else self.model.lesson)
        self.lesson.setVisible(bool(self.model.title or self.model.lesson))
        self.detail.setText("Click a trial in any plot or in the table to see its settings.")
        self.use_button.setEnabled(False)
        self._draw()

    def refresh_settings(self) -> None:
        """Show the model's method, counts, storage and space in the controls and the editor."""
        m = self.model
        self.controls.set_values(m.method, m.trials, m.objective, m.pruner, m.sampler_seed, m.study, m.storage,
                                 startup=m.startup_trials)
        self.editor.set_space({k: knob_text(k, d) for k, d in m.space.items()}, ROW_DEFAULTS)
        self._show_grid_size()
        self._axes_changed()

    def _axes_changed(self) -> None:
        axes = self.model.axes()
        for w in (self.history, self.table, self.intermediate, self.importance, self.slice, self.contour,
                  self.parallel):
            w.set_axes(axes)
        if len(axes) >= 2:
            self.contour.set_params(axes[0].name, axes[1].name)  # two different knobs, not lr against lr

    def _show_grid_size(self) -> None:
        if self.model.method != "grid":  # the grid's size means nothing to the other methods
            self.controls.grid_label.setText(f"{self.model.method}: {self.model.trials} trials from the space")
            return
        try:
            n = self.model.grid_size()
            k = len(self.model.space)
            text = f"grid: {n} points ({' × '.join(str(len(_knob_from_toml(a, d).grid_values())) for a, d in self.model.space.items())})" \
                if k > 1 else f"grid: {n} points"
        except ValueError as exc:
            text = "grid: give each range a number of points" if "points" in str(exc) else f"grid: {exc}"
        self.controls.grid_label.setText(text)

    def _show_message(self, *_args) -> None:
        m = self.model
        self.message.setText(m.message)
        if m.error:
            style_error_label(self.message)
        else:
            self.message.setPalette(self.palette())

    # -- the search's messages ------------------------------------------------------------
    def _on_snapshot(self, snap: dict) -> None:
        m = self.model
        records = records_from_dicts(snap["trials"])
        if self._first_snapshot:
            self._first_snapshot = False
            m.done_at_start = sum(r.state != "running" for r in records)
        m.records = records
        m.total = int(snap.get("total") or m.total)
        if snap.get("importance") is not None:
            m.importance = snap["importance"]
        # The model is current at once; the views draw on a capped timer, so snapshots that come
        # together (one poll can read several) cost one redraw.
        if not self._draw_timer.isActive():
            self._draw_timer.start()

    def _draw_snapshot(self) -> None:
        """The draw timer fired: redraw the views a few at a time, each turn of the event loop at most
        ``DRAW_BUDGET_S`` of them (one slow view alone), so a paint or a timer can come between."""
        self._pending = collections.deque(self._draw_steps())
        self.mind.refit(self.model, self.link)
        self._drain()

    def _drain(self) -> None:
        t0 = time.perf_counter()
        while self._pending and time.perf_counter() - t0 < DRAW_BUDGET_S:
            self._pending.popleft()()
        if self._pending:
            self._drain_timer.start()

    def flush_drawing(self) -> None:
        """Draw at once what waits for the draw timer or is half drawn (an export or a script calls this)."""
        if self._draw_timer.isActive():
            self._draw_timer.stop()
            self.mind.refit(self.model, self.link)
            self._draw()
        elif self._pending:
            self._draw()

    def _on_result(self, result: dict) -> None:
        m = self.model
        m.final = result
        if result.get("importance"):
            m.importance = result["importance"]

    def _on_failed(self, text: str) -> None:
        self.model.status = SearchStatus.FAILED
        self.model.say(f"The search stopped: {text}", error=True)

    def _on_finished(self, reason: str) -> None:
        m = self.model
        if reason == "completed":
            m.status = SearchStatus.FINISHED
            m.say(f"Done: {counts_text(self.model.records)}.")
        elif reason == "cancelled":
            m.status = SearchStatus.CANCELLED
            m.say(f"Cancelled: {counts_text(self.model.records)} kept in study {m.study!r}; Resume continues it.")
        elif m.status is not SearchStatus.FAILED:
            m.status = SearchStatus.FAILED
            m.say(f"The search ended ({reason}).", error=True)
        self.controls.set_running(False)
        if self._draw_timer.isActive():
            self.flush_drawing()
        else:
            self._draw()

    # -- drawing ---------------------------------------------------------------------------
    def _draw(self) -> None:
        """Redraw every view now (a search's end, a flush)."""
        self._drain_timer.stop()
        self._pending.clear()
        for step in self._draw_steps():
            step()

    def _draw_steps(self) -> list:
        """The redraw of the model's records, as one callable per view (hidden tabs only keep them)."""
        m = self.model
        rs = list(m.records)
        steps = [functools.partial(w.set_records, rs, minimize=m.minimize)
                 for w in (self.history, self.table, self.intermediate, self.slice, self.contour, self.parallel)]
        steps.append(functools.partial(self.contour.set_boxes, m.boxes() if m.method == "coarse-to-fine" else []))
        n_complete = sum(r.state == "complete" for r in rs)
        steps.append(functools.partial(self.importance.set_importance, m.importance or {}, n_complete))
        return steps + [self._show_progress, self._show_final]

    def _show_progress(self) -> None:
        m = self.model
        done = sum(r.state != "running" for r in m.records)
        self.controls.set_progress(done, m.total, progress_text(m))

    def _show_final(self) -> None:
        self.final.setText(final_text(self.model.final))

    def render_image(self, width: int, height: int):
        """The page drawn into a ``width`` x ``height`` QImage (device pixel ratio 1)."""
        from playground.pages.search.render import render_image

        return render_image(self, width, height)

