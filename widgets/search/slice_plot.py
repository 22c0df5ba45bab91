"""One-parameter slices: the objective against one knob, on a log axis where the knob is sampled so.

Over the learning rate this is the lectures' U-shaped curve: too small learns nothing in the budget,
too large diverges.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel

from widgets.search.base import SearchPlot, log_mode, padded
from widgets.theme import LIGHT, Theme


class SlicePlot(SearchPlot):
    """The objective of each complete trial against the chosen parameter, coloured by trial number
    (early trials pale, late ones dark), so a sampler closing in on the minimum shows.

    Attributes
    ----------
    param_combo : QComboBox
        The parameter on the x axis.
    points : pyqtgraph.ScatterPlotItem
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
        self._layout.addLayout(row)
        self._layout.addWidget(self.plot, 1)
        self.points = self._scatter("o", 10)
        self.param_combo.currentTextChanged.connect(self._on_param)
        self.set_theme(theme)

    def param(self) -> str | None:
        """The parameter on the x axis."""
        return self.param_combo.currentText() or None

    def set_param(self, name: str) -> None:
        """Show the slice over ``name``."""
        self.param_combo.setCurrentText(name)

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
        x0, x1 = ax.plot_range()
        return padded(x0, x1, 0.0 if ax.categorical else 0.03), padded(ys.min(), ys.max(), 0.08) if len(ys) else (0, 1)

    def _redraw(self):
        t = self._theme
        xs, ys, ns = self.positions()
        cmap = pg.colormap.get(t.colormap)
        order = np.argsort(np.argsort(ns)) / max(len(ns) - 1, 1) if ns else np.empty(0)
        # Late trials dark on light, bright on dark: the end of cividis that stands out from the background.
        shade = 0.15 + 0.85 * (1 - order) if not t.is_dark else 0.15 + 0.85 * order
        brushes = [pg.mkBrush(cmap.map(float(s), mode="qcolor")) for s in shade]
        self.points.setData(xs, ys, data=ns, brush=brushes, pen=self._pen(t.foreground, 0.8))
