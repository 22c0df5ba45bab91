"""A scripted app for the session tests (run as a subprocess): opens the window as ``gui`` does, opens
a scene, changes one setting, waits for the autosave to hold it, prints ``SAVED <path>``, then runs until killed.

Usage: ``python tests/session_app.py SCENE STEPS``.
"""
from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> int:
    scene, steps = sys.argv[1], int(sys.argv[2])
    from playground.app import make_app
    from playground.log import setup_logging
    from playground.main_window import MainWindow

    app = make_app()
    setup_logging()
    w = MainWindow(autosave=True, restore=True)
    w.show()
    assert w.open_file(scene, ask=False)
    w.pages["optimizer"].model.steps = steps
    path = w.session.claim.autosave
    end = time.time() + 20
    while time.time() < end:
        app.processEvents()
        time.sleep(0.01)
        if path.exists() and f"steps = {steps}\n" in path.read_text(encoding="utf-8"):
            print(f"SAVED {path}", flush=True)
            break
    else:
        print("NOT SAVED", flush=True)
        return 1
    while True:
        app.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    raise SystemExit(main())
