"""``optimizer-playground gui [SCENE]``: open the application window."""
from __future__ import annotations

import os

#: Set by ``gui --debug``; the main window starts with View > Debug timings checked when it is "1".
DEBUG_ENV = "OPTIMIZER_PLAYGROUND_DEBUG"


def register(sub) -> None:
    p = sub.add_parser("gui", help="open the app (the default)", description="Open the Optimizer Playground window.")
    p.add_argument("scene", nargs="?", help="a bundled scene name or a path to a scene .toml file")
    p.add_argument("--quit-after", type=int, default=None, metavar="MS", help="close after MS milliseconds (smoke tests)")
    p.add_argument("--debug", action="store_true",
                   help="show developer timings (repaint, frame, stall); also View > Debug timings")
    p.set_defaults(func=run)


def run(args) -> int:
    from playground.app import run_app

    if getattr(args, "debug", False):
        os.environ[DEBUG_ENV] = "1"
    return run_app(scene=args.scene, quit_after_ms=args.quit_after)
