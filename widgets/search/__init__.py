"""The search page's plots: pyqtgraph views of plain :mod:`core.search_records` records (no Optuna).

Each view has ``set_theme``, ``set_axes``, ``set_records`` and a ``trial_clicked(int)`` signal; live
updates keep a view the user has zoomed or panned (see :class:`widgets.search.base.SearchPlot`).
"""
