"""On a 2x screen, markers keep their logical width (Qt draws cosmetic pens in device pixels)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = r"""
import widgets
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication
from widgets.theme_apply import screen_pen
app = QApplication([])
w = pg.PlotWidget(); w.setBackground("w"); w.resize(300, 200)
w.hideAxis("left"); w.hideAxis("bottom"); w.setXRange(0, 10, padding=0); w.setYRange(0, 10, padding=0)
w.addItem(pg.ScatterPlotItem(pos=[(5, 5)], symbol="o", size=60, pen=screen_pen("k", 2), brush=pg.mkBrush("w")))
w.show(); app.processEvents()
img = w.grab().toImage()
col = [img.pixelColor(img.width() // 2, y).value() for y in range(img.height())]
print(img.devicePixelRatio(), int((np.array(col) < 128).sum()))
"""


def _dark_px(scale: str) -> tuple[float, int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    dpr, n = r.stdout.split()
    return float(dpr), int(n)


def test_marker_outline_scales_with_the_screen():
    dpr1, one = _dark_px("1")
    dpr2, two = _dark_px("2")
    assert (dpr1, dpr2) == (1.0, 2.0)
    assert one >= 2  # the circle's outline, crossed twice by the column
    assert two >= 2 * one - 1  # twice the device pixels: the same logical width
