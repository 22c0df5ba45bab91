"""The main window: scenes switch pages, bad scenes keep state, theme and page are remembered."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from playground.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    yield w
    w.close()  # closeEvent -> shutdown of every page


def test_bundled_scene_opens_its_page(window):
    assert window.open_scene("train-dropout")
    assert window.tabs.currentWidget() is window.pages["training"]
    assert window.open_scene("saddle-escape")
    assert window.tabs.currentWidget() is window.pages["optimizer"]
    assert window.pages["optimizer"].scene()["surface"].startswith("saddle")


def test_bad_scene_warns_and_keeps_state(window, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    assert window.open_scene("saddle-escape")
    before = window.pages["optimizer"].scene()
    bad = tmp_path / "bad.toml"
    bad.write_text('version = 1\npage = "optimizer"\ntitle = "x"\nsurface = "no-such-surface"\n')
    assert not window.open_scene(str(bad))
    assert not window.open_scene(str(tmp_path / "missing.toml"))
    assert len(shown) == 2 and all("Traceback" not in s and "\n" not in s.strip() for s in shown)
    assert window.pages["optimizer"].scene() == before
    assert window.tabs.currentWidget() is window.pages["optimizer"]


def test_theme_and_page_remembered(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.set_theme("dark")
    w.tabs.setCurrentWidget(w.pages["training"])
    w.close()
    again = MainWindow()
    qtbot.addWidget(again)
    try:
        assert again.theme_name() == "dark"
        assert again.tabs.currentWidget() is again.pages["training"]
    finally:
        again.set_theme("light")
        again.tabs.setCurrentWidget(again.pages["optimizer"])
        again.close()


def test_close_during_a_map_job_ends_every_child_and_saves_settings(qtbot, monkeypatch, tmp_path):
    """Closing while a map job computes in its worker child: no exception out of closeEvent, the
    geometry is saved, and no child process is left (the maps' host and the racers' host both end)."""
    import multiprocessing

    from playground.settings import settings

    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_HOME", str(tmp_path))  # the settings go here
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.resize(1000, 700)
    maps = w.pages["optimizer"].maps
    maps.basin_res.setValue(maps.basin_res.maximum())
    maps.compute_basins()
    qtbot.waitUntil(maps.is_busy, timeout=10000)
    w.close()  # pytest-qt fails the test if closeEvent raises
    assert not maps.is_busy()
    qtbot.waitUntil(lambda: multiprocessing.active_children() == [], timeout=10000)
    assert (tmp_path / "settings.ini").exists()
    assert settings().value("geometry") == w.saveGeometry()


def test_close_survives_a_page_whose_shutdown_raises(qtbot, monkeypatch, caplog, tmp_path):
    import logging

    from playground.settings import settings

    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_HOME", str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    training = w.pages["training"]
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("page broke")

    monkeypatch.setattr(training, "shutdown", broken)
    w.tabs.setCurrentWidget(training)
    with caplog.at_level(logging.ERROR):
        w.close()
    assert settings().value("page") == "training"
    assert any(r.exc_info and "page broke" in str(r.exc_info[1]) for r in caplog.records)
    assert len(calls) == 2  # asked again after the first failure
    monkeypatch.undo()
    training.shutdown()
