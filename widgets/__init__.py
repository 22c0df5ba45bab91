"""Qt and pyqtgraph views built on :mod:`core`."""
