"""Scene files: told apart by ``kind``, saved and reopened through the pages without loss."""
from __future__ import annotations

import pytest

from playground import scenes


def test_a_file_without_kind_is_a_version_1_scene_and_kind_scene_is_the_same():
    text = scenes.resolve("saddle-escape")[1]
    assert "kind" not in text.split("[")[0]
    assert scenes.parse_scene(text) == scenes.parse_scene('kind = "scene"\n' + text)


@pytest.mark.parametrize("kind, message", [
    ("session", r"a session file, not a scene \(open it with File > Open scene or session"),
    ("space", r"a search space, not a scene \(run it with `optimizer-playground search --space FILE`\)"),
    ("lesson", "this version cannot open 'lesson' files yet"),
    ("scnee", "'kind' must be 'scene', got 'scnee'"),
])
def test_other_kinds_are_refused_by_name(kind, message):
    text = f'kind = "{kind}"\n' + scenes.resolve("saddle-escape")[1]
    with pytest.raises(ValueError, match=f"^f.toml: {message}"):
        scenes.parse_scene(text, "f.toml")


def test_a_saved_scene_says_its_kind(tmp_path):
    path = tmp_path / "s.toml"
    scenes.save_scene(scenes.load_scene("train-dropout"), path)
    assert path.read_text().startswith('kind = "scene"\n')
    assert scenes.load_scene(str(path))["page"] == "training"


def _page_for(kind, qtbot):
    from playground.pages.optimizer.page import OptimizerPage
    from playground.pages.training.page import TrainingPage

    page = OptimizerPage(threaded=False) if kind == "optimizer" else TrainingPage()
    qtbot.addWidget(page)
    return page


@pytest.mark.parametrize("name", scenes.list_scenes())
def test_every_bundled_scene_round_trips_through_a_window_and_a_file(name, qtbot, tmp_path):
    """Open in a window, save as a scene, open the file in a new window: the two page models are equal."""
    from playground.main_window import MainWindow

    first = MainWindow(theme="light")
    qtbot.addWidget(first)
    second = MainWindow(theme="light")
    qtbot.addWidget(second)
    try:
        assert first.open_file(name, ask=False)
        kind = first.current_kind()
        path = tmp_path / f"{name}.toml"
        scenes.save_scene(first.pages[kind].scene(), path)
        assert second.open_file(str(path), ask=False)
        assert second.current_kind() == kind
        assert second.pages[kind].model == first.pages[kind].model
        assert second.pages[kind].model.to_scene() == first.pages[kind].model.to_scene()
    finally:
        first.shutdown()
        second.shutdown()
