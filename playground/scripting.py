"""Scripting for course authors: drive the app's pages from Python, headless, and take pictures and numbers.

::

    from playground.scripting import Playground

    with Playground(size=(1280, 720), theme="light") as pg:   # makes the QApplication; offscreen works
        pg.open("saddle-escape")        # a bundled scene's name, a scene file, or a session file
        pg.run(steps=200)               # every racer to step 200; returns once computed and drawn
        res = pg.results()
        res.racer("GD")[-1]["loss"]     # one racer's rows, by label or by index
        pg.grab().save("page.png")      # the current page, exactly `size` pixels (device pixel ratio 1)
        pg.grab("surface")              # one named part; pg.parts() lists them
        pg.open("train-dropout")        # shows the training page
        pg.run(epochs=40)               # 40 epochs, deterministic, returns once drawn
        pg.results().rows[-1]["val_loss"]
        pg.model.lr = 0.003             # the current page's model: set anything a user can set
        pg.save_session("lesson.toml")

Everything runs on the calling thread, so a run is deterministic: the same scene, steps and seed give
bit-identical results and, on one machine, identical pixels. The training page's rows are the JSON
objects ``optimizer-playground train`` prints for the same settings. Scripts never autosave and never
restore the app's last session. Leaving the ``with`` block stops every page and closes its windows.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field

from playground.pages import PAGE_KINDS, page_kind

#: The named parts of each page kind, for :meth:`Playground.grab` (attribute names on the page).
PARTS = {
    "optimizer": {"surface": "surface_view", "curves": "curves", "racers": "racer_panel",
                  "playback": "playback", "lesson": "lesson", "chooser": "chooser", "side": "side_tabs"},
    "training": {"decision": "decision", "confusion": "confusion", "curves": "curves", "diagram": "diagram",
                 "histograms": "histograms", "controls": "controls", "run": "run_bar", "status": "status",
                 "lesson": "lesson"},
    "search": {"history": "history", "table": "table", "slice": "slice", "contour": "contour",
               "parallel": "parallel", "intermediate": "intermediate", "importance": "importance",
               "surrogate": "surrogate", "tpe": "tpe", "controls": "controls", "space": "editor_scroll",
               "lesson": "lesson"},
}


@dataclass
class Results:
    """What a page computed, as plain Python values.

    Attributes
    ----------
    page : str
        The page kind.
    rows : list of dict
        Optimizer page: one row per racer and step, ``{"racer", "label", "step", "x", "y", "loss", "lr"}``.
        Training page: one row per epoch, with the keys of ``optimizer-playground train``'s JSON lines.
    final : dict
        Optimizer page: ``{label: last row + "outcome", "diverged_at", "converged_at"}``.
        Training page: ``train``'s final object (``{}`` before a run ends).
    """

    page: str
    rows: list = field(default_factory=list)
    final: dict = field(default_factory=dict)

    def racer(self, label_or_index) -> list:
        """One racer's rows, by its label or its index (optimizer page).

        Raises
        ------
        ValueError
            No racer has that label or index, or two racers share the label.
        """
        if self.page != "optimizer":
            raise ValueError(f"racer() is for the optimizer page; these are {self.page!r} results")
        labels = {}
        for row in self.rows:
            labels.setdefault(row["racer"], row["label"])
        if isinstance(label_or_index, int) and not isinstance(label_or_index, bool):
            if label_or_index not in labels:
                raise ValueError(f"no racer {label_or_index}; racers are 0..{len(labels) - 1}")
            index = label_or_index
        else:
            matches = [i for i, lab in labels.items() if lab == label_or_index]
            if not matches:
                raise ValueError(f"no racer labelled {label_or_index!r}; labels: {', '.join(map(repr, labels.values()))}")
            if len(matches) > 1:
                raise ValueError(f"{len(matches)} racers are labelled {label_or_index!r}: use an index")
            index = matches[0]
        return [row for row in self.rows if row["racer"] == index]


class Playground:
    """The app's pages, driven from a script or a test.

    Parameters
    ----------
    size : (int, int)
        Size of a page, in pixels: :meth:`grab` returns exactly this.
    theme : str
        A theme name (``widgets.theme.THEMES``).
    """

    def __init__(self, size: tuple[int, int] = (1280, 720), theme: str = "light"):
        from widgets.theme import THEMES, get_theme

        w, h = (int(v) for v in size)
        if not (64 <= w <= 7680 and 64 <= h <= 4320):
            raise ValueError(f"size must be between 64x64 and 7680x4320, got {size!r}")
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None and not os.environ.get("QT_QPA_PLATFORM") \
                and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no screen: a QApplication would abort
        from playground.app import make_app

        self._app = make_app()
        self.size = (w, h)
        self.theme = get_theme(theme)
        self._pages: dict = {}
        self._kind = PAGE_KINDS[0].kind
        self._runs: dict = {}  # page kind -> the last run's Results
        self._closed = False

    # -- context ------------------------------------------------------------------
    def __enter__(self) -> "Playground":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop every page and close it (safe to call twice)."""
        if self._closed:
            return
        self._closed = True
        for page in self._pages.values():
            try:
                page.shutdown()
            finally:
                page.close()
                page.deleteLater()
        self._pages.clear()
        self._app.processEvents()

    # -- pages ----------------------------------------------------------------------
    def _page(self, kind: str):
        if self._closed:
            raise ValueError("this Playground is closed")
        page = self._pages.get(kind)
        if page is None:
            from PySide6.QtCore import Qt

            cls = page_kind(kind).view_class()
            page = cls(theme=self.theme, threaded=False) if kind == "optimizer" else cls(theme=self.theme)
            page.setAttribute(Qt.WA_DontShowOnScreen, True)
            page.resize(*self.size)
            page.show()
            self._pages[kind] = page
        return page

    @property
    def page(self):
        """The current page (a QWidget)."""
        return self._page(self._kind)

    @property
    def kind(self) -> str:
        """The current page's kind."""
        return self._kind

    @property
    def model(self):
        """The current page's model: assign its fields to change anything a user can."""
        return self.page.model

    def show_page(self, kind: str) -> None:
        """Make ``kind`` ("optimizer", "training") the current page (ValueError naming the kinds)."""
        page_kind(kind)
        self._kind = kind
        self._page(kind)

    # -- files ----------------------------------------------------------------------
    def open(self, name_or_path: str) -> None:
        """Open a bundled scene's name, a scene file or a session file (ValueError naming the problem)."""
        from playground.documents import read_document

        doc = read_document(str(name_or_path))
        if doc.kind == "session":
            from playground import session_results

            for kind, state in doc.data["pages"].items():
                self._page(kind).model.set_state(state)
                self._runs.pop(kind, None)
            self._kind = doc.data.get("page") or self._kind
            # the pictures of what was computed come back from the side file, as in the app
            # (settings without their results still open, as in the app: a warning says what is missing)
            try:
                left = session_results.restore(self._pages, doc.data)[1]
            except ValueError as exc:
                left = [str(exc)]
            if left:
                warnings.warn(f"results not restored: {'; '.join(left)}", RuntimeWarning, stacklevel=2)
        else:
            kind = doc.data["page"]
            self._page(kind).load_scene(doc.data)
            self._runs.pop(kind, None)
            self._kind = kind
        self._settle()

    def save_session(self, path) -> None:
        """Write every opened page's settings, the current page and the theme to a session file, and what
        the pages computed (a trained network, maps) to its ``.results.npz`` side file, as the app does."""
        from playground import session_results, sessions

        session = {"page": self._kind, "theme": self.theme.name, "saved": sessions.now_stamp(),
                   "window": {"width": self.size[0], "height": self.size[1]},
                   "pages": {k: p.model.state() for k, p in self._pages.items()}}
        results = session_results.collect(self._pages, session)
        side = session_results.results_path(path)
        if results:
            session["results"] = side.name
        sessions.save_session(session, path)
        session_results.write_side_file(side, session["saved"], results)  # a script may wait for it

    # -- running ----------------------------------------------------------------------
    def run(self, steps: int | None = None, epochs: int | None = None) -> "Results":
        """Run the current page: ``steps`` on the optimizer page, ``epochs`` on the training page.

        Returns once everything is computed and drawn; with neither given, the scene's own length.
        """
        for name, value in (("steps", steps), ("epochs", epochs)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        if self._kind == "optimizer":
            if epochs is not None:
                raise ValueError("epochs= is for the training page; the optimizer page runs steps=")
            return self._run_optimizer(steps)
        if self._kind == "training":
            if steps is not None:
                raise ValueError("steps= is for the optimizer page; the training page runs epochs=")
            return self._run_training(epochs)
        if self._kind == "search":
            if steps is not None or epochs is not None:
                raise ValueError("the search page runs its scene's trials; give neither steps= nor epochs=")
            return self._run_search()
        raise ValueError(f"run() does not know the {self._kind!r} page")

    def _run_search(self):
        from playground.pages.search.render import run_page

        from playground.pages.search.model import SearchStatus

        page = self.page
        run_page(page)
        if page.model.status is SearchStatus.FAILED:
            raise RuntimeError(page.model.message or "the search failed")
        rows = [{"number": r.number, "params": dict(r.params), "value": r.value, "state": r.state}
                for r in page.model.records]
        self._runs["search"] = Results("search", rows, dict(page.model.final or {}))
        return self._runs["search"]

    def _run_optimizer(self, steps):
        page = self.page
        model = page.model
        target = model.steps if steps is None else steps
        if target > model.steps:
            model.steps = target
        if not page.wait_computed(120.0):
            raise ValueError(f"the race did not finish computing: {model.error or 'timed out'}")
        page.seek(target)
        self._settle()
        self._runs.pop("optimizer", None)
        return self.results()

    def _run_training(self, epochs):
        import threading

        from core.training import TrainControls, train
        from playground.cli_train import epoch_record, final_record

        page = self.page
        config = page.config()
        if epochs is not None:
            config = config.replace(epochs=int(epochs))
        page.show_data(config)
        page.curves.reset()
        rows, final = [], {}
        stop, controls = threading.Event(), TrainControls()
        for m in train(config, stop_event=stop, controls=controls):
            if m.kind == "epoch":
                rows.append(epoch_record(m))
                if m.epoch >= config.epochs - 1:
                    controls.request_snapshot()  # the picture at the end shows the trained network
            elif m.kind == "final":
                final = final_record(m)
            page.handle_metrics(m)
        page.draw_frame(force=True)
        self._settle()
        self._runs["training"] = Results("training", rows, final)
        return self._runs["training"]

    def results(self) -> Results:
        """What the current page has computed (see :class:`Results`)."""
        if self._kind in ("training", "search"):
            return self._runs.get(self._kind) or Results(self._kind)
        if self._kind != "optimizer":
            return Results(self._kind)
        page = self.page
        model = page.model
        step = page.step()
        rows, final = [], {}
        for i, (racer, traj) in enumerate(zip(model.racers, page.trajectories())):
            if traj is None:
                continue
            label = racer["label"]
            last = min(step, len(traj.xy) - 1)
            mine = [{"racer": i, "label": label, "step": k, "x": float(traj.xy[k, 0]), "y": float(traj.xy[k, 1]),
                     "loss": float(traj.loss[k]), "lr": float(traj.lr[k])} for k in range(last + 1)]
            rows.extend(mine)
            if mine:
                final[label] = {**mine[-1], "outcome": traj.outcome, "diverged_at": traj.diverged_at,
                                "converged_at": traj.converged_at}
        return Results("optimizer", rows, final)

    # -- pictures -----------------------------------------------------------------------
    def parts(self) -> list[str]:
        """Names of the current page's parts that :meth:`grab` takes."""
        return list(PARTS.get(self._kind, {}))

    def grab(self, part: str | None = None):
        """The current page (exactly ``size``), or one named part of it, as a QImage (device pixel ratio 1)."""
        from PySide6.QtGui import QColor, QImage

        page = self.page
        if part is None:
            widget, (w, h) = page, self.size
            if (page.width(), page.height()) != self.size:
                page.resize(*self.size)
        else:
            names = PARTS.get(self._kind, {})
            if part not in names:
                raise ValueError(f"no part {part!r} on the {self._kind} page; parts: {', '.join(names)}")
            widget = getattr(page, names[part])
            w, h = widget.width(), widget.height()
        self._settle()
        image = QImage(w, h, QImage.Format_ARGB32)
        image.setDevicePixelRatio(1.0)
        image.fill(QColor(self.theme.background))
        from PySide6.QtWidgets import QWidget

        QWidget.render(widget, image)  # QWidget's own: pyqtgraph's views replace render() (docs/traps.md)
        return image

    def _settle(self) -> None:
        page = self.page
        page.layout().activate()
        for _ in range(3):
            self._app.processEvents()
