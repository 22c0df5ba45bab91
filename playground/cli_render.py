"""``optimizer-playground render SCENE --steps N --out FILE.png``: a page rendered offscreen to PNG."""
from __future__ import annotations

import os
import re
import sys

def register(sub) -> None:
    p = sub.add_parser("render", help="render a scene to a PNG, offscreen",
                       description="Run a scene for N steps offscreen and save the page as an exactly WxH PNG.")
    p.add_argument("scene", help="a bundled scene name or a path to a scene .toml file")
    p.add_argument("--out", required=True, metavar="FILE.png", help="where to write the PNG")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimizer steps to run (default: the scene's)")
    p.add_argument("--epochs", type=int, default=None, metavar="N", help="training epochs (training scenes)")
    p.add_argument("--size", default="1280x720", metavar="WxH", help="image size in pixels (default 1280x720)")
    p.add_argument("--theme", choices=("light", "dark"), default=None, help="colour theme (default: the scene's, else light)")
    p.set_defaults(func=run)


#: The offscreen platform's warning on every window shown; it means nothing for a render.
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def quiet_offscreen_noise() -> None:
    """Drop exactly :data:`OFFSCREEN_NOISE` from Qt's messages; every other message still reaches stderr."""
    from PySide6.QtCore import qFormatLogMessage, qInstallMessageHandler

    previous = None

    def handler(mode, context, message):
        if message == OFFSCREEN_NOISE:
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(qFormatLogMessage(mode, context, message) + "\n")

    previous = qInstallMessageHandler(handler)


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); ValueError on anything else."""
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text or "")
    if not m:
        raise ValueError(f"--size must look like 1280x720, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (64 <= w <= 7680 and 64 <= h <= 4320):
        raise ValueError(f"--size must be between 64x64 and 7680x4320, got {text!r}")
    return w, h


def renderer(kind: str):
    """The ``render_scene`` function of page kind ``kind``, from the page registry."""
    from playground.pages import page_kind

    try:
        return page_kind(kind).render_function()
    except ValueError as exc:
        raise ValueError(f"cannot render {kind!r} scenes: {exc}") from None


def run(args) -> int:
    from playground import scenes

    size = parse_size(args.size)
    if args.steps is not None and args.steps < 0:
        raise ValueError(f"--steps must be >= 0, got {args.steps}")
    if args.epochs is not None and args.epochs < 0:
        raise ValueError(f"--epochs must be >= 0, got {args.epochs}")
    if not str(args.out).lower().endswith(".png"):
        raise ValueError(f"--out must be a .png file, got {args.out!r}")
    scene = scenes.load_scene(args.scene)  # ValueError names the bundled scenes
    render_scene = renderer(scene["page"])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    theme = args.theme or scene.get("theme") or "light"
    from playground.app import make_app

    quiet_offscreen_noise()
    make_app()  # every page's render_scene needs a QApplication
    image = render_scene(scene, size, theme, steps=args.steps, epochs=args.epochs)
    if image.width() != size[0] or image.height() != size[1]:
        raise RuntimeError(f"rendered {image.width()}x{image.height()}, expected {size[0]}x{size[1]}")
    if not image.save(str(args.out), "PNG"):
        raise ValueError(f"cannot write {args.out}")
    del image
    close_app()
    print(args.out)
    return 0


def close_app() -> None:
    """Delete every widget before the interpreter exits (a crash at exit otherwise: docs/traps.md)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for w in QApplication.topLevelWidgets():
        w.close()
        w.deleteLater()
    app.sendPostedEvents(None, QEvent.DeferredDelete)
    app.processEvents()
