"""``optimizer-playground export-script SCENE_OR_SESSION --out run.py``: a page as a standalone PyTorch program.

A session file gives its current page's scene (or ``--page``'s), as ``render`` reads it
(:func:`playground.cli_render.page_source`).

The program imports torch and numpy only. For a training scene it prints the JSON lines of
``optimizer-playground train``; for an optimizer scene it writes the racers' trajectories as CSV
(``step,x,y,loss,lr`` with a leading ``racer`` and ``label`` column, or one file per racer with
``--per-racer``).
"""
from __future__ import annotations

import os
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("export-script", help="write a scene as a standalone PyTorch script",
                       description="Write a standalone Python program (torch and numpy only) that reproduces "
                                   "the scene: a training run printing `train`'s JSON lines, or the racers of "
                                   "an optimizer scene writing their trajectories as CSV. A session file exports its "
                                   "current page's scene (or --page's).")
    p.add_argument("scene", metavar="SCENE_OR_SESSION",
                   help="a bundled scene's name, a scene file, or a session file (its page's scene)")
    p.add_argument("--page", default=None, metavar="KIND",
                   help="a session's page to export (default: its current page); for a scene, its own page")
    p.add_argument("--out", required=True, metavar="FILE.py", help="the script to write")
    p.add_argument("--epochs", type=int, default=None, help="training scenes: epochs instead of the scene's")
    p.add_argument("--steps", type=int, default=None, help="optimizer scenes: steps instead of the scene's")
    p.add_argument("--per-racer", action="store_true",
                   help="optimizer scenes: the script writes one CSV per racer instead of one long file")
    p.set_defaults(func=run)


def _check_out(out: str) -> Path:
    path = Path(out)
    if path.suffix != ".py":
        raise ValueError(f"--out {out}: the script must be a .py file")
    if path.is_dir():
        raise ValueError(f"--out {out}: is a folder, not a file")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValueError(f"--out {out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"--out {out}: not writable")
    return path


def run(args) -> int:
    from playground.cli_render import page_source
    from playground.exports.pytorch_script import scene_script

    path = _check_out(args.out)
    src = page_source(args.scene, args.page)  # ValueError names the bundled scenes, the file, the page
    name = args.scene if src.state is None else f"{args.scene} ({src.kind} page)"
    text = scene_script(src.scene, name, epochs=args.epochs, steps=args.steps, file_name=path.name,
                        per_racer=args.per_racer)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    return 0
