"""The optimizer page's 3-D view exports as PNG (right-click and File > Export); its menus say why there is no SVG.

OpenGL needs a real display: the picture tests run the window under Xvfb in a child process, one 3-D view
per process (docs/traps.md), in the light and the dark theme.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QContextMenuEvent, QImage
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox

from playground import plot_exports
from widgets.plot_export_menu import export_menu

REPO = Path(__file__).resolve().parents[1]


def test_without_opengl_the_menu_is_there_and_the_export_says_why(qtbot, tmp_path):
    from playground.main_window import MainWindow
    from widgets.surface_3d import PLACEHOLDER_TEXT

    w = MainWindow(theme="light")
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    try:
        assert w.open_file("saddle-escape", ask=False)
        page = w.pages["optimizer"]
        w.tabs.setCurrentWidget(page)
        page.side_tabs.setCurrentWidget(page.view3d)
        qtbot.waitUntil(page.view3d.placeholder.isVisible)
        plot = next(p for p in plot_exports.page_plots(page) if p.key == "surface3d")
        # A right-click on the 3-D tab's placeholder reaches the view's menu.
        label = page.view3d.placeholder
        QApplication.sendEvent(label, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(10, 10),
                                                        label.mapToGlobal(QPoint(10, 10))))
        popped = [m for m in page.view3d.findChildren(QMenu, "plot-export-menu") if m.isVisible()]
        assert len(popped) == 1
        assert [(a.text(), a.isEnabled()) for a in popped[0].actions()] == [
            ("Export PNG…", True), (plot_exports.NO_SVG_3D, False)]
        popped[0].hide()
        step = page.step()
        out = tmp_path / "3d.png"
        assert plot_exports.run_export(w, plot, "png", str(out)) is None and not out.exists()
        assert w.statusBar().currentMessage() == f"Could not export the 3D surface: {PLACEHOLDER_TEXT}"
        assert plot_exports.run_export(w, plot, "svg", str(tmp_path / "3d.svg")) is None
        assert plot_exports.NO_SVG_3D in w.statusBar().currentMessage()
        assert page.step() == step and page.side_tabs.currentWidget() is page.view3d
    finally:
        for box in w.findChildren(QMessageBox):
            box.close()
        w.shutdown()


CHILD = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path


    def main(out: Path, theme: str) -> None:
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QContextMenuEvent
        from PySide6.QtWidgets import QApplication, QFileDialog, QMenu

        app = QApplication([])
        from playground import plot_exports
        from playground.main_window import MainWindow
        from widgets.plot_export_menu import export_menu
        from widgets.surface_3d import gl_available

        if not gl_available():
            print("NO-GL")
            sys.exit(3)
        w = MainWindow(theme=theme)
        w.resize(1280, 720)
        w.show()
        assert w.open_file("saddle-escape", ask=False)
        page = w.pages["optimizer"]
        w.tabs.setCurrentWidget(page)
        page.model.steps = 40
        assert page.wait_computed(120)
        page.seek(page.model.steps)
        for _ in range(20):
            app.processEvents()
        picked = []
        QFileDialog.getSaveFileName = staticmethod(lambda parent, title, start, filters: (picked.pop(0), filters))
        res = {"side_tab": page.side_tabs.tabText(page.side_tabs.currentIndex())}
        changed = []
        page.side_tabs.currentChanged.connect(changed.append)
        # File > Export > 3D surface > Export PNG… while the 3-D tab is closed (never shown).
        w.export_menu.aboutToShow.emit()
        sub = w.export_menu.findChild(QMenu, "export-surface3d")
        res["file_menu"] = [(a.text(), a.isEnabled()) for a in sub.actions() if not a.isSeparator()]
        picked.append(str(out / "closed"))
        next(a for a in sub.actions() if a.text() == "Export PNG…").trigger()
        res["closed_size"] = [page.view3d.gl_view.width(), page.view3d.gl_view.height()]
        res["side_tab_after"] = page.side_tabs.tabText(page.side_tabs.currentIndex())
        res["changed"] = list(changed)
        # The 3-D tab open: a right-click on the GL view itself.
        page.side_tabs.setCurrentWidget(page.view3d)
        for _ in range(20):
            app.processEvents()
        gl = page.view3d.gl_view
        app.sendEvent(gl, QContextMenuEvent(QContextMenuEvent.Mouse, QPoint(30, 30), gl.mapToGlobal(QPoint(30, 30))))
        popped = [m for m in page.view3d.findChildren(QMenu, "plot-export-menu") if m.isVisible()]
        res["popped"] = len(popped)
        res["right_click"] = [(a.text(), a.isEnabled()) for a in popped[0].actions()]
        popped[0].hide()
        picked.append(str(out / "open.png"))
        next(a for a in export_menu(page.view3d).actions() if a.text() == "Export PNG…").trigger()
        res["open_size"] = [gl.width(), gl.height()]
        page.view3d.export_image((800, 600)).save(str(out / "sized.png"))
        res["trails"] = page.view3d.trail_count()
        res["status"] = w.statusBar().currentMessage()
        print("RESULT " + json.dumps(res))
        w.shutdown()
        w.deleteLater()
        app.processEvents()


    if __name__ == "__main__":
        main(Path(sys.argv[1]), sys.argv[2])
    """
)


def _rgb(path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return arr[:, : img.width(), :3][:, :, ::-1].astype(int)  # B, G, R, A in memory -> RGB


def _check_surface_picture(path, size, background) -> np.ndarray:
    arr = _rgb(path)
    assert (arr.shape[1], arr.shape[0]) == tuple(size), f"{path.name}: {arr.shape[1]}x{arr.shape[0]}, want {size}"
    want = np.array(QColor(background).getRgb()[:3])
    assert np.abs(arr[2, 2] - want).sum() <= 6, f"{path.name}: corner {arr[2, 2]}, want the background {want}"
    surface = np.abs(arr - want).sum(axis=-1) > 30
    assert surface.mean() > 0.1, f"{path.name}: {surface.mean():.0%} drawn: blank?"
    colours = np.unique(arr[surface], axis=0)
    assert len(colours) > 50, f"{path.name}: {len(colours)} colours where the surface is"
    return arr


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed: cannot test the OpenGL view")
def test_the_3d_view_exports_as_png_from_both_menus(tmp_path):
    from xdisplay import xcb_env, xvfb_display
    from widgets.theme import get_theme

    child = tmp_path / "child.py"
    child.write_text(CHILD)
    keep = os.environ.get("SURFACE3D_EXPORT_DIR")  # to look at the pictures: a folder to copy them to
    results = {}
    with xvfb_display("1920x1080x24") as display:
        env = dict(xcb_env(display), PYTHONPATH=str(REPO))
        for theme in ("light", "dark"):
            out = tmp_path / theme
            out.mkdir()
            proc = subprocess.run([sys.executable, str(child), str(out), theme], env=env, cwd=REPO,
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode == 3:
                pytest.skip("Xvfb has no working OpenGL (gl_available() is False)")
            assert proc.returncode == 0, proc.stderr[-3000:]
            line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
            results[theme] = json.loads(line[len("RESULT "):])
    for theme, res in results.items():
        out, bg = tmp_path / theme, get_theme(theme).background
        no_svg = [plot_exports.NO_SVG_3D, False]
        assert res["file_menu"] == [["Export PNG…", True], no_svg]
        assert res["right_click"] == [["Export PNG…", True], no_svg] and res["popped"] == 1
        # Exported from the closed tab: the suffix added, the tab's size, the tab put back untold.
        assert res["side_tab"] == res["side_tab_after"] == "Racers" and res["changed"] == []
        assert res["closed_size"] == res["open_size"] and min(res["open_size"]) > 100
        closed = _check_surface_picture(out / "closed.png", res["closed_size"], bg)
        opened = _check_surface_picture(out / "open.png", res["open_size"], bg)
        _check_surface_picture(out / "sized.png", (800, 600), bg)
        # The same surface, camera and trails whether the tab was open or not.
        assert np.mean(np.abs(closed - opened).sum(axis=-1) > 30) < 0.01
        assert res["trails"] == 3 and res["status"].startswith("Exported the 3D surface to ")
    if keep:
        for png in tmp_path.glob("*/*.png"):
            shutil.copy(png, Path(keep) / f"{png.parent.name}-{png.name}")
