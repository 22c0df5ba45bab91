"""The optimizer page's layout: its widgets and where they sit (the binding to the model is ``binding.py``)."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QSplitter, QTabWidget, QVBoxLayout

from playground.pages.optimizer import scene as scene_optimizer
from playground.pages.optimizer.side_panels import make_3d, make_curvature, make_maps, scrolled
from widgets.curves_view import CurvesView
from widgets.lesson_box import LessonBox
from widgets.playback_bar import PlaybackBar
from widgets.racer_panel import RacerPanel
from widgets.surface_chooser import SurfaceChooser
from widgets.surface_view import SurfaceView

FRAME_MS = 16  # 60 Hz cap (docs/traps.md: a 33 ms timer leaves no headroom for 30 FPS)
OVERLAY_TEXT = (("gradient", "−∇f arrow", "Show −∇f (the steepest-descent direction) at each racer's point."),
                ("velocity", "velocity arrow", "Show each racer's momentum (velocity) vector."),
                ("contours", "contours", "Show contour lines of equal loss."),
                ("log_color", "log colour", "Colour by log(f − min f): shows detail near the minimum."))


def build(page, theme) -> None:
    """Make ``page``'s widgets as attributes of it and lay them out: lesson, surface chooser, error line,
    the surface | curves | side tabs splitter, playback bar, overlay switches and steps, the frame timer."""
    page.lesson = LessonBox(theme)
    page.chooser = SurfaceChooser(theme)
    page.surface_view = SurfaceView(theme)
    page.curves = CurvesView(theme)
    page.racer_panel = RacerPanel(theme)
    page.playback = PlaybackBar(theme)
    page.error = QLabel("")
    page.error.setStyleSheet("color: #C00000;")
    page.error.hide()
    page.status = QLabel("")
    # The status may be cut short on a small window rather than widen the page past it.
    page.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
    # Fixed height too: a label whose size may change re-lays out the whole page on each new text.
    page.status.setFixedHeight(page.status.fontMetrics().height() + 4)
    page.status.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    # Timings are for developers (View > Debug timings, or ``gui --debug``): hidden from students,
    # and never in a render, which must come out the same each run.
    # The label stays in the row, empty, so the row keeps its layout with timings off.
    page.status.setObjectName("debug-timings")

    page.side_tabs = QTabWidget()
    page.side_tabs.addTab(scrolled(page.racer_panel), "Racers")
    page.curvature = make_curvature(theme)
    page.side_tabs.addTab(scrolled(page.curvature), "Curvature")
    page.maps = make_maps(theme)
    # Scrolled: the maps panel wants ~580 px, which would squeeze the surface on a 1280 screen.
    page.side_tabs.addTab(scrolled(page.maps), "Maps")
    page.view3d = make_3d(theme)
    page.side_tabs.addTab(page.view3d, "3D")

    split = QSplitter(Qt.Horizontal)
    split.addWidget(page.surface_view)
    split.addWidget(page.curves)
    split.addWidget(page.side_tabs)
    split.setStretchFactor(0, 5)
    split.setStretchFactor(1, 3)
    split.setStretchFactor(2, 3)
    page.splitter = split

    page.overlay_boxes = {}
    over = QHBoxLayout()
    over.setContentsMargins(4, 0, 4, 0)
    for key, text, tip in OVERLAY_TEXT:
        box = QCheckBox(text)
        box.setToolTip(tip)
        over.addWidget(box)
        page.overlay_boxes[key] = box
    page.steps_box = QSpinBox()
    page.steps_box.setRange(1, scene_optimizer.MAX_STEPS)
    page.steps_box.setPrefix("steps ")
    page.steps_box.setToolTip("How many optimizer steps the race runs.")
    page.steps_box.setKeyboardTracking(False)
    over.addWidget(page.steps_box)
    over.addWidget(page.status, 1)

    lay = QVBoxLayout(page)
    lay.setContentsMargins(6, 4, 6, 4)
    lay.setSpacing(3)
    lay.addWidget(page.lesson)
    lay.addWidget(page.chooser)
    lay.addWidget(page.error)
    lay.addWidget(split, 1)
    lay.addWidget(page.playback)
    lay.addLayout(over)

    page.timer = QTimer(page)
    page.timer.setObjectName("optimizer-page-frame")
    page.timer.setTimerType(Qt.PreciseTimer)
    page.timer.setInterval(FRAME_MS)
    page.follow_timer = QTimer(page)
    page.follow_timer.setObjectName("optimizer-page-follow")
    page.follow_timer.setSingleShot(True)
    page.follow_timer.setInterval(0)
