"""Learning curves: loss and accuracy of train and validation, and the learning rate.

The page appends metrics to a :class:`CurveHistory`; :meth:`TrainingCurves.refresh` redraws
with one ``setData`` per curve, so it fits in a frame however often metrics arrive.
A finished run can be kept as a *ghost* and is drawn dashed under the live one.

Frame cost (bench/bench_training_page.py measures the frames): with the grid on, an axis' bounding
rect covers its whole plot, so every curve update repainted all six axes (tick text replayed from a
QPicture). The axes are therefore cached as pixmaps, and the view ranges are
set by hand with hysteresis (x grows in "nice" steps, y only moves when the data leave the range
or fill too little of it), so the tick labels are regenerated a few times a run, not every frame.
Every series is decimated to about the plot's pixel width (min/max per pixel), and the per-step
series (batch loss, lr) are drawn without antialiasing.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from widgets.axis_ticks import nice_step as _nice_step
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import plain_ticks, screen_pen

X_MODES = ("epoch", "iteration", "examples")
# Each plot's axis title, and the short form used where the plot is shorter than the full one.
_TITLES = {"loss": ("loss", "loss"), "acc": ("accuracy", "acc."), "lr": ("lr", "lr")}
_X_LABELS = {"epoch": "epoch", "iteration": "iteration (optimizer steps)", "examples": "examples seen"}
_NICE = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0)
STEP_SERIES = ("batch", "lr", "g_lr")  # one point per step report: thousands of points
# The widest tick text the left axes reserve room for (pyqtgraph writes 2.5e-05 below 0.001).
_WIDEST_TICK = "-0.0005"
_TITLE_GAP = 6  # px between an axis title and its tick text
_MAX_TICKS = 6  # and at most about this many on a tall plot
_TICK_GAP = 0.8  # left tick labels at least this many text lines apart (digits are ~0.6 of a line tall)


def nice_ceil(v: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 5, 7 times a power of ten that is >= ``v`` (> 0).

    A live run's x range jumps along these (about five times a decade): each jump re-ticks three
    axes, which makes that one frame a long one.
    """
    if not np.isfinite(v) or v <= 0:
        return 1.0
    e = 10.0 ** np.floor(np.log10(v))
    for m in _NICE:
        if m * e >= v * (1 - 1e-12):
            return float(m * e)
    return float(10 * e)


def _label_style(theme: Theme) -> dict[str, str]:
    """CSS for an axis title. pyqtgraph writes these keys into a style attribute as they are:
    ``size=`` is not CSS, and the titles fell back to Qt's 9 pt default."""
    return {"font-size": f"{theme.font_pt}pt", "color": theme.foreground}


def grow_range(current: tuple[float, float] | None, lo: float, hi: float, pad: float = 0.06,
               fill: float = 0.5) -> tuple[float, float] | None:
    """A view range for data in [lo, hi] that changes only when it has to.

    Returns None (keep ``current``) while the data stay inside it and fill at least ``fill`` of it;
    otherwise the data range padded by ``pad`` of its span on each side.
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    if hi - lo < 1e-12:
        lo, hi = lo - max(abs(lo) * 0.05, 1e-6), hi + max(abs(hi) * 0.05, 1e-6)
    if current is not None:
        c0, c1 = current
        if c0 <= lo and hi <= c1 and (hi - lo) >= fill * (c1 - c0):
            return None
    span = hi - lo
    return lo - pad * span, hi + pad * span


class CurveHistory:
    """Growing arrays of one run's metrics (numpy, amortized appends).

    Two series: ``step`` rows (per reported optimizer step: batch loss, lr) and ``epoch`` rows
    (full-split train/val loss and accuracy at the end of each epoch). Columns: epoch, step,
    examples, train_loss, val_loss, train_acc, val_acc, lr.
    """

    COLUMNS = ("epoch", "step", "examples", "train_loss", "val_loss", "train_acc", "val_acc", "lr")

    def __init__(self, label: str = ""):
        self.label = label
        self._rows = {"step": np.full((256, len(self.COLUMNS)), np.nan),
                      "epoch": np.full((64, len(self.COLUMNS)), np.nan)}
        self._n = {"step": 0, "epoch": 0}

    def append(self, kind: str, **values) -> None:
        """Add one row to series ``kind`` ("step" or "epoch"); missing columns stay NaN."""
        arr, n = self._rows[kind], self._n[kind]
        if n == len(arr):
            arr = np.concatenate([arr, np.full_like(arr, np.nan)])
            self._rows[kind] = arr
        for i, col in enumerate(self.COLUMNS):
            v = values.get(col)
            arr[n, i] = np.nan if v is None else float(v)
        self._n[kind] = n + 1

    def column(self, kind: str, name: str) -> np.ndarray:
        """A view of column ``name`` of series ``kind``."""
        return self._rows[kind][: self._n[kind], self.COLUMNS.index(name)]

    def __len__(self) -> int:
        return self._n["step"] + self._n["epoch"]

    def last(self, kind: str, name: str) -> float:
        """The latest value of a column (NaN when empty)."""
        col = self.column(kind, name)
        return float(col[-1]) if len(col) else float("nan")

    def copy(self, label: str = "") -> "CurveHistory":
        """A frozen copy (used for the ghost run)."""
        h = CurveHistory(label or self.label)
        h._rows = {k: v.copy() for k, v in self._rows.items()}
        h._n = dict(self._n)
        return h


class TrainingCurves(pg.GraphicsLayoutWidget):
    """Three stacked plots: loss, accuracy (classification) and learning rate.

    Parameters
    ----------
    theme : Theme
        Colours, fonts and line widths.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent=parent)
        self._theme = theme
        self._x_mode = "epoch"
        self.viewport().setAttribute(Qt.WA_OpaquePaintEvent)  # the background brush fills it: no parent repaint
        self._log_y = False
        self.history = CurveHistory("run")
        self.ghost: CurveHistory | None = None
        self.loss_plot = self.addPlot(row=0, col=0)
        self.acc_plot = self.addPlot(row=1, col=0)
        self.lr_plot = self.addPlot(row=2, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.ci.layout.setRowStretchFactor(2, 1)
        self.ci.layout.setContentsMargins(4, 4, 4, 4)  # pyqtgraph's 9 px: room the plots need at 1280x650
        self.range_plot = self.addPlot(row=3, col=0)
        self.range_plot.setLogMode(True, False)
        self.ci.layout.removeItem(self.range_plot)  # in the grid only while shown (hide_lr_range)
        self.range_plot.setVisible(False)
        self._suggested: float | None = None
        self._range_curve = self.range_plot.plot()
        # The suggestion is written beside its line, not as a plot title: a title row cost the height
        # that the window lacks at 1280x650.
        self._range_line = pg.InfiniteLine(angle=90, movable=False, label="",
                                           labelOpts={"position": 0.7, "movable": False})
        self.range_plot.addItem(self._range_line)
        for p in (self.acc_plot, self.lr_plot):
            p.setXLink(self.loss_plot)
        for p in (self.loss_plot, self.acc_plot, self.lr_plot, self.range_plot):
            for name in ("left", "bottom"):
                plain_ticks(p.getAxis(name))  # loss, accuracy and lr have no unit: "0.3", never "300"
        self._items: dict[str, pg.PlotDataItem] = {}
        self._data: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # what each item shows (before decimation)
        self._ranges: dict[str, tuple[float, float] | None] = {}
        self._make_items()
        for p in (self.loss_plot, self.acc_plot, self.lr_plot):
            p.setYRange(-0.05, 1.05, padding=0)  # an empty run: a plain 0-1 scale (0, 0.5, 1), spaced like a full one
            p.vb.sigResized.connect(lambda *_, p=p: self._on_plot_resized(p))
        for p in (self.loss_plot, self.acc_plot):
            # The x axis is shared: its values under the lr plot only (ticks and grid stay).
            # Less text to re-render when the x range moves, and more room for the curves.
            p.getAxis("bottom").setStyle(showValues=False)
        for p in (self.loss_plot, self.acc_plot, self.lr_plot):
            p.disableAutoRange()
            for name in ("left", "bottom"):
                # The grid makes each axis' bounding rect the whole plot: cache it as a pixmap so a
                # curve update blits it instead of replaying every tick label.
                p.getAxis(name).setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.set_theme(theme)

    def _make_items(self) -> None:
        lp, ap, rp = self.loss_plot, self.acc_plot, self.lr_plot
        self._items = {
            "batch": lp.plot(),
            "train_loss": lp.plot(),
            "val_loss": lp.plot(),
            "g_train_loss": lp.plot(),
            "g_val_loss": lp.plot(),
            "train_acc": ap.plot(),
            "val_acc": ap.plot(),
            "g_train_acc": ap.plot(),
            "g_val_acc": ap.plot(),
            "lr": rp.plot(),
            "g_lr": rp.plot(),
        }
        for name in ("batch", "g_train_loss", "g_val_loss", "g_train_acc", "g_val_acc", "g_lr"):
            self._items[name].setZValue(-1)
        for name, item in self._items.items():
            # At most about two points per pixel column (min and max of each column).
            item.setDownsampling(auto=True, method="peak")
            item.opts["autoDownsampleFactor"] = 1.5
            item.setClipToView(True)
            if name in STEP_SERIES:  # noisy or flat: antialiasing them doubled the plot's paint time
                item.setData(antialias=False)

    # -- public API ----------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Restyle pens, axes and labels."""
        self._theme = theme
        self.setBackground(theme.background)
        c_train, c_val = theme.racer_colors[0], theme.racer_colors[1]
        w = theme.line_width
        styles = {
            "batch": pg.mkPen(pg.mkColor(c_train).lighter(150) if not theme.is_dark else pg.mkColor(c_train).darker(170), width=1),
            "train_loss": pg.mkPen(c_train, width=w), "val_loss": pg.mkPen(c_val, width=w),
            "train_acc": pg.mkPen(c_train, width=w), "val_acc": pg.mkPen(c_val, width=w),
            "lr": pg.mkPen(theme.racer_colors[2], width=w),
        }
        for name, pen in list(styles.items()):
            if name != "batch":
                ghost = pg.mkPen(pen.color(), width=max(2.0, w - 0.5), style=Qt.DashLine)
                ghost.setColor(pg.mkColor(pen.color().red(), pen.color().green(), pen.color().blue(), 170))
                styles["g_" + name] = ghost
        for name, pen in styles.items():
            self._items[name].setPen(pen)
        font = QFont()
        font.setPointSize(theme.font_pt - 1)
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            for name in ("left", "bottom"):
                ax = plot.getAxis(name)
                ax.setPen(theme.grid)
                ax.setTextPen(theme.foreground)
                ax.setTickFont(font)
            plot.getAxis("left")._title = None
            self._fit_title(plot)
        self._range_curve.setPen(pg.mkPen(theme.racer_colors[4], width=w))
        self._range_line.setPen(screen_pen(theme.foreground, 1.5, style=Qt.DashLine))
        for name in ("left", "bottom"):
            ax = self.range_plot.getAxis(name)
            ax.setPen(theme.grid)
            ax.setTextPen(theme.foreground)
            ax.setTickFont(font)
        self._range_title()
        self._fix_left_widths(font)
        self.lr_plot.setLabel("bottom", _X_LABELS[self._x_mode], **_label_style(theme))
        self._fit_min_height()
        self._title()
        self.refresh()

    def _fix_left_widths(self, font: QFont) -> None:
        """One fixed width for the three left axes: the title, a gap and the widest tick text.

        Fixed, not pyqtgraph's automatic width: that follows the current tick labels, so the
        three plots' left edges would differ and the layout would change whenever the labels do.
        """
        text_w = QFontMetrics(font).horizontalAdvance(_WIDEST_TICK)
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot, self.range_plot):
            ax = plot.getAxis("left")
            title_h = ax.label.boundingRect().height()  # the title is rotated: its height is a width here
            # pyqtgraph puts the title 5 px left of the axis' edge and the ticks' text 5 px left of the line.
            ax.setWidth(int(np.ceil(title_h - 5 + _TITLE_GAP + text_w + ax.style["tickTextOffset"][0])))

    def left_axis_parts(self, plot) -> tuple[float, float]:
        """(right edge of the title, left edge of the widest tick text) in the axis' coordinates."""
        ax = plot.getAxis("left")
        title_right = ax.label.mapRectToParent(ax.label.boundingRect()).right()
        text_w = QFontMetrics(ax.style["tickFont"] or QFont()).horizontalAdvance(_WIDEST_TICK)
        return title_right, ax.width() - ax.style["tickTextOffset"][0] - text_w

    def _title(self) -> None:
        # A coloured title instead of a legend: a legend box would sit on top of the curves.
        t = self._theme
        c_train, c_val = t.racer_colors[0], t.racer_colors[1]
        ghost = "   <span style='color:%s'>- - previous run</span>" % t.foreground if self.ghost is not None else ""
        self.loss_plot.setTitle(f"<span style='color:{c_train}'>━ train</span>   "
                                f"<span style='color:{c_val}'>━ validation</span>{ghost}",
                                size=f"{t.font_pt}pt")

    def curve(self, name: str):
        """The plot item of one curve: "train_loss", "val_loss", "batch", "train_acc", "val_acc", "lr",
        and the ghost's "g_train_loss" ... "g_lr" (what a test reads: ``getData()``, its pen)."""
        return self._items[name]

    def set_x_mode(self, mode: str) -> None:
        """Plot against "epoch", "iteration" or "examples" seen."""
        if mode not in X_MODES:
            raise ValueError(f"x mode must be one of {', '.join(X_MODES)}")
        self._x_mode = mode
        self._ranges.pop("x", None)
        self.lr_plot.setLabel("bottom", _X_LABELS[mode], **_label_style(self._theme))
        self.refresh()

    def set_log_y(self, on: bool) -> None:
        """Logarithmic loss axis (shows late progress and divergence better)."""
        self._log_y = bool(on)
        self.loss_plot.setLogMode(False, self._log_y)
        self._ranges.pop("loss", None)
        self.refresh()

    def show_lr_range(self, lrs, losses, suggested: float | None) -> None:
        """Show the learning-rate range test: loss against log lr (the U), a line at the suggestion."""
        lrs, losses = np.asarray(lrs, float), np.asarray(losses, float)
        ok = np.isfinite(losses) & (lrs > 0)
        self._range_curve.setData(lrs[ok], losses[ok])
        if suggested:
            self._range_line.setValue(np.log10(suggested))  # the axis is log10(lr) in log mode
        self._range_line.setVisible(bool(suggested))
        self._suggested = suggested
        # The label on the side of the line with more room (the x axis is log10 lr).
        x = np.log10(lrs[ok]) if ok.any() else np.zeros(1)
        right_half = bool(suggested) and np.log10(suggested) > 0.5 * (x.min() + x.max())
        self._range_line.label.anchors = [(1.0, 0.5), (1.0, 0.5)] if right_half else [(0.0, 0.5), (0.0, 0.5)]
        self._range_title()
        if not self.range_plot.isVisible():
            self.ci.layout.addItem(self.range_plot, 3, 0)
            self.ci.layout.setRowStretchFactor(3, 2)
        self.range_plot.setVisible(True)
        self._fit_min_height()

    def hide_lr_range(self) -> None:
        """Hide the range-test plot; the three curve plots get its room back."""
        if self.range_plot.isVisible():
            # Out of the grid, not just hidden: a hidden item keeps its row, its minimum and its stretch.
            self.ci.layout.setRowStretchFactor(3, 0)
            self.ci.layout.removeItem(self.range_plot)
        self.range_plot.setVisible(False)
        self._fit_min_height()

    def _key(self, plot) -> str:
        return {id(self.loss_plot): "loss", id(self.acc_plot): "acc", id(self.lr_plot): "lr"}[id(plot)]

    def _on_plot_resized(self, plot) -> None:
        self._fit_title(plot)
        self._space_left_ticks(plot)

    def _fit_title(self, plot) -> None:
        """The full axis title where the plot is tall enough for it, else the short one."""
        ax = plot.getAxis("left")
        full, short = _TITLES[self._key(plot)]
        font = QFont()
        font.setPointSize(self._theme.font_pt)
        title = full if QFontMetricsF(font).horizontalAdvance(full) + 6 <= plot.vb.height() else short
        if getattr(ax, "_title", None) != title:
            ax._title = title
            plot.setLabel("left", title, **_label_style(self._theme))

    def _fit_min_height(self) -> None:
        """Each plot at least as tall as its rotated axis title, and the widget tall enough for all.

        Squeezed by the range-test plot, the three titles ran into one another ("lr accuracyloss").
        """
        line = QFontMetricsF(self.lr_plot.getAxis("left").style["tickFont"] or QFont()).height()
        font = QFont()
        font.setPointSize(self._theme.font_pt)
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot):
            short = _TITLES[self._key(plot)][1]
            # and room for two tick labels: the lr plot showed none at its minimum
            plot.vb.setMinimumHeight(max(QFontMetricsF(font).horizontalAdvance(short) + 6, 2 * line))
        self.range_plot.vb.setMinimumHeight(2.5 * line if self.range_plot.isVisible() else 0)
        ax = self.range_plot.getAxis("bottom")
        # A fixed height: pyqtgraph sizes an axis to its tick text once painted, too late for the
        # minimum height asked here, and the range test's tick labels ("10⁻⁵") were cut off.
        ax.setHeight(int(np.ceil(1.25 * line + ax.style["tickTextOffset"][1] + max(0, ax.style["tickLength"]))))
        self.ci.layout.invalidate()
        self.ci.updateGeometry()  # drop the cached size hints
        need = self.ci.layout.effectiveSizeHint(Qt.MinimumSize).height()
        self.setMinimumHeight(int(np.ceil(need)) + 2 * self.frameWidth())

    def _range_title(self) -> None:
        s, t = self._suggested, self._theme
        label = self._range_line.label
        label.setFormat(f" suggested lr ≈ {s:.2g} " if s else "")
        label.setText(label.format)  # setFormat skips a label that is hidden (the plot not shown yet)
        label.setColor(t.foreground)
        font = QFont()
        font.setPointSize(t.font_pt - 1)
        label.setFont(font)
        self.range_plot.setLabel("left", "loss", **_label_style(t))
        self.range_plot.setToolTip("Learning-rate range test: the loss of a short run while the lr grows "
                                   "exponentially. Pick an lr a little below the bottom of the U.")

    def set_classification(self, on: bool) -> None:
        """Hide the accuracy plot for regression."""
        self.acc_plot.setVisible(bool(on))

    def reset(self) -> None:
        """Start a new, empty live run."""
        self.history = CurveHistory("run")
        self._ranges.clear()
        self.refresh()

    def keep_as_ghost(self) -> None:
        """Freeze the live run as the ghost (dashed) to compare the next run against."""
        self.ghost = self.history.copy("ghost")
        self._title()
        self.refresh()

    def clear_ghost(self) -> None:
        """Forget the ghost run."""
        self.ghost = None
        self._title()
        self.refresh()

    def refresh(self, tight: bool = False) -> None:
        """Redraw every curve from the histories (one ``setData`` each).

        ``tight``: fit the x range to the data (a finished or paused run) instead of growing it
        in steps with room ahead (a live run).
        """
        self._draw(self.history, "")
        if self.ghost is not None:
            self._draw(self.ghost, "g_")
        else:
            for name, item in self._items.items():
                if name.startswith("g_") and len(self._data.get(name, ((0,),))[0]):  # unknown or non-empty
                    item.setData([], [])
                    self._data[name] = (np.empty(0), np.empty(0))
        self._fit_ranges(tight)

    # -- drawing -------------------------------------------------------------
    def _x(self, h: CurveHistory, kind: str) -> np.ndarray:
        col = {"epoch": "epoch", "iteration": "step", "examples": "examples"}[self._x_mode]
        x = h.column(kind, col)
        if kind == "step" and self._x_mode == "epoch":
            x = h.column("step", "epoch")  # fractional epoch of each reported step
        return x

    def _set(self, name: str, x: np.ndarray, y: np.ndarray, positive: bool = False) -> None:
        ok = np.isfinite(x) & np.isfinite(y)
        if positive:
            ok &= y > 0  # log axes cannot show 0 or a diverged (NaN) loss
        x, y = x[ok], y[ok]
        self._data[name] = (x, y)
        self._items[name].setData(x, y)

    def _extent(self, names, axis: int, log: bool = False) -> tuple[float, float]:
        lo, hi = np.inf, -np.inf
        for name in names:
            d = self._data.get(name)
            if d is None or not len(d[axis]):
                continue
            v = d[axis]
            if log:
                v = np.log10(v[v > 0])
                if not v.size:
                    continue
            lo, hi = min(lo, float(v.min())), max(hi, float(v.max()))
        return lo, hi

    def _set_range(self, key: str, plot, axis: str, new) -> None:
        if new is None:
            return
        self._ranges[key] = new
        (plot.setXRange if axis == "x" else plot.setYRange)(*new, padding=0)
        if axis == "y":
            self._space_left_ticks(plot)

    def _space_left_ticks(self, plot) -> None:
        """Left tick labels at least ``_TICK_GAP`` text lines apart at the plot's current height.

        pyqtgraph's own spacing ran four labels into each other in the short lr plot. Called when
        a y range or the plot's height changes, not per frame.
        """
        ax = plot.getAxis("left")
        if plot is self.loss_plot and self._log_y:
            ax.setTickSpacing()  # decades: pyqtgraph's log ticks
            ax._spaced = None
            return
        (y0, y1), height = plot.vb.viewRange()[1], plot.vb.height()
        if height <= 0 or not y1 > y0:
            return
        line = QFontMetricsF(ax.style["tickFont"] or QFont()).height()
        step = _nice_step(max(_TICK_GAP * line / height, 1 / _MAX_TICKS) * (y1 - y0))
        key = self._key(plot)
        if key not in self._ranges:  # no data yet: a calm 0, 0.5, 1
            step = max(step, 0.5)
        if getattr(ax, "_spaced", None) != step:
            ax._spaced = step
            ax.setTickSpacing(levels=[(step, 0.0)])
        if plot is self.lr_plot:
            self._label_lr()

    def _label_lr(self, exact: bool = True) -> None:
        """Tick labels at the lr's own values: its largest, the latest where it has moved away, and 0.

        Evenly spaced ticks in the short lr plot labelled an lr of 0.3 "0.2" (the only label below
        the line). Called when the lr range, the plot's height or the data change; re-ticks on a change.
        Not ``exact`` (a live run): the latest value's tick moves only once it is half a line off.
        """
        ax = self.lr_plot.getAxis("left")
        lr = self._data.get("lr", (None, np.empty(0)))[1]
        if not len(lr):
            lr = self._data.get("g_lr", (None, np.empty(0)))[1]
        (y0, y1), height = self.lr_plot.vb.viewRange()[1], self.lr_plot.vb.height()
        ticks = None
        if len(lr) and height > 0 and y1 > y0:
            gap = _TICK_GAP * QFontMetricsF(ax.style["tickFont"] or QFont()).height() * (y1 - y0) / height
            top, last = float(lr.max()), float(f"{float(lr[-1]):.2g}")
            shown = [v for v in (getattr(ax, "_lr_ticks", None) or ()) if 0 < v < top]
            if not exact and shown and abs(shown[0] - last) < gap / 2:
                last = shown[0]  # a decaying schedule re-ticked the axis every frame: only per half a line
            ticks = [top]
            if top - last >= gap and last - y0 >= gap / 2:  # apart from the top, and room for its text
                ticks.append(last)
            if min(ticks) - y0 >= gap and min(ticks) > 0:
                ticks.append(0.0)
            ticks = tuple(sorted(ticks))
        if getattr(ax, "_lr_ticks", None) != ticks:
            ax._lr_ticks = ticks
            ax.setTicks(None if ticks is None else [[(v, f"{v:.3g}") for v in ticks], []])

    def _fit_ranges(self, tight: bool = False) -> None:
        """Move the view ranges only when the data need it (see the module notes)."""
        lo, hi = self._extent(self._items, 0)
        if np.isfinite(lo) and np.isfinite(hi):
            cur = self._ranges.get("x")
            if tight:
                lo = min(lo, 0.0)
                span = max(hi - lo, 1e-9)
                new = (lo - 0.02 * span, hi + 0.05 * span)  # room for the last tick's label
                if cur is None or not np.allclose(cur, new):
                    self._set_range("x", self.loss_plot, "x", new)
            elif cur is None or lo < cur[0] or hi > cur[1]:
                top = nice_ceil(max(hi, lo + 1e-9) * 1.05) if hi > 0 else hi + 1.0
                lo = min(lo, 0.0)
                self._set_range("x", self.loss_plot, "x", (lo - 0.02 * (top - lo), top))  # the 0 tick shows
        loss_names = ("batch", "train_loss", "val_loss", "g_train_loss", "g_val_loss")
        self._set_range("loss", self.loss_plot, "y",
                        grow_range(self._ranges.get("loss"), *self._extent(loss_names, 1, self._log_y)))
        acc = grow_range(self._ranges.get("acc"), *self._extent(("train_acc", "val_acc", "g_train_acc", "g_val_acc"), 1),
                         fill=0.4)
        if acc is not None:
            acc = (max(acc[0], -0.02), min(acc[1], 1.02))
        self._set_range("acc", self.acc_plot, "y", acc)
        _, lr_hi = self._extent(("lr", "g_lr"), 1)
        if np.isfinite(lr_hi):  # from 0, so a constant lr reads as a flat line at its value
            cur = self._ranges.get("lr")
            if cur is None or lr_hi > cur[1] or lr_hi < 0.5 * cur[1]:
                # 1.3: the lr's own tick sits far enough below the top for its label to show
                self._set_range("lr", self.lr_plot, "y", (0.0, lr_hi * 1.3 or 1.0))
        self._label_lr(exact=tight)

    def _draw(self, h: CurveHistory, prefix: str) -> None:
        xs, xe = self._x(h, "step"), self._x(h, "epoch")
        if not prefix:
            self._set("batch", xs, h.column("step", "train_loss"), self._log_y)
        for col in ("train_loss", "val_loss"):
            self._set(prefix + col, xe, h.column("epoch", col), self._log_y)
        for col in ("train_acc", "val_acc"):
            self._set(prefix + col, xe, h.column("epoch", col))
        self._set(prefix + "lr", xs, h.column("step", "lr"))
