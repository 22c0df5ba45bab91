"""File > Export animation and Export as PyTorch script, driven without their file dialogs."""
from __future__ import annotations

import pytest
from PIL import Image

from playground import export_actions


@pytest.fixture
def window(qtbot):
    from playground.main_window import MainWindow

    w = MainWindow(theme="light")
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.show()
    yield w
    w.shutdown()


def test_export_animation_runs_with_progress_and_writes_a_gif(window, qtbot, tmp_path):
    assert window.open_file("saddle-escape", ask=False)
    window.pages["optimizer"].model.steps = 20
    out = tmp_path / "race.gif"
    run = export_actions.export_animation(window, str(out))
    assert run is not None and window.animation_run is run
    qtbot.waitUntil(lambda: run.done, timeout=60000)
    assert out.exists() and "Exported the animation" in window.statusBar().currentMessage()
    with Image.open(out) as gif:
        assert gif.n_frames == 21 and gif.size[0] % 2 == 0


def test_cancel_leaves_nothing(window, qtbot, tmp_path):
    assert window.open_file("saddle-escape", ask=False)
    out = tmp_path / "race.gif"
    run = export_actions.export_animation(window, str(out))
    qtbot.waitUntil(lambda: run.work.frames >= 2, timeout=60000)
    run.cancel()
    assert run.done and not out.exists()
    assert "cancelled" in window.statusBar().currentMessage()


def test_export_script_writes_a_program(window, tmp_path):
    assert window.open_file("train-dropout", ask=False)
    out = tmp_path / "run.py"
    assert export_actions.export_script(window, str(out))
    text = out.read_text()
    assert "import torch" in text and "import playground" not in text
