"""The Training page: its model (``model``), scene schema (``scene``), view (``page``) and headless renderer (``render``)."""
from playground.pages.training.model import RunStatus, TrainingModel
from playground.pages.training.page import TrainingPage
from playground.pages.training.render import render_scene

__all__ = ["RunStatus", "TrainingModel", "TrainingPage", "render_scene"]
