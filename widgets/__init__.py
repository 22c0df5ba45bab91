"""Qt and pyqtgraph views built on :mod:`core`."""
from widgets.pyside_guard import make_singletons_immortal

make_singletons_immortal()
