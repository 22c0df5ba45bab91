"""Learning curves: loss and accuracy of train and validation, and the learning rate.

The page appends metrics to a :class:`CurveHistory`; :meth:`TrainingCurves.refresh` redraws
with one ``setData`` per curve, so it fits in a frame however often metrics arrive.
A finished run can be kept as a *ghost* and is drawn dashed under the live one.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from widgets.theme import LIGHT, Theme

X_MODES = ("epoch", "iteration", "examples")
_X_LABELS = {"epoch": "epoch", "iteration": "iteration (optimizer steps)", "examples": "examples seen"}


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
        self._log_y = False
        self.history = CurveHistory("run")
        self.ghost: CurveHistory | None = None
        self.loss_plot = self.addPlot(row=0, col=0)
        self.acc_plot = self.addPlot(row=1, col=0)
        self.lr_plot = self.addPlot(row=2, col=0)
        self.ci.layout.setRowStretchFactor(0, 3)
        self.ci.layout.setRowStretchFactor(1, 2)
        self.ci.layout.setRowStretchFactor(2, 1)
        self.range_plot = self.addPlot(row=3, col=0)
        self.range_plot.setLogMode(True, False)
        self.range_plot.setVisible(False)
        self._range_curve = self.range_plot.plot()
        self._range_line = pg.InfiniteLine(angle=90, movable=False)
        self.range_plot.addItem(self._range_line)
        for p in (self.acc_plot, self.lr_plot):
            p.setXLink(self.loss_plot)
        self._items: dict[str, pg.PlotDataItem] = {}
        self._make_items()
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

    # -- public API ----------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Restyle pens, axes and labels."""
        self._theme = theme
        self.setBackground(theme.background)
        c_train, c_val = theme.racer_colors[0], theme.racer_colors[1]
        w = theme.line_width
        styles = {
            "batch": pg.mkPen(pg.mkColor(c_train).lighter(150) if theme.name == "light" else pg.mkColor(c_train).darker(170), width=1),
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
        for plot, title in ((self.loss_plot, "loss"), (self.acc_plot, "accuracy"), (self.lr_plot, "lr")):
            plot.showGrid(x=True, y=True, alpha=0.25)
            for name in ("left", "bottom"):
                ax = plot.getAxis(name)
                ax.setPen(theme.grid)
                ax.setTextPen(theme.foreground)
                ax.setTickFont(font)
            plot.getAxis("left").setWidth(int(theme.font_pt * 4.2))
            plot.setLabel("left", title, size=f"{theme.font_pt}pt", color=theme.foreground)
        self.lr_plot.setLabel("bottom", _X_LABELS[self._x_mode], size=f"{theme.font_pt}pt", color=theme.foreground)
        self._range_curve.setPen(pg.mkPen(theme.racer_colors[4], width=w))
        self._range_line.setPen(pg.mkPen(theme.foreground, width=1.5, style=Qt.DashLine))
        self.range_plot.getAxis("bottom").setTextPen(theme.foreground)
        self.range_plot.getAxis("left").setTextPen(theme.foreground)
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot):
            plot.getAxis("left").enableAutoSIPrefix(False)
        self._title()
        self.refresh()

    def _title(self) -> None:
        # A coloured title instead of a legend: a legend box would sit on top of the curves.
        t = self._theme
        c_train, c_val = t.racer_colors[0], t.racer_colors[1]
        ghost = "   <span style='color:%s'>- - previous run</span>" % t.foreground if self.ghost is not None else ""
        self.loss_plot.setTitle(f"<span style='color:{c_train}'>━ train</span>   "
                                f"<span style='color:{c_val}'>━ validation</span>{ghost}",
                                size=f"{t.font_pt}pt")

    def set_x_mode(self, mode: str) -> None:
        """Plot against "epoch", "iteration" or "examples" seen."""
        if mode not in X_MODES:
            raise ValueError(f"x mode must be one of {', '.join(X_MODES)}")
        self._x_mode = mode
        self.lr_plot.setLabel("bottom", _X_LABELS[mode], size=f"{self._theme.font_pt}pt",
                              color=self._theme.foreground)
        self.refresh()

    def set_log_y(self, on: bool) -> None:
        """Logarithmic loss axis (shows late progress and divergence better)."""
        self._log_y = bool(on)
        self.loss_plot.setLogMode(False, self._log_y)
        self.refresh()

    def show_lr_range(self, lrs, losses, suggested: float | None) -> None:
        """Show the learning-rate range test: loss against log lr (the U), a line at the suggestion."""
        lrs, losses = np.asarray(lrs, float), np.asarray(losses, float)
        ok = np.isfinite(losses) & (lrs > 0)
        self._range_curve.setData(lrs[ok], losses[ok])
        if suggested:
            self._range_line.setValue(np.log10(suggested))  # the axis is log10(lr) in log mode
        self.range_plot.setTitle(f"lr range test: suggested lr ≈ {suggested:.2g}" if suggested else "lr range test",
                                 size=f"{self._theme.font_pt}pt", color=self._theme.foreground)
        self.range_plot.setVisible(True)
        self.ci.layout.setRowStretchFactor(3, 2)

    def hide_lr_range(self) -> None:
        """Hide the range-test plot."""
        self.range_plot.setVisible(False)

    def set_classification(self, on: bool) -> None:
        """Hide the accuracy plot for regression."""
        self.acc_plot.setVisible(bool(on))

    def reset(self) -> None:
        """Start a new, empty live run."""
        self.history = CurveHistory("run")
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

    def refresh(self) -> None:
        """Redraw every curve from the histories (one ``setData`` each)."""
        self._draw(self.history, "")
        if self.ghost is not None:
            self._draw(self.ghost, "g_")
        else:
            for name, item in self._items.items():
                if name.startswith("g_"):
                    item.setData([], [])

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
        self._items[name].setData(x[ok], y[ok])

    def _draw(self, h: CurveHistory, prefix: str) -> None:
        xs, xe = self._x(h, "step"), self._x(h, "epoch")
        if not prefix:
            self._set("batch", xs, h.column("step", "train_loss"), self._log_y)
        for col in ("train_loss", "val_loss"):
            self._set(prefix + col, xe, h.column("epoch", col), self._log_y)
        for col in ("train_acc", "val_acc"):
            self._set(prefix + col, xe, h.column("epoch", col))
        self._set(prefix + "lr", xs, h.column("step", "lr"))
        if not prefix:
            lr = h.column("step", "lr")
            lr = lr[np.isfinite(lr)]
            if lr.size:  # from 0, so a constant lr reads as a flat line at its value
                self.lr_plot.setYRange(0, float(lr.max()) * 1.15 or 1.0, padding=0)
