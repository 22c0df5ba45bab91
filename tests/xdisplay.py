"""Start a private Xvfb display for tests that need a real (xcb) window or OpenGL."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess


@contextlib.contextmanager
def xvfb_display(size: str = "1920x1080x24"):
    """Yield a DISPLAY string such as ``":42"`` for a fresh Xvfb; stop it afterwards.

    Uses ``-displayfd`` so Xvfb picks a free display number itself.
    """
    exe = shutil.which("Xvfb")
    if exe is None:
        raise FileNotFoundError("Xvfb")
    r, w = os.pipe()
    proc = subprocess.Popen([exe, "-displayfd", str(w), "-screen", "0", size, "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(w)
    try:
        with os.fdopen(r) as f:
            number = f.readline().strip()
        if not number:
            raise RuntimeError("Xvfb did not report a display number")
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def xcb_env(display: str) -> dict:
    """Environment for a child process that draws on ``display`` through Qt's xcb platform."""
    env = dict(os.environ)
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    env.pop("WAYLAND_DISPLAY", None)
    return env
