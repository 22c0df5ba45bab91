"""The Optimizers page: its scene schema (``scene``), its model (``model``), its view (``page``, bound
to the model in ``binding``), the race's computation (``race``) and its headless renderer (``render``).

``OptimizerPage`` and ``render_scene`` are imported on first use: the model and the schema can be
imported without Qt (scripts, sessions, a headless check).
"""
from __future__ import annotations

import importlib

from playground.pages.optimizer.model import OptimizerModel

__all__ = ["OptimizerModel", "OptimizerPage", "render_scene"]
_LAZY = {"OptimizerPage": "playground.pages.optimizer.page", "render_scene": "playground.pages.optimizer.render"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
