"""The 3-D surface view: a placeholder offscreen, a real picture under Xvfb (in a subprocess)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from widgets.surface_3d import Surface3DView, gl_available
    if not gl_available():
        print("NO-GL"); sys.exit(3)
    v = Surface3DView()
    v.resize(640, 480)
    xs = np.linspace(-2, 2, 60); ys = np.linspace(-1.5, 1.5, 50)
    X, Y = np.meshgrid(xs, ys)
    v.set_grid(xs, ys, X**2 + 4 * Y**2)
    t = np.linspace(0, 1, 40)
    xy = np.column_stack([1.8 * (1 - t), 1.2 * (1 - t) ** 2])
    v.set_trails([(xy, xy[:, 0] ** 2 + 4 * xy[:, 1] ** 2, "#D55E00")])
    v.show()
    for _ in range(20):
        app.processEvents()
    img = v.gl_view.grabFramebuffer()
    img.save(sys.argv[1])
    print("TRAILS", v.trail_count())
    v.close(); v.deleteLater(); app.processEvents()
    """
)


def test_offscreen_has_no_gl_and_shows_placeholder(qtbot):
    from widgets.surface_3d import PLACEHOLDER_TEXT, Surface3DView, gl_available

    assert not gl_available()
    v = Surface3DView()
    qtbot.addWidget(v)
    v.resize(500, 300)
    v.show()
    assert not v.has_gl
    assert v.placeholder.isVisible()
    assert v.placeholder.text() == PLACEHOLDER_TEXT
    xs = np.linspace(-1, 1, 10)
    v.set_grid(xs, xs, np.add.outer(xs**2, xs**2))  # works without GL
    v.set_trails([(np.zeros((3, 2)), np.zeros(3), "#000000")])
    assert v.trail_count() == 0


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed: cannot test the OpenGL view")
def test_gl_view_renders_under_xvfb(tmp_path):
    from xdisplay import xvfb_display

    # -displayfd: Xvfb picks a free display itself, so two test processes never race for one.
    with xvfb_display("1024x768x24") as display:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
        out = Path(os.environ.get("SURFACE3D_PNG", tmp_path / "surface3d.png"))
        proc = subprocess.run([sys.executable, "-c", CHILD, str(out)], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120)
    if proc.returncode == 3:
        pytest.skip("Xvfb has no working OpenGL (gl_available() is False)")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "TRAILS 1" in proc.stdout
    from PySide6.QtGui import QImage

    img = QImage(str(out))
    assert not img.isNull() and img.width() > 100
    rgba = img.convertToFormat(QImage.Format_RGBA8888)  # keep it alive: the array views its bytes
    arr = np.frombuffer(rgba.constBits(), np.uint8).copy()
    arr = arr.reshape(rgba.height(), rgba.bytesPerLine() // 4, 4)[:, : rgba.width(), :3]
    # Non-blank: many distinct colours (the coloured mesh), not just the background.
    colours = np.unique(arr.reshape(-1, 3)[::7], axis=0)
    assert len(colours) > 50, f"only {len(colours)} colours: blank picture?"
    bg = arr[0, 0]
    assert np.mean(np.any(arr != bg, axis=-1)) > 0.1


THEME_CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    from widgets.surface_3d import Surface3DView, gl_available
    from widgets.theme import get_theme
    if not gl_available():
        print("NO-GL"); sys.exit(3)
    xs = np.linspace(-2, 2, 40); ys = np.linspace(-1.5, 1.5, 30)
    X, Y = np.meshgrid(xs, ys)
    if True:  # one view a process: a second GLViewWidget in the same process drew no mesh (GLError 1281)
        names = sys.argv[2].split(",")
        v = Surface3DView(get_theme(names[0]))
        v.resize(400, 300)
        v.set_grid(xs, ys, X**2 + 4 * Y**2)
        v.show()
        for _ in range(10):
            app.processEvents()
        for name in names[1:]:
            v.set_theme(get_theme(name))
            for _ in range(10):
                app.processEvents()
        v.gl_view.grabFramebuffer().save(sys.argv[1])
        v.close(); v.deleteLater(); app.processEvents()
    """
)


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed: cannot test the OpenGL view")
def test_gl_view_follows_a_live_theme_switch(tmp_path):
    from PySide6.QtGui import QColor, QImage

    from xdisplay import xcb_env, xvfb_display
    from widgets.theme import DARK, LIGHT

    runs = ["light,dark", "dark", "dark,light", "light"]
    with xvfb_display("1024x768x24") as display:
        env = dict(xcb_env(display), PYTHONPATH=str(REPO))
        for i, run in enumerate(runs):
            proc = subprocess.run([sys.executable, "-c", THEME_CHILD, str(tmp_path / f"{i}.png"), run], env=env,
                                  cwd=REPO, capture_output=True, text=True, timeout=120)
            if proc.returncode == 3:
                pytest.skip("Xvfb has no working OpenGL (gl_available() is False)")
            assert proc.returncode == 0, proc.stderr[-2000:]

    def pixels(i):
        img = QImage(str(tmp_path / f"{i}.png")).convertToFormat(QImage.Format_RGB32)
        arr = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
        return arr[:, : img.width(), :3][:, :, ::-1].astype(int)  # BGRA in memory -> RGB

    for switched, fresh, theme in ((0, 1, DARK), (2, 3, LIGHT)):
        a, b = pixels(switched), pixels(fresh)
        want = np.array(QColor(theme.background).getRgb()[:3])
        assert np.abs(a[2, 2] - want).sum() <= 6, f"{runs[switched]}: background {a[2, 2]}, want {want}"
        assert np.mean(np.abs(a - b).sum(axis=-1) > 30) < 0.01  # the mesh too, as in a view started so
