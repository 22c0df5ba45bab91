"""The "Sampler's mind" tab: what bayes' GP or tpe's densities believe, refitted as trials finish.

The refit runs in the search page's worker host child (a "call" job, :func:`mind.refit`), never on
the GUI thread. The panel asks for a refit only when the set of complete trials changed.
"""
from __future__ import annotations

import dataclasses
import functools

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from playground.pages.search.mind import refit
from widgets.surrogate_view import SurrogateView
from widgets.theme import Theme
from widgets.tpe_view import TPEView

NOTE = "The sampler's mind is drawn for bayes on one or two range knobs and tpe on one."


def mind_kind(method: str, axes) -> str | None:
    """"gp" (bayes on 1-2 range knobs), "tpe" (tpe on one range knob) or None (nothing to draw)."""
    if any(a.categorical for a in axes):
        return None
    if method == "bayes" and len(axes) in (1, 2):
        return "gp"
    if method == "tpe" and len(axes) == 1:
        return "tpe"
    return None


class MindPanel(QWidget):
    """The surrogate view, the TPE view and a note; one of them shows, by the method and the space."""

    def __init__(self, theme: Theme, parent=None):
        super().__init__(parent)
        self.surrogate, self.tpe = SurrogateView(theme), TPEView(theme)
        self.note = QLabel(NOTE)
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.note)
        lay.addWidget(self.surrogate, 1)
        lay.addWidget(self.tpe, 1)
        self._job = None
        self._key = None
        self._model = None

    def set_theme(self, theme: Theme) -> None:
        self.surrogate.set_theme(theme)
        self.tpe.set_theme(theme)

    def forget(self) -> None:
        """The next :meth:`refit` asks the child again (a new search has started)."""
        self._key = None

    def refit(self, model, link) -> None:
        """Ask ``link``'s child for a refit of ``model``'s complete trials, if they changed."""
        axes = model.axes()
        kind = mind_kind(model.method, axes)
        self.surrogate.setVisible(kind == "gp")
        self.tpe.setVisible(kind == "tpe")
        self.note.setVisible(kind is None)
        if kind is None:
            return
        done = [r for r in model.records if r.state == "complete" and r.finite_value is not None]
        if len(done) < 2:
            return
        key = (kind, tuple(r.number for r in done))
        if key == self._key:
            return
        self._key, self._model = key, model
        sign = 1.0 if model.minimize else -1.0
        points = [tuple(float(r.params[a.name]) for a in axes) for r in done]
        values = [sign * r.finite_value for r in done]
        fn = functools.partial(refit, kind, points, values, [(a.low, a.high, a.log) for a in axes])
        self._job = link.submit_call(fn, self._on_message)

    def _on_message(self, msg) -> None:
        from playground.workers.messages import Result

        if msg.job_id != self._job or not isinstance(msg, Result):
            return
        kind, fit = msg.value  # drawn by the views, which wait while their tab is closed
        m = self._model
        axes = m.axes()
        sign = 1.0 if m.minimize else -1.0
        if kind == "gp":  # shorter than REFIT_LABEL: the caption has two lines in a half-page tab
            fit = dataclasses.replace(fit, label="GP refit (scikit-learn)")
        if kind == "gp" and len(axes) == 1:
            self.surrogate.show_1d(fit.grid[0], sign * fit.mean, fit.std, fit.ei, fit.points[:, 0], sign * fit.values,
                                   log=axes[0].log, name=axes[0].name, objective=m.objective, label=fit.label)
        elif kind == "gp":
            self.surrogate.show_2d(fit.grid[0], fit.grid[1], sign * fit.mean, fit.std, fit.points[:, 0],
                                   fit.points[:, 1], log_x=axes[0].log, log_y=axes[1].log, name_x=axes[0].name,
                                   name_y=axes[1].name, objective=m.objective, label=fit.label)
        else:  # a short label, as for the GP: the caption has two lines
            self.tpe.show_densities(fit.grid, fit.good_pdf, fit.bad_pdf, fit.x, fit.good, log=axes[0].log,
                                    name=axes[0].name, active=fit.active, label="TPE's densities, rebuilt")
