"""A session's results beside it (``NAME.results.npz``): a trained run and a basin map come back as
they were shown, pixel for pixel; a missing, broken or foreign side file gives a note, never a traceback;
the window's splitters come back too."""
from __future__ import annotations

import time
import tomllib

import numpy as np
import pytest
import tomli_w

from playground import session_results, sessions
from playground.pages.training.model import RunStatus

EPOCHS = 4


def _window(qtbot, autosave: bool = False):
    from playground.main_window import MainWindow
    from playground.settings import settings

    # Both windows start alike (no remembered page or geometry from an earlier window's close).
    settings().remove("page")
    settings().remove("geometry")
    w = MainWindow(theme="light", autosave=autosave, restore=False)
    qtbot.addWidget(w)
    w.resize(780, 560)  # within the offscreen screen (800x800): the session's size is not fitted down
    w.show()
    return w


def _settle(qtbot, page) -> np.ndarray:
    for _ in range(2):  # pyqtgraph sizes an axis to its tick text once painted (docs/traps.md): settle it
        page.grab()
        qtbot.wait(200)
    img = page.grab().toImage()
    return np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), -1).copy()


def _same_picture(a: np.ndarray, b: np.ndarray, tmp_path, mask=None) -> None:
    assert a.shape == b.shape
    diff = a != b
    if mask is not None:
        diff[mask] = False
    if diff.any():
        from PIL import Image

        for name, pic in (("a", a), ("b", b)):
            Image.fromarray(pic.reshape(pic.shape[0], -1, 4)[..., [2, 1, 0]]).save(tmp_path / f"{name}.png")
        rows, cols = np.nonzero(diff)
        raise AssertionError(f"{len(rows)} bytes differ, rows {rows.min()}-{rows.max()}, byte columns "
                             f"{cols.min()}-{cols.max()}; pictures in {tmp_path}")


def _history_equal(a, b) -> bool:
    return all(np.array_equal(a.column(k, c), b.column(k, c), equal_nan=True)
               for k in ("step", "epoch") for c in a.COLUMNS)


def _train(page) -> None:
    """Train the dropout scene, smaller (a few seconds on a busy machine), keep it as a ghost, train again."""
    page.model.set(n=80, layers=(8, 8))
    page.train_synchronously(epochs=EPOCHS)
    page.keep_as_ghost()  # the ghost's curves are part of the picture too
    page.model.dropout = 0.0
    page.train_synchronously(epochs=EPOCHS)
    assert page.model.status is RunStatus.FINISHED and page.model.snapshot is not None


def _reopen_with_note(w, path, expect: str) -> None:
    assert w.open_file(str(path), ask=False)  # the settings open whatever the side file holds
    message = w.statusBar().currentMessage()
    assert expect in message and "Traceback" not in message and "\n" not in message, message
    page = w.pages["training"]
    assert len(page.curves.history) == 0 and page.model.snapshot is None  # untrained, as the settings say
    assert page.model.status is RunStatus.IDLE


def test_a_trained_run_and_the_splitters_come_back_with_the_session(qtbot, tmp_path):
    path = tmp_path / "lesson.toml"
    a = _window(qtbot, autosave=True)
    try:
        assert a.open_file("train-dropout", ask=False)
        pa = a.pages["training"]
        outer, right, _bottom = pa.views.splitters
        outer.setSizes([200, sum(outer.sizes()) - 200])  # the window layout: dragged splitters
        right.setSizes([120, sum(right.sizes()) - 120])
        saver = a.session.autosaver
        with qtbot.waitSignal(saver.sigSaved, timeout=5000):  # the scene opened: saved (settings only)
            pass
        assert not saver.pending()
        outer.splitterMoved.emit(200, 1)  # what a drag of a splitter reports: the layout is autosaved too
        assert saver.pending()
        _train(pa)
        t0 = time.perf_counter()  # the run ended: its results are autosaved too, within 2 s
        with qtbot.waitSignal(saver.sigSaved, timeout=5000):
            pass
        assert time.perf_counter() - t0 < 2.0
        autosave = saver.path
        assert session_results.results_path(autosave).exists()
        assert sessions.read_session(autosave)["results"] == session_results.results_path(autosave).name
        pic_a = _settle(qtbot, pa)
        a.session.save(path)
        assert a.session.wait_saved()
        side = tmp_path / "lesson.results.npz"
        assert side.exists() and 'results = "lesson.results.npz"' in path.read_text()
        assert sessions.read_session(path)["window"]["splitters"]["training"] == pa.splitter_sizes()
        b = _window(qtbot)
        try:
            pb = b.pages["training"]
            assert b.open_file(str(autosave), ask=False)  # what a restart after a crash reopens
            assert b.statusBar().currentMessage() == f"Opened session {autosave}"
            assert _history_equal(pb.curves.history, pa.curves.history)
            assert b.open_file(str(path), ask=False), b.statusBar().currentMessage()
            assert b.statusBar().currentMessage() == f"Opened session {path}"  # no note: everything came back
            assert b.current_kind() == "training"
            assert pb.splitter_sizes() == pa.splitter_sizes()
            assert pb.model == pa.model
            assert _history_equal(pb.curves.history, pa.curves.history)
            assert _history_equal(pb.curves.ghost, pa.curves.ghost) and pb.model.ghost_label == pa.model.ghost_label
            np.testing.assert_array_equal(pb.model.snapshot.grid, pa.model.snapshot.grid)
            for wa, wb in zip(pa.model.snapshot.weights, pb.model.snapshot.weights):
                np.testing.assert_array_equal(wa, wb)
            assert pb.model.status is RunStatus.FINISHED and pb.model.epoch == pa.model.epoch == EPOCHS
            _same_picture(pic_a, _settle(qtbot, pb), tmp_path)
            # A restored run is a finished one: changing a setting clears it, as after any run.
            pb.model.lr = pb.model.lr * 2
            assert len(pb.curves.history) == 0 and pb.model.snapshot is None

            # A side file that is missing, broken, of another save or for other settings: a note.
            good = side.read_bytes()
            side.unlink()
            _reopen_with_note(b, path, "no results file beside the session")
            side.write_bytes(good[: len(good) // 2])  # cut short
            _reopen_with_note(b, path, "not a readable results file")
            side.write_bytes(b"PK\x03\x04" + bytes(200))
            _reopen_with_note(b, path, "not a readable results file")
            side.write_bytes(good)
            text = path.read_text()
            stamp = sessions.parse_session(text)["saved"]
            path.write_text(text.replace(stamp, "2020-01-01T00:00:00"))  # an older side file beside a newer session
            _reopen_with_note(b, path, "another save of the session")
            data = tomllib.loads(text)
            data["pages"]["training"]["scene"]["seed"] += 1  # the settings edited by hand since
            path.write_text(tomli_w.dumps(data))
            _reopen_with_note(b, path, "training: computed for other settings")
            path.write_text(text)
            assert b.open_file(str(path), ask=False) and len(pb.curves.history) > 0  # and back again
        finally:
            b.shutdown()
            b.close()
    finally:
        a.shutdown()
        a.close()


def test_a_computed_basin_map_and_the_splitter_come_back_with_the_session(qtbot, tmp_path):
    path = tmp_path / "maps.toml"
    pics, pages = [], []
    windows = []
    try:
        for i in range(2):
            w = _window(qtbot)
            windows.append(w)
            assert w.open_file("saddle-escape" if i == 0 else str(path), ask=False), w.statusBar().currentMessage()
            page = w.pages["optimizer"]
            assert page.wait_computed(30)
            page.seek(page.model.steps)
            maps = page.maps
            if i == 0:
                total = sum(page.splitter.sizes())
                page.splitter.setSizes([total // 3, total // 4, total - total // 3 - total // 4])
                page.splitter_moved()  # what a drag reports
                page.model.side_tab = "Maps"
                maps.basin_res.setValue(10)  # 100 runs
                with qtbot.waitSignal(maps.sigBasinsReady, timeout=60000):
                    maps.compute_basins()
                maps.hp_res.setValue(maps.hp_res.minimum())
                with qtbot.waitSignal(maps.sigHparamsReady, timeout=60000):
                    maps.compute_hparams()
                maps.tabs.setCurrentIndex(0)  # the basins shown
                assert maps.basin_result is not None and maps.hparam_result is not None
            pics.append(_settle(qtbot, page))
            pages.append(page)
            if i == 0:
                w.session.save(path)
                assert w.session.wait_saved()
        a, b = (p.maps for p in pages)
        assert b.basin_result is not None and not b.is_busy()  # shown from the side file, not recomputed
        np.testing.assert_array_equal(b.basin_result.outcome, a.basin_result.outcome)
        assert b.basin_status.text() == a.basin_status.text()  # its timing too: the one measured then
        assert b.hparam_result is not None and b.hp_status.text() == a.hp_status.text()
        np.testing.assert_array_equal(b.hparam_result.final_loss, a.hparam_result.final_loss)
        assert b.hparam_view.grab().toImage() == a.hparam_view.grab().toImage()
        assert pages[1].model == pages[0].model
        assert pages[1].splitter_sizes() == pages[0].splitter_sizes() != []
        _same_picture(pics[0], pics[1], tmp_path)
        # A session without splitters gives the page back its own proportions.
        data = tomllib.loads(path.read_text())
        del data["window"]["splitters"]
        path.write_text(tomli_w.dumps(data))
        assert windows[1].open_file(str(path), ask=False)
        assert pages[1].splitter_sizes() == []
    finally:
        for w in windows:
            w.shutdown()
            w.close()


def test_results_round_trip_through_the_side_file_without_pickle(tmp_path):
    from core.trajectories.map_loop import MapResult

    tree = {"a": (1, 2.5, None, "x"), "b": [np.arange(6).reshape(2, 3), {"c": np.float32(1.5)}],
            "m": MapResult(final_xy=np.zeros((2, 2)), outcome=np.array([0, 1]), steps=np.array([3, 4]),
                           final_loss=np.array([0.1, np.nan]), labels=["min0", "diverged"],
                           converged_at=np.array([3, -1]), diverged_at=np.array([-1, 4]), steps_run=4,
                           stopped=False, paths=None)}
    path = tmp_path / "r.results.npz"
    session_results.write_results(path, "T", {"optimizer": {"settings": "h", "results": tree}})
    with np.load(path, allow_pickle=False) as npz:  # readable without pickle: no code in a shared file
        assert "manifest" in npz.files
    back = session_results.read_results(path, "T")["optimizer"]["results"]
    assert back["a"] == (1, 2.5, None, "x") and back["b"][1]["c"] == 1.5
    np.testing.assert_array_equal(back["b"][0], tree["b"][0])
    assert isinstance(back["m"], MapResult) and back["m"].labels == ["min0", "diverged"]
    np.testing.assert_array_equal(back["m"].final_loss, tree["m"].final_loss)


def test_bad_splitters_are_refused_by_name():
    from playground.documents import read_document
    from playground.pages.optimizer.model import OptimizerModel

    model = OptimizerModel()
    model.load_scene(read_document("saddle-escape").data)

    def text(splitters, **top):
        return sessions.session_text({"page": "optimizer", "pages": {"optimizer": model.state()}, **top,
                                      "window": {"width": 800, "height": 600, "splitters": splitters}})

    assert sessions.parse_session(text({"optimizer": [[1, 2, 3]]}))["window"]["splitters"] == {"optimizer": [[1, 2, 3]]}
    for bad, expect in (({"optimizer": "wide"}, "window.splitters.optimizer"),
                        ({"optimizer": [[1, -2, 3]]}, "window.splitters.optimizer"),
                        ({"optimizer": [[1, 2.5]]}, "window.splitters.optimizer"),
                        ({"opt": [[1, 2, 3]]}, "no such page")):
        with pytest.raises(ValueError, match=expect):
            sessions.parse_session(text(bad), "s.toml")
    for bad in ("../x.npz", "x.txt", ".x.npz"):
        with pytest.raises(ValueError, match="'results' must name a .npz file"):
            sessions.parse_session(text({}, results=bad), "s.toml")


def test_a_page_whose_results_cannot_be_kept_leaves_the_others(tmp_path):
    path = tmp_path / "r.results.npz"
    good = {"grid": np.ones((3, 3)), "flag": np.bool_(True)}
    # Only the known result classes go in: any other object leaves that page out, and that page only.
    session_results.write_results(path, "T", {"training": {"settings": "h", "results": {"x": object()}},
                                              "optimizer": {"settings": "g", "results": good},
                                              "other": {"settings": "f", "results": [np.zeros(2)]}})
    back = session_results.read_results(path, "T")
    assert set(back) == {"optimizer", "other"}
    np.testing.assert_array_equal(back["optimizer"]["results"]["grid"], good["grid"])
    assert back["optimizer"]["results"]["flag"] is True
    np.testing.assert_array_equal(back["other"]["results"][0], np.zeros(2))
