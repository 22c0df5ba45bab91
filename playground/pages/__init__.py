"""The app's pages. Each is a QWidget that follows ``Page`` below.

``PAGES`` lists (scene kind, tab title, module, class). The main window imports
each lazily, so a later page (search, classroom) plugs in by adding one row.
"""
from __future__ import annotations

from typing import Protocol

PAGES = (
    ("optimizer", "Optimizers", "playground.pages.optimizer_page", "OptimizerPage"),
    ("training", "Training", "playground.pages.training_page", "TrainingPage"),
)


class Page(Protocol):
    """What the main window expects of a page."""

    def load_scene(self, scene: dict) -> None:
        """Replace the page's set-up with a validated scene dict; raise ValueError if it does not fit."""

    def scene(self) -> dict:
        """The page's current set-up as a scene dict (what Save writes)."""

    def set_theme(self, theme) -> None:
        """Redraw with a ``widgets.theme.Theme``."""

    def shutdown(self) -> None:
        """Stop every worker and timer; called before the window closes or the page is left."""
