"""The instance lock: crash detection and a second instance's own autosave."""
from __future__ import annotations

import os
import subprocess
import sys

from playground import session_lock


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_first_start_is_primary_and_clean(tmp_path):
    c = session_lock.claim(tmp_path)
    assert c.primary and not c.crashed
    assert c.autosave == tmp_path / "session-autosave.toml"
    assert (tmp_path / "session.lock").read_text().split()[0] == str(os.getpid())
    c.release()
    assert not (tmp_path / "session.lock").exists()
    again = session_lock.claim(tmp_path)
    assert again.primary and not again.crashed  # a clean exit is not a crash
    again.release()


def test_lock_of_a_dead_process_means_the_last_run_crashed(tmp_path):
    (tmp_path / "session.lock").write_text(f"{_dead_pid()} 12345")
    c = session_lock.claim(tmp_path)
    assert c.crashed and c.primary
    assert c.autosave == tmp_path / "session-autosave.toml"
    assert (tmp_path / "session.lock").read_text().split()[0] == str(os.getpid())
    c.release()


def test_garbage_lock_counts_as_crashed(tmp_path):
    (tmp_path / "session.lock").write_text("not a pid")
    c = session_lock.claim(tmp_path)
    assert c.crashed and c.primary
    c.release()


def test_a_second_instance_gets_its_own_autosave(tmp_path):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = session_lock._start_time(other.pid)
        (tmp_path / "session.lock").write_text(f"{other.pid} {started}")
        c = session_lock.claim(tmp_path)
        assert not c.primary and not c.crashed
        assert c.autosave != tmp_path / "session-autosave.toml"
        assert str(os.getpid()) in c.autosave.name
        c.release()
        assert (tmp_path / "session.lock").read_text().split()[0] == str(other.pid)  # the first one's lock stays
        assert not c.lock.exists()
    finally:
        other.kill()
        other.wait()


def test_a_reused_pid_with_another_start_time_is_not_the_old_instance(tmp_path):
    # A live pid, written with another start time: it names an earlier process that is gone (pid reuse).
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "session.lock").write_text(f"{other.pid} 1")
        if session_lock._start_time(other.pid) in ("", "1"):
            return  # no /proc here: the start time cannot tell
        c = session_lock.claim(tmp_path)
        assert c.crashed and c.primary
        c.release()
    finally:
        other.kill()
        other.wait()
