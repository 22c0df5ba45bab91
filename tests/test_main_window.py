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
        assert again._theme.name == "dark"
        assert again.tabs.currentWidget() is again.pages["training"]
    finally:
        again.set_theme("light")
        again.tabs.setCurrentWidget(again.pages["optimizer"])
        again.close()
