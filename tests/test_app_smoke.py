"""The app really opens a window: a subprocess under Xvfb with Qt's xcb platform."""
import shutil
import subprocess
import sys

import pytest

from xdisplay import xcb_env, xvfb_display

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Debian's xvfb (installed by .ci/run)")


def test_gui_opens_and_closes_under_xvfb(tmp_path):
    with xvfb_display() as display:
        env = xcb_env(display) | {"OPTIMIZER_PLAYGROUND_HOME": str(tmp_path)}
        out = subprocess.run([sys.executable, "-m", "playground", "gui", "--quit-after", "2500"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "window shown" in out.stdout
    assert "Traceback" not in out.stderr
    # the app logs to a file in its data folder, and closing saved the window's geometry
    log = (tmp_path / "optimizer-playground.log").read_text()
    assert "app started" in log and "Traceback" not in log
    assert "geometry" in (tmp_path / "settings.ini").read_text()


def test_gui_with_unknown_scene_exits_2_with_one_line():
    out = subprocess.run([sys.executable, "-m", "playground", "gui", "no-such-scene"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
