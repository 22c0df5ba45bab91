"""Loss and learning rate against step, one curve per racer, with a step cursor.

The loss plot shows ``f - f*`` on a log axis when the surface's global minimum ``f*`` is known,
and ``f`` itself on a linear axis when it is not (a custom formula): clipping an unknown-minimum
loss that goes below 0 at 1e-16 drew a run settling at f = -0.8 as one falling to 1e-16.
The axis title says which of the two is drawn.

The axis ranges are set here, not by pyqtgraph's auto-range: the step axis spans the whole run
(:meth:`CurvesView.set_steps`), the loss axis whole decades and the lr axis 0 .. max. They change
only when the data crosses a decade or a new maximum, so a playing frame does not re-render the
axes and the grid (auto-range grew them every frame, a large part of a curves repaint).
The curves themselves are two :class:`~widgets.curve_layer.CurveLayer` items, which stroke only
the points added since the last frame; the legend keeps one empty ``PlotDataItem`` a racer for its
colour samples.
"""
from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from widgets.axis_ticks import nice_step
from widgets.curve_layer import CurveLayer
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import plain_ticks, screen_pen


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


GAP_TITLE = "f − f*  (log scale)"
VALUE_TITLE = "loss f  (f* unknown)"


def value_range(lo: float, hi: float, top: float | None = None) -> tuple[float, float]:
    """Linear loss axis around [lo, hi]: ends rounded out to whole 1-2-5 ticks, so it moves rarely.

    ``top`` (the highest loss at step 0) caps ``hi`` at ``top`` plus the span below it once
    more: one racer shooting up to 1e30 before diverging would otherwise flatten all the others.
    """
    if top is not None and math.isfinite(top) and top >= lo:
        hi = min(hi, top + max(top - lo, abs(top) * 1e-3, 1e-12))
    span = hi - lo
    if not span > 0:
        span = max(abs(lo) * 0.1, 1e-3)
        lo, hi = lo - span / 2, hi + span / 2
    step = nice_step(span / 4.0)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def loss_decades(lo: float, hi: float) -> tuple[float, float]:
    """log10 range of the loss axis: whole decades around [lo, hi] (both > 0), at least one decade."""
    a = math.floor(math.log10(lo))
    b = math.ceil(math.log10(hi))
    return float(a), float(max(b, a + 1))


def live_decades(current: tuple[float, float] | None, need: tuple[float, float],
                 floor: float = -16.0) -> tuple[float, float]:
    """The loss axis while losses are still arriving: keep ``current`` while it holds ``need``;
    otherwise reach below the lowest loss by as many decades again as the data spans (at least 3,
    not below ``floor``, where ``loss_gap`` clips), so the axis changes only a few times in a run.
    """
    if current is not None and current[0] <= need[0] and current[1] == need[1]:
        return current
    return max(need[0] - max(3.0, need[1] - need[0]), min(floor, need[0])), need[1]


def _by_step(y: np.ndarray) -> np.ndarray:
    """(step, y) rows for one curve."""
    return np.column_stack([np.arange(len(y), dtype=float), y])


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade_label(k: int) -> str:
    """10^k as a short label: 0.001 .. 1000 written out, 10⁻⁵ beyond."""
    if -3 <= k <= 3:
        return f"{10.0 ** k:.{max(-k, 0)}f}"
    return "10" + str(k).translate(_SUPERSCRIPT)


def decade_ticks(lo: float, hi: float) -> list:
    """Ticks of a log10 axis over [lo, hi] (whole decades): labelled decades, unlabelled 2..9 minors.

    About eight labels at most (every 2nd, 3rd ... decade on a long axis); minors only over a few decades.
    """
    a, b = math.ceil(lo), math.floor(hi)
    every = max(1, math.ceil((b - a + 1) / 8))
    major = [(float(k), decade_label(k)) for k in range(a, b + 1) if k % every == 0]
    minor = []
    if b - a <= 4:  # short axis: 2 and 5 labelled too when there are only a couple of decades
        named = (2, 5) if b - a <= 2 else ()
        minor = [(k + math.log10(m), f"{m * 10.0 ** k:.{max(-k, 0)}f}" if m in named else "")
                 for k in range(a - 1, b + 1) for m in range(2, 10) if lo <= k + math.log10(m) <= hi]
    return [major, minor]


def lr_axis_range(lr_max: float, constant: bool) -> tuple[float, float]:
    """Linear lr axis: 0 .. a little above the largest rate; a single constant rate sits mid-axis.

    Auto-range on a flat line gives a degenerate span (ticks like 0.0500000001) around it.
    """
    return (0.0, 2.0 * lr_max) if constant else (0.0, 1.08 * lr_max)


class StepAxis(pg.AxisItem):
    """A step axis whose labelled ticks are far enough apart for their widest label.

    pyqtgraph spaces ticks by the axis length alone: at 99,999 steps in a narrow plot
    "20000", "40000" ... overlapped. Here the major spacing is the smallest 1-2-5 step that
    leaves each label its own width plus a gap; only the major ticks are labelled.
    """

    GAP_EM = 1.0  # free space between two labels, in widths of "0"

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        self.setStyle(maxTextLevel=0)

    def tickSpacing(self, minVal, maxVal, size):  # noqa: N802,N803 - pyqtgraph override
        dif = abs(maxVal - minVal)
        if dif == 0 or size <= 0 or not np.isfinite(dif):
            return super().tickSpacing(minVal, maxVal, size)
        fm = QFontMetrics(self.style["tickFont"] or self.font())
        widest = max(abs(minVal), abs(maxVal))
        major = nice_step(dif / max(size / 60.0, 1.0))  # about one label per 60 px at most
        for _ in range(40):  # widen until the labels fit (each pass at least doubles the step)
            text = self.tickStrings([np.floor(widest / major) * major], 1.0, major)[0]
            room = fm.horizontalAdvance(text) + self.GAP_EM * fm.horizontalAdvance("0")
            if major * size / dif >= room:
                break
            major = nice_step(major * 1.000001)
        mantissa = round(major / 10.0 ** np.floor(np.log10(major)))  # 1, 2 or 5
        minor = major / (2.0 if mantissa == 2 else 5.0)
        return [(major, 0.0), (minor, 0.0)]


class CurvesView(QWidget):
    """Two stacked plots sharing the step axis: the loss (``f - f*`` on a log axis, or ``f``) and lr.

    ``f_min`` is the starting :meth:`set_f_min` (0: a loss that is never negative, on a log axis).
    """

    def __init__(self, theme: Theme = LIGHT, parent=None, f_min: float | None = 0.0):
        super().__init__(parent)
        self._theme = theme
        self._f_min = None  # the plots start linear; set_f_min below switches them
        self._racers: list[tuple[str, str]] = []
        self.loss_plot = pg.PlotWidget(axisItems={"bottom": StepAxis()})
        self.lr_plot = pg.PlotWidget(axisItems={"bottom": StepAxis()})
        # One step axis, under the lr plot: the loss plot's copy above it only crowded the page.
        self.loss_plot.getAxis("bottom").setStyle(showValues=False)
        for p in (self.loss_plot, self.lr_plot):
            p.setMenuEnabled(False)
            p.hideButtons()
            p.showGrid(x=True, y=True, alpha=0.25)
        for p in (self.loss_plot, self.lr_plot):
            p.disableAutoRange()
        self._steps = None
        self._ranges: dict = {}
        for p in (self.loss_plot, self.lr_plot):
            for name in ("left", "bottom"):  # "lr (x0.001)" confuses students; relabelling per frame is slow
                plain_ticks(p.getAxis(name))
        self.lr_plot.setXLink(self.loss_plot)
        self.legend = self.loss_plot.addLegend(offset=(-8, 8), labelTextSize=f"{theme.font_pt - 2}pt",
                                            verSpacing=-6)
        self._loss_items: list[pg.PlotDataItem] = []  # empty: colour samples of the legend
        self.loss_layer, self.lr_layer = CurveLayer(), CurveLayer()
        self.loss_plot.addItem(self.loss_layer, ignoreBounds=True)
        self.lr_plot.addItem(self.lr_layer, ignoreBounds=True)
        self.loss_cursor = pg.InfiniteLine(angle=90, movable=False)
        self.lr_cursor = pg.InfiniteLine(angle=90, movable=False)
        self.loss_plot.addItem(self.loss_cursor, ignoreBounds=True)
        self.lr_plot.addItem(self.lr_cursor, ignoreBounds=True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.loss_plot, 3)
        lay.addWidget(self.lr_plot, 2)
        self.set_f_min(f_min)
        self.set_theme(theme)

    def set_f_min(self, f_min: float | None) -> None:
        """Global minimum of the surface: the loss axis shows ``f - f*`` (log) or, for None, ``f`` (linear)."""
        was_log = self._f_min is not None
        self._f_min = f_min
        if (f_min is not None) != was_log:
            self.loss_plot.setLogMode(y=f_min is not None)
            self._ranges.pop("loss", None)
            if f_min is None:
                self.loss_plot.getAxis("left").setTicks(None)  # pyqtgraph's linear ticks
        self.loss_plot.setLabel("left", self.loss_title(), **self._label_style())

    def loss_title(self) -> str:
        """The loss axis's title: which quantity is drawn, and on which scale."""
        return GAP_TITLE if self._f_min is not None else VALUE_TITLE

    def set_racers(self, racers: list[tuple[str, str]]) -> None:
        """One (label, colour) per racer.

        Legend entries are reused and relabelled, not rebuilt: building them was a visible part of
        every scene load and restart (bench/bench_optimizer_page.py times scene loads).
        """
        racers = list(racers)
        while len(self._loss_items) > len(racers):
            self.loss_plot.removeItem(self._loss_items.pop())  # also leaves the legend
        while len(self._loss_items) < len(racers):
            label, color = racers[len(self._loss_items)]
            self._loss_items.append(self.loss_plot.plot([], [], pen=pg.mkPen(color, width=self._theme.line_width),
                                                        name=label))
        for i, (item, (label, color)) in enumerate(zip(self._loss_items, racers)):
            if i >= len(self._racers) or self._racers[i][1] != color:
                item.setPen(pg.mkPen(color, width=self._theme.line_width))
            self.set_label(i, label)  # a no-op unless the text changed
        self._racers = racers
        self._set_layer_pens()
        self.loss_layer.set_curves([])
        self.lr_layer.set_curves([])

    def _set_layer_pens(self) -> None:
        colors = [color for _, color in self._racers]
        self.loss_layer.set_colors(colors, self._theme.line_width)
        self.lr_layer.set_colors(colors, self._theme.line_width)

    def curves(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The (step, log10 loss gap) and (step, lr) polylines drawn, one (T, 2) array per racer."""
        return list(self.loss_layer.cache.lines), list(self.lr_layer.cache.lines)

    def set_label(self, index: int, text: str) -> None:
        """Rename racer ``index`` in the legend (e.g. "adam — diverged at step 37").

        The part after " — " goes on a second line: the legend is anchored at the right, so one long
        line pushed its colour samples off the plot's left edge in a narrow plot.
        """
        text = "<br>".join(html.escape(part) for part in text.split(" — ", 1))
        if index < len(self._loss_items):
            item = self._loss_items[index]
            for sample, label in self.legend.items:
                if sample.item is item and label.text != text:  # a relabel re-lays out the legend
                    label.setText(text)

    def set_steps(self, steps: int) -> None:
        """The run length: the step axis shows 0 .. ``steps`` whatever has been drawn so far."""
        self._steps = max(int(steps), 1)
        self._set_range("x", (0.0, float(self._steps)))

    def set_data(self, series: list[tuple[np.ndarray, np.ndarray]], step: int, complete: bool = True) -> None:
        """Curves up to ``step``: one (loss (T,), lr (T,)) pair per racer.

        ``complete=False`` while the racers are still being computed: the loss axis then keeps
        some room below the lowest loss so far (:func:`live_decades`), rather than re-rendering
        at each decade the losses cross.
        """
        lo, hi, lr_hi, lr_values = math.inf, -math.inf, 0.0, set()
        top = -math.inf  # highest loss at step 0 (the linear axis's cap)
        log = self._f_min is not None
        longest = 0
        loss_lines, lr_lines = [], []
        for loss, lr in series[: len(self._racers)]:
            n = min(len(loss), step + 1)
            longest = max(longest, n)
            if log:
                gap = loss_gap(loss, self._f_min)  # the whole computed run: the axes are set from it
            else:
                gap = np.asarray(loss, dtype=float).copy()
                gap[~np.isfinite(gap)] = np.nan
                if len(gap) and np.isfinite(gap[0]):
                    top = max(top, float(gap[0]))
            rate = np.asarray(lr, dtype=float)
            rate = np.where(np.isfinite(rate) & (rate > 0), rate, np.nan)
            # The loss view box is in log10 units on the log axis (setLogMode).
            loss_lines.append(_by_step(np.log10(gap[:n]) if log else gap[:n]))
            lr_lines.append(_by_step(rate[:n]))
            # Both axes cover the whole computed run, not only up to the cursor: they stay put while
            # playing (a decade crossed mid-play re-rendered the axis and restroked every curve).
            if len(gap) and not np.isnan(gap).all():
                lo, hi = min(lo, float(np.nanmin(gap))), max(hi, float(np.nanmax(gap)))
            if not np.isnan(rate).all():
                lr_hi = max(lr_hi, float(np.nanmax(rate)))
                lr_values.update((float(np.nanmin(rate)), float(np.nanmax(rate))))
        if math.isfinite(lo) and not log:
            need = value_range(lo, hi, top if math.isfinite(top) else None)
            have = self._ranges.get("loss")
            if not complete and have is not None and have[0] <= need[0] and need[1] <= have[1]:
                need = have  # while losses arrive, a range that holds them stays
            self._set_range("loss", need)
            a, b = self._ranges["loss"]
            span = b - a  # a diverging run is clamped near the view (Qt's painter and 1e30 coordinates)
            loss_lines = [np.column_stack([ln[:, 0], np.clip(ln[:, 1], a - 10 * span, b + 10 * span)])
                          for ln in loss_lines]
        self.loss_layer.set_curves(loss_lines)
        self.lr_layer.set_curves(lr_lines)
        if self._steps is None:
            self._set_range("x", (0.0, float(max(longest - 1, 1))))
        if math.isfinite(lo) and log:
            need = loss_decades(lo, hi)
            self._set_range("loss", need if complete else live_decades(self._ranges.get("loss"), need))
        if lr_hi > 0:
            need = lr_axis_range(lr_hi, len(lr_values) == 1)
            have = self._ranges.get("lr")
            if complete or have is None or not (have[0] <= need[0] and need[1] <= have[1]):
                self._set_range("lr", need)  # while rates arrive, a range that holds them stays
        self.loss_cursor.setPos(step)
        self.lr_cursor.setPos(step)

    def _set_range(self, key: str, rng: tuple[float, float]) -> None:
        """Set an axis range only when it changed (a change re-renders the axis and grid)."""
        if self._ranges.get(key) == rng:
            return
        self._ranges[key] = rng
        if key == "x":
            self.loss_plot.setXRange(*rng, padding=0.035)  # room for the "0" label at the left end
        elif key == "loss":
            self.loss_plot.setYRange(*rng, padding=0.03)  # a little beyond: the end decades get labels
            if self._f_min is not None:
                # Labelled decades only: over one or two decades pyqtgraph labels every minor tick too
                # ("0.2 0.3 ... 0.8 0.9 1"), which overlap in a short plot.
                self.loss_plot.getAxis("left").setTicks(decade_ticks(*rng))
        else:
            self.lr_plot.setYRange(*rng, padding=0.03)

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
        # A fixed left-axis width, the same for both plots: an axis that widens for a longer label
        # ("10⁻¹⁵") narrows the plot, which changes its transform and restrokes every curve.
        title = QFont()
        title.setPointSize(theme.font_pt)
        ticks = QFontMetrics(font)
        width = (max(ticks.horizontalAdvance(t) for t in ("0.0001", "10⁻¹⁶", "-1000")) + 10
                 + QFontMetrics(title).height())
        for p in (self.loss_plot, self.lr_plot):
            p.getAxis("left").setWidth(width)
        self.loss_plot.setLabel("left", self.loss_title(), **self._label_style())
        self.lr_plot.setLabel("left", "lr", **self._label_style())
        self.lr_plot.setLabel("bottom", "step", **self._label_style())
        pen = screen_pen(theme.foreground, 1, style=pg.QtCore.Qt.DashLine)
        self.loss_cursor.setPen(pen)
        self.lr_cursor.setPen(pen)
        self.legend.setLabelTextColor(theme.foreground)
        self.legend.setLabelTextSize(f"{theme.font_pt - 2}pt")  # for entries added later
        for _, label in self.legend.items:
            # setLabelTextColor only stores the colour for the next setText: after a theme switch the
            # labels kept the old theme's text colour (dark on dark).
            label.setText(label.text, color=theme.foreground, size=f"{theme.font_pt - 2}pt")
        bg = pg.mkColor(theme.background)
        bg.setAlpha(150)  # translucent: in a narrow plot the legend lies over the curves
        self.legend.setBrush(pg.mkBrush(bg))
        for item, (_, color) in zip(self._loss_items, self._racers):
            item.setPen(pg.mkPen(color, width=theme.line_width))
        self._set_layer_pens()
