"""The Training page: its model (``model``), scene schema (``scene``), view (``page``) and headless renderer (``render``).

``TrainingPage`` and ``render_scene`` load on first use, so that the model imports without Qt.
"""
from playground.pages.training.model import RunStatus, TrainingModel

__all__ = ["RunStatus", "TrainingModel", "TrainingPage", "render_scene"]


def __getattr__(name):
    if name == "TrainingPage":
        from playground.pages.training.page import TrainingPage

        return TrainingPage
    if name == "render_scene":
        from playground.pages.training.render import render_scene

        return render_scene
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
