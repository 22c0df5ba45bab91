"""The optimizer page's optional side panels (curvature readout, maps, 3-D view).

Each is built here; a panel that fails to build (a missing library, no OpenGL) becomes a label
saying why, so it never breaks the page.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

log = logging.getLogger(__name__)


def fallback(text: str) -> QLabel:
    """A wrapped, centred label standing in for a panel that could not be built."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    return label


def scrolled(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area that resizes it."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return area


def make_curvature(theme) -> QWidget:
    """The curvature readout (``widgets.curvature_panel.CurvaturePanel``), or a fallback label."""
    try:
        from widgets.curvature_panel import CurvaturePanel

        return CurvaturePanel(theme)
    except Exception as exc:  # noqa: BLE001 - any failure: show why, keep the page
        log.exception("Curvature readout unavailable")
        return fallback(f"Curvature readout unavailable: {exc}")


def make_maps(theme) -> QWidget:
    """The basin and hyperparameter maps (``widgets.maps_panel.MapsPanel``), their jobs run in a worker host child."""
    try:
        from playground.workers.map_runner import MapRunner
        from widgets.maps_panel import MapsPanel

        return MapsPanel(runner_factory=MapRunner, theme=theme)
    except Exception as exc:  # noqa: BLE001
        log.exception("Basin and hyperparameter maps unavailable")
        return fallback(f"Basin and hyperparameter maps unavailable: {exc}")


def make_3d(theme) -> QWidget:
    """The 3-D surface view (``widgets.surface_3d.Surface3DView``), or a fallback label."""
    try:
        from widgets.surface_3d import Surface3DView

        return Surface3DView(theme)
    except Exception as exc:  # noqa: BLE001
        log.exception("3-D view unavailable")
        return fallback(f"3-D view unavailable: {exc}")
