"""Session files: the whole app saved and reopened; bad files refused by name with the window's state kept."""
from __future__ import annotations

import random
import tomllib

import numpy as np
import pytest

from playground import scenes, sessions

BUNDLED = scenes.list_scenes()


@pytest.fixture
def window(qtbot):
    from playground.main_window import MainWindow

    w = MainWindow(theme="light")
    qtbot.addWidget(w)
    yield w
    w.shutdown()


def _states(w) -> dict:
    return {kind: page.model.state() for kind, page in w.pages.items()}


def _models(w) -> dict:
    return {kind: page.model for kind, page in w.pages.items()}


@pytest.mark.parametrize("name", BUNDLED)
def test_each_bundled_scene_survives_a_session_round_trip(qtbot, tmp_path, name):
    from playground.main_window import MainWindow

    a = MainWindow(theme="light")
    qtbot.addWidget(a)
    try:
        assert a.open_file(name, ask=False)
        path = tmp_path / "s.toml"
        a.session.save(path)
        b = MainWindow(theme="dark")
        qtbot.addWidget(b)
        try:
            assert b.open_file(str(path), ask=False)
            assert _models(b) == _models(a)
            assert b.current_kind() == a.current_kind()
            assert b.theme_name() == "light"
        finally:
            b.shutdown()
    finally:
        a.shutdown()


def _grab(page) -> np.ndarray:
    img = page.grab().toImage()
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), -1).copy()


@pytest.mark.parametrize("name", ["saddle-escape", "train-dropout"])
def test_a_reopened_session_shows_the_same_picture(qtbot, tmp_path, name):
    from playground.main_window import MainWindow

    pics = []
    path = tmp_path / "s.toml"
    from playground.settings import settings

    for i in range(2):
        # Both windows start alike: the first one's close remembers its page and geometry, and a window
        # laid out at another size first places one curve's axis label 2 px off (an older layout quirk).
        settings().remove("page")
        settings().remove("geometry")
        w = MainWindow(theme="light")
        qtbot.addWidget(w)
        w.resize(780, 560)  # within the offscreen screen (800x800): the session's size is not fitted down
        w.show()
        try:
            assert w.open_file(name if i == 0 else str(path), ask=False)
            page = w.pages[w.current_kind()]
            if hasattr(page, "wait_computed"):
                assert page.wait_computed(30)
                page.seek(page.model.steps)
            page.grab()  # pyqtgraph sizes an axis to its tick text once painted (docs/traps.md): settle it
            qtbot.wait(300)
            if i == 0:
                w.session.save(path)
            pics.append(_grab(page))
        finally:
            w.shutdown()
            w.close()
    assert pics[0].shape == pics[1].shape
    if not np.array_equal(pics[0], pics[1]):
        from PIL import Image

        rows, cols = np.nonzero((pics[0] != pics[1]))
        Image.fromarray(pics[0].reshape(pics[0].shape[0], -1, 4)[..., [2, 1, 0]]).save(tmp_path / "a.png")
        Image.fromarray(pics[1].reshape(pics[1].shape[0], -1, 4)[..., [2, 1, 0]]).save(tmp_path / "b.png")
        raise AssertionError(f"{len(rows)} bytes differ, rows {rows.min()}-{rows.max()}, byte columns "
                             f"{cols.min()}-{cols.max()}; pictures in {tmp_path}")


def _valid_text(window) -> str:
    return sessions.session_text(window.session.collect())


def _refused(window, tmp_path, text: str | bytes, expect: str) -> None:
    before = _states(window)
    path = tmp_path / "bad.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    assert not window.open_file(str(path), ask=False)
    message = window.statusBar().currentMessage()
    assert str(path) in message and expect in message, message
    assert "\n" not in message and "Traceback" not in message
    assert _states(window) == before  # nothing of the window changed


def test_bad_session_files_each_get_their_message_and_nothing_changes(window, tmp_path):
    good = _valid_text(window)
    data = tomllib.loads(good)
    _refused(window, tmp_path, good.replace('version = 1', 'version = 9'), "newer version of the app")
    _refused(window, tmp_path, good.replace('kind = "session"', 'kind = "sesion"'), "'kind'")
    _refused(window, tmp_path, "extra = 1\n" + good, "unknown key 'extra'")
    opt = good.replace(f'optimizer = "{data["pages"]["optimizer"]["scene"]["racers"][0]["optimizer"]}"',
                       'optimizer = "adamm"', 1)
    assert opt != good
    _refused(window, tmp_path, opt, "adamm")
    surf = good.replace(f'surface = "{data["pages"]["optimizer"]["scene"]["surface"]}"', 'surface = "valey"', 1)
    assert surf != good
    _refused(window, tmp_path, surf, "valey")
    ds = good.replace(f'dataset = "{data["pages"]["training"]["scene"]["data"]["dataset"]}"', 'dataset = "mons"', 1)
    assert ds != good
    _refused(window, tmp_path, ds, "mons")
    _refused(window, tmp_path, "x" * (sessions.MAX_SESSION_BYTES + 10), "larger than any real")
    _refused(window, tmp_path, b"\xff\xfe kind = 1", "")


def test_truncated_and_fuzzed_session_files_are_refused_by_name(window, tmp_path):
    good = _valid_text(window)
    rng = random.Random(0)
    cuts = sorted(rng.sample(range(1, len(good) - 1), 25))
    for cut in cuts:
        text = good[:cut]
        try:
            sessions.parse_session(text, "x")
        except ValueError:
            _refused(window, tmp_path, text, "")
        # else: a cut at a line end can leave a complete, valid session (all its pages' keys are optional)
    for _ in range(25):
        chars = list(good)
        for _k in range(rng.randint(1, 8)):
            chars[rng.randrange(len(chars))] = rng.choice('"=[]{},.\n x0#')
        text = "".join(chars)
        try:
            sessions.parse_session(text, "x")
        except ValueError:
            _refused(window, tmp_path, text, "")


def test_an_older_scene_still_opens_where_a_session_is_read(window):
    assert window.open_file("saddle-escape", ask=False)  # a version-1 scene without 'kind'


def test_new_session_returns_every_page_to_a_fresh_start(window):
    fresh = _states(window)
    assert window.open_file("train-dropout", ask=False)
    assert window.open_file("saddle-escape", ask=False)
    assert _states(window) != fresh
    window.session.fresh()
    assert _states(window) == fresh
