"""Pure numpy helpers for the surface view: colour transform, contour paths, arrows.

Kept free of Qt so they can be timed and tested on their own; ``SurfaceView`` hands their
arrays to the items that draw them (``SurfaceLayer``: heatmap and contours; ``RaceLayer``: arrows).
"""
from __future__ import annotations

import contourpy
import numpy as np

N_LEVELS = 13


def display_values(Z: np.ndarray, log_color: bool) -> tuple[np.ndarray, tuple[float, float]]:
    """Values to colour, with non-finite cells clipped, and the colour levels.

    Parameters
    ----------
    Z : ndarray, shape (ny, nx)
        Loss on the grid (may hold inf/NaN where the surface overflows).
    log_color : bool
        Colour by :math:`\\log_{10}(f - \\min f + \\varepsilon)`, so negative losses work too.

    Returns
    -------
    D : ndarray, shape (ny, nx)
        Finite values to draw (one inf would blank a pyqtgraph image: docs/traps.md).
    levels : (float, float)
        Colour range; the top is the 98th percentile, so one steep corner does not wash out the rest.
    """
    Z = np.asarray(Z, dtype=np.float64)
    finite = np.isfinite(Z)
    if not finite.any():
        return np.zeros_like(Z), (0.0, 1.0)
    lo_f = float(Z[finite].min())
    hi_f = float(Z[finite].max())
    Z = np.where(finite, Z, hi_f)  # (ny, nx) overflowed cells drawn as the highest value
    if log_color:
        span = max(hi_f - lo_f, 1e-300)
        eps = max(span * 1e-4, 1e-12)  # ~4 decades: more washes the colour range out to one hue
        D = np.log10(Z - lo_f + eps)
    else:
        D = Z
    lo = float(D.min())
    hi = float(np.percentile(D, 98.0))
    if not hi > lo:
        hi = lo + 1.0
    return D, (lo, hi)


def contour_levels(D: np.ndarray, levels: tuple[float, float], n: int = N_LEVELS) -> np.ndarray:
    """``n`` contour values spread evenly over the colour range, ends excluded.

    Linear colour gives the textbook picture of a quadratic bowl (ellipses
    bunched outwards); log colour gives evenly spaced decades near a minimum.
    """
    lo, hi = levels
    return np.linspace(lo, hi, n + 2)[1:-1]


def contour_path(xs: np.ndarray, ys: np.ndarray, D: np.ndarray, values: np.ndarray) -> np.ndarray:
    """All contour lines of ``D`` at ``values`` as one (K, 2) array, lines separated by NaN rows.

    ``SurfaceLayer.set_contours`` takes this one array and strokes it into the surface image, far
    cheaper than an item per line (and contourpy is much faster than IsocurveItem: docs/traps.md).
    """
    gen = contourpy.contour_generator(xs, ys, D, line_type="ChunkCombinedNan")
    parts = []
    nan = np.full((1, 2), np.nan)
    for lines in gen.multi_lines(values):
        for chunk in lines[0]:
            if chunk is not None and len(chunk):
                parts.append(chunk)
                parts.append(nan)
    if not parts:
        return np.empty((0, 2))
    return np.concatenate(parts)


def cell_rect(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float, float]:
    """Image rectangle (x, y, w, h) from the cell edges, so grid values sit at cell centres (docs/traps.md)."""
    nx, ny = len(xs), len(ys)
    dx = (xs[-1] - xs[0]) / max(nx - 1, 1)
    dy = (ys[-1] - ys[0]) / max(ny - 1, 1)
    return float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * nx), float(dy * ny)


def arrow_segments(points: np.ndarray, vectors: np.ndarray, length: float,
                   with_rows: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    r"""Shaft start/tip pairs from each point along its vector (``RaceLayer`` draws them as arrows).

    An arrow's length is :math:`L \tanh(2\,|v| / |v|_{max})`, with :math:`L` = ``length`` and
    :math:`|v|_{max}` the largest norm among the arrows passed together: the longest arrow is
    :math:`L \tanh 2 \approx 0.96\,L`, one of half that norm :math:`0.76\,L`, and a small one
    about :math:`2L\,|v|/|v|_{max}`. So a huge vector never runs off the plot, small ones stay
    visible, and the order of sizes is kept. Pass every racer's vectors in one call so that their
    lengths compare.

    Parameters
    ----------
    points, vectors : ndarray, shape (N, 2)
    length : float
        :math:`L`, in surface units.
    with_rows : bool
        Also return which input rows the arrows belong to.

    Returns
    -------
    segments : ndarray, shape (2 * M, 2)
        For the M rows with finite, non-zero vectors: start, tip, start, tip ... (tips are ``segments[1::2]``).
    rows : ndarray of int, shape (M,)
        Only with ``with_rows``: the input row of each arrow.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    vectors = np.asarray(vectors, dtype=float).reshape(-1, 2)
    ok = np.isfinite(points).all(1) & np.isfinite(vectors).all(1)
    norm = np.linalg.norm(vectors, axis=1)
    ok &= norm > 0
    if not ok.any():
        return (np.empty((0, 2)), np.empty(0, dtype=int)) if with_rows else np.empty((0, 2))
    p, v, n = points[ok], vectors[ok], norm[ok]
    ref = max(float(np.max(n)), 1e-12)
    scale = length * np.tanh(2.0 * n / ref) / n  # the longest arrow is ~length, small ones stay visible
    tips = p + v * scale[:, None]
    seg = np.empty((2 * len(p), 2))
    seg[0::2] = p
    seg[1::2] = tips
    return (seg, np.nonzero(ok)[0]) if with_rows else seg


def clip_to_box(xy: np.ndarray, box: tuple[float, float, float, float], factor: float = 20.0) -> np.ndarray:
    """Clamp points far outside the domain (a diverged run reaches 1e30), so Qt's painter stays sane."""
    xmin, xmax, ymin, ymax = box
    w, h = xmax - xmin, ymax - ymin
    out = np.array(xy, dtype=float, copy=True)
    out[:, 0] = np.clip(out[:, 0], xmin - factor * w, xmax + factor * w)
    out[:, 1] = np.clip(out[:, 1], ymin - factor * h, ymax + factor * h)
    return out
