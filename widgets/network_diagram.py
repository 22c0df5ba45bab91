"""The network drawn as neurons and links, repainted from the latest snapshot.

Links: colour = sign of the weight, thickness and opacity = its magnitude. Each neuron shows a
small heatmap of its activation over the input plane, and the units one example's dropout
mask switched off are faded. Past ``MAX_LAYERS`` hidden layers or ``MAX_UNITS`` units a layer
the diagram summarizes: one box per layer and a small heatmap of each weight matrix.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from widgets.theme import LIGHT, Theme

MAX_LAYERS = 8
MAX_UNITS = 16
LINK_LEVELS = 8  # link magnitudes drawn with this many pen widths/opacities


def _to_qimage(rgb: np.ndarray) -> QImage:
    """(H, W, 3) uint8 -> QImage owning a copy of the pixels."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def _mix(bg: QColor, fg: QColor, alpha: float) -> QColor:
    """The opaque colour of ``fg`` drawn with opacity ``alpha`` over ``bg``."""
    a = min(max(alpha, 0.0), 1.0)
    return QColor(*(int(round(b + (f - b) * a)) for b, f in zip(bg.getRgb()[:3], fg.getRgb()[:3])))


def _diverging(values: np.ndarray, neg: QColor, pos: QColor, mid: QColor) -> np.ndarray:
    """Map values in [-1, 1] to RGB between ``neg``, ``mid`` and ``pos``."""
    v = np.nan_to_num(values, nan=0.0).clip(-1, 1)[..., None]
    n = np.array(neg.getRgb()[:3], float)
    p = np.array(pos.getRgb()[:3], float)
    m = np.array(mid.getRgb()[:3], float)
    out = np.where(v < 0, m + (n - m) * (-v), m + (p - m) * v)
    return out.clip(0, 255).astype(np.uint8)


class NetworkDiagram(QWidget):
    """A painted diagram of a fully connected network.

    Parameters
    ----------
    theme : Theme
        Colours and fonts.
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._sizes: list[int] = [2, 4, 1]
        self._weights: list[np.ndarray] = []
        self._masks: list[np.ndarray | None] = []
        self._images: list[list[QImage] | None] = []
        self._w_images: list[QImage] = []
        self._input_names: list[str] = []
        self.setMinimumSize(220, 160)
        self.setAttribute(Qt.WA_OpaquePaintEvent)  # paintEvent fills the whole rect: no parent repaint
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.set_theme(theme)

    # -- public API ----------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Repaint with ``theme``."""
        self._theme = theme
        self._neg = QColor(theme.racer_colors[0])
        self._pos = QColor(theme.racer_colors[1])
        self._mid = QColor(theme.background)
        self.update()

    @property
    def summarized(self) -> bool:
        """True when the network is too large to draw unit by unit."""
        hidden = self._sizes[1:-1]
        return len(hidden) > MAX_LAYERS or any(s > MAX_UNITS for s in self._sizes)

    def set_architecture(self, sizes, input_names=()) -> None:
        """Set layer widths, input first and output last, e.g. ``[2, 16, 16, 1]``."""
        self._sizes = [int(s) for s in sizes]
        self._input_names = list(input_names)
        self._weights, self._masks, self._images, self._w_images = [], [], [], []
        self.update()

    def set_state(self, weights, neuron_grids=None, masks=None) -> None:
        """Show new weights.

        Parameters
        ----------
        weights : list of ndarray
            One (out, in) matrix per layer.
        neuron_grids : list of ndarray or None
            Per layer after the input, (units, g, g) activations over the input plane.
        masks : list of ndarray or None
            Per hidden layer, (units,) bool: True where one example's dropout kept the unit.
        """
        self._weights = [np.nan_to_num(np.asarray(w, float)) for w in weights]
        self._masks = list(masks) if masks is not None else []
        if self.summarized:
            self._images = []
            self._w_images = [self._matrix_image(w) for w in self._weights]
        else:
            self._w_images = []
            self._images = [self._unit_images(g) for g in neuron_grids] if neuron_grids is not None else []
        self.update()

    # -- images --------------------------------------------------------------
    def _unit_images(self, grids) -> list[QImage] | None:
        if grids is None:
            return None
        g = np.nan_to_num(np.asarray(grids, float))  # (units, gy, gx), row 0 = lowest x2
        scale = np.abs(g).reshape(len(g), -1).max(1).clip(1e-9)[:, None, None]
        rgb = _diverging(g / scale, self._neg, self._pos, self._mid)
        return [_to_qimage(rgb[i, ::-1]) for i in range(len(g))]  # QImage row 0 is the top

    def _matrix_image(self, w: np.ndarray) -> QImage:
        step_r = max(1, w.shape[0] // 48)
        step_c = max(1, w.shape[1] // 48)
        w = w[::step_r, ::step_c]
        return _to_qimage(_diverging(w / max(np.abs(w).max(), 1e-9), self._neg, self._pos, self._mid))

    # -- painting ------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor(self._theme.background))
        if self.summarized:
            self._paint_summary(p)
        else:
            self._paint_full(p)
        p.end()

    def _font(self) -> QFont:
        font = QFont()
        font.setPointSize(max(8, self._theme.font_pt - 2))
        return font

    def _columns(self) -> tuple[list[float], float, float]:
        """Column centres, and the top and bottom of the drawing between the titles and the caption."""
        n = len(self._sizes)
        margin = 0.06 * self.width() + 20
        xs = [margin + i * (self.width() - 2 * margin) / max(n - 1, 1) for i in range(n)]
        line = QFontMetricsF(self._font()).height()
        top = line + 10.0  # under the titles
        bottom = self.height() - (line + 10.0 if self.summarized else 8.0)  # over the caption
        return xs, top, max(bottom, top + 10.0)

    def _title_rects(self, xs: list[float]) -> list[tuple[QRectF, str]]:
        """The column titles that fit: input, output, and every hidden width that does not collide."""
        fm = QFontMetricsF(self._font())
        h = fm.height() + 4
        last = len(self._sizes) - 1
        out: list[tuple[QRectF, str]] = []

        def rect(x: float, text: str) -> QRectF:
            w = fm.horizontalAdvance(text) + 6
            left = min(max(x - w / 2, 0.0), self.width() - w)  # centred on the column, inside the widget
            return QRectF(left, 2, w, h)

        for names in (("input", "output"), ("in", "out")):  # the short names when the long ones crowd out a width
            first = rect(xs[0], names[0])
            final = rect(xs[-1], names[1])
            out = [(first, names[0])]
            prev = first
            for li in range(1, last):
                r = rect(xs[li], f"{self._sizes[li]}")
                if r.left() >= prev.right() + 2 and r.right() <= final.left() - 2:
                    out.append((r, f"{self._sizes[li]}"))
                    prev = r
            if last > 0:
                out.append((final, names[1]))
            if len(out) == len(self._sizes):
                return out
        hidden = self._sizes[1:-1]
        if hidden and len(set(hidden)) == 1:  # a deep stack of equal layers: one title, "10 × 64"
            text = f"{len(hidden)} × {hidden[0]}"
            mid = rect((xs[0] + xs[-1]) / 2, text)
            if first.right() + 2 <= mid.left() and mid.right() <= final.left() - 2:
                return [(first, names[0]), (mid, text), (final, names[1])]
        return out

    def _summary_rects(self) -> tuple[list[QRectF], list[QRectF], QRectF]:
        """Layer boxes, weight-matrix images and the caption's rect (summarized mode)."""
        xs, top, bottom = self._columns()
        most = max(self._sizes)
        box_w = min(30.0, 0.3 * (xs[1] - xs[0]) if len(xs) > 1 else 30.0)
        boxes = []
        for n in self._sizes:
            h = (bottom - top) * (0.25 + 0.75 * np.log1p(n) / np.log1p(most))
            boxes.append(QRectF(xs[len(boxes)] - box_w / 2, (top + bottom - h) / 2, box_w, h))
        mats = []
        for li in range(min(len(self._w_images), len(xs) - 1)):
            gap = xs[li + 1] - xs[li] - box_w
            side = max(1.0, min(gap * 0.8, (bottom - top) * 0.6))
            mats.append(QRectF((xs[li] + xs[li + 1]) / 2 - side / 2, (top + bottom) / 2 - side / 2, side, side))
        line = QFontMetricsF(self._font()).height()
        caption = QRectF(2, self.height() - line - 6, self.width() - 4, line + 4)
        return boxes, mats, caption

    def layout_rects(self) -> dict[str, list[QRectF]]:
        """Where everything is drawn (widget coordinates): for tests and for hit-testing."""
        xs, top, bottom = self._columns()
        rects = {"titles": [r for r, _ in self._title_rects(xs)]}
        if self.summarized:
            boxes, mats, caption = self._summary_rects()
            rects.update(boxes=boxes, matrices=mats, caption=[caption])
        else:
            cell = self._cell(xs, top, bottom)
            rects["cells"] = [QRectF(xs[li] - cell / 2, y - cell / 2, cell, cell)
                              for li, n in enumerate(self._sizes) for y in self._ys(n, top, bottom)]
        return rects

    def _cell(self, xs: list[float], top: float, bottom: float) -> float:
        most = max(self._sizes)
        return min((bottom - top) / most * 0.8, 0.45 * (xs[1] - xs[0]) if len(xs) > 1 else 40, 44.0)

    @staticmethod
    def _ys(n: int, top: float, bottom: float) -> list[float]:
        gap = (bottom - top) / n
        return [top + gap * (i + 0.5) for i in range(n)]

    def _paint_full(self, p: QPainter) -> None:
        xs, top, bottom = self._columns()
        cell = self._cell(xs, top, bottom)
        ys = [self._ys(n, top, bottom) for n in self._sizes]
        wmax = max((np.abs(w).max() for w in self._weights if w.size), default=1.0) or 1.0
        p.setRenderHint(QPainter.Antialiasing, False)  # hundreds of links: aliased lines are cheaper
        for li, w in enumerate(self._weights):
            if li + 1 >= len(self._sizes) or w.shape != (self._sizes[li + 1], self._sizes[li]):
                continue
            mask = self._mask(li - 1) if li >= 1 else None  # a dropped source unit sends nothing
            self._paint_links(p, w / wmax, mask, xs[li] + cell / 2, np.asarray(ys[li]),
                              xs[li + 1] - cell / 2, np.asarray(ys[li + 1]))
        p.setRenderHint(QPainter.Antialiasing, True)
        p.setFont(self._font())
        fg = QColor(self._theme.foreground)
        for li, n in enumerate(self._sizes):
            imgs = self._images[li - 1] if 1 <= li <= len(self._images) else None
            mask = self._mask(li - 1) if 1 <= li < len(self._sizes) - 1 else None
            for i in range(n):
                r = QRectF(xs[li] - cell / 2, ys[li][i] - cell / 2, cell, cell)
                faded = mask is not None and not mask[i]
                p.setOpacity(0.2 if faded else 1.0)
                if imgs is not None and i < len(imgs):
                    p.drawImage(r, imgs[i])
                else:
                    p.fillRect(r, QColor(self._theme.grid))
                p.setPen(QPen(fg, 1.2, Qt.DashLine if faded else Qt.SolidLine))
                p.drawRect(r)
                p.setOpacity(1.0)
                if li == 0 and i < len(self._input_names):
                    p.drawText(QRectF(0, r.top(), r.left() - 4, r.height()), Qt.AlignRight | Qt.AlignVCenter,
                               self._input_names[i])
        self._paint_titles(p, xs)

    def _paint_links(self, p: QPainter, a: np.ndarray, mask, x0: float, y0: np.ndarray, x1: float,
                     y1: np.ndarray) -> None:
        """Draw the links of one layer, ``a`` = weights / max |w| (out, in), grouped into a few pens.

        One ``drawLines`` per (sign, magnitude level, dropped) group instead of one ``drawLine`` and
        one QPen per link, weakest first so strong links stay on top. The pens are opaque, their
        colour pre-mixed with the background: Qt's raster engine draws translucent lines slower than
        opaque ones (bench/bench_drawing.py).
        """
        mag = np.abs(a)
        level = np.minimum((mag * LINK_LEVELS).astype(int), LINK_LEVELS - 1)  # (out, in)
        positive = a > 0
        dropped = np.zeros(a.shape, bool)
        if mask is not None and len(mask) == a.shape[1]:
            dropped[:, ~np.asarray(mask, bool)] = True
        code = (level * 2 + positive) * 2 + dropped
        jj, ii = np.indices(a.shape)
        for c in np.unique(code):
            sel = code == c
            lv, pos, drop = int(c) // 4, bool((int(c) // 2) % 2), bool(int(c) % 2)
            m = (lv + 0.5) / LINK_LEVELS  # the level's mid magnitude
            alpha = (40 + 200 * m) / 255 * (0.15 if drop else 1.0)
            col = _mix(self._mid, self._pos if pos else self._neg, alpha)
            p.setPen(QPen(col, 0.6 + 5.0 * m))
            lines = [QLineF(x0, float(y0[i]), x1, float(y1[j])) for j, i in zip(jj[sel], ii[sel])]
            p.drawLines(lines)

    def _mask(self, hidden_index: int):
        if 0 <= hidden_index < len(self._masks):
            return self._masks[hidden_index]
        return None

    def _paint_titles(self, p: QPainter, xs: list[float]) -> None:
        p.setFont(self._font())
        p.setPen(QColor(self._theme.foreground))
        for r, text in self._title_rects(xs):
            p.drawText(r, Qt.AlignCenter, text)

    def _paint_summary(self, p: QPainter) -> None:
        xs, _, _ = self._columns()
        fg = QColor(self._theme.foreground)
        boxes, mats, caption = self._summary_rects()
        for r in boxes:
            p.fillRect(r, QColor(self._theme.grid))
            p.setPen(QPen(fg, 1.2))
            p.drawRect(r)
        for r, img in zip(mats, self._w_images):
            p.drawImage(r, img)
            p.drawRect(r)
        self._paint_titles(p, xs)
        p.setPen(fg)
        fm = QFontMetricsF(self._font())
        text = "summary: weight matrices as heatmaps"
        if fm.horizontalAdvance(text) > caption.width():  # a narrow widget: the short form
            text = fm.elidedText("weights as heatmaps", Qt.ElideRight, caption.width())
        p.drawText(caption, Qt.AlignCenter, text)
