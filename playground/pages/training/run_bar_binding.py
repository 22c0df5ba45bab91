"""The run bar bound to the training model: its choices assign model fields, the model's show in it.

Play, Pause, +1 epoch and the other buttons are actions (the page's methods); the x axis, the log
loss, the held-out points and the speed are model fields (saved with a session), and the
Play/Pause text and the busy bar follow the run status. The speed is remembered (QSettings).
"""
from __future__ import annotations

from contextlib import contextmanager

from playground.pages.training.model import RunStatus
from playground.settings import settings
from widgets.training_controls_run import SPEEDS

SPEED_KEY = "training/speed"  # QSettings: epochs per second, 0 = as fast as it goes


def saved_speed() -> float | None:
    """The training speed the user chose last time (None: as fast as it goes)."""
    try:
        eps = float(settings().value(SPEED_KEY, 0.0))
    except (TypeError, ValueError):
        return None
    # Only a speed the control offers (a hand-edited file may hold anything).
    return eps if eps > 0 and eps in {v for _t, v in SPEEDS} else None


@contextmanager
def _quiet(widget):
    """Show a value in ``widget`` without emitting its signals (no loop back into the model)."""
    was = widget.blockSignals(True)
    try:
        yield widget
    finally:
        widget.blockSignals(was)


class RunBarBinding:
    """Keeps a RunBar, the curves' axes and the decision plot's held-out points in step with the model.

    Parameters
    ----------
    run_bar : widgets.training_controls_run.RunBar
    views : TrainingViews
        Its curves (x axis, log loss) and decision plot (held-out points).
    model : TrainingModel
    on_speed : callable(float | None)
        Called when ``model.speed`` changed (after it is remembered): paces the trainer.
    """

    def __init__(self, run_bar, views, model, on_speed):
        self.run_bar, self.views, self.model, self.on_speed = run_bar, views, model, on_speed
        run_bar.sigXMode.connect(self._on_x_mode_chosen)
        run_bar.sigLogY.connect(self._on_log_y_toggled)
        run_bar.sigShowTest.connect(self._on_show_test_toggled)
        run_bar.sigSpeed.connect(self._on_speed_chosen)
        ev = model.events
        ev.x_mode.connect(self.show_x_mode)
        ev.log_y.connect(self.show_log_y)
        ev.show_test.connect(self.show_test_points)
        ev.speed.connect(self.show_speed)
        ev.status.connect(self.show_status)
        ev.busy.connect(self.show_busy)

    # -- widgets -> model
    def _on_x_mode_chosen(self, mode: str) -> None:
        self.model.x_mode = mode

    def _on_log_y_toggled(self, on: bool) -> None:
        self.model.log_y = bool(on)

    def _on_show_test_toggled(self, on: bool) -> None:
        self.model.show_test = bool(on)

    def _on_speed_chosen(self, eps) -> None:
        self.model.speed = float(eps) if eps else None

    # -- model -> widgets
    def refresh(self) -> None:
        """Show every field the bar binds (after a scene or session replaced them quietly)."""
        self.show_x_mode()
        self.show_log_y()
        self.show_test_points()
        self.show_speed()
        self.show_status()
        self.show_busy()

    def show_x_mode(self, *_args) -> None:
        with _quiet(self.run_bar.x_mode) as box:
            box.setCurrentIndex(max(box.findData(self.model.x_mode), 0))
        self.views.curves.set_x_mode(self.model.x_mode)

    def show_log_y(self, *_args) -> None:
        with _quiet(self.run_bar.log_y) as box:
            box.setChecked(self.model.log_y)
        self.views.curves.set_log_y(self.model.log_y)

    def show_test_points(self, *_args) -> None:
        with _quiet(self.run_bar.show_test) as box:
            box.setChecked(self.model.show_test)
        self.views.decision.set_show_test(self.model.show_test)

    def show_speed(self, *_args) -> None:
        speed = self.model.speed
        self.run_bar.set_speed(speed)
        settings().setValue(SPEED_KEY, speed or 0.0)
        self.on_speed(speed)

    def show_status(self, *_args) -> None:
        self.run_bar.set_running(self.model.status is RunStatus.RUNNING)

    def show_busy(self, *_args) -> None:
        self.run_bar.set_busy(self.model.busy)
