"""One page registry: the main window, scene loading and render all read PAGE_KINDS."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from playground import pages, scenes
from playground.cli_render import renderer

ROOT = Path(__file__).resolve().parents[1]


def test_every_bundled_scene_names_a_registered_page_kind():
    kinds = {pk.kind for pk in pages.PAGE_KINDS}
    for path in (ROOT / "assets" / "scenes").glob("*.toml"):
        assert tomllib.loads(path.read_text())["page"] in kinds, path.name


@pytest.mark.parametrize("pk", pages.PAGE_KINDS, ids=lambda pk: pk.kind)
def test_each_kind_resolves_its_view_schema_and_renderer(pk):
    assert pk.view_class().__name__.endswith("Page")
    assert callable(pk.render_function()) and renderer(pk.kind) is pk.render_function()
    name = next(n for n in scenes.list_scenes() if scenes.load_scene(n)["page"] == pk.kind)
    assert pk.validate(scenes.load_scene(name))["page"] == pk.kind


def test_an_unknown_kind_is_named_with_the_kinds_there_are():
    with pytest.raises(ValueError, match=r"^x\.toml: 'page' must be one of optimizer, training, search, got 'classroom'"):
        scenes.parse_scene('version = 1\npage = "classroom"\n', "x.toml")
    with pytest.raises(ValueError, match="cannot render 'classroom' scenes"):
        renderer("classroom")


def test_one_registry_entry_is_all_a_new_page_kind_needs(monkeypatch):
    """A new kind appears in scene loading and render by one PageKind (its modules reused here)."""
    extra = pages.PageKind("extra", "Extra", "playground.pages.optimizer.model:OptimizerModel",
                           "playground.pages.optimizer.page:OptimizerPage",
                           "tests_registry_schema", "playground.pages.optimizer.render:render_scene")
    import sys
    import types

    schema = types.ModuleType("tests_registry_schema")
    schema.validate = lambda scene: dict(scene, checked=True)
    monkeypatch.setitem(sys.modules, "tests_registry_schema", schema)
    monkeypatch.setattr(pages, "PAGE_KINDS", pages.PAGE_KINDS + (extra,))
    assert scenes.parse_scene('version = 1\npage = "extra"\n')["checked"] is True
    assert renderer("extra") is extra.render_function()


def test_main_window_has_one_tab_per_kind_in_registry_order(qtbot):
    from playground.main_window import MainWindow

    win = MainWindow(theme="light")
    qtbot.addWidget(win)
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == [pk.title for pk in pages.PAGE_KINDS]
    assert list(win.pages) == [pk.kind for pk in pages.PAGE_KINDS]
    win.shutdown()
