"""An error in a readout of the optimizer page is shown as one line that names the log, and its
traceback goes to the log (once per distinct error); the page keeps working."""
from __future__ import annotations

import pytest

from playground import log as applog
from playground.pages.optimizer.page import OptimizerPage


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_HOME", str(tmp_path))
    path = applog.setup_logging()
    yield path
    applog.close_logging()


@pytest.fixture
def page(qtbot):
    p = OptimizerPage(threaded=False)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    yield p
    p.shutdown()


def _flush():
    import logging

    for h in logging.getLogger().handlers:
        h.flush()


def test_hover_readout_error_shows_a_message_and_logs_the_traceback(page, home, monkeypatch):
    calls = []

    def broken(surface, x, y):
        calls.append((x, y))
        raise ZeroDivisionError("hessian at the pole")

    monkeypatch.setattr(page.curvature, "set_point", broken)
    for x in (0.25, 0.5):  # a hover fires once per mouse move
        page.surface_view.sigHover.emit(x, 0.5)
    assert len(calls) == 2
    text = page.error.text()
    assert not page.error.isHidden()
    assert text == (f"The curvature readout failed: ZeroDivisionError: hessian at the pole "
                    f"(details in {home})")
    _flush()
    log = home.read_text()
    assert log.count("Traceback (most recent call last)") == 1  # once, not once per mouse move
    assert "in broken" in log and "ZeroDivisionError: hessian at the pole" in log
    monkeypatch.undo()
    page.surface_view.sigHover.emit(0.5, 0.5)  # the readout works again: the message goes
    assert page.error.isHidden()


def test_maps_context_error_shows_a_message_and_logs(page, home, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("maps broke")

    monkeypatch.setattr(page.maps, "set_context", broken)
    page.racer_panel.list.setCurrentRow(1)  # selecting a racer sets the maps' context
    assert "The maps failed: RuntimeError: maps broke" in page.error.text()
    _flush()
    assert "maps broke" in home.read_text()
