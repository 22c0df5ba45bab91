"""Per-layer histograms of activations and gradients, stacked as ridges (one row per layer).

Dead ReLUs show up as a spike at 0, saturated sigmoids as spikes at 0 and 1, vanishing
gradients as a ridge that shrinks to a needle as the layer gets closer to the input.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from widgets.axis_ticks import nice_step
from widgets.theme import LIGHT, Theme
from widgets.training_curves import grow_range

MIN_RIDGE_PX = 10  # below this a ridge gives up its label band and its label is drawn over it


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
        self._last: dict[str, tuple] = {}  # kind -> (hists, names): re-laid out when the plot resizes
        for p in (self.act_plot, self.grad_plot):
            p.disableAutoRange()
            p.getAxis("bottom").setCacheMode(QGraphicsItem.DeviceCoordinateCache)
            p.hideAxis("left")
            p.setMouseEnabled(False, False)
            p.hideButtons()
            p.setMenuEnabled(False)
            p.setXRange(0.0, 1.0, padding=0.04)  # no data yet: "0 0.5 1", spaced like the live ticks
            p.getAxis("bottom").setTickSpacing(levels=[(0.5, 0.0)])
        self.act_plot.vb.sigResized.connect(lambda *_: self._relayout("act"))
        self.grad_plot.vb.sigResized.connect(lambda *_: self._relayout("grad"))
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
                t.fill = pg.mkBrush(theme.background)

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
            t = pg.TextItem(color=self._theme.foreground, anchor=(0, 0), fill=self._theme.background)
            t.textItem.document().setDocumentMargin(1)
            t.setFont(self._label_font())
            t.setZValue(10)  # over the ridges when the rows are too short for a label band
            plot.addItem(t)
            labels.append(t)
        while len(curves) > n:
            plot.removeItem(curves.pop())
            plot.removeItem(labels.pop())

    def _label_font(self) -> QFont:
        f = QFont()
        f.setPointSize(self._theme.font_pt - 2)
        return f

    def _relayout(self, kind: str) -> None:
        if kind in self._last:
            self.set_histograms(kind, *self._last[kind])

    def _label_rows(self, kind: str, n: int) -> float:
        """A label's height in rows (the view's y units)."""
        plot = self.act_plot if kind == "act" else self.grad_plot
        row_px = plot.vb.height() / max(n, 1)
        return (QFontMetricsF(self._label_font()).height() + 2) / row_px if row_px > 0 else 0.0

    def _row_layout(self, kind: str, n: int) -> tuple[float, int, bool]:
        """(ridge height in row units, label every k-th row, labels in a band above the ridges).

        Each row is one unit of the view's y range. When a row is tall enough, its label sits in a
        band at the top of the row and the ridge below it; otherwise the label is drawn over the
        left of its own ridge (vertically centred in the row, on the background colour), and when
        rows are shorter than a label only every k-th row is labelled.
        """
        plot = self.act_plot if kind == "act" else self.grad_plot
        row_px = plot.vb.height() / max(n, 1)
        label_px = QFontMetricsF(self._label_font()).height() + 2
        if row_px <= 0:
            return 0.9, 1, False
        band = label_px / row_px
        if row_px - label_px >= MIN_RIDGE_PX:
            return 0.97 - band, 1, True
        return 0.9, int(np.ceil(label_px / row_px)), False

    def clear_histograms(self) -> None:
        """Remove every ridge and label (a new set-up has no histograms yet).

        Not ``clear``: GraphicsLayoutWidget binds that name to its layout's ``clear``, which
        removes the plots themselves.
        """
        for kind, plot in (("act", self.act_plot), ("grad", self.grad_plot)):
            self._ensure(kind, 0)
            self._last.pop(kind, None)
            self._xrange[kind] = None
            plot.setXRange(0.0, 1.0, padding=0.04)
            plot.getAxis("bottom").setTickSpacing(levels=[(0.5, 0.0)])

    def ridge_count(self, kind: str) -> int:
        """How many ridges are drawn ("act" or "grad")."""
        return len(self._curves[kind])

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
        self._last[kind] = (hists, names)
        self._ensure(kind, len(hists))
        n = len(hists)
        ridge, every, band = self._row_layout(kind, n)
        half = 0.5 * self._label_rows(kind, n)  # half a label's height in rows
        lo, hi = np.inf, -np.inf
        for i, (counts, edges) in enumerate(hists):
            counts = np.nan_to_num(np.asarray(counts, float))
            edges = np.nan_to_num(np.asarray(edges, float))
            peak = counts.max() if counts.size and counts.max() > 0 else 1.0
            base = float(n - 1 - i)  # the first layer on top, reading down like the diagram
            y = base + ridge * counts / peak
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
                step = nice_step((new[1] - new[0]) / 3)
                plot.getAxis("bottom").setTickSpacing(levels=[(step, 0.0)])  # one level: no rounded minor labels
        x0 = self._xrange[kind][0] if self._xrange[kind] is not None else 0.0
        for i in range(n):
            item = self._labels[kind][i]
            base = float(n - 1 - i)
            item.setVisible(i % every == 0)
            if band:  # top-left of its own row, above its ridge
                item.setAnchor((0, 0))
                item.setPos(x0, base + 1.0)
            else:  # over the left of its own ridge, centred in the row, kept inside the plot
                item.setAnchor((0, 0.5))
                item.setPos(x0, float(np.clip(base + 0.5, half, n - half)))
        plot.setYRange(0, max(n, 1), padding=0)  # one unit per row, labels included
