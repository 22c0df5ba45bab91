"""One-parameter slices: the objective against one knob, on a log axis where the knob is sampled so.

Over the learning rate this is the lectures' U-shaped curve: too small learns nothing in the budget,
too large diverges. With a true response (:meth:`SlicePlot.set_truth`) that curve is drawn as measured
on a dense grid, under the trials.
"""
from __future__ import annotations

import warnings

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from widgets.search.base import SearchPlot, log_mode, padded
from widgets.theme import LIGHT, Theme

#: Shade levels of the trial-number colouring (points share a brush per level).
SHADES = 32


class SlicePlot(SearchPlot):
    """The objective of each complete trial against the chosen parameter, coloured by trial number
    (early trials pale, late ones dark), so a sampler closing in on the minimum shows.

    Attributes
    ----------
    param_combo : QComboBox
        The parameter on the x axis.
    points : pyqtgraph.ScatterPlotItem
    truth_line : pyqtgraph.PlotDataItem
        The true response over the shown parameter (empty when there is none to show).
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self.param_combo = QComboBox()
        self.param_combo.setMinimumContentsLength(12)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QLabel("Parameter"))
        row.addWidget(self.param_combo, 1)
        self.key = QLabel()
        row.addWidget(self.key)
        self.truth_key = QLabel()  # its own line: the half-page tab has no room beside the chooser
        self.truth_key.setContentsMargins(6, 0, 6, 0)
        self.truth_key.setToolTip("The validation objective measured on a dense grid of the knob, each point "
                                  "one training run: how close the trials came to the real optimum.")
        self.truth_key.setVisible(False)
        self._layout.addLayout(row)
        self._layout.addWidget(self.truth_key)
        self._layout.addWidget(self.plot, 1)
        self.points = self._scatter("o", 10)
        self.truth_line = pg.PlotDataItem(connect="finite")
        self.truth_line.setZValue(5)  # under the trials
        self.plot.addItem(self.truth_line, ignoreBounds=True)
        self._truth = None
        self.param_combo.currentTextChanged.connect(self._on_param)
        self.set_theme(theme)

    def param(self) -> str | None:
        """The parameter on the x axis."""
        return self.param_combo.currentText() or None

    def set_param(self, name: str) -> None:
        """Show the slice over ``name``."""
        self.param_combo.setCurrentText(name)

    def set_truth(self, truth) -> None:
        """Draw a true response under the trials, or none (``None``).

        ``truth`` has ``names`` (one or two knobs), ``axes`` (their grid values, real units),
        ``values`` (the objective on the grid, NaN where a run diverged) and ``minimize``, as
        :class:`playground.search.truth.TrueResponse` does. Over one knob the line is the response
        itself; over one of two knobs it is the best over the other knob at each value (the
        trials, each at some value of the other knob, lie on or behind it).
        """
        self._truth = truth
        self._titles()
        self._redraw()
        self._fit()

    def truth_curve(self) -> tuple[np.ndarray, np.ndarray, str] | None:
        """The line drawn: x in plot space, the objective, and what it is; None when nothing is drawn."""
        t, ax = self._truth, self.axis(self.param())
        if t is None or ax is None or ax.categorical or ax.name not in t.names:
            return None
        i = t.names.index(ax.name)
        values = np.asarray(t.values, float)
        n = int(np.prod(values.shape))
        if values.ndim == 1:
            ys, what = values, f"true response, {n} trainings"
        else:
            other = values if i == 0 else values.T
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a column of diverged runs: all NaN
                ys = np.nanmin(other, axis=1) if t.minimize else np.nanmax(other, axis=1)
            what = f"true response, best over {t.names[1 - i]} ({n} trainings)"
        xs = np.array([ax.to_plot(v) for v in np.asarray(t.axes[i]).tolist()], float)
        return xs, np.asarray(ys, float), what

    def _axes_changed(self):
        current = self.param()
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItems([a.name for a in self._axes])
        if current in [a.name for a in self._axes]:
            self.param_combo.setCurrentText(current)
        self.param_combo.blockSignals(False)
        self._set_x_axis()

    def _on_param(self, _name):
        self._set_x_axis()
        self._redraw()
        self.user_view = False  # a new parameter is a new plot: fit it
        self._fit()

    def _set_x_axis(self):
        ax = self.axis(self.param())
        bottom = self.plot.getAxis("bottom")
        log_mode(bottom, bool(ax and ax.log))
        if ax is not None and ax.categorical:
            bottom.setTicks([[(float(i), str(c)) for i, c in enumerate(ax.choices)]])
        else:
            bottom.setTicks(None)
        self._titles()

    def _titles(self):
        self.key.setText("colour: " + ("brighter" if self._theme.is_dark else "darker") + " = later trial")
        curve = self.truth_curve()
        self.truth_key.setVisible(curve is not None)
        if curve is not None:  # the line's own colour as its legend
            self.truth_key.setText(f'<span style="color:{self._theme.racer_colors[1]}">━━</span> {curve[2]}')
        ax = self.axis(self.param())
        self._label("bottom", (ax.name + ("  (log scale)" if ax.log else "")) if ax else "parameter")
        self._label("left", "objective")

    def positions(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Where the complete trials are drawn: x in plot space (log10 on a log axis), y the objective, numbers."""
        ax = self.axis(self.param())
        xs, ys, ns = [], [], []
        if ax is None:
            return np.empty(0), np.empty(0), []
        for r in self._records:
            v = r.finite_value
            x = ax.to_plot(r.params.get(ax.name))
            if r.state == "complete" and v is not None and np.isfinite(x):
                xs.append(x)
                ys.append(v)
                ns.append(r.number)
        return np.asarray(xs, float), np.asarray(ys, float), ns

    def _data_range(self):
        ax = self.axis(self.param())
        if ax is None:
            return None
        _, ys, _ = self.positions()
        curve = self.truth_curve()
        if curve is not None:
            ys = np.concatenate([ys, curve[1][np.isfinite(curve[1])]])
        x0, x1 = ax.plot_range()
        return padded(x0, x1, 0.0 if ax.categorical else 0.03), padded(ys.min(), ys.max(), 0.08) if len(ys) else (0, 1)

    def _redraw(self):
        t = self._theme
        xs, ys, ns = self.positions()
        cmap = pg.colormap.get(t.colormap)
        order = np.argsort(np.argsort(ns)) / max(len(ns) - 1, 1) if ns else np.empty(0)
        # Late trials dark on light, bright on dark: the end of cividis that stands out from the background.
        shade = 0.15 + 0.85 * (1 - order) if not t.is_dark else 0.15 + 0.85 * order
        # One brush per shade level, shared by the points: a brush per point cost most of a redraw.
        levels = np.round(shade * (SHADES - 1)).astype(int)
        palette = [pg.mkBrush(cmap.map(i / (SHADES - 1), mode="qcolor")) for i in range(SHADES)]
        brushes = [palette[i] for i in levels]
        self.points.setData(xs, ys, data=ns, brush=brushes, pen=self._pen(t.foreground, 0.8))
        curve = self.truth_curve()
        if curve is None:
            self.truth_line.setData([], [])
        else:
            self.truth_line.setData(curve[0], curve[1], pen=self._pen(t.racer_colors[1], t.line_width))
