"""Lectures are cited by their own titles, never by an internal file number (docs/lectures.md)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ["core", "widgets", "playground", "assets", "docs", "bench", "tests"]
INTERNAL = re.compile(r"seeds? 00[0-9]|\b00[0-9]_[0-9a-f]{16}\b", re.IGNORECASE)


def _texts():
    for top in SHIPPED:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in {".py", ".toml", ".md", ".qss", ".txt"} and "__pycache__" not in path.parts:
                yield path
    yield ROOT / "README.md"


def test_no_shipped_text_cites_a_lecture_by_file_number():
    offenders = []
    for path in _texts():
        if path == Path(__file__):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INTERNAL.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop", "adagrad", "momentum-ema", "nesterov-lookahead"])
def test_update_rule_panel_lists_the_full_title_of_every_lecture_it_cites(name):
    from core.lectures import LECTURES
    from widgets.racer_panel import rule_text

    text = rule_text(name)
    body, _, refs = text.partition("\nlectures:\n")
    cited = [short for short in LECTURES if short in body]
    assert cited, f"{name}: the rule cites no lecture"
    for short in cited:
        assert f"{short}: {LECTURES[short]}" in refs
