"""Screenshots: every optimizer scene renders at an exact size, is not blank, and shows its racers."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from playground import scenes
from playground.pages.optimizer import render_scene

REPO = Path(__file__).resolve().parents[1]
OPTIMIZER_SCENES = [n for n in scenes.list_scenes() if scenes.load_scene(n)["page"] == "optimizer"]


def _array(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, : 3 * w].reshape(h, w, 3).astype(int).copy()


def _colour_hits(rgb: np.ndarray, pixels: np.ndarray, colour: str, radius: int = 3, tol: int = 60) -> float:
    """Fraction of trail points with a pixel of ``colour`` within ``radius`` pixels."""
    c = QColor(colour)
    target = np.array([c.red(), c.green(), c.blue()])
    h, w, _ = rgb.shape
    hits = 0
    for x, y in pixels:
        xi, yi = int(round(x)), int(round(y))
        patch = rgb[max(yi - radius, 0): min(yi + radius + 1, h), max(xi - radius, 0): min(xi + radius + 1, w)]
        if patch.size and (np.abs(patch - target).sum(axis=2) < tol).any():
            hits += 1
    return hits / max(len(pixels), 1)


@pytest.mark.parametrize("name", OPTIMIZER_SCENES)
def test_render_scene(qapp, name):
    scene = scenes.load_scene(name)
    info: dict = {}
    image = render_scene(scene, (960, 540), "light", steps=min(scene["steps"], 150), info=info)
    assert (image.width(), image.height()) == (960, 540)
    rgb = _array(image)
    assert rgb.std() > 20  # not blank
    for i, (pixels, colour) in enumerate(zip(info["trails"], info["colors"])):
        inside = pixels[(pixels[:, 0] >= 0) & (pixels[:, 0] < 960) & (pixels[:, 1] >= 0) & (pixels[:, 1] < 540)]
        assert len(inside), f"{name}: racer {i} has no trail on screen"
        if _colour_hits(rgb, inside, colour) > 0.05:
            continue
        # Identical paths (Nesterov's two forms, every racer into one basin) hide the racers drawn first:
        # then a racer drawn later must lie on this trail.
        later = [p for p in info["trails"][i + 1:] if len(p)]
        assert later and any(_covered(inside, p) for p in later), f"{name}: racer {i} ({colour}) not drawn"


def _covered(points: np.ndarray, other: np.ndarray, px: float = 3.0) -> bool:
    d = np.linalg.norm(points[:, None, :] - other[None, :, :], axis=2).min(axis=1)
    return bool(np.mean(d < px) > 0.9)


def test_dark_theme_renders(qapp):
    image = render_scene(scenes.load_scene("saddle-escape"), (640, 360), "dark", steps=40)
    rgb = _array(image)
    assert (image.width(), image.height()) == (640, 360)
    assert rgb.mean() < 128  # mostly dark


def _cli(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


def _render_ok(tmp_path, scene, *flags, size):
    """Run `render` for ``scene`` at ``size``; assert exit 0 and the exact size; return the image."""
    out = tmp_path / f"{scene}.png"
    r = _cli("render", scene, *flags, "--out", str(out), "--size", f"{size[0]}x{size[1]}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == size
    return image


def test_cli_render_exit_status_and_size(tmp_path):
    _render_ok(tmp_path, "saddle-escape", "--steps", "50", size=(640, 360))


def test_cli_render_unknown_scene(tmp_path):
    r = _cli("render", "no-such-scene", "--out", str(tmp_path / "x.png"), cwd=tmp_path)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "saddle-escape" in lines[0]


def test_cli_render_training_scene(tmp_path):
    """`render` covers the training page too: exact size, the page drawn, exit 0."""
    image = _render_ok(tmp_path, "train-dropout", "--epochs", "2", size=(800, 450))
    gray = {image.pixelColor(x, y).name() for x in range(0, 800, 13) for y in range(0, 450, 13)}
    assert len(gray) > 20  # a real page, not a blank or single-colour image


@pytest.mark.parametrize("scene, flags", [("saddle-escape", ("--steps", "60")), ("train-dropout", ("--epochs", "5"))])
def test_cli_render_is_the_same_image_each_run_and_quiet(tmp_path, scene, flags):
    """Two runs of one `render` give the same pixels (no timings baked in) and print nothing on stderr
    (the offscreen platform's "does not support propagateSizeHints()" included)."""
    images = []
    for run in ("a", "b"):
        out = tmp_path / f"{run}.png"
        r = _cli("render", scene, *flags, "--out", str(out), "--size", "640x360", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert r.stderr == "", r.stderr
        images.append(_array(QImage(str(out))))
    assert images[0].shape == (360, 640, 3)
    differ = np.argwhere((images[0] != images[1]).any(axis=2))
    assert len(differ) == 0, f"{len(differ)} pixels differ, in rows {differ[:, 0].min()}..{differ[:, 0].max()}"


def test_render_has_no_timings(qapp):
    """The page's developer timings are off in a render (they made two renders differ)."""
    from playground.pages.optimizer.page import OptimizerPage

    page = OptimizerPage(threaded=False)
    try:
        page.load_scene(scenes.load_scene("saddle-escape"))
        page.seek(30)
        assert page.status.text() == "" and not page.debug_timings()
        assert "ms" not in page.surface_view.hover_at(0.1, 0.1)
    finally:
        page.shutdown()
        page.close()
        page.deleteLater()
