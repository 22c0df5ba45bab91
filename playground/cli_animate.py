"""``optimizer-playground animate SCENE --steps N | --epochs N --out FILE.gif|FILE.mp4``: a scene as an animation."""
from __future__ import annotations

import os
import sys
import tomllib


def register(sub) -> None:
    p = sub.add_parser(
        "animate", help="animate a scene as a GIF or an MP4, offscreen",
        description="Race an optimizer scene for N steps, or train a training scene for N epochs, offscreen, "
                    "and save the page as it goes as an animated GIF (Pillow) or an MP4 (the [video] extra).")
    p.add_argument("scene", help="a bundled scene name or a path to a scene .toml file")
    p.add_argument("--out", required=True, metavar="FILE.gif|FILE.mp4", help="where to write the animation")
    p.add_argument("--steps", type=int, default=None, metavar="N",
                   help="optimizer scenes: steps to race (default: the scene's)")
    p.add_argument("--frames", type=int, default=None, metavar="F",
                   help="optimizer scenes: frames, steps 0..N evenly spaced (default: one per step, at most 300)")
    p.add_argument("--epochs", type=int, default=None, metavar="N",
                   help="training scenes: epochs to train (default: the scene's)")
    p.add_argument("--every", type=int, default=None, metavar="K",
                   help="training scenes: a frame every K epochs (default: 1, or fewer frames past 300)")
    p.add_argument("--fps", type=int, default=30, metavar="FPS",
                   help="frames per second: 1-50 for a GIF, 1-60 for an MP4 (default 30)")
    p.add_argument("--size", default="1280x720", metavar="WxH",
                   help="frame size in pixels (default 1280x720; even numbers for an MP4)")
    p.add_argument("--theme", choices=("light", "dark"), default=None,
                   help="colour theme (default: the scene's, else light)")
    p.set_defaults(func=run)


def _refuse_session(path: str) -> None:
    """One line for a session file (animating one comes with the sessions' scripting support)."""
    if not os.path.isfile(path):
        return
    try:
        with open(path, "rb") as fh:
            kind = tomllib.load(fh).get("kind")
    except (OSError, tomllib.TOMLDecodeError):
        return  # load_scene says what is wrong with it
    if kind == "session":
        raise ValueError(f"{path}: animating a session file is not supported yet; give a scene name or scene file")


def run(args) -> int:
    from playground import scenes
    from playground.cli_render import close_app, parse_size, quiet_offscreen_noise
    from playground.exports.animation import AnimationSpec, export_animation

    size = parse_size(args.size)
    _refuse_session(args.scene)
    scene = scenes.load_scene(args.scene)  # ValueError names the bundled scenes
    spec = AnimationSpec.for_scene(scene, args.out, steps=args.steps, epochs=args.epochs, frames=args.frames,
                                   every=args.every, fps=args.fps, size=size, theme=args.theme)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    from playground.app import make_app

    quiet_offscreen_noise()
    make_app()  # the pages need a QApplication
    shown = [-1]

    def progress(done: float) -> None:
        pct = int(100 * done)
        if sys.stderr.isatty() and pct != shown[0]:
            shown[0] = pct
            print(f"\ranimate: {pct}%", end="", file=sys.stderr, flush=True)

    try:
        result = export_animation(spec, progress=progress)
    finally:
        if shown[0] >= 0:
            print(file=sys.stderr)
        close_app()
    print(f"{result.path}: {result.frames} frames")
    return 0
