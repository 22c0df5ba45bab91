"""A page laid out offscreen for a render or a script: made, set up, shown without a window, torn down."""
from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt

from widgets.theme import Theme, get_theme


@contextlib.contextmanager
def hidden_page(page_class, scene: dict | None, state: dict | None, size, theme: Theme | str):
    """``page_class(theme=...)`` at ``size``, set up from ``scene`` or a session page's ``state``.

    Raises
    ------
    ValueError
        When both or neither of ``scene`` and ``state`` are given.
    """
    if (scene is None) == (state is None):
        raise ValueError("give a scene or a session page's state, not both")
    if isinstance(theme, str):
        theme = get_theme(theme)
    page = page_class(theme=theme)
    try:
        page.setAttribute(Qt.WA_DontShowOnScreen, True)
        page.resize(int(size[0]), int(size[1]))
        if state is not None:
            page.model.set_state(state)
        else:
            page.load_scene(scene)
        page.show()
        yield page
    finally:
        page.shutdown()
        page.hide()
        page.deleteLater()
