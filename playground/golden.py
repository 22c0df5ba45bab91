"""Golden-image comparison: a rendered page, widget or array against an approved PNG.

Used by the ``golden`` fixture of the pytest plugin (:mod:`playground.pytest_plugin`), and usable on its
own. Every image becomes an ``(H, W, 4)`` RGBA ``uint8`` array at device pixel ratio 1; two arrays are
compared per channel. This module imports no pytest, and Qt only when it is given a Qt object.

A pixel *differs* when any of its four channels differs by more than ``threshold`` (out of 255):

.. math:: d_{ij} = \\max_c |r_{ijc} - g_{ijc}|, \\qquad \\text{differing} = \\#\\{(i, j) : d_{ij} > t\\}

and the *mean difference* is :math:`\\frac{1}{4N} \\sum_{ijc} |r_{ijc} - g_{ijc}|` over the ``N``
pixels outside the masks. A comparison passes when ``differing <= max_pixels`` and, if ``max_mean`` is
given, the mean difference is at most ``max_mean``.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

#: Default per-channel threshold (out of 255): two runs on one machine were measured pixel-identical,
#: so this only absorbs rounding in a PNG round trip or a blend, never a moved line.
DEFAULT_THRESHOLD = 8

Rect = tuple[int, int, int, int]


@dataclass(frozen=True)
class Tolerance:
    """How different a result may be from its golden image and still pass.

    Parameters
    ----------
    threshold : int
        Per-channel difference, 0..255, above which a pixel counts as differing.
    max_pixels : int
        How many differing pixels are allowed (0: none).
    max_mean : float or None
        Largest allowed mean absolute difference per channel, 0..255, over the unmasked pixels;
        None does not check it.
    """

    threshold: int = DEFAULT_THRESHOLD
    max_pixels: int = 0
    max_mean: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, np.integer)) \
                or not 0 <= self.threshold <= 255:
            raise ValueError(f"tolerance threshold must be an integer from 0 to 255, got {self.threshold!r}")
        if isinstance(self.max_pixels, bool) or not isinstance(self.max_pixels, (int, np.integer)) \
                or self.max_pixels < 0:
            raise ValueError(f"tolerance max_pixels must be an integer >= 0, got {self.max_pixels!r}")
        if self.max_mean is not None and (isinstance(self.max_mean, bool)
                                          or not isinstance(self.max_mean, (int, float, np.floating))
                                          or not 0 <= self.max_mean <= 255):
            raise ValueError(f"tolerance max_mean must be a number from 0 to 255 or None, got {self.max_mean!r}")

    @classmethod
    def coerce(cls, value: "Tolerance | Mapping[str, Any] | None") -> "Tolerance":
        """A :class:`Tolerance` from None (the default), a dict of its fields, or a Tolerance."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            names = {f.name for f in dataclasses.fields(cls)}
            unknown = sorted(set(value) - names)
            if unknown:
                raise ValueError(f"unknown tolerance key(s) {', '.join(map(repr, unknown))}; "
                                 f"allowed: {', '.join(sorted(names))}")
            return cls(**value)
        raise ValueError(f"tolerance must be None, a dict or a Tolerance, got {type(value).__name__}")


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`; true when it passed.

    Attributes
    ----------
    passed : bool
        Whether the result is within the tolerance (always False on a size mismatch).
    differing : int
        Unmasked pixels whose largest channel difference exceeds ``tolerance.threshold``.
    mean_diff : float
        Mean absolute difference per channel over the unmasked pixels, 0..255 (nan on a size mismatch).
    max_diff : int
        Largest channel difference over the unmasked pixels, 0..255.
    result_size, golden_size : tuple of int
        (width, height) of each image.
    compared : int
        Pixels compared (outside the masks).
    tolerance : Tolerance
        The tolerance the comparison used.
    """

    passed: bool
    differing: int
    mean_diff: float
    max_diff: int
    result_size: tuple[int, int]
    golden_size: tuple[int, int]
    compared: int
    tolerance: Tolerance = field(default_factory=Tolerance)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def size_mismatch(self) -> bool:
        return self.result_size != self.golden_size

    def summary(self) -> str:
        """One line saying what differs, with the limits that applied."""
        if self.size_mismatch:
            (rw, rh), (gw, gh) = self.result_size, self.golden_size
            return f"size differs: result is {rw}x{rh}, golden is {gw}x{gh}"
        t = self.tolerance
        text = (f"{self.differing} of {self.compared} pixels differ by more than {t.threshold}/255 "
                f"(allowed {t.max_pixels}); mean difference {self.mean_diff:.3f}/255")
        if t.max_mean is not None:
            text += f" (allowed {t.max_mean:g})"
        return text + f"; largest {self.max_diff}/255"


# ----------------------------------------------------------------------------- images to arrays

def to_rgba(image: Any) -> np.ndarray:
    """An ``(H, W, 4)`` RGBA ``uint8`` array of ``image``.

    Parameters
    ----------
    image : QImage, QPixmap, QWidget or numpy.ndarray
        A QImage or QPixmap at device pixel ratio 1; a widget, rendered at its size in logical pixels with
        device pixel ratio 1 whatever the screen; or an array ``(H, W)`` (grey), ``(H, W, 3)`` (RGB) or
        ``(H, W, 4)`` (RGBA) of ``uint8``, or of floats in 0..1.

    Returns
    -------
    numpy.ndarray
        A new C-contiguous array; alpha is 255 where the input had none.
    """
    if isinstance(image, np.ndarray):
        return _array_to_rgba(image)
    from PySide6.QtGui import QImage, QPixmap
    from PySide6.QtWidgets import QWidget

    if isinstance(image, QWidget):
        return _qimage_to_rgba(_render_widget(image))
    if isinstance(image, QPixmap):
        image = image.toImage()
    if isinstance(image, QImage):
        if image.isNull():
            raise ValueError("the image is empty (a null QImage)")
        if image.devicePixelRatio() != 1:
            raise ValueError(f"the image has device pixel ratio {image.devicePixelRatio():g}; golden images are "
                             "at ratio 1: pass the widget itself, which is rendered at ratio 1")
        return _qimage_to_rgba(image)
    raise ValueError(f"cannot compare a {type(image).__name__}: pass a QImage, QPixmap, QWidget or numpy array")


def _array_to_rgba(a: np.ndarray) -> np.ndarray:
    if a.ndim == 2:
        a = a[:, :, None].repeat(3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"an image array must be (H, W), (H, W, 3) or (H, W, 4), got shape {a.shape}")
    if np.issubdtype(a.dtype, np.floating):
        if not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 1:
            raise ValueError("a float image array must hold finite values from 0 to 1")
        a = np.rint(a * 255)
    elif a.dtype != np.uint8:
        raise ValueError(f"an image array must be uint8 or float in 0..1, got {a.dtype}")
    out = np.empty(a.shape[:2] + (4,), np.uint8)
    out[..., :3] = a[..., :3]
    out[..., 3] = a[..., 3] if a.shape[2] == 4 else 255
    return out


def _render_widget(widget):
    """The widget painted into a fresh QImage of its logical size at device pixel ratio 1."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QWidget

    QApplication.processEvents()  # pending layouts and resizes, so the image shows the widget's current state
    size = widget.size()
    if size.width() <= 0 or size.height() <= 0:
        raise ValueError(f"the widget has no area ({size.width()}x{size.height()}): resize it first")
    img = QImage(size, QImage.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(1)
    img.fill(Qt.transparent)
    # QWidget's own render (widget and children as on screen): QGraphicsView, and so every pyqtgraph
    # view, overrides render() with a scene-painting one that takes a QPainter.
    QWidget.render(widget, img)
    return img


def _qimage_to_rgba(img) -> np.ndarray:
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format_RGBA8888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), np.uint8, count=stride * h)  # rows may be padded to `stride`
    return buf.reshape(h, stride)[:, : w * 4].reshape(h, w, 4).copy()


def read_png(path: str | os.PathLike) -> np.ndarray:
    """A PNG file as an ``(H, W, 4)`` RGBA ``uint8`` array."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGBA")).copy()


def write_png(array: np.ndarray, path: str | os.PathLike) -> None:
    """Write an RGBA (or RGB) ``uint8`` array as PNG (no timestamp: the same pixels give the same bytes)."""
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(to_rgba(array))).save(os.fspath(path), format="PNG")


# ----------------------------------------------------------------------------- comparing

def _mask(shape: tuple[int, int], masks: Iterable[Sequence[int]]) -> np.ndarray:
    """(H, W) bool, True inside any of the (x, y, w, h) rectangles (clipped to the image)."""
    h, w = shape
    out = np.zeros((h, w), bool)
    for rect in masks:
        try:
            x, y, rw, rh = (int(v) for v in rect)
        except (TypeError, ValueError):
            raise ValueError(f"a mask must be a rectangle (x, y, w, h) of integers, got {rect!r}") from None
        if rw < 0 or rh < 0:
            raise ValueError(f"a mask's width and height must be >= 0, got {rect!r}")
        out[max(y, 0): max(y + rh, 0), max(x, 0): max(x + rw, 0)] = True
    return out


def channel_difference(result: np.ndarray, golden: np.ndarray) -> np.ndarray:
    """(H, W) uint8: each pixel's largest absolute channel difference (both arrays of one shape)."""
    return np.abs(result.astype(np.int16) - golden.astype(np.int16)).max(axis=2).astype(np.uint8)


def compare(result: Any, golden: Any, threshold: int = DEFAULT_THRESHOLD, max_pixels: int = 0,
            max_mean: float | None = None, masks: Iterable[Sequence[int]] = ()) -> Comparison:
    """Compare a result image with its golden image.

    Parameters
    ----------
    result, golden : QImage, QPixmap, QWidget or numpy.ndarray
        Anything :func:`to_rgba` accepts.
    threshold, max_pixels, max_mean
        The :class:`Tolerance` (the module docstring gives the maths).
    masks : iterable of (x, y, w, h)
        Rectangles in pixels that are not compared (a clock, a timing readout).

    Returns
    -------
    Comparison
        Counts and sizes; a size mismatch fails with both sizes and no pixel counts.
    """
    tol = Tolerance(threshold=threshold, max_pixels=max_pixels, max_mean=max_mean)
    r, g = to_rgba(result), to_rgba(golden)
    masks = list(masks)
    rsize, gsize = (r.shape[1], r.shape[0]), (g.shape[1], g.shape[0])
    if rsize != gsize:
        _mask(r.shape[:2], masks)  # still refuse a malformed mask
        return Comparison(False, 0, float("nan"), 0, rsize, gsize, 0, tol)
    keep = ~_mask(r.shape[:2], masks)
    compared = int(keep.sum())
    abs_diff = np.abs(r.astype(np.int16) - g.astype(np.int16))[keep]  # (N, 4)
    if compared:
        per_pixel = abs_diff.max(axis=1)
        differing = int((per_pixel > tol.threshold).sum())
        mean_diff = float(abs_diff.mean())
        max_diff = int(per_pixel.max())
    else:
        differing, mean_diff, max_diff = 0, 0.0, 0
    passed = differing <= tol.max_pixels and (tol.max_mean is None or mean_diff <= tol.max_mean)
    return Comparison(passed, differing, mean_diff, max_diff, rsize, gsize, compared, tol)


# ----------------------------------------------------------------------------- the failure picture

#: Colours of the difference panel (RGB).
DIFF_COLOUR = (255, 0, 255)       # differs by more than the threshold: magenta
SMALL_DIFF_COLOUR = (255, 160, 0)  # differs, within the threshold: orange
MASK_COLOUR = (70, 130, 230)       # masked, not compared: blue tint
_BACKGROUND = (236, 236, 236)
_MIN_PANEL = 240  # px: narrower images are enlarged in the picture
_TEXT = (20, 20, 20)


def side_by_side(result: Any, golden: Any, threshold: int = DEFAULT_THRESHOLD,
                 masks: Iterable[Sequence[int]] = ()) -> np.ndarray:
    """One RGB picture of a comparison: result | golden | difference, each panel labelled.

    The difference panel is a dimmed grey copy of the golden image with every pixel that differs by
    more than ``threshold`` in magenta, every smaller difference in orange and the masks tinted blue; a
    dashed magenta frame surrounds the region that differs, so a one-pixel change can be found at a glance.
    Images of different sizes are drawn at their own sizes; where only one of them has pixels the
    difference panel is magenta. Images narrower than 240 pixels are enlarged by a whole factor.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` ``uint8``; write it with :func:`write_png`.
    """
    r, g = to_rgba(result), to_rgba(golden)
    masks = list(masks)
    h = max(r.shape[0], g.shape[0])
    w = max(r.shape[1], g.shape[1])
    diff_panel, changed, small = _difference_panel(r, g, (h, w), threshold, masks)

    # A small image is enlarged (whole pixels, nearest neighbour) so that its differences can be seen.
    zoom = min(8, -(-_MIN_PANEL // w)) if w < _MIN_PANEL else 1
    panels = [np.kron(p, np.ones((zoom, zoom, 1), np.uint8)) if zoom > 1 else p
              for p in (_over_checker(r), _over_checker(g), diff_panel)]
    shown = f" (shown x{zoom})" if zoom > 1 else ""
    labels = [f"result {r.shape[1]}x{r.shape[0]}{shown}", f"golden {g.shape[1]}x{g.shape[0]}{shown}",
              _difference_label(changed, threshold, bool(masks), small)]
    pw, ph = w * zoom, h * zoom
    text_px = max(16, min(48, pw // 32))  # legible when a viewer scales the three panels to fit a screen
    font = _font(text_px)
    pad = max(6, text_px // 2)
    label_h = text_px + 2 * pad
    gap = pad * 2
    slot = max(pw, *(int(np.ceil(_text_width(font, t))) for t in labels))  # a label never runs into the next
    canvas = np.empty((label_h + ph + pad, 3 * slot + 4 * gap, 3), np.uint8)
    canvas[:] = _BACKGROUND
    for i, panel in enumerate(panels):
        x0 = gap + i * (slot + gap)
        canvas[label_h: label_h + panel.shape[0], x0: x0 + panel.shape[1]] = panel
    from PIL import Image, ImageDraw

    im = Image.fromarray(canvas)
    draw = ImageDraw.Draw(im)
    for i, (label, panel) in enumerate(zip(labels, panels)):
        x0 = gap + i * (slot + gap)
        draw.text((x0, pad), label, fill=_TEXT, font=font)
        # An outline: a white image on the light background would have no visible edge.
        draw.rectangle((x0 - 1, label_h - 1, x0 + panel.shape[1], label_h + panel.shape[0]), outline=(150, 150, 150))
    return np.asarray(im).copy()


def _over_checker(a: np.ndarray) -> np.ndarray:
    """RGBA composited over a grey checkerboard, so transparent areas show as such."""
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    checker = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 200, 160).astype(np.float32)[..., None]
    alpha = a[..., 3:4].astype(np.float32) / 255
    return np.rint(a[..., :3] * alpha + checker * (1 - alpha)).astype(np.uint8)


def _difference_panel(r, g, shape, threshold, masks):
    """(panel (H, W, 3) uint8, pixels over the threshold (None on a size mismatch), any pixel under it)."""
    h, w = shape
    grey = np.full((h, w), 255.0, np.float32)
    base = g if g.shape[0] * g.shape[1] >= r.shape[0] * r.shape[1] else r
    lum = _over_checker(base).astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    grey[: base.shape[0], : base.shape[1]] = 255 - 0.3 * (255 - lum)  # dimmed: pale, so colours stand out
    panel = np.repeat(grey[..., None], 3, axis=2)
    over = np.zeros((h, w), bool)
    ch, cw = min(r.shape[0], g.shape[0]), min(r.shape[1], g.shape[1])
    d = channel_difference(r[:ch, :cw], g[:ch, :cw])
    masked = _mask((h, w), masks)
    small = np.zeros((h, w), bool)
    small[:ch, :cw] = (d > 0) & (d <= threshold)
    over[:ch, :cw] = d > threshold
    if (ch, cw) != (h, w):
        only_one = np.ones((h, w), bool)
        only_one[:ch, :cw] = False
        over |= only_one
    small &= ~masked
    over &= ~masked
    panel[small] = SMALL_DIFF_COLOUR
    panel[over] = DIFF_COLOUR
    panel[masked] = 0.55 * panel[masked] + 0.45 * np.array(MASK_COLOUR, np.float32)
    panel = np.rint(panel).astype(np.uint8)
    if over.any():
        ys, xs = np.nonzero(over)
        m = max(4, min(h, w) // 60)  # frame margin: clear of the differing pixels themselves
        x0, x1 = max(xs.min() - m, 0), min(xs.max() + m, w - 1)
        y0, y1 = max(ys.min() - m, 0), min(ys.max() + m, h - 1)
        t = max(2, m // 3)
        # Dashed, so the frame cannot be taken for a line of differing pixels.
        frame = np.zeros((h, w), bool)
        frame[y0: y0 + t, x0: x1 + 1] = frame[y1 - t + 1: y1 + 1, x0: x1 + 1] = True
        frame[y0: y1 + 1, x0: x0 + t] = frame[y0: y1 + 1, x1 - t + 1: x1 + 1] = True
        yy, xx = np.mgrid[0:h, 0:w]
        dash = 4 * t
        frame &= ((xx + yy) // dash) % 2 == 0
        panel[frame] = DIFF_COLOUR
    return panel, (int(over.sum()) if (ch, cw) == (h, w) else None), bool(small.any())


def _difference_label(changed, threshold, masked, small) -> str:
    if changed is None:
        text = "difference: sizes differ (magenta: only in one)"
    else:
        text = f"difference: {changed} px > {threshold}/255 (magenta)"
    return text + (f"; orange: <= {threshold}" if small else "") + ("; blue: masked" if masked else "")


def _text_width(font, text: str) -> float:
    return font.getlength(text) if hasattr(font, "getlength") else 6 * len(text)


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)  # Pillow's own scalable font (needs FreeType)
    except (TypeError, OSError):
        return ImageFont.load_default()
