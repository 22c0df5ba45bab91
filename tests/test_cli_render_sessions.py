"""`render` covers every page, its parts and session files; `animate` and `export-script` take sessions.

Most checks call the functions behind the commands in this process; two subprocess runs check the
exit status of the real command (a crash at exit would show there: docs/traps.md).
"""
from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter

from playground import cli, scenes, sessions
from playground.cli_render import (EPILOG, check_part, laid_out_alone, page_source, render_module, render_page,
                                   svg_parts, widget_image)
from playground.pages import page_kind
from playground.scripting import PARTS
from widgets.theme import get_theme

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def _state(kind: str, name: str, **changes) -> dict:
    model = page_kind(kind).model_class()()
    model.load_scene(scenes.load_scene(name))
    for field, value in changes.items():
        setattr(model, field, value)
    return model.state()


@pytest.fixture(scope="module")
def lesson(tmp_path_factory) -> Path:
    """A session of both pages, showing the training page, in the dark theme."""
    path = tmp_path_factory.mktemp("sessions") / "lesson.toml"
    sessions.save_session({"page": "training", "theme": "dark", "window": {"width": 1280, "height": 800},
                           "pages": {"optimizer": _state("optimizer", "saddle-escape"),
                                     "training": _state("training", "train-dropout")}}, path)
    return path


@pytest.fixture(scope="module")
def race_only(tmp_path_factory) -> Path:
    """A session of the optimizer page alone, with no current page named, light theme."""
    path = tmp_path_factory.mktemp("sessions") / "race.toml"
    sessions.save_session({"theme": "light", "pages": {"optimizer": _state("optimizer", "saddle-escape")}}, path)
    return path


def _rgb(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format_RGB888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=h * bpl).reshape(h, bpl)
    return buf[:, : 3 * w].reshape(h, w, 3).astype(int).copy()


# -- which page ----------------------------------------------------------------------------------
def test_a_session_gives_its_current_page_unless_page_picks_another(lesson, race_only):
    src = page_source(str(lesson))
    assert (src.kind, src.theme) == ("training", "dark")
    assert src.state["scene"] == src.scene and src.scene["page"] == "training"
    assert page_source(str(lesson), "optimizer").scene["page"] == "optimizer"
    assert page_source(str(race_only)).kind == "optimizer"  # no current page named: its one page
    scene = page_source("saddle-escape")
    assert (scene.kind, scene.state) == ("optimizer", None)
    assert page_source("saddle-escape", "optimizer").scene == scene.scene


@pytest.mark.parametrize("name, page, words", [
    ("race", "training", "--page training: the session {race} has no training page (its pages: optimizer)"),
    ("saddle-escape", "training", "--page training: saddle-escape is a scene of the optimizer page"),
    ("saddle-escape", "classroom", "--page classroom: must be one of optimizer, training, search, got 'classroom'"),
])
def test_a_page_the_file_does_not_hold_is_refused(race_only, name, page, words):
    name = str(race_only) if name == "race" else name
    with pytest.raises(ValueError) as info:
        page_source(name, page)
    assert str(info.value).startswith(words.format(race=race_only))


@pytest.mark.parametrize("kind", list(PARTS))
def test_an_unknown_part_names_the_pages_parts_from_the_scripting_table(kind):
    with pytest.raises(ValueError) as info:
        check_part(kind, "nope")
    message = str(info.value)
    assert "\n" not in message and f"the {kind} page has no such part" in message
    assert message.endswith(", ".join(PARTS[kind]))
    assert check_part(kind, next(iter(PARTS[kind]))) == next(iter(PARTS[kind].values()))


# -- pictures ----------------------------------------------------------------------------------------
def test_a_sessions_page_renders_as_its_scene_does(qapp, race_only, tmp_path):
    """The session route (model.set_state) and the scene route (load_scene) draw the same pixels."""
    from playground.pages.optimizer.render import render_scene

    out = render_page(page_source(str(race_only)), str(tmp_path / "s.png"), (640, 360), steps=40)
    from_session = _rgb(QImage(str(out)))
    from_scene = _rgb(render_scene(scenes.load_scene("saddle-escape"), (640, 360), "light", steps=40))
    assert from_session.shape == (360, 640, 3)
    assert np.array_equal(from_session, from_scene)


def test_every_part_of_both_pages_renders_at_exactly_the_size(qapp, lesson):
    size = (480, 320)
    for kind in ("optimizer", "training"):  # the lesson session holds these two (the search page's: its golden test)
        src = page_source(str(lesson), kind)
        module = render_module(kind)
        with module.offscreen_page(state=src.state, size=(1280, 720), theme="dark") as page:
            module.run_page(page, **({"steps": 20} if kind == "optimizer" else {"epochs": 1}))
            for part, attr in PARTS[kind].items():
                with laid_out_alone(getattr(page, attr), size) as widget:
                    image = widget_image(widget, "#000000", size)
                    laid_out = (widget.width(), widget.height())
                assert (image.width(), image.height(), image.devicePixelRatio()) == (*size, 1.0), (kind, part)
                if part in ("surface", "curves", "decision"):  # the plots take the size itself
                    assert laid_out == size and _rgb(image).std() > 10, f"{kind} {part}: {laid_out}"
                elif part == "racers":  # a panel that needs more is laid out at its minimum and cut
                    assert laid_out[0] >= size[0] and laid_out[1] > size[1], laid_out


def test_the_parts_that_export_as_svg_are_the_ones_help_names(qapp, lesson):
    for kind, expected in (("optimizer", ["surface", "curves"]),
                           ("training", ["decision", "confusion", "curves", "histograms"])):
        src = page_source(str(lesson), kind)
        with render_module(kind).offscreen_page(state=src.state, size=(1280, 720), theme="light") as page:
            assert svg_parts(page, kind) == expected
        assert f"on the {kind} page {', '.join(expected[:-1])} and {expected[-1]}" in " ".join(EPILOG.split())


def test_a_part_exports_as_an_svg_of_the_size_with_the_racers_colours(qapp, lesson, tmp_path):
    from PySide6.QtSvg import QSvgRenderer

    src = page_source(str(lesson), "optimizer")
    out = render_page(src, str(tmp_path / "curves.svg"), (800, 500), steps=30, part="curves")
    root = ET.parse(out).getroot()  # well-formed
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("800", "500", "0 0 800 500")
    groups = [el for el in root if el.tag == f"{SVG}g"]
    assert len(groups) == 2  # the loss plot and the lr plot, one under the other
    assert groups[0].get("transform") == "translate(0,0)" and groups[1].get("transform").startswith("translate(0,")
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert ids and len(ids) == len(set(ids))  # the two plots' exports no longer share ids
    text = out.read_text(encoding="utf-8").lower()
    palette = get_theme(src.theme).racer_colors  # the session's theme: racers without a colour take its own
    for i, racer in enumerate(src.scene["racers"]):
        assert (racer.get("color") or palette[i]).lower() in text
    # Qt's own SVG renderer (SVG Tiny) reads it, at its size, and draws something.
    renderer = QSvgRenderer(str(out))
    assert renderer.isValid() and (renderer.defaultSize().width(), renderer.defaultSize().height()) == (800, 500)
    image = QImage(800, 500, QImage.Format_ARGB32)
    image.fill(QColor("#ff00ff"))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    rgb = _rgb(image)
    assert not (rgb == [255, 0, 255]).all(axis=2).any()  # the background covers the whole picture
    assert rgb.std() > 10


@pytest.mark.parametrize("part, words", [
    (None, "an SVG holds the plots of one part; add --part with one of: surface, curves"),
    ("racers", "--part racers has no plot to export as SVG; the optimizer page's parts with plots: surface, curves"),
])
def test_an_svg_without_a_plot_is_refused_before_the_run(qapp, race_only, tmp_path, part, words):
    out = tmp_path / "x.svg"
    with pytest.raises(ValueError) as info:
        render_page(page_source(str(race_only)), str(out), (640, 360), part=part)
    assert words in str(info.value) and "\n" not in str(info.value)
    assert not out.exists()


@pytest.mark.parametrize("argv, words", [
    (["{lesson}", "--page", "classroom"], "--page classroom: must be one of optimizer, training, search"),
    (["{race}", "--page", "training"], "has no training page"),
    (["saddle-escape", "--page", "training"], "is a scene of the optimizer page"),
    (["{lesson}", "--part", "surface"], "--part surface: the training page has no such part; its parts: decision,"),
    (["{lesson}", "--out", "{tmp}/x.jpg"], "--out must end in .png or .svg"),
    (["{lesson}", "--out", "{tmp}/missing/x.png"], "does not exist"),
    (["saddle-escape", "--epochs", "3"], "--epochs is for the training page"),
    (["saddle-escape", "--steps", "3", "--epochs", "3"], "not allowed with argument"),
    (["saddle-escape", "--step", "3"], "unrecognized arguments: --step"),
    (["saddle-escape", "--steps", "-1"], "--steps must be >= 0"),
    (["saddle-escape", "--size", "12x12"], "--size must be between"),
    (["{tmp}"], "cannot read"),
])
def test_bad_input_exits_2_with_one_line(race_only, lesson, tmp_path, capsys, argv, words):
    args = [a.format(lesson=lesson, race=race_only, tmp=tmp_path) for a in argv]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "x.png")]
    status = cli.main(["render", *args])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and words in err, err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".svg")]


# -- animate and export-script take sessions ----------------------------------------------------------
def test_export_script_of_a_session_is_its_pages_scene_program(lesson, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "t").mkdir()
    assert cli.main(["export-script", str(lesson), "--out", str(tmp_path / "s" / "run.py")]) == 0
    assert cli.main(["export-script", "train-dropout", "--out", str(tmp_path / "t" / "run.py")]) == 0
    from_session = (tmp_path / "s" / "run.py").read_text(encoding="utf-8")
    assert "import torch" in from_session
    assert from_session.replace(f"{lesson} (training page)", "train-dropout") == \
        (tmp_path / "t" / "run.py").read_text(encoding="utf-8")
    assert cli.main(["export-script", str(lesson), "--page", "optimizer", "--out", str(tmp_path / "r.py")]) == 0
    assert "torch.optim" in (tmp_path / "r.py").read_text(encoding="utf-8")


def test_animate_takes_a_sessions_page_and_theme(qapp, lesson, tmp_path, capsys):
    from PIL import Image, ImageSequence

    out = tmp_path / "race.gif"
    status = cli.main(["animate", str(lesson), "--page", "optimizer", "--steps", "4", "--frames", "2",
                       "--size", "160x96", "--fps", "10", "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    with Image.open(out) as gif:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    assert len(frames) == 2 and frames[0].shape == (96, 160, 3)
    assert frames[-1].mean() < 100  # the session's dark theme


# -- the real command -------------------------------------------------------------------------------
def _cli(*args, cwd):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240)


def test_cli_renders_a_sessions_part_to_png_exactly_and_exits_0(lesson, tmp_path):
    out = tmp_path / "decision.png"
    r = _cli("render", str(lesson), "--part", "decision", "--epochs", "2", "--size", "640x480",
             "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == "" and r.stdout.strip() == str(out)
    image = QImage(str(out))
    assert (image.width(), image.height()) == (640, 480)
    assert _rgb(image).mean() < 128  # the session's dark theme


def test_cli_renders_a_sessions_plot_to_svg_and_exits_0(lesson, tmp_path):
    out = tmp_path / "surface.svg"
    r = _cli("render", str(lesson), "--page", "optimizer", "--part", "surface", "--steps", "20",
             "--size", "600x400", "--out", str(out), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    root = ET.parse(out).getroot()
    assert (root.get("width"), root.get("height")) == ("600", "400")
    assert any(el.tag == f"{SVG}image" for el in root.iter())  # the heatmap, as pyqtgraph exports it


def test_a_part_alone_keeps_the_pages_theme_and_inherits_it_again_when_back(qapp, lesson):
    from PySide6.QtCore import Qt

    from widgets.theme_apply import palette

    dark = palette(get_theme("dark"))
    src = page_source(str(lesson), "optimizer")
    module = render_module("optimizer")
    with module.offscreen_page(state=src.state, size=(1280, 720), theme="dark") as page:
        widget = getattr(page, PARTS["optimizer"]["racers"])
        had = widget.testAttribute(Qt.WA_SetPalette)
        with laid_out_alone(widget, (480, 320)) as alone:
            assert alone.parentWidget() is None
            # Alone it used to take the application's light palette: white text on light grey.
            assert alone.palette().window().color() == dark.window().color()
            assert alone.palette().text().color() == dark.text().color()
            image = _rgb(widget_image(alone, "#000000", (480, 320)))
            corner = image[:4, :4].reshape(-1, 3).mean(0)
            assert corner.max() < 80, corner  # the dark theme's window, not a light one
        assert widget.testAttribute(Qt.WA_SetPalette) == had  # back under the page, inheriting again
        assert widget.palette().window().color() == dark.window().color()


def test_the_sampler_minds_part_renders_its_surrogate(qapp, tmp_path):
    """The mind's views sit on a closed tab of the page: taken out alone, they still draw the refit."""
    out = render_page(page_source("search-bayes-lr"), str(tmp_path / "mind.png"), (640, 400), part="surrogate")
    image = _rgb(QImage(str(out)))
    band = QColor(get_theme("light").racer_colors[0])
    # the GP mean's colour: a line across the plot, not an empty pair of axes
    near = np.abs(image - np.array([band.red(), band.green(), band.blue()])).max(axis=-1) < 40
    assert near.sum() > 400, near.sum()
