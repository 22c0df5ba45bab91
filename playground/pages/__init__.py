"""The app's pages, declared once.

Each page kind is one :class:`PageKind`: its scene kind, its tab title, its view (a QWidget that
follows :class:`Page`), the module that validates its scenes and the function that renders a scene
headlessly. The main window, scene loading and ``render`` all read :data:`PAGE_KINDS`, so a new page
(search, classroom) is one package plus one entry here. Names are strings and imported on first use,
so listing a page costs nothing until it is opened.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PageKind:
    """One kind of page.

    Attributes
    ----------
    kind : str
        The scene's ``page = "..."`` value.
    title : str
        The tab's title.
    model : str
        ``"module:Class"`` of the page's model (no Qt): the page's whole state as evented fields, with
        ``load_scene(dict)``, ``to_scene()``, ``state()`` / ``set_state(dict)`` (its table in a session
        file: the page's session schema, validated by ``set_state``) and ``saved_fields()``.
    view : str
        ``"module:Class"`` of the page widget (follows :class:`Page`).
    schema : str
        Module with ``validate(scene: dict) -> dict`` (ValueError naming the key) for its scenes.
    renderer : str
        ``"module:function"``: ``render_scene(scene, size, theme, steps=None, epochs=None) -> QImage``.
    """

    kind: str
    title: str
    model: str
    view: str
    schema: str
    renderer: str

    def model_class(self):
        """The page model's class (imports its module; no Qt)."""
        return _load(self.model)

    def view_class(self):
        """The page widget's class (imports its module)."""
        return _load(self.view)

    def validate(self, scene: dict) -> dict:
        """``scene`` checked and completed by this kind's schema module."""
        return importlib.import_module(self.schema).validate(scene)

    def render_function(self):
        """The headless renderer (imports its module)."""
        return _load(self.renderer)


def _load(ref: str):
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


PAGE_KINDS: tuple[PageKind, ...] = (
    PageKind("optimizer", "Optimizers", "playground.pages.optimizer.model:OptimizerModel",
             "playground.pages.optimizer.page:OptimizerPage",
             "playground.pages.optimizer.scene", "playground.pages.optimizer.render:render_scene"),
    PageKind("training", "Training", "playground.pages.training.model:TrainingModel",
             "playground.pages.training.page:TrainingPage",
             "playground.pages.training.scene", "playground.pages.training.render:render_scene"),
    PageKind("search", "Search", "playground.pages.search.model:SearchModel",
             "playground.pages.search.page:SearchPage",
             "playground.pages.search.scene", "playground.pages.search.render:render_scene"),
)


def page_kind(kind: str) -> PageKind:
    """The :class:`PageKind` called ``kind``; ValueError naming the kinds there are."""
    for pk in PAGE_KINDS:
        if pk.kind == kind:
            return pk
    raise ValueError(f"'page' must be one of {', '.join(pk.kind for pk in PAGE_KINDS)}, got {kind!r}")


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
