"""The search page: a small search run on the page, a trial replayed on the training page, a study
cancelled and resumed, bad input shown in place, and nothing left running."""
from __future__ import annotations


import pytest

from playground.leak_watch import LeakWatch
from playground.pages.search.model import SearchModel, SearchStatus
from widgets.field_errors import field_error
from qt_wait import wait
from search_kit import idle, search_scene, shown_page, tiny_base

BASE = tiny_base(epochs=4)


def scene(**kw):
    return search_scene(**{"base": BASE, **kw})


@pytest.fixture
def page(qtbot, tmp_path):
    with shown_page(qtbot, f"sqlite:///{tmp_path / 'search.db'}") as p:
        yield p


def test_model_state_round_trips_and_refuses_bad_state():
    m = SearchModel()
    m.load_scene(scene(method="grid", trials=0, space={"lr": "1e-3:1:log:4", "batch_size": [16, 32]}))
    m.storage = "journal:/tmp/x.log"
    other = SearchModel()
    other.set_state(m.state())
    assert other == m and other.grid_size() == 8
    before = other.state()
    with pytest.raises(ValueError, match="space.lr"):
        other.set_state({"scene": {**m.to_scene(), "space": {"lr": "1:0.1"}}})
    assert other.state() == before


def test_search_runs_replays_a_trial_on_the_training_page_and_leaves_nothing(qtbot, tmp_path):
    from playground.main_window import MainWindow

    with LeakWatch(grace=5) as watch:
        win = MainWindow()
        qtbot.addWidget(win)
        page = win.pages["search"]
        page.model.storage = f"sqlite:///{tmp_path / 'search.db'}"
        page.load_scene(scene(trials=4))
        # "Search around this": the training page's settings become the fixed set-up, lr centred on its lr.
        win.pages["training"].model.lr = 0.05
        page.search_around()
        assert page.model.base["optimizer"]["lr"] == 0.05 and page.model.base["epochs"] == 100
        assert page.model.space["lr"]["low"] == pytest.approx(0.005) and page.model.space["lr"]["high"] == pytest.approx(0.5)
        page.load_scene(scene(trials=4))
        win.tabs.setCurrentWidget(page)
        assert page.start()
        wait(qtbot, lambda: idle(page))
        m = page.model
        assert m.status is SearchStatus.FINISHED, m.message
        assert [r.state for r in m.records] == ["complete"] * 4
        assert m.final["best"] == m.best().number and m.final["test_loss"] is not None
        assert "test split was used only here" in page.final.text()
        assert "4/4 trials" in page.controls.progress.format()
        # A click in a plot shows the trial; "Use these settings" puts it on the training page.
        trial = m.records[2]
        page.slice.trial_clicked.emit(trial.number)
        assert f"Trial {trial.number}" in page.detail.text()
        page.use_button.click()
        training = win.pages["training"]
        assert win.tabs.currentWidget() is training
        assert training.model.lr == pytest.approx(trial.params["lr"])
        assert training.model.layers == (4,) and training.model.n == 120
        win.close()
        win.deleteLater()
        assert not watch.leaks()


def test_cancel_keeps_finished_trials_and_resume_completes_the_study(page, qtbot):
    # tpe asks 8 trials a round; 400 trials are 50 rounds, so the cancel (sent once the first round is told)
    # lands long before the end however late a loaded machine delivers it.
    page.load_scene(scene(method="tpe", trials=400, base={**BASE, "epochs": 20}))
    assert page.start()
    wait(qtbot, lambda: any(r.state == "complete" for r in page.model.records) or idle(page))
    page.cancel()
    wait(qtbot, lambda: idle(page))
    m = page.model
    assert m.status is SearchStatus.CANCELLED, m.message
    kept = {r.number: r.value for r in m.records if r.state == "complete"}
    assert 1 <= len(kept) < 400
    assert "Resume continues it" in m.message
    # Start refuses a study that has trials, in place, and the page keeps what it shows.
    assert page.start()
    wait(qtbot, lambda: idle(page))
    assert m.status is SearchStatus.FAILED and m.error and "Resume continues it" in m.message
    assert {r.number: r.value for r in m.records if r.state == "complete"} == kept
    # Resume with another space is refused in place too.
    space = dict(m.space)
    m.space = {"lr": {"low": 1e-3, "high": 0.5, "log": True}}
    page.refresh_settings()
    assert page.resume()
    wait(qtbot, lambda: idle(page))
    assert m.status is SearchStatus.FAILED and "another" in m.message, m.message
    assert {r.number: r.value for r in m.records if r.state == "complete"} == kept
    m.space = space
    m.trials = len(kept) + 8  # the study's total: the cut trials (at most a round of 8) and the rest
    page.refresh_settings()
    assert page.resume()
    wait(qtbot, lambda: idle(page))
    assert m.status is SearchStatus.FINISHED, m.message
    done = {r.number: r.value for r in m.records if r.state == "complete"}
    assert len(done) == m.trials and all(done[n] == v for n, v in kept.items())


def test_bad_range_and_bad_storage_are_shown_in_place(page, qtbot):
    page.load_scene(scene())
    before = dict(page.model.space)
    edit = page.editor.edits["lr"]
    edit.setText("1:0.1:log")
    edit.editingFinished.emit()
    assert "reversed range" in field_error(edit)
    assert page.model.error and "reversed range" in page.model.message
    assert page.model.space == before
    assert not page.start() and page.link.host is None  # nothing spawned for a bad range
    edit.setText("1e-3:1:log")
    edit.editingFinished.emit()
    assert field_error(edit) == "" and not page.model.error
    page.model.storage = "sqlite:////no/such/folder/search.db"
    assert page.start()
    wait(qtbot, lambda: idle(page))
    assert page.model.status is SearchStatus.FAILED and page.model.error
    assert "/no/such/folder" in page.model.message and "Traceback" not in page.model.message
    assert page.model.space == before


SCENES = __import__("pathlib").Path(__file__).resolve().parents[1] / "assets" / "scenes"
PLOTS = {"history": ("tabs_left", "history"), "importance": ("tabs_left", "importance"),
         "slice": ("tabs_right", "slice"), "contour": ("tabs_right", "contour"),
         "parallel": ("tabs_right", "parallel")}


@pytest.mark.playground(size=(1280, 720), theme="light")
def test_golden_plots_of_a_seeded_search(playground, golden):
    """Seeded sampler and seeded training: the same trials, the same pictures, in a fresh process too."""
    playground.open(str(SCENES / "search-random-vs-grid.toml"))
    res = playground.run()
    assert len(res.rows) == 16 and all(r["state"] == "complete" for r in res.rows)
    assert res.final["test_loss"] is not None
    page = playground.page
    for name, (tabs, attr) in PLOTS.items():
        getattr(page, tabs).setCurrentWidget(getattr(page, attr))
        golden(playground.grab(name), f"search-{name}")


def test_default_storage_is_sqlite_in_the_home_folder(page, tmp_path):
    import os

    page.model.storage = ""
    url = page.model.spec().storage
    assert url == f"sqlite:///{os.environ['OPTIMIZER_PLAYGROUND_HOME']}/search.db"


def test_a_diverging_trial_is_failed_with_its_message_and_the_search_goes_on(page, qtbot):
    page.load_scene(scene(trials=6, space={"lr": {"low": 1e-2, "high": 1e6, "log": True}},
                          base={**BASE, "optimizer": {"name": "sgd", "lr": 0.1, "batch_size": 0}}))
    assert page.start()
    wait(qtbot, lambda: idle(page))
    m = page.model
    assert m.status is SearchStatus.FINISHED, m.message
    failed = [r for r in m.records if r.state == "fail"]
    assert failed and all(r.attrs.get("error") for r in failed)
    assert len(m.records) == 6 and any(r.state == "complete" for r in m.records)
    page.table.trial_clicked.emit(failed[0].number)
    assert failed[0].attrs["error"] in page.detail.text()
    assert "1 failed" in m.message or f"{len(failed)} failed" in m.message


def test_shutdown_mid_search_ends_the_child_and_keeps_finished_trials(page, qtbot, tmp_path):
    import os

    import optuna

    page.load_scene(scene(method="tpe", trials=32, base={**BASE, "epochs": 20}))
    assert page.start()
    wait(qtbot, lambda: any(r.state == "complete" for r in page.model.records))
    pid = page.worker_pid()
    assert pid is not None
    page.shutdown()
    assert page.worker_pid() is None and page.model.status is SearchStatus.CANCELLED
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the child is gone (the host joined it)
    study = optuna.load_study(study_name="t", storage=f"sqlite:///{tmp_path / 'search.db'}")
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert 1 <= len(complete) < 32


def test_snapshots_that_come_together_cost_one_redraw(page, qtbot, monkeypatch):
    import time

    from playground.pages.search.page import DRAW_BUDGET_S, DRAW_MS

    drawn = []

    def steps():  # three views, each slower than a turn's budget: drawn in three turns of the event loop
        total = page.model.total
        return [lambda i=i: (time.sleep(1.5 * DRAW_BUDGET_S), drawn.append((total, i))) for i in range(3)]

    monkeypatch.setattr(page, "_draw_steps", steps)
    monkeypatch.setattr(page.mind, "refit", lambda *_: None)
    for total in (3, 5, 7):
        page.link.sigSnapshot.emit({"trials": [], "total": total})
    assert page.model.total == 7 and drawn == []  # the model is current at once, the views not yet
    qtbot.waitUntil(lambda: len(drawn) == 3, timeout=10 * DRAW_MS)
    assert drawn == [(7, 0), (7, 1), (7, 2)]  # one redraw, of the newest
    # When the draw timer fires, one slow view is drawn in that turn, the next ones in later turns.
    page.link.sigSnapshot.emit({"trials": [], "total": 9})
    page._draw_timer.stop()
    page._draw_snapshot()
    assert drawn[3:] == [(9, 0)]
    qtbot.waitUntil(lambda: len(drawn) == 6, timeout=1000)
    assert drawn[3:] == [(9, 0), (9, 1), (9, 2)]
    page.link.sigSnapshot.emit({"trials": [], "total": 11})
    page.flush_drawing()  # an export or a script draws at once, every view
    assert drawn[6:] == [(11, 0), (11, 1), (11, 2)]
    qtbot.wait(3 * DRAW_MS)
    assert len(drawn) == 9
