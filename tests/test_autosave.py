"""Autosave: written by a worker within two seconds of a change, atomically, and on close."""
from __future__ import annotations

import threading
import time
import tomllib

from playground import autosave, sessions


def test_atomic_write_leaves_no_temporary_and_replaces(tmp_path):
    path = tmp_path / "a.toml"
    sessions.atomic_write(path, "x = 1\n")
    sessions.atomic_write(path, "x = 2\n")
    assert tomllib.loads(path.read_text())["x"] == 2
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]


def test_changed_saves_within_two_seconds_on_a_worker(qtbot, tmp_path):
    threads = []

    def collect():
        threads.append(threading.current_thread())
        return {"page": "optimizer", "pages": {}}

    writes = []
    real = autosave._write

    def spy(path, session):
        writes.append(threading.current_thread())
        return real(path, session)

    autosave._write, restore = spy, autosave._write
    try:
        saver = autosave.Autosaver(tmp_path / "s.toml", collect)
        t0 = time.perf_counter()
        saver.changed()
        saver.changed()  # a second change does not push the write back
        with qtbot.waitSignal(saver.sigSaved, timeout=3000):
            pass
        assert time.perf_counter() - t0 < 2.0
        text = (tmp_path / "s.toml").read_text()
        data = tomllib.loads(text)
        assert data["kind"] == "session" and data["version"] == sessions.SESSION_VERSION
        assert writes and all(t is not threading.main_thread() for t in writes)  # the worker wrote it
        assert threads == [threading.main_thread()]  # one save for both changes, collected on the GUI thread
        saver.close(save=False)
    finally:
        autosave._write = restore


def test_close_writes_the_last_change(qtbot, tmp_path):
    state = {"n": 0}
    saver = autosave.Autosaver(tmp_path / "s.toml", lambda: {"theme": "dark", "window": {"width": 10 + state["n"]}})
    state["n"] = 5
    saver.changed()
    saver.close()  # before the timer fires
    assert tomllib.loads((tmp_path / "s.toml").read_text())["window"]["width"] == 15
    saver.close()  # twice is fine


def test_a_failed_write_is_reported_not_raised(qtbot, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    saver = autosave.Autosaver(blocker / "s.toml", lambda: {"theme": "light"})  # a folder that is a file
    with qtbot.waitSignal(saver.sigFailed, timeout=3000) as sig:
        saver.save_now()
    assert "Autosave" in sig.args[0] and "\n" not in sig.args[0]
    saver.close(save=False)
