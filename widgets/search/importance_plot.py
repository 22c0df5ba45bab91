"""Parameter importance as horizontal bars, with a warning when few trials back the numbers."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from widgets.search.base import SearchPlot, hidden_tab
from widgets.theme import LIGHT, Theme

FEW_TRIALS = 10


class ImportancePlot(SearchPlot):
    """Bars of importance (for example fANOVA's share of the objective's variance), largest on top.

    The numbers are computed elsewhere (off the GUI thread); this view only draws them. With fewer than
    :data:`FEW_TRIALS` trials a warning says so: importances from a handful of trials are mostly noise.

    Attributes
    ----------
    bars : pyqtgraph.BarGraphItem or None
    warning : QLabel
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(theme, parent)
        self.warning = QLabel()
        # Ignored width: a label's text sets its minimum width (the warning widened its column of a grid
        # of plots to 660 px), and a wrapped one squeezed the grid's other row to a third of its height.
        self.warning.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.warning.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        self.warning.setVisible(False)
        self._layout.addWidget(self.warning)
        self._layout.addWidget(self.plot, 1)
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        self.bars = None
        self._labels: list = []
        self._importance: dict[str, float] = {}
        self._n_trials = -1  # nothing set yet: the first set_importance always draws
        self.set_theme(theme)

    def set_importance(self, importance: dict[str, float], n_trials: int) -> None:
        """Draw ``importance`` (parameter -> weight >= 0) computed from ``n_trials`` trials.

        The same numbers again draw nothing (the page passes them with every redraw), and on a hidden
        tab the bars wait until it shows, as :meth:`SearchPlot.set_records` does.
        """
        new = {k: float(v) for k, v in importance.items()}
        if new == self._importance and int(n_trials) == self._n_trials:
            return
        self._importance = new
        self._n_trials = int(n_trials)
        few = self._n_trials < FEW_TRIALS
        self.warning.setText(f"⚠ Only {self._n_trials} trial{'s' if self._n_trials != 1 else ''}: "
                             "few trials back this." if few else "")
        self.warning.setVisible(few)
        if hidden_tab(self):
            self._stale = True
            return
        self._stale = False
        self._redraw()
        self._fit()

    def order(self) -> list[str]:
        """Parameters from most to least important."""
        return sorted(self._importance, key=lambda k: -self._importance[k])

    def _titles(self):
        self._label("bottom", "importance")
        self.warning.setStyleSheet(f"color: {self._theme.racer_colors[1]}; font-weight: bold;"
                                   f" font-size: {self._theme.font_pt - 1}pt; padding: 2px 6px;")

    def _data_range(self):
        if not self._importance:
            return None
        top = max(max(self._importance.values()), 1e-12)
        return (0.0, top * 1.25), (-0.6, len(self._importance) - 0.4)

    def _redraw(self):
        t = self._theme
        if self.bars is not None:
            self.plot.removeItem(self.bars)
            self.bars = None
        for item in self._labels:
            self.plot.removeItem(item)
        self._labels = []
        names = self.order()
        n = len(names)
        ys = [n - 1 - i for i in range(n)]  # largest on top
        left = self.plot.getAxis("left")
        left.setTicks([[(float(y), name) for y, name in zip(ys, names)]])
        # pyqtgraph drops a tick label wider than the axis ("layers" vanished): size the axis to the names.
        metrics = pg.QtGui.QFontMetrics(left.style["tickFont"] or left.font())
        left.setWidth(max([metrics.horizontalAdvance(k) for k in names] + [20]) + 14)
        if not n:
            return
        widths = [self._importance[k] for k in names]
        self.bars = pg.BarGraphItem(x0=[0.0] * n, y=ys, height=0.6, width=widths,
                                    brush=pg.mkBrush(t.racer_colors[0]), pen=self._pen(t.racer_colors[0], 1))
        self.plot.addItem(self.bars, ignoreBounds=True)
        font = pg.QtGui.QFont()
        font.setPointSize(t.font_pt - 2)
        for y, w in zip(ys, widths):
            text = pg.TextItem(f"{w:.2f}", color=t.foreground, anchor=(0, 0.5))
            text.setFont(font)
            text.setPos(w, y)
            self.plot.addItem(text, ignoreBounds=True)
            self._labels.append(text)
