"""What every search plot shares: themed axes with real-valued log ticks, clickable trial points with
tool tips, and a view that live updates never take away from the user.

Optuna's dashboard reset the zoom on every new trial (its issue #17). Here the first
:meth:`SearchPlot.set_records` fits the view; once the user zooms or pans
(``sigRangeChangedManually``), later records keep the view until :meth:`SearchPlot.reset_view`.
Ranges are always set here: pyqtgraph's auto range is off (it grows and redraws every frame).
"""
from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.search_records import ParamAxis, TrialRecord
from widgets.opaque_grid_axis import AXIS_Z, OpaqueGridAxis
from widgets.theme import LIGHT, Theme
from widgets.theme_apply import plain_ticks, screen_pen, style_axes


def real_value(v: float) -> str:
    """A tick or tip value as people write it: 0.001, 0.3, 2e-05, 1e+04 -> "1e4" style without padding."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    text = f"{v:.3g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp)}"
    return text


class ValueAxis(OpaqueGridAxis):
    """An axis whose log mode labels ticks with real values ("0.001", "1e-5"), not exponents or 10⁻³,
    and whose grid is opaque, under the data (:class:`~widgets.opaque_grid_axis.OpaqueGridAxis`)."""

    def __init__(self, orientation: str = "bottom", **kwargs):
        super().__init__(orientation, **kwargs)
        plain_ticks(self)

    def logTickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph override
        texts = [real_value(10.0 ** float(v) * scale) for v in values]
        if len(values) <= 6:
            return texts
        # Over a decade or two pyqtgraph ticks every 2..9 multiple; labelling them all overlaps: keep 1, 2, 5.
        out = []
        for v, text in zip(values, texts):
            m = 10.0 ** (float(v) - math.floor(float(v) + 1e-9))
            out.append(text if any(abs(m - k) < 1e-6 * k for k in (1.0, 2.0, 5.0)) else "")
        return out


def value_text(value) -> str:
    """A parameter or objective value for a tool tip or a table cell."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return real_value(value) if abs(value) < 1e-3 or abs(value) >= 1e4 else f"{value:.4g}"
    return str(value)


def trial_tip(record: TrialRecord, axes: list[ParamAxis]) -> str:
    """A trial's tool tip: number, state, objective and each parameter, one a line."""
    lines = [f"trial {record.number} ({record.state})"]
    if record.value is not None:
        lines.append(f"value = {value_text(record.value)}")
    last = record.last_intermediate()
    if record.state == "pruned" and last is not None:
        lines.append(f"pruned at step {last[0]}: {value_text(last[1])}")
    names = [a.name for a in axes] or list(record.params)
    lines += [f"{n} = {value_text(record.params.get(n))}" for n in names if n in record.params]
    if "error" in record.attrs:
        lines.append(f"error: {record.attrs['error']}")
    return "\n".join(lines)


def padded(lo: float, hi: float, frac: float = 0.05) -> tuple[float, float]:
    """``lo .. hi`` widened by ``frac`` of the span on each side (a point span gets a unit around it)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    span = hi - lo
    if span <= 0:
        span = max(abs(lo) * 0.1, 1.0)
        return lo - span / 2, hi + span / 2
    return lo - frac * span, hi + frac * span


def mix(color: str, background: str, alpha: float) -> pg.QtGui.QColor:
    """``color`` blended onto ``background`` as an opaque colour (Qt draws translucency about 10x slower)."""
    a, b = pg.mkColor(color), pg.mkColor(background)
    return pg.QtGui.QColor(round(a.red() * alpha + b.red() * (1 - alpha)),
                           round(a.green() * alpha + b.green() * (1 - alpha)),
                           round(a.blue() * alpha + b.blue() * (1 - alpha)))


class SearchPlot(QWidget):
    """A themed pyqtgraph plot of trials that keeps a user's zoom across live updates.

    Subclasses implement :meth:`_redraw` (draw ``self._records`` on ``self._axes``) and
    :meth:`_data_range` (the view that fits them).

    Signals
    -------
    trial_clicked(int)
        The number of the trial whose point the user clicked.

    Attributes
    ----------
    plot : pyqtgraph.PlotWidget
    user_view : bool
        True once the user zoomed or panned: records no longer move the view.
    """

    trial_clicked = Signal(int)

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None):
        super().__init__(parent)
        self._theme = theme
        self._axes: list[ParamAxis] = []
        self._records: list[TrialRecord] = []
        self._minimize = True
        self.user_view = False
        self._stale = False  # records came while hidden: drawn at the next show
        self.plot = pg.PlotWidget(axisItems={"bottom": ValueAxis("bottom"), "left": ValueAxis("left")})
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.disableAutoRange()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        for n in ("left", "bottom"):
            axis = self.plot.getAxis(n)
            axis.setZValue(AXIS_Z)  # PlotItem put it at 0.5, over the data
            # Room for the labels grows and never shrinks: a narrower axis widens the view, which
            # changes the ticks and their labels, which resize the axis again. Repaint after repaint
            # in one pass of the event loop, while a search's ranges grew (bench_search_stall).
            axis.setStyle(autoReduceTextSpace=False)
        self.view = self.plot.getViewBox()
        self.view.sigRangeChangedManually.connect(self._on_manual_range)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)

    # -- public API ---------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours and fonts."""
        self._theme = theme
        self.plot.setBackground(theme.background)
        font = QFont()
        font.setPointSize(theme.font_pt - 1)
        style_axes([self.plot.getAxis(n) for n in ("left", "bottom")], theme)
        for n in ("left", "bottom"):
            self.plot.getAxis(n).setTickFont(font)
            self.plot.getAxis(n).set_background(theme.background)
        self._titles()
        self._redraw()

    def set_axes(self, axes: list[ParamAxis]) -> None:
        """The searched knobs' axes (the view refits unless the user has zoomed)."""
        self._axes = list(axes)
        self._axes_changed()
        self._redraw()
        self._fit()

    def set_records(self, records: list[TrialRecord], minimize: bool = True) -> None:
        """Draw ``records``; the first call fits the view, later ones keep a view the user zoomed or panned.

        A plot on a tab that is not shown only keeps them and draws when it shows (or :meth:`flush`):
        redrawing all seven views on every snapshot of a running search stalled the GUI thread.
        """
        self._records = list(records)
        self._minimize = minimize
        if hidden_tab(self):
            self._stale = True
            return
        self._stale = False
        self._redraw()
        self._fit()

    def flush(self) -> None:
        """Draw the records that came while the plot was on a hidden tab (an export calls this)."""
        if self._stale:
            self._stale = False
            self._redraw()
            self._fit()

    def reset_view(self) -> None:
        """Forget the user's zoom and fit the records again."""
        self.user_view = False
        self._fit()

    def axis(self, name: str) -> ParamAxis | None:
        """The axis called ``name``, or None."""
        return next((a for a in self._axes if a.name == name), None)

    # -- for subclasses -----------------------------------------------------------------------
    def _redraw(self) -> None:
        raise NotImplementedError

    def _data_range(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        raise NotImplementedError

    def _axes_changed(self) -> None:
        """Called when the axes change (choosers refill here)."""

    def _titles(self) -> None:
        """Set the axis titles (theme-dependent style via :meth:`_label`)."""

    def _label(self, side: str, text: str) -> None:
        self.plot.setLabel(side, text, color=self._theme.foreground, **{"font-size": f"{self._theme.font_pt}pt"})

    def _fit(self) -> None:
        if self.user_view:
            return
        rng = self._data_range()
        if rng is None:
            return
        (x0, x1), (y0, y1) = rng
        self.view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        # pyqtgraph applies a new range when the view next paints: its items then change their
        # geometry inside that paint, and the plot paints twice (bench_search_stall). Apply it now.
        self.view.updateMatrix()

    def _on_manual_range(self, *_):
        self.user_view = True

    def showEvent(self, event):  # noqa: N802 - Qt override
        self.flush()  # before the first paint: a tab shows its newest records at once
        super().showEvent(event)

    def _scatter(self, symbol: str = "o", size: float = 10, z: float = 10) -> pg.ScatterPlotItem:
        """A hoverable scatter whose spots carry trial numbers: hover shows the tip, a click emits."""
        item = pg.ScatterPlotItem(symbol=symbol, size=size, hoverable=True, tip=self._tip, pxMode=True)
        item.setZValue(z)
        item.sigClicked.connect(self._on_points_clicked)
        self.plot.addItem(item, ignoreBounds=True)
        return item

    def _tip(self, x=None, y=None, data=None) -> str:
        rec = next((r for r in self._records if r.number == data), None)
        return trial_tip(rec, self._axes) if rec is not None else ""

    def _on_points_clicked(self, _item, points, _ev=None):
        if len(points):
            self.trial_clicked.emit(int(points[0].data()))

    def _pen(self, color, width: float = 1.0, **kw):
        return screen_pen(color, width, **kw)


def hidden_tab(widget: QWidget) -> bool:
    """True for a child widget hidden on purpose (a tab not shown), not for a window never shown yet.

    ``isHidden()`` is set by ``hide()`` (QTabWidget hides the pages it does not show) and on a
    top-level widget before its first ``show()``; a page rendered offscreen without being shown keeps
    its children not hidden, so they still draw.
    """
    return widget.parentWidget() is not None and widget.isHidden()


def on_closed_tab(widget: QWidget) -> bool:
    """True for a widget of a shown window that is not itself shown (on a tab, or in a panel on a tab,
    that is closed); False in a window never shown (an offscreen render draws everything)."""
    return widget.window().isVisible() and not widget.isVisible()


class DrawsWhenSeen:
    """A mixin for a QWidget view with ``_data`` and ``_draw()``: :meth:`_draw_when_seen` draws now,
    or, while the view is on a closed tab (:func:`on_closed_tab`), at its next show (drawing a refit
    nobody sees took as long as a redraw of the whole page while a search ran)."""

    _stale = False  # data came while on a closed tab: drawn when shown

    def _draw_when_seen(self) -> None:
        if on_closed_tab(self):
            self._stale = True
            return
        self._stale = False
        self._draw()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._stale and self._data is not None:
            self._stale = False
            self._draw()
        super().showEvent(event)


def log_mode(axis_item: pg.AxisItem, on: bool) -> None:
    """Switch ``axis_item`` to log ticks (data is given to it already in log10 space)."""
    if axis_item.logMode != on:
        axis_item.setLogMode(on)
