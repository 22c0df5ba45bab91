"""Pictures of the pages' plots: PNG through pyqtgraph's ImageExporter, SVG through its SVGExporter.

Both export the view's whole scene, so axes, legends and colour bars come along; the PNG is the plot's
size on screen in logical pixels (device pixel ratio 1). A view that is not pyqtgraph (the network
diagram, the curvature readout) is rendered by Qt itself, into a QImage or a ``QSvgGenerator``.
"""
from __future__ import annotations

import re

from PySide6.QtWidgets import QWidget

from playground.exports.plot_tables import ExportError


def is_pyqtgraph(view) -> bool:
    """True for a pyqtgraph ``GraphicsView`` (its scene is pyqtgraph's ``GraphicsScene``)."""
    return hasattr(view, "scene") and hasattr(view.scene(), "sigMouseClicked")


def plot_image(view, name: str):
    """``view`` as a QImage of its on-screen size (device pixel ratio 1); ``name`` for the error message."""
    from PySide6.QtGui import QColor, QImage

    w, h = view.width(), view.height()
    if w < 2 or h < 2 or not view.isVisible():
        raise ExportError(f"the {name.lower()} is not on screen: open its tab first")
    if is_pyqtgraph(view):
        from pyqtgraph.exporters import ImageExporter

        # Its default size is the scene's view rect: the widget's size in logical pixels. (Setting the
        # width and then the height rescales each from the other and can round one off by a pixel.)
        image = ImageExporter(view.scene()).export(toBytes=True)
        image.setDevicePixelRatio(1.0)
        return image
    image = QImage(w, h, QImage.Format_ARGB32)
    image.setDevicePixelRatio(1.0)
    image.fill(QColor(view.palette().window().color()))
    QWidget.render(view, image)  # QWidget's own render (docs/traps.md: pyqtgraph replaces it)
    return image


def plot_svg(view, name: str) -> bytes:
    """``view`` as SVG text (bytes), its size in pixels; ``name`` titles it."""
    w, h = view.width(), view.height()
    if w < 2 or h < 2 or not view.isVisible():
        raise ExportError(f"the {name.lower()} is not on screen: open its tab first")
    if is_pyqtgraph(view):
        from pyqtgraph.exporters import SVGExporter

        data = SVGExporter(view.scene()).export(toBytes=True)
        text = (data if isinstance(data, bytes) else bytes(data)).decode("utf-8")
        # The background is a 100% x 100% rect and the root has a viewBox only: Qt's SVG renderer
        # reads 100% as 100 px (a 100x100 dark square on white). Give both the size in pixels.
        text = text.replace('<rect width="100%" height="100%"', f'<rect width="{w}" height="{h}"', 1)
        text = text.replace("<svg ", f'<svg width="{w}" height="{h}" ', 1)
        return text.encode("utf-8")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    buf = QByteArray()
    dev = QBuffer(buf)
    dev.open(QIODevice.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(dev)
    gen.setSize(QSize(w, h))
    gen.setViewBox(QRect(0, 0, w, h))
    gen.setTitle(name)
    gen.setResolution(view.logicalDpiY())  # text the size it has on screen (the default is 72 dpi)
    painter = QPainter(gen)
    try:
        QWidget.render(view, painter, QPoint(0, 0))
    finally:
        painter.end()
    dev.close()
    # The root's size in pixels, like pyqtgraph's: Qt writes millimetres, read back at other dpi.
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', f'<svg width="{w}" height="{h}"',
                  bytes(buf.data()).decode("utf-8"), count=1)
    return text.encode("utf-8")
