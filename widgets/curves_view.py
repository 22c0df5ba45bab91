"""Loss (log scale) and learning rate against step, one curve per racer, with a step cursor."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from widgets.theme import LIGHT, Theme


def loss_gap(loss: np.ndarray, f_min: float | None) -> np.ndarray:
    """Positive values for a log axis: ``f - f*`` (or ``f`` when it never goes below 0).

    A bounded saddle has negative losses, so plain ``log f`` would drop them; ``f - f*``
    is also the quantity whose straight line on a log axis means linear convergence.
    Non-finite values (a diverged run) become NaN, which pyqtgraph leaves as a gap.
    """
    loss = np.asarray(loss, dtype=float)
    out = loss - f_min if f_min is not None else loss.copy()
    out[~np.isfinite(out)] = np.nan
    return np.maximum(out, 1e-16)


class CurvesView(QWidget):
    """Two stacked plots sharing the step axis: loss gap (log y) and lr."""

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._f_min = None
        self._racers: list[tuple[str, str]] = []
        self.loss_plot = pg.PlotWidget()
        self.lr_plot = pg.PlotWidget()
        for p in (self.loss_plot, self.lr_plot):
            p.setMenuEnabled(False)
            p.hideButtons()
            p.showGrid(x=True, y=True, alpha=0.25)
        self.loss_plot.setLogMode(y=True)
        for p in (self.loss_plot, self.lr_plot):
            for name in ("left", "bottom"):  # "lr (x0.001)" confuses students; relabelling per frame is slow
                p.getAxis(name).enableAutoSIPrefix(False)
        self.lr_plot.setXLink(self.loss_plot)
        self.legend = self.loss_plot.addLegend(offset=(-8, 8), labelTextSize=f"{theme.font_pt - 2}pt",
                                            verSpacing=-6)
        self._loss_items: list[pg.PlotDataItem] = []
        self._lr_items: list[pg.PlotDataItem] = []
        self.loss_cursor = pg.InfiniteLine(angle=90, movable=False)
        self.lr_cursor = pg.InfiniteLine(angle=90, movable=False)
        self.loss_plot.addItem(self.loss_cursor, ignoreBounds=True)
        self.lr_plot.addItem(self.lr_cursor, ignoreBounds=True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.loss_plot, 3)
        lay.addWidget(self.lr_plot, 2)
        self.set_theme(theme)

    def set_f_min(self, f_min: float | None) -> None:
        """Global minimum of the surface (the loss axis then shows ``f - f*``)."""
        self._f_min = f_min
        self.loss_plot.setLabel("left", "f − f*" if f_min is not None else "loss f",
                                **self._label_style())

    def set_racers(self, racers: list[tuple[str, str]]) -> None:
        """One (label, colour) per racer."""
        for item in self._loss_items:
            self.loss_plot.removeItem(item)
        for item in self._lr_items:
            self.lr_plot.removeItem(item)
        self.legend.clear()
        self._racers = list(racers)
        self._loss_items, self._lr_items = [], []
        for label, color in self._racers:
            pen = pg.mkPen(color, width=self._theme.line_width)
            li = self.loss_plot.plot([], [], pen=pen, name=label)
            ri = self.lr_plot.plot([], [], pen=pen)
            self._loss_items.append(li)
            self._lr_items.append(ri)

    def set_label(self, index: int, text: str) -> None:
        """Rename racer ``index`` in the legend (e.g. "adam — diverged at step 37")."""
        if index < len(self._loss_items):
            item = self._loss_items[index]
            for sample, label in self.legend.items:
                if sample.item is item:
                    label.setText(text)

    def set_data(self, series: list[tuple[np.ndarray, np.ndarray]], step: int) -> None:
        """Curves up to ``step``: one (loss (T,), lr (T,)) pair per racer."""
        for i, (loss, lr) in enumerate(series[: len(self._loss_items)]):
            n = min(len(loss), step + 1)
            x = np.arange(n)
            self._loss_items[i].setData(x, loss_gap(loss[:n], self._f_min))
            lr = np.asarray(lr[:n], dtype=float)
            self._lr_items[i].setData(x, np.where(np.isfinite(lr) & (lr > 0), lr, np.nan))
        self.loss_cursor.setPos(step)
        self.lr_cursor.setPos(step)

    def _label_style(self) -> dict:
        return {"color": self._theme.foreground, "font-size": f"{self._theme.font_pt}pt"}

    def set_theme(self, theme: Theme) -> None:
        """Redraw with ``theme``."""
        self._theme = theme
        font = QFont()
        font.setPointSize(theme.font_pt - 1)
        for p in (self.loss_plot, self.lr_plot):
            p.setBackground(theme.background)
            for name in ("left", "bottom"):
                axis = p.getAxis(name)
                axis.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # replaying its text each frame is slow
                axis.setPen(pg.mkPen(theme.foreground))
                axis.setTextPen(pg.mkPen(theme.foreground))
                axis.setTickFont(font)
        self.loss_plot.setLabel("left", "f − f*" if self._f_min is not None else "loss f", **self._label_style())
        self.lr_plot.setLabel("left", "lr", **self._label_style())
        self.lr_plot.setLabel("bottom", "step", **self._label_style())
        pen = pg.mkPen(theme.foreground, width=1, style=pg.QtCore.Qt.DashLine)
        self.loss_cursor.setPen(pen)
        self.lr_cursor.setPen(pen)
        self.legend.setLabelTextColor(theme.foreground)
        bg = pg.mkColor(theme.background)
        bg.setAlpha(150)  # translucent: in a narrow plot the legend lies over the curves
        self.legend.setBrush(pg.mkBrush(bg))
        for item, (_, color) in zip(self._loss_items + self._lr_items, self._racers * 2):
            item.setPen(pg.mkPen(color, width=theme.line_width))
