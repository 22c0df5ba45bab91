"""The search page's study list: the studies of its storage listed, opened into every plot and the model,
resumed to a larger total, deleted after a confirmation, an unreachable storage shown in place, a study
not made by the app opened for viewing only, and nothing left running."""
from __future__ import annotations


import optuna
import pytest
import torch

from playground.leak_watch import LeakWatch
from playground.pages.search.model import SearchModel, SearchStatus
from playground.pages.search.page import SearchPage
from playground.search.engine import Search
from playground.search.studies_list import list_call, load_call
from widgets.search.study_list import COLUMNS, NAME_MIN_PX, short_time
from qt_wait import wait
from search_kit import idle as page_idle, search_scene, tiny_base

optuna.logging.set_verbosity(optuna.logging.ERROR)
torch.set_num_threads(1)
BASE = tiny_base(epochs=2, n=60, layers=(3,))
S = optuna.trial.TrialState


def scene(**kw):
    return search_scene(**{"base": BASE, "trials": 3, **kw})


def make_study(url, **kw):
    """A study written by the app's engine, from the settings a page model would give it."""
    m = SearchModel()
    m.load_scene(scene(**kw))
    m.storage = url
    spec = m.spec()
    spec.batch = False
    list(Search(spec).run())
    return m


def idle(page):
    return page_idle(page) and not page.studies.busy


def show_list(page, qtbot):
    page.tabs_left.setCurrentWidget(page.studies.view)
    wait(qtbot, lambda: idle(page) and page.studies._listed_url is not None)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'search.db'}"


@pytest.fixture
def page(qtbot, url):
    with LeakWatch(grace=5) as watch:
        p = SearchPage()
        qtbot.addWidget(p)
        p.resize(1280, 720)
        p.show()
        p.model.storage = url
        p.studies.confirm = lambda text: pytest.fail(f"a dialog would have asked: {text}")
        yield p
        p.shutdown()
        p.close()
    assert not watch.leaks()


def test_storage_functions_list_load_and_refuse_plainly(tmp_path, url):
    make_study(url, study="a", trials=2)
    rows = list_call(url)
    assert [r["name"] for r in rows] == ["a"] and rows[0]["complete"] == 2 and rows[0]["from_app"]
    assert rows[0]["method"] == "random" and rows[0]["objective"] == "val_loss" and rows[0]["changed"]
    data = load_call(url, "a")
    assert data["run"]["trials"] == 2 and data["attr"]["space"] == {"lr": {"low": 1e-3, "high": 1.0, "log": True}}
    # A storage file not made yet lists nothing, and listing does not create it.
    missing = tmp_path / "none.db"
    assert list_call(f"sqlite:///{missing}") == [] and not missing.exists()
    with pytest.raises(ValueError, match="no study 'zz'"):
        load_call(url, "zz")
    with pytest.raises(ValueError, match="memory storage"):
        list_call("memory")


def test_short_time_keeps_the_time_for_today_and_the_date_otherwise():
    assert short_time("2026-12-02 09:17", today="2026-12-02") == "09:17"
    assert short_time("2026-11-30 23:59", today="2026-12-02") == "2026-11-30"
    assert short_time("") == ""


def test_list_open_resume_and_delete(page, qtbot, url):
    make_study(url, study="a", trials=3)
    grid = make_study(url, study="b", method="grid", trials=0,
                      space={"lr": {"low": 1e-3, "high": 1.0, "log": True, "points": 3}, "batch_size": [20, 60]})
    show_list(page, qtbot)
    view, m = page.studies.view, page.model
    assert view.names() == ["a", "b"] and [r["name"] for r in m.studies] == ["a", "b"]
    stored = optuna.load_study(study_name="b", storage=url)
    row = view.row("b")
    assert row["method"] == "grid" and row["complete"] == 6 and row["pruned"] == row["failed"] == 0
    assert row["best"] == pytest.approx(stored.best_value) and row["objective"] == "val_loss"
    assert view.table.item(view.names().index("b"), 2).text() == "6 / 0 / 0"

    # Open: the trials come from storage into every plot, the settings into the model.
    assert view.select("b")
    view.open_button.click()
    wait(qtbot, lambda: idle(page))
    assert m.study == "b" and m.method == "grid" and m.read_only == "", m.message
    assert m.space == grid.space and m.base == grid.base and m.trials == 0
    numbers = sorted(t.number for t in stored.trials)
    assert sorted(r.number for r in m.records) == numbers
    for w in (page.history, page.slice, page.contour, page.parallel, page.intermediate):
        assert sorted(r.number for r in w._records) == numbers
    page.tabs_left.setCurrentWidget(page.table)  # a hidden tab draws its records when shown
    qtbot.wait(10)
    assert sorted(page.table.numbers()) == numbers
    assert [a.name for a in page.contour._axes] == ["lr", "batch_size"]
    assert "Opened study 'b'" in m.message and not m.error
    assert page.controls.method.currentText() == "grid" and page.controls.study.text() == "b"

    # Open study a and resume it to a larger total: its 3 trials are kept, 2 more run.
    view.select("a")
    view.open_button.click()
    wait(qtbot, lambda: idle(page))
    assert m.study == "a" and m.trials == 3 and len(m.records) == 3 and m.read_only == ""
    kept = {r.number: r.value for r in m.records}
    m.trials = 5
    page.refresh_settings()
    assert page.resume()
    wait(qtbot, lambda: idle(page) and view.row("a")["complete"] == 5)
    assert m.status is SearchStatus.FINISHED, m.message
    assert all(m.record(n).value == v for n, v in kept.items()) and len(m.records) == 5
    assert len(optuna.load_study(study_name="a", storage=url).trials) == 5  # and the list was refreshed

    # The list's Resume opens and resumes: study b is whole, so it only retrains its best with the test split.
    view.select("b")
    view.resume_button.click()
    wait(qtbot, lambda: idle(page) and m.status is SearchStatus.FINISHED and m.study == "b")
    assert m.final["best"] == stored.best_trial.number

    # Delete: never the running study; refused by the dialog, nothing goes; confirmed, b is gone.
    asked = []
    page.studies.confirm = lambda text: asked.append(text) or True
    m.status = SearchStatus.RUNNING
    assert not page.studies.delete("b") and "running" in m.message and m.error and not asked
    m.status = SearchStatus.FINISHED
    page.studies.confirm = lambda text: asked.append(text) or False
    view.select("b")
    view.delete_button.click()
    assert asked and "'b'" in asked[0] and "6 trials" in asked[0] and idle(page)
    assert view.names() == ["a", "b"]
    page.studies.confirm = lambda text: True
    view.delete_button.click()
    wait(qtbot, lambda: idle(page) and view.names() == ["a"])
    assert [s.study_name for s in optuna.get_all_study_summaries(url)] == ["a"]
    assert [r["name"] for r in m.studies] == ["a"]
    assert m.records == () and "Deleted study 'b'" in m.message


def test_unreachable_storage_is_a_message_in_place_and_keeps_the_state(page, qtbot, url):
    make_study(url, study="a", trials=2)
    show_list(page, qtbot)
    view, m = page.studies.view, page.model
    view.select("a")
    view.open_button.click()
    wait(qtbot, lambda: idle(page))
    before = (m.study, dict(m.space), m.records)
    m.storage = "sqlite:////no/such/folder/search.db"
    wait(qtbot, lambda: idle(page) and m.studies_error)
    assert "/no/such/folder" in view.message.text() and "Traceback" not in view.message.text()
    assert len(view.message.text().splitlines()) == 1
    assert view.table.isHidden() and m.studies == ()
    assert (m.study, dict(m.space), m.records) == before
    # Back to the good storage: the table returns.
    m.storage = url
    wait(qtbot, lambda: idle(page) and not m.studies_error)
    assert view.names() == ["a"] and not view.table.isHidden()


def test_a_study_not_made_by_the_app_opens_for_viewing_only(page, qtbot, url):
    page.load_scene(scene(study="mine"))
    page.model.storage = url
    plain = optuna.create_study(study_name="plain", storage=url)
    for lr in (0.01, 0.1):
        t = plain.ask({"lr": optuna.distributions.FloatDistribution(1e-3, 1.0, log=True)})
        plain.tell(t, (lr - 0.05) ** 2)
    del plain
    show_list(page, qtbot)
    view, m = page.studies.view, page.model
    assert not view.row("plain")["from_app"] and view.row("plain")["method"] == ""
    view.select("plain")
    assert view.open_button.isEnabled() and not view.resume_button.isEnabled()
    assert not page.studies.resume("plain") and "not written by this app" in m.message and m.error
    view.open_button.click()
    wait(qtbot, lambda: idle(page))
    assert m.study == "plain" and len(m.records) == 2 and "not written by this app" in m.read_only
    assert "viewing only" in m.message and m.space == {"lr": {"low": 1e-3, "high": 1.0, "log": True}}
    assert sorted(r.number for r in page.history._records) == [0, 1]
    # The engine refuses it too, in place.
    assert page.resume()
    wait(qtbot, lambda: idle(page))
    assert m.status is SearchStatus.FAILED and "not made by a search of this app" in m.message
    assert len(optuna.load_study(study_name="plain", storage=url).trials) == 2


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_list_renders_unclipped(qtbot, tmp_path, url, size, theme):
    from playground.pages.search.render import offscreen_page, wait_idle

    make_study(url, study="lr-random", trials=2)
    with offscreen_page(scene(), size=size, theme=theme) as page:
        page.model.storage = url
        page.tabs_left.setCurrentWidget(page.studies.view)
        wait(qtbot, lambda: idle(page) and page.studies.view.names() == ["lr-random"])
        wait_idle(page)
        img = page.render_image(*size)
        assert (img.width(), img.height()) == size
        view = page.studies.view
        for b in (view.open_button, view.resume_button, view.delete_button, view.refresh_button):
            assert b.width() >= b.sizeHint().width(), b.text()  # no button text cut off
            assert view.rect().contains(b.geometry())
        header = view.table.horizontalHeader()
        shown = sum(header.sectionSize(i) for i in range(header.count()) if not view.table.isColumnHidden(i))
        assert shown <= view.table.viewport().width() + 1  # every shown column in view, none scrolled off
        assert header.sectionSize(0) >= NAME_MIN_PX and {"study", "trials", "best", "changed"} <= set(view.shown_columns())
        if size[0] >= 1920:
            assert len(view.shown_columns()) == len(COLUMNS)
        img.save(str(tmp_path / f"studies-{theme}-{size[0]}.png"))
