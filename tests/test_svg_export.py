"""pyqtgraph's SVG exporter works on the pinned Qt (docs/upstream.md: it raised on PySide6 6.11 and 6.12)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import SVGExporter


def _paths(svg_file):
    root = ET.parse(svg_file).getroot()
    return [el for el in root.iter() if el.tag.endswith("path")]


def test_svg_export_of_a_plot_writes_its_curve(qtbot, tmp_path):
    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.resize(400, 300)
    x = np.linspace(0, 1, 50)
    w.plot(x, x ** 2, pen=pg.mkPen("#0072B2", width=2))
    w.plot(x, 1 - x, pen=pg.mkPen("#D55E00", width=2))
    out = tmp_path / "plot.svg"
    SVGExporter(w.plotItem).export(str(out))
    paths = _paths(out)
    assert paths, "no <path> in the SVG"
    text = out.read_text()
    assert "#0072b2" in text.lower() and "#d55e00" in text.lower()


def test_svg_export_of_a_whole_layout_widget(qtbot, tmp_path):
    """The training page's curves panel as one SVG (the scripting API exports views this way)."""
    from widgets.training_curves import TrainingCurves

    w = TrainingCurves()
    qtbot.addWidget(w)
    w.resize(500, 300)
    out = tmp_path / "curves.svg"
    SVGExporter(w.scene()).export(str(out))
    assert _paths(out), "no <path> in the SVG"
    assert "<text" in out.read_text()
