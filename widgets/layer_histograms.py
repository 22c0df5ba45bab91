"""Per-layer histograms of activations and gradients, stacked as ridges (one row per layer).

Dead ReLUs show up as a spike at 0, saturated sigmoids as spikes at 0 and 1, vanishing
gradients as a ridge that shrinks to a needle as the layer gets closer to the input.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGraphicsItem

from widgets.theme import LIGHT, Theme
from widgets.training_curves import grow_range


def _tick_step(at_least: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is >= ``at_least`` (> 0)."""
    if not np.isfinite(at_least) or at_least <= 0:
        return 1.0
    e = 10.0 ** np.floor(np.log10(at_least))
    return float(next(m * e for m in (1, 2, 5, 10) if m * e >= at_least * (1 - 1e-9)))


class LayerHistograms(pg.GraphicsLayoutWidget):
    """Two ridge plots side by side: activations (left) and gradients (right).

    Parameters
    ----------
    theme : Theme
        Colours and fonts.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent=parent)
        self._theme = theme
        self.act_plot = self.addPlot(row=0, col=0)
        self.viewport().setAttribute(Qt.WA_OpaquePaintEvent)  # the background brush fills it: no parent repaint
        self.grad_plot = self.addPlot(row=0, col=1)
        self._curves: dict[str, list[pg.PlotDataItem]] = {"act": [], "grad": []}
        self._labels: dict[str, list[pg.TextItem]] = {"act": [], "grad": []}
        self._xrange: dict[str, tuple[float, float] | None] = {"act": None, "grad": None}
        for p in (self.act_plot, self.grad_plot):
            p.disableAutoRange()
            p.getAxis("bottom").setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            p.hideAxis("left")
            p.setMouseEnabled(False, False)
            p.hideButtons()
            p.setMenuEnabled(False)
        self.set_theme(theme)

    def set_theme(self, theme: Theme) -> None:
        """Restyle with ``theme``."""
        self._theme = theme
        self.setBackground(theme.background)
        font = QFont()
        font.setPointSize(theme.font_pt - 2)
        for p, title in ((self.act_plot, "activations"), (self.grad_plot, "gradients")):
            p.setTitle(title, size=f"{theme.font_pt}pt", color=theme.foreground)
            ax = p.getAxis("bottom")
            ax.setPen(theme.grid)
            ax.setTextPen(theme.foreground)
            ax.setTickFont(font)
        for kind in ("act", "grad"):
            for i, c in enumerate(self._curves[kind]):
                self._style(c, i)
            for t in self._labels[kind]:
                t.setColor(theme.foreground)

    def _style(self, curve: pg.PlotDataItem, i: int) -> None:
        col = pg.mkColor(self._theme.racer_colors[i % (len(self._theme.racer_colors) - 1)])
        # Opaque fill pre-mixed with the background (the ridges never overlap): translucent fills
        # are several times slower to rasterize.
        bg = pg.mkColor(self._theme.background)
        a = 90 / 255
        fill = pg.mkColor(*(int(round(b + (f - b) * a)) for b, f in zip(bg.getRgb()[:3], col.getRgb()[:3])))
        curve.setPen(pg.mkPen(col, width=2))
        curve.setBrush(fill)

    def _ensure(self, kind: str, n: int) -> None:
        plot = self.act_plot if kind == "act" else self.grad_plot
        curves, labels = self._curves[kind], self._labels[kind]
        while len(curves) < n:
            i = len(curves)
            # Aliased: the ridges are axis-aligned steps, and antialiased fills doubled the paint time.
            c = pg.PlotDataItem(stepMode="center", fillLevel=0, antialias=False)
            self._style(c, i)
            plot.addItem(c)
            curves.append(c)
            t = pg.TextItem(color=self._theme.foreground, anchor=(0, 0))
            t.setFont(self._label_font())
            plot.addItem(t)
            labels.append(t)
        while len(curves) > n:
            plot.removeItem(curves.pop())
            plot.removeItem(labels.pop())

    def _label_font(self) -> QFont:
        f = QFont()
        f.setPointSize(self._theme.font_pt - 3)
        return f

    def set_histograms(self, kind: str, hists, names=None) -> None:
        """Draw one ridge per layer.

        Parameters
        ----------
        kind : str
            "act" or "grad".
        hists : list of (counts, edges)
            counts (B,) and bin edges (B+1,) per layer; layer 0 is drawn at the top.
        names : list of str, optional
            Row labels ("layer 1", ...).
        """
        hists = list(hists or [])
        self._ensure(kind, len(hists))
        n = len(hists)
        lo, hi = np.inf, -np.inf
        for i, (counts, edges) in enumerate(hists):
            counts = np.nan_to_num(np.asarray(counts, float))
            edges = np.nan_to_num(np.asarray(edges, float))
            peak = counts.max() if counts.size and counts.max() > 0 else 1.0
            base = float(n - 1 - i)  # the first layer on top, reading down like the diagram
            y = base + 0.9 * counts / peak
            self._curves[kind][i].setData(edges, y, fillLevel=base)
            if edges.size:
                lo, hi = min(lo, edges[0]), max(hi, edges[-1])
            label = names[i] if names is not None and i < len(names) else f"layer {i + 1}"
            item = self._labels[kind][i]
            if item.toPlainText() != label:  # setText re-lays out the HTML: only when it changes
                item.setText(label)
        plot = self.act_plot if kind == "act" else self.grad_plot
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo:
            # Hysteresis: the bins move a little with every snapshot; re-ticking the axis each time
            # cost more than drawing the ridges.
            new = grow_range(self._xrange[kind], lo, hi, pad=0.04, fill=0.6)
            if new is not None:
                self._xrange[kind] = new
                plot.setXRange(*new, padding=0)
                # At most about 3 labels: the plots are narrow and pyqtgraph's own spacing ran
                # "0.2 0.4 0.6 0.8" together into one word.
                step = _tick_step((new[1] - new[0]) / 3)
                plot.getAxis("bottom").setTickSpacing(levels=[(step, 0.0)])  # one level: no rounded minor labels
        x0 = self._xrange[kind][0] if self._xrange[kind] is not None else 0.0
        for i in range(n):
            self._labels[kind][i].setPos(x0, float(n - 1 - i) + 1.4)  # at the left edge of the view
        plot.setYRange(0, max(n, 1) + 0.45, padding=0)  # room for the top row's label
