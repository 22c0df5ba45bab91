"""A rotatable 3-D view of a loss surface with the racers' trails, where OpenGL is available.

The offscreen platform (tests, ``render``) has no OpenGL widgets, and on some remote displays a
context cannot be made at all: there the view shows a placeholder sentence and everything else in the
app keeps working (docs/traps.md).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QLabel, QStackedLayout, QWidget

from widgets.theme import LIGHT, Theme

PLACEHOLDER_TEXT = "3D view needs OpenGL (not available on this display)"
_NO_GL_PLATFORMS = {"offscreen", "minimal", "vnc", "linuxfb"}
_gl_cache: bool | None = None


def gl_available() -> bool:
    """Whether an OpenGL context can really be made on this display.

    Returns False at once on platforms without OpenGL widgets (``offscreen`` claims a context can be
    created yet ``QOpenGLWidget`` fails there). Elsewhere it creates a ``QOpenGLContext`` and a
    ``QOffscreenSurface``, makes the context current and checks that PyOpenGL imports. The answer is
    cached for the process. Needs a ``QGuiApplication``.
    """
    global _gl_cache
    if _gl_cache is not None:
        return _gl_cache
    app = QGuiApplication.instance()
    if app is None or QGuiApplication.platformName() in _NO_GL_PLATFORMS:
        return False  # not cached: an application may yet be created on a real display
    ok = False
    try:
        import OpenGL.GL  # noqa: F401  (pyqtgraph.opengl needs PyOpenGL)
        from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

        ctx = QOpenGLContext()
        if ctx.create():
            surf = QOffscreenSurface()
            surf.setFormat(ctx.format())
            surf.create()
            if surf.isValid() and ctx.makeCurrent(surf):
                ok = ctx.isValid()
                ctx.doneCurrent()
            surf.destroy()
    except Exception:  # noqa: BLE001  (any failure means: no 3-D view)
        ok = False
    _gl_cache = ok
    return ok


def _rgba(color: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    c = pg.mkColor(color)
    return (c.redF(), c.greenF(), c.blueF(), alpha)


class Surface3DView(QWidget):
    """The surface as a shaded 3-D mesh, coloured by height, with trails on top.

    Heights are clipped to a robust range (the 2nd..98th percentile, widened by 10 %) and scaled so
    that the height of the box is 0.6 of its width: a surface whose walls rise to 1e4 still shows its
    floor. Trails are drawn on the same scale, lifted a little so they are not hidden by the mesh.

    Parameters
    ----------
    theme : Theme
        Colours and line widths.
    resolution : int
        Grid points per axis for the mesh.
    """

    def __init__(self, theme: Theme = LIGHT, parent: QWidget | None = None, resolution: int = 80):
        super().__init__(parent)
        self._theme = theme
        self._resolution = int(resolution)
        self._surface = None
        self._transform = None  # (x0, sx, y0, sy, z0, sz, zlo, zhi)
        self._trail_items: list = []
        self._mesh = None
        self._grid = None  # (xs, ys, z) last shown, redrawn by set_theme
        self._trails = None
        self._stack = QStackedLayout(self)
        self.placeholder = QLabel(PLACEHOLDER_TEXT)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        f = QFont(self.placeholder.font())
        f.setPointSize(theme.font_pt)
        self.placeholder.setFont(f)
        self._stack.addWidget(self.placeholder)
        self.gl_view = None
        if gl_available():
            import pyqtgraph.opengl as gl

            self.gl_view = gl.GLViewWidget()
            self.gl_view.setBackgroundColor(theme.background)
            self.gl_view.setCameraPosition(distance=3.2, elevation=30, azimuth=-60)
            self._stack.addWidget(self.gl_view)
            self._stack.setCurrentWidget(self.gl_view)

    def set_theme(self, theme: Theme) -> None:
        """Redraw with ``theme``: background, mesh colours, trail widths and the placeholder's text."""
        self._theme = theme
        f = QFont(self.placeholder.font())
        f.setPointSize(theme.font_pt)
        self.placeholder.setFont(f)
        pal = self.placeholder.palette()
        pal.setColor(QPalette.WindowText, QColor(theme.foreground))
        self.placeholder.setPalette(pal)
        if self.gl_view is None:
            return
        self.gl_view.setBackgroundColor(theme.background)
        if self._grid is not None:
            self.set_grid(*self._grid)  # the colormap may differ between themes
        if self._trails is not None:
            self.set_trails(self._trails)
        self.gl_view.update()

    @property
    def has_gl(self) -> bool:
        """True when the 3-D view is live (False: the placeholder shows)."""
        return self.gl_view is not None

    def set_surface(self, surface) -> None:
        """Show ``surface`` (a ``core.surfaces.Surface``) over its domain.

        Uses ``surface.grid(n, n)`` -> ``xs (n,), ys (n,), Z (n, n)`` with ``Z[j, i] = f(xs[i], ys[j])``.
        """
        self._surface = surface
        xs, ys, z = surface.grid(self._resolution, self._resolution)
        self.set_grid(np.asarray(xs), np.asarray(ys), np.asarray(z))

    def set_grid(self, xs: np.ndarray, ys: np.ndarray, z: np.ndarray) -> None:
        """Show a height field ``z`` (ny, nx), row-major, over the coordinates ``xs`` (nx,), ``ys`` (ny,)."""
        self._grid = (xs, ys, z)
        finite = z[np.isfinite(z)]
        if finite.size == 0:
            finite = np.zeros(1)
        lo, hi = np.percentile(finite, [2.0, 98.0])
        pad = 0.1 * max(hi - lo, 1e-12)
        zlo, zhi = float(lo - pad), float(hi + pad)
        x0, y0 = float(xs.mean()), float(ys.mean())
        span = float(max(np.ptp(xs), np.ptp(ys), 1e-12))
        sx = sy = 2.0 / span
        sz = 1.2 / max(zhi - zlo, 1e-12)
        self._transform = (x0, sx, y0, sy, zlo, sz, zlo, zhi)
        if self.gl_view is None:
            return
        import pyqtgraph.opengl as gl

        zc = np.clip(np.nan_to_num(z, nan=zhi, posinf=zhi, neginf=zlo), zlo, zhi)
        zs = (zc - zlo) * sz - 0.6  # (ny, nx)
        cmap = pg.colormap.get(self._theme.colormap)
        colors = cmap.map((zc - zlo) / (zhi - zlo), mode="float")  # (ny, nx, 4)
        # GLSurfacePlotItem indexes z[x, y]: transpose the row-major grid.
        xg = (xs - x0) * sx
        yg = (ys - y0) * sy
        if self._mesh is not None:
            self.gl_view.removeItem(self._mesh)
        self._mesh = gl.GLSurfacePlotItem(
            x=xg, y=yg, z=zs.T,
            colors=np.ascontiguousarray(colors.transpose(1, 0, 2), dtype=np.float32).reshape(-1, 4),
            shader=None, smooth=False, glOptions="opaque",
        )
        self.gl_view.addItem(self._mesh)

    def to_view(self, xy: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Map surface coordinates ``xy`` (T,2) and heights ``z`` (T,) to view coordinates (T,3)."""
        if self._transform is None:
            raise RuntimeError("set_surface() first")
        x0, sx, y0, sy, zlo, sz, _, zhi = self._transform
        zc = np.clip(np.nan_to_num(np.asarray(z, float), nan=zhi, posinf=zhi, neginf=zlo), zlo, zhi)
        xy = np.asarray(xy, float)
        return np.column_stack([(xy[:, 0] - x0) * sx, (xy[:, 1] - y0) * sy, (zc - zlo) * sz - 0.6 + 0.02])

    def set_trails(self, trails) -> None:
        """Draw trails: a list of ``(xy (T,2), z (T,), color)``; replaces the previous ones.

        Non-finite points (a diverged racer) end the trail.
        """
        self._trails = list(trails)
        trails = self._trails
        if self.gl_view is None:
            return
        import pyqtgraph.opengl as gl

        for item in self._trail_items:
            self.gl_view.removeItem(item)
        self._trail_items = []
        for xy, z, color in trails:
            xy = np.asarray(xy, float)
            ok = np.all(np.isfinite(xy), axis=1)
            n = int(np.argmin(ok)) if not ok.all() else len(ok)
            if n < 2:
                continue
            pos = self.to_view(xy[:n], np.asarray(z, float)[:n])
            item = gl.GLLinePlotItem(pos=pos, color=_rgba(color), width=self._theme.line_width + 1,
                                     antialias=True, mode="line_strip")
            item.setGLOptions("translucent")
            self.gl_view.addItem(item)
            self._trail_items.append(item)

    def export_image(self, size: tuple[int, int] | None = None):
        """The 3-D view as a QImage of ``size`` (w, h) pixels, device pixel ratio 1.

        Rendered again into an offscreen framebuffer (pyqtgraph's ``renderToArray``) rather than read
        from the screen: any size, at ratio 1 on a HiDPI screen too, with the same camera. Without
        ``size``, the view's size on screen in logical pixels.

        Raises
        ------
        RuntimeError
            Without OpenGL (the placeholder shows), or when the view is not on screen.
        """
        from PySide6.QtGui import QImage

        if self.gl_view is None:
            raise RuntimeError(PLACEHOLDER_TEXT)
        if not self.gl_view.isVisible() or not self.gl_view.isValid():
            raise RuntimeError("the 3D view is not on screen: open its tab first")
        w, h = (int(v) for v in (size or (self.gl_view.width(), self.gl_view.height())))
        if w < 2 or h < 2:
            raise RuntimeError(f"a 3D picture of {w}x{h} pixels is too small")
        arr = np.ascontiguousarray(self.gl_view.renderToArray((w, h)))  # (h, w, 4) B, G, R, A; top row first
        self.gl_view.update()  # the widget's own framebuffer is bound again at its next paint
        # RGB32, not ARGB: the framebuffer's alpha is what blending left there, not a transparency.
        image = QImage(arr.data, w, h, 4 * w, QImage.Format_RGB32).copy()
        image.setDevicePixelRatio(1.0)
        return image

    def trail_count(self) -> int:
        """Number of trails drawn (for tests)."""
        return len(self._trail_items)
