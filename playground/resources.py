"""Where the bundled assets are, installed or in a source checkout."""
from __future__ import annotations

import importlib.resources
from pathlib import Path


def assets_dir():
    """The assets folder as a Traversable.

    Installed, it is the package ``playground.assets`` (pyproject maps ``assets/``
    there). In a source checkout without an install it is the repo's ``assets/``.
    """
    try:
        return importlib.resources.files("playground.assets")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "assets"
