"""A racer that fails in the subprocess: its traceback travels with the message and goes to the
GUI process's log; the one line the page shows names the log. Bad input (ValueError) stays one
line, with no traceback."""
from __future__ import annotations

import logging

from playground import racer_process
from playground.child_process import ChildProcess
from playground.log import details_hint


def _host(monkeypatch, errors):
    monkeypatch.setattr(ChildProcess, "ensure_started", lambda self: None)  # no subprocess here
    return racer_process.RacerProcess(on_error=lambda gen, text: errors.append((gen, text)))


def _failure(exc):
    try:
        raise exc
    except Exception as caught:  # noqa: BLE001
        return racer_process._details(caught)


def test_details_are_the_traceback_except_for_bad_input():
    details = _failure(RuntimeError("nan in the hessian"))
    assert details.startswith("Traceback (most recent call last)") and "nan in the hessian" in details
    assert _failure(ValueError("lr must be in [0, 1000]")) == ""


def test_a_child_traceback_is_logged_and_the_message_names_the_log(monkeypatch, caplog):
    errors = []
    host = _host(monkeypatch, errors)
    details = _failure(RuntimeError("nan in the hessian"))
    with caplog.at_level(logging.ERROR, logger=racer_process.__name__):
        host._handle(("error", host._gen, "racer 2: nan in the hessian", details))
    assert errors == [(host._gen, f"racer 2: nan in the hessian ({details_hint()})")]
    assert any("Traceback" in r.getMessage() and "racer 2" in r.getMessage() for r in caplog.records)
    errors.clear()
    host._handle(("error", host._gen, "lr must be in [0, 1000]", ""))
    assert errors == [(host._gen, "lr must be in [0, 1000]")]
