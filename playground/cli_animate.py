"""``optimizer-playground animate SCENE_OR_SESSION --steps N | --epochs N --out FILE.gif|FILE.mp4``: a page as an animation.

A session file gives its current page's scene (or ``--page``'s) and its theme, as ``render`` reads it
(:func:`playground.cli_render.page_source`).
"""
from __future__ import annotations

import os
import sys


def register(sub) -> None:
    p = sub.add_parser(
        "animate", help="animate a scene as a GIF or an MP4, offscreen",
        description="Race an optimizer scene for N steps, or train a training scene for N epochs, offscreen, "
                    "and save the page as it goes as an animated GIF (Pillow) or an MP4 (the [video] extra). "
                    "A session file animates its current page's scene (or --page's), in its theme.")
    p.add_argument("scene", metavar="SCENE_OR_SESSION",
                   help="a bundled scene's name, a scene .toml file, or a session .toml file (its page's scene)")
    p.add_argument("--page", default=None, metavar="KIND",
                   help="a session's page to animate (default: its current page); for a scene, its own page")
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


def run(args) -> int:
    from playground.cli_render import close_app, page_source, parse_size, quiet_offscreen_noise
    from playground.exports.animation import AnimationSpec, export_animation

    size = parse_size(args.size)
    src = page_source(args.scene, args.page)  # ValueError names the bundled scenes, the file, the page
    spec = AnimationSpec.for_scene(src.scene, args.out, steps=args.steps, epochs=args.epochs, frames=args.frames,
                                   every=args.every, fps=args.fps, size=size, theme=args.theme or src.theme)
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
