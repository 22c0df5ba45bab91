"""The training controls and the decision plot's drawing bound to the training model.

A control's edit assigns its model field, checked with the other settings (``model.set``): a bad
combination keeps the old value, shows it again and says why. A model field that changed (from
a control, a script or a scene) is shown in its control, then handed to the page's reaction.
Points drawn on the decision plot or loaded from a CSV become the user's dataset.
"""
from __future__ import annotations

import os
from functools import partial

from core.training.data import read_csv


class ControlsBinding:
    """Keeps TrainingControls and the model's settings in step.

    Parameters
    ----------
    controls : widgets.training_controls.TrainingControls
    decision : widgets.decision_view.DecisionView
        Clicks add points while drawing is on.
    model : TrainingModel
    status : StatusLine
    on_setting : callable(field, value)
        Called after a setting changed and its control shows it (the page restarts a run, or
        applies the value live, or clears the old run's results).
    """

    def __init__(self, controls, decision, model, status, on_setting):
        self.controls, self.decision, self.model, self.status = controls, decision, model, status
        self.on_setting = on_setting
        controls.sigChanged.connect(self._on_controls_changed)
        controls.sigInvalid.connect(self._on_controls_invalid)
        controls.sigDrawToggled.connect(self._on_draw_toggled)
        controls.sigClearPoints.connect(self._on_clear_points)
        controls.sigLoadCsv.connect(self.load_csv)
        decision.sigPointClicked.connect(self._on_point_clicked)
        for name in model.setting_names():
            getattr(model.events, name).connect(partial(self._on_setting, name))

    def refresh(self) -> None:
        """Show every setting (after a scene or session replaced them quietly)."""
        self.controls.set_values(self.model.values())

    # -- model -> controls
    def _on_setting(self, field: str, value) -> None:
        shown = {field: value}
        if field == "points":
            shown["dataset"] = self.model.dataset  # set_points changes it quietly
        self.controls.set_values(shown)
        self.on_setting(field, value)

    # -- controls -> model
    def _on_controls_changed(self, field: str, value) -> None:
        try:
            self.model.set(**{field: value})
        except ValueError as exc:
            # Bad combination: keep the previous value and show it again, say why in the status line.
            self.controls.set_values({field: getattr(self.model, field)})
            self.status.say(f"Not applied: {exc}", error=True)

    def _on_controls_invalid(self, message: str) -> None:
        self.status.say(f"Not applied: {message}", error=True)

    def _on_draw_toggled(self, on: bool) -> None:
        self.decision.set_drawing(on)
        if on:
            self.status.say("Draw: click the plot to add points of the selected class; they become your dataset.")

    def _on_clear_points(self) -> None:
        self.model.points = ()

    def _on_point_clicked(self, x: float, y: float) -> None:
        self.add_point(x, y, self.controls.draw_class.value())

    # -- the user's points
    def add_point(self, x: float, y: float, label: int) -> None:
        """Add one user point of class ``label``; the dataset becomes "your points"."""
        m = self.model
        if m.dataset != "user" and not m.points:
            self.status.say("Drawing your own dataset: the generated one is replaced by your points.")
        m.set_points((*m.points, (float(x), float(y), float(label))))

    def load_csv(self, path: str) -> bool:
        """Take the points of a CSV file (x1, x2, label) as the dataset; a bad file is named in the status line."""
        try:
            X, labels = read_csv(path)
        except (ValueError, OSError) as exc:
            self.status.say(f"Could not load the CSV: {exc}", error=True)
            return False
        self.model.set_points([(float(a), float(b), float(c)) for (a, b), c in zip(X, labels)])
        if not self.model.status_error:  # the points fit: say where they came from
            self.status.say(f"Loaded {len(X)} points from {os.path.basename(path)}. Press Play to train on them.")
        return True
