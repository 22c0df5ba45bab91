"""The app's log: a rotating file under OPTIMIZER_PLAYGROUND_HOME; the CLI's internal errors go
there with their traceback, and the one line on stderr names the file."""
from __future__ import annotations

import logging

import pytest

from playground import log as applog
from playground.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_HOME", str(tmp_path))
    yield tmp_path
    applog.close_logging()


def test_the_log_lives_in_the_home_folder_and_is_set_up_once(home):
    path = applog.setup_logging()
    assert path == home / applog.LOG_FILE == applog.log_path()
    assert applog.setup_logging() == path
    ours = [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None) == str(path)]
    assert len(ours) == 1
    logging.getLogger("playground.test").warning("hello %s", "log")
    ours[0].flush()
    assert "WARNING playground.test: hello log" in path.read_text()
    assert applog.details_hint() == f"details in {path}"


def test_setup_follows_a_new_home(home, tmp_path_factory, monkeypatch):
    first = applog.setup_logging()
    other = tmp_path_factory.mktemp("other-home")
    monkeypatch.setenv("OPTIMIZER_PLAYGROUND_HOME", str(other))
    second = applog.setup_logging()
    assert second == other / applog.LOG_FILE != first
    files = [h.baseFilename for h in logging.getLogger().handlers if hasattr(h, "baseFilename")]
    assert str(first) not in files and str(second) in files


def test_cli_internal_error_logs_the_traceback(home, capsys, monkeypatch):
    import core.trajectories

    def broken(*args, **kwargs):
        raise RuntimeError("engine broke\nsecond line")

    monkeypatch.setattr(core.trajectories, "run_trajectory", broken)
    status = main(["trajectory", "--surface", "bowl", "--optimizer", "sgd", "--steps", "3"])
    out, err = capsys.readouterr()
    path = home / applog.LOG_FILE
    assert status == 1 and out == ""
    assert err.splitlines() == [f"optimizer-playground: internal error: RuntimeError: engine broke "
                                f"(details in {path})"]
    text = path.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text and "second line" in text


def test_cli_user_error_writes_no_log(home, capsys):
    status = main(["trajectory", "--surface", "bowl", "--optimizer", "nosuch", "--steps", "3"])
    _, err = capsys.readouterr()
    assert status == 2 and "unknown optimizer" in err and "details in" not in err
    assert not (home / applog.LOG_FILE).exists()


def test_an_uncaught_exception_is_logged_and_shown_in_the_status_bar(home, qtbot, monkeypatch):
    import sys

    from playground.app import _install_excepthook
    from playground.main_window import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # undone after the test
    path = applog.setup_logging()
    w = MainWindow()
    qtbot.addWidget(w)
    _install_excepthook(w)
    try:
        raise KeyError("no such racer")
    except KeyError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    assert w.statusBar().currentMessage() == f"Error: KeyError: 'no such racer' (details in {path})"
    for h in logging.getLogger().handlers:
        h.flush()
    text = path.read_text()
    assert "ERROR playground.uncaught: uncaught KeyError" in text and "Traceback" in text
    w.close()
