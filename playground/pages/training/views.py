"""The training page's views side by side: decision surface, confusion matrix, curves, diagram, histograms."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from widgets.confusion_view import ConfusionView
from widgets.decision_view import DecisionView
from widgets.layer_histograms import LayerHistograms
from widgets.network_diagram import MAX_LAYERS, MAX_UNITS, NetworkDiagram
from widgets.theme import LIGHT, Theme
from widgets.training_curves import TrainingCurves


class TrainingViews(QWidget):
    """The five views of a run, laid out in splitters; each drawn from a trainer Snapshot.

    Parameters
    ----------
    theme : Theme
    """

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self.decision = DecisionView(theme)
        self.confusion = ConfusionView(theme)
        self.curves = TrainingCurves(theme)
        self.diagram = NetworkDiagram(theme)
        self.histograms = LayerHistograms(theme)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.decision, 3)
        lv.addWidget(self.confusion, 2)
        right = QSplitter(Qt.Vertical)
        right.addWidget(self.curves)
        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(self.diagram)
        bottom.addWidget(self.histograms)
        right.addWidget(bottom)
        right.setSizes([500, 400])
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([480, 620])
        self.splitters = (split, right, bottom)  # outer first: restored in this order
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    def splitter_sizes(self) -> list[list[int]]:
        """The sizes of the three splitters (left | right, curves / bottom, diagram | histograms)."""
        return [[int(v) for v in s.sizes()] for s in self.splitters]

    def set_splitter_sizes(self, sizes) -> None:
        """Set what :meth:`splitter_sizes` returned; a list of the wrong shape is ignored."""
        for split, want in zip(self.splitters, sizes or ()):
            if len(want) == split.count():
                split.setSizes([int(v) for v in want])

    def set_theme(self, theme: Theme) -> None:
        """Redraw every view with ``theme``."""
        for w in (self.decision, self.confusion, self.curves, self.diagram, self.histograms):
            w.set_theme(theme)

    @staticmethod
    def draws_unit_maps(n_inputs: int, layers) -> bool:
        """Whether the diagram draws each unit's heatmap for this network (else it is summarized)."""
        return len(layers) <= MAX_LAYERS and all(int(w) <= MAX_UNITS for w in (n_inputs, *layers))

    def show_views(self, views, multi_class: bool) -> None:
        """Show the views named in ``views`` (the confusion matrix always for more than two classes)."""
        self.decision.setVisible("decision" in views)
        self.confusion.setVisible(multi_class or "confusion" in views)
        self.curves.setVisible("curves" in views)
        self.diagram.setVisible("diagram" in views)
        self.histograms.setVisible("histograms" in views)

    def show_data(self, prepared, layers) -> None:
        """Draw a PreparedData (points, task, extent) and the diagram of its network, untrained."""
        pts = {s: (prepared.X_raw[s], prepared.y[s]) for s in ("train", "val", "test")}
        self.decision.set_data(pts, prepared.task, prepared.n_classes, prepared.extent)
        self.decision.set_grid(None)
        self.curves.set_classification(prepared.task == "classification")
        sizes = [len(prepared.features), *layers, 1 if prepared.n_classes <= 2 else prepared.n_classes]
        self.diagram.set_architecture(sizes, prepared.features)

    def show_points(self, points) -> None:
        """Draw the user's points alone (settings that do not fit yet: fewer than two points, say)."""
        pts = np.array(points, float).reshape(-1, 3)
        self.decision.set_data({"train": (pts[:, :2], pts[:, 2])}, "classification",
                               int(pts[:, 2].max()) + 1 if len(pts) else 2, (-6, 6, -6, 6))
        self.decision.set_grid(None)

    def clear_run(self, n_classes: int) -> None:
        """Forget a run's results: curves, histograms, decision surface, matrix (the ghost stays)."""
        self.curves.reset()
        self.histograms.clear_histograms()
        self.decision.set_grid(None)
        k = max(int(n_classes), 2)
        self.confusion.set_matrix(np.zeros((k, k)))

    def draw(self, view: str, snap, live: bool) -> bool:
        """Redraw ``view`` ("decision", "curves", "diagram", "histograms") from ``snap``.

        ``live``: a run is training (the curves' x range grows in steps, not fitted). Returns True
        when the decision surface took the snapshot (the trainer may then send the next one).
        """
        if view == "curves":
            self.curves.refresh(tight=not live)
            return False
        if snap is None:
            return False
        if view == "decision":
            gx, gy = np.asarray(snap.grid_x, float), np.asarray(snap.grid_y, float)
            dx = (gx[-1] - gx[0]) / max(len(gx) - 1, 1)
            dy = (gy[-1] - gy[0]) / max(len(gy) - 1, 1)
            # Cell centres -> the extent of the cell edges (docs/traps.md: half a cell each side).
            self.decision.set_grid(snap.grid, (gx[0] - dx / 2, gx[-1] + dx / 2, gy[0] - dy / 2, gy[-1] + dy / 2))
            if self.confusion.isVisible() and snap.confusion is not None:
                # The trainer counts the real validation predictions (the forward pass that gave val_acc).
                self.confusion.set_matrix(snap.confusion)
            return True
        if view == "diagram" and self.diagram.isVisible():
            self.diagram.set_state(snap.weights, snap.neurons, snap.dropout_masks)  # maps: the model's own
        elif view == "histograms" and self.histograms.isVisible():
            self.histograms.set_histograms("act", snap.act_hist, [f"hidden {i + 1}" for i in range(len(snap.act_hist))])
            grads = [g for g in snap.grad_hist if g is not None]
            self.histograms.set_histograms("grad", grads, [f"W{i + 1}" for i in range(len(grads))])
        return False
