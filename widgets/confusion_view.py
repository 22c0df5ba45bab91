"""Confusion matrix of the validation split (shown for more than two classes)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFont

from widgets.theme import LIGHT, Theme


class ConfusionView(pg.PlotWidget):
    """Rows = true class, columns = predicted class; counts written in each cell.

    Parameters
    ----------
    theme : Theme
        Colours and fonts.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent=parent)
        self._theme = theme
        self._matrix = np.zeros((2, 2))
        self._texts: list[pg.TextItem] = []
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.invertY(True)  # row 0 (true class 0) at the top, as a table reads
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Restyle with ``theme``."""
        self._theme = theme
        self.setBackground(theme.background)
        self.setTitle("validation: true (rows) vs predicted", size=f"{theme.font_pt}pt", color=theme.foreground)
        font = QFont()
        font.setPointSize(theme.font_pt - 1)
        for name in ("left", "bottom"):
            ax = self.getAxis(name)
            ax.setPen(theme.grid)
            ax.setTextPen(theme.foreground)
            ax.setTickFont(font)
        self.set_matrix(self._matrix)

    def matrix(self) -> np.ndarray:
        """The (K, K) counts shown."""
        return self._matrix.copy()

    def set_matrix(self, matrix) -> None:
        """Show a (K, K) count matrix."""
        m = np.nan_to_num(np.asarray(matrix, float))
        self._matrix = m
        k = len(m)
        rows = m / np.maximum(m.sum(1, keepdims=True), 1)  # colour = fraction of each true class
        self.image.setImage(rows, levels=(0, 1), autoLevels=False)
        self.image.setColorMap(pg.colormap.get(self._theme.colormap))
        self.image.setRect(QRectF(-0.5, -0.5, k, k))
        ticks = [[(i, str(i)) for i in range(k)]]
        self.getAxis("bottom").setTicks(ticks)
        self.getAxis("left").setTicks(ticks)
        while len(self._texts) < k * k:
            t = pg.TextItem(anchor=(0.5, 0.5))
            self.addItem(t)
            self._texts.append(t)
        while len(self._texts) > k * k:
            self.removeItem(self._texts.pop())
        font = QFont()
        font.setPointSize(self._theme.font_pt)
        font.setBold(True)
        for idx, t in enumerate(self._texts):
            i, j = divmod(idx, k)
            t.setText(str(int(m[i, j])))
            t.setFont(font)
            t.setColor("#000000" if rows[i, j] > 0.55 else "#FFFFFF")
            t.setPos(j, i)
        self.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, k - 0.5), padding=0.02)
