"""Animations (``animate``, File > Export animation): GIF and MP4 frames, sizes and timing read back."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from playground import cli, scenes
from playground.exports.animation import AnimationExport, AnimationSpec, ExportCancelled, export_animation
from playground.exports.gif_writer import GifWriter, frame_durations_ms
from playground.exports.mp4_writer import INSTALL_HINT, Mp4Writer

REPO = Path(__file__).resolve().parents[1]


def _read_gif(path):
    """(frames as RGB arrays, durations in ms, size) as Pillow reads them back."""
    with Image.open(path) as im:
        frames, durations = [], []
        for fr in ImageSequence.Iterator(im):
            durations.append(fr.info.get("duration"))
            frames.append(np.asarray(fr.convert("RGB")).copy())
        return frames, durations, im.size


def _optimizer_spec(tmp_path, name="race.gif", **kw):
    kw = {"steps": 12, "frames": 4, "size": (320, 180), **kw}
    return AnimationSpec.for_scene(scenes.load_scene("saddle-escape"), tmp_path / name, **kw)


def _training_spec(tmp_path, name="train.gif", **kw):
    kw = {"epochs": 4, "every": 2, "size": (960, 540), **kw}
    return AnimationSpec.for_scene(scenes.load_scene("train-dropout"), tmp_path / name, **kw)


# -- timing -------------------------------------------------------------------------------
@pytest.mark.parametrize("fps", [1, 7, 24, 25, 30, 33, 40, 50])
def test_gif_durations_add_up_to_the_frame_rate(fps):
    n = 3 * fps + 1
    d = frame_durations_ms(n, fps)
    assert all(v % 10 == 0 and v >= 20 for v in d)  # GIF's 10 ms unit; browsers slow anything shorter
    ends = np.cumsum(d)
    exact = 1000 * np.arange(1, n + 1) / fps
    assert np.abs(ends - exact).max() <= 5  # every frame ends within half a unit of its exact time
    assert sum(frame_durations_ms(fps, fps)) == 1000


def test_gif_30_fps_alternates_30_and_40_ms():
    assert frame_durations_ms(6, 30) == [30, 40, 30, 30, 40, 30]


# -- the GIF writer ---------------------------------------------------------------------------
def test_gif_writer_keeps_every_frame_and_its_duration(tmp_path):
    w, h = 96, 64
    written = []
    writer = GifWriter(tmp_path / "a.gif", (w, h), 30)
    for i in range(15):
        f = np.full((h, w, 3), 240, np.uint8)
        x = 5 * min(i, 6)  # from frame 6 on the frames are identical: Pillow's save_all merged those
        f[10:20, x: x + 10] = (200, 30, 30)
        written.append(f)
        writer.append(f)
    writer.close()
    frames, durations, size = _read_gif(tmp_path / "a.gif")
    assert size == (w, h)
    assert len(frames) == 15
    assert durations == frame_durations_ms(15, 30)
    assert all(np.array_equal(a, b) for a, b in zip(frames, written))
    assert not list(tmp_path.glob("*.part"))


def test_gif_gradients_keep_their_shades_and_still_parts_stay_still(tmp_path):
    """A gradient (a loss surface) keeps its shades, and what does not move stays the same pixel for pixel
    (Floyd-Steinberg dithering changes still pixels of this picture from one frame to the next)."""
    w, h = 160, 120
    ramp = np.linspace(20, 235, w)
    base = np.stack([np.tile(ramp, (h, 1)), np.tile(ramp[::-1], (h, 1)), np.full((h, w), 128.0)], axis=2)
    written = []
    writer = GifWriter(tmp_path / "g.gif", (w, h), 30)
    for i in range(6):
        f = base.copy()
        f[10:20, 10 + 8 * i: 20 + 8 * i] = (255, 255, 255)  # a small moving marker in the top rows
        written.append(f.astype(np.uint8))
        writer.append(written[-1])
    writer.close()
    frames, _d, _s = _read_gif(tmp_path / "g.gif")
    still = slice(40, h)  # rows the marker never reaches
    for a, b in zip(frames, frames[1:]):
        assert np.array_equal(a[still], b[still])
    err = np.abs(frames[3].astype(int) - written[3].astype(int))
    assert err.mean() < 4 and err.max() <= 24


def test_gif_writer_refuses_a_frame_of_the_wrong_size(tmp_path):
    writer = GifWriter(tmp_path / "a.gif", (64, 64), 30)
    with pytest.raises(ValueError, match=r"\(64, 64, 3\)"):
        writer.append(np.zeros((64, 65, 3), np.uint8))
    writer.abort()
    assert not (tmp_path / "a.gif").exists()


# -- optimizer page ---------------------------------------------------------------------------
def test_optimizer_gif_frames_size_durations_and_moving_trails(qapp, tmp_path):
    result = export_animation(_optimizer_spec(tmp_path))
    frames, durations, size = _read_gif(result.path)
    assert result.frames == 4 and len(frames) == 4
    assert size == (320, 180) and frames[0].shape == (180, 320, 3)
    assert durations == [30, 40, 30, 30]
    # The trails grow: each frame differs from the one before (the surface view and the curves).
    for a, b in zip(frames, frames[1:]):
        assert (np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30).sum() > 50


def test_optimizer_gif_is_deterministic(qapp, tmp_path):
    a = export_animation(_optimizer_spec(tmp_path, "a.gif")).path
    b = export_animation(_optimizer_spec(tmp_path, "b.gif")).path
    assert Path(a).read_bytes() == Path(b).read_bytes()


def test_progress_rises_to_one_and_cancel_leaves_nothing(qapp, tmp_path):
    seen = []
    result = export_animation(_optimizer_spec(tmp_path, "p.gif"), progress=seen.append)
    assert result.frames == 4
    assert seen == sorted(seen) and seen[-1] == 1.0 and seen.count(1.0) == 1
    spec = _optimizer_spec(tmp_path, "c.gif")
    with pytest.raises(ExportCancelled, match="after 0 frames"):  # cancelled once the page was built
        export_animation(spec, cancel=lambda: True)
    assert not Path(spec.out).exists()
    assert not list(tmp_path.glob("c.gif*"))


def test_cancel_after_the_last_frame_leaves_nothing(qapp, tmp_path):
    work = AnimationExport(_optimizer_spec(tmp_path, "e.gif"))
    while work.frames < 4:  # every frame drawn; the encoder still has the file to write
        next(work)
    work.cancel()
    assert not work.written
    assert not list(tmp_path.glob("e.gif*"))


def test_a_qtimer_drives_the_export_with_events_handled_between_steps(qtbot, tmp_path):
    """How File > Export animation runs it: one step per timer tick, other events in between."""
    from PySide6.QtCore import QTimer

    work = AnimationExport(_training_spec(tmp_path, "t.gif"))
    ticks, other = [], []
    timer, heartbeat = QTimer(), QTimer()

    def step():
        try:
            ticks.append(next(work))
        except StopIteration:
            timer.stop()
            heartbeat.stop()

    timer.timeout.connect(step)
    heartbeat.timeout.connect(lambda: other.append(1))
    timer.start(0)
    heartbeat.start(0)
    qtbot.waitUntil(lambda: not timer.isActive(), timeout=120_000)
    assert work.written and work.frames == 3
    assert len(ticks) > work.frames  # epochs between the grabs are steps of their own
    assert len(other) >= len(ticks) - 1  # the event loop ran between the steps
    assert len(_read_gif(tmp_path / "t.gif")[0]) == 3


# -- training page ----------------------------------------------------------------------------
def test_training_gif_frames_and_determinism(qapp, tmp_path):
    a = export_animation(_training_spec(tmp_path, "a.gif"))
    b = export_animation(_training_spec(tmp_path, "b.gif"))
    frames, durations, size = _read_gif(a.path)
    assert len(frames) == 3 == a.frames  # epoch 0, epoch 2, the final report (epoch 4)
    assert size == (960, 540)
    assert durations == frame_durations_ms(3, 30)
    # Each grab shows a new snapshot: the page changes from frame to frame.
    for x, y in zip(frames, frames[1:]):
        assert (np.abs(x.astype(int) - y.astype(int)).sum(axis=2) > 30).sum() > 100
    assert all(np.array_equal(x, y) for x, y in zip(frames, _read_gif(b.path)[0]))


# -- MP4 ----------------------------------------------------------------------------------------
def test_mp4_frame_count_and_size(qapp, tmp_path):
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    result = export_animation(_optimizer_spec(tmp_path, "race.mp4", fps=10))
    n, _secs = ffmpeg.count_frames_and_secs(result.path)
    assert n == 4
    reader = ffmpeg.read_frames(result.path)
    meta = next(reader)
    assert tuple(meta["size"]) == (320, 180)
    assert sum(1 for _ in reader) == 4
    assert not list(tmp_path.glob("*.part*"))


def test_mp4_1080p_is_not_padded_and_is_byte_stable(tmp_path):
    ffmpeg = pytest.importorskip("imageio_ffmpeg")
    paths = []
    for name in ("a.mp4", "b.mp4"):
        writer = Mp4Writer(tmp_path / name, (1920, 1080), 30)
        for i in range(3):
            f = np.full((1080, 1920, 3), 230, np.uint8)
            f[100:200, 100 + 50 * i: 200 + 50 * i] = (0, 114, 178)
            writer.append(f)
        writer.close()
        paths.append(tmp_path / name)
    reader = ffmpeg.read_frames(str(paths[0]))
    assert tuple(next(reader)["size"]) == (1920, 1080)  # not 1920x1088 (macro_block_size)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_odd_size_is_refused_for_mp4(tmp_path):
    with pytest.raises(ValueError, match="even"):
        _optimizer_spec(tmp_path, "x.mp4", size=(321, 180))
    with pytest.raises(ValueError, match="even"):
        Mp4Writer(tmp_path / "x.mp4", (320, 181), 30)


def test_mp4_without_the_extra_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import fails as if not installed
    with pytest.raises(ValueError) as err:
        _optimizer_spec(tmp_path, "x.mp4")
    assert INSTALL_HINT in str(err.value) and "\n" not in str(err.value)
    assert cli.main(["animate", "saddle-escape", "--out", str(tmp_path / "x.mp4")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install "optimizer-playground[video]"' in err
    assert not list(tmp_path.iterdir())


# -- the CLI --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["saddle-escape", "--steps", "10", "--out", "{}/x.png"], "--out must end in .gif or .mp4"),
    (["saddle-escape", "--steps", "10", "--out", "{}/x.mp4", "--size", "321x240"], "even"),
    (["saddle-escape", "--epochs", "10", "--out", "{}/x.gif"], "--epochs is for training scenes"),
    (["train-dropout", "--steps", "10", "--out", "{}/x.gif"], "--steps is for optimizer scenes"),
    (["saddle-escape", "--fps", "0", "--out", "{}/x.gif"], "--fps must be 1-50"),
    (["saddle-escape", "--fps", "55", "--out", "{}/x.gif"], "use .mp4"),
    (["saddle-escape", "--fps", "61", "--out", "{}/x.mp4"], "--fps must be 1-60"),
    (["saddle-escape", "--frames", "1", "--out", "{}/x.gif"], "--frames must be at least 2"),
    (["saddle-escape", "--steps", "5", "--frames", "7", "--out", "{}/x.gif"], "--frames must be at most"),
    (["train-dropout", "--epochs", "5", "--every", "6", "--out", "{}/x.gif"], "--every must be at most"),
    (["saddle-escape", "--steps", "0", "--out", "{}/x.gif"], "--steps must be at least 1"),
    (["saddle-escape", "--step", "5", "--out", "{}/x.gif"], "unrecognized arguments: --step"),
    (["no-such-scene", "--out", "{}/x.gif"], "unknown scene"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, args, words):
    status = cli.main(["animate", *[a.format(tmp_path) for a in args]])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and words in err, err
    assert not list(tmp_path.iterdir())


def test_cli_refuses_a_broken_session_file_in_one_line(tmp_path, capsys):
    """A session is animated from its page's scene (tests/test_cli_render_sessions.py); a broken one is one line."""
    session = tmp_path / "lesson.toml"
    session.write_text('kind = "session"\nversion = 1\n', encoding="utf-8")
    assert cli.main(["animate", str(session), "--out", str(tmp_path / "x.gif")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'pages' must be a table" in err


def test_cli_animate_writes_the_gif_and_exits_0(tmp_path):
    out = tmp_path / "race.gif"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "playground", "animate", "saddle-escape", "--steps", "6",
                           "--frames", "3", "--size", "256x144", "--fps", "10", "--out", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{out}: 3 frames"
    frames, durations, size = _read_gif(out)
    assert len(frames) == 3 and size == (256, 144) and durations == [100, 100, 100]
