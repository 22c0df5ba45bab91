"""The search page's "True response" layer: the objective measured on a dense grid, under the trials.

A check box computes :func:`playground.search.truth.true_response` of the page's space and
base set-up in the page's worker host child (a "call" job, :func:`playground.search.truth.truth_job`),
never on the GUI thread, and shows its progress beside it. The result lives in the page model
(``model.truth``, cleared when the space, the base set-up or the objective changes); while the button
is ticked the Slice plot draws it as a line and the Contour plot as the map the trials sit on.
"""
from __future__ import annotations

import functools
import time

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget

from playground.search.truth import check, truth_job
from widgets.field_errors import style_error_label
from widgets.theme import Theme

#: Grid values per knob: a 1-knob line is cheap, a 2-knob map trains POINTS_2D squared runs.
POINTS_1D = 64
POINTS_2D = 24
TIP = ("Train every point of a dense grid of the one or two knobs (same set-up as the trials, validation "
       "split only) and draw that true response under the trials.")


def points_for(n_knobs: int) -> int:
    """Grid values per knob for a space of ``n_knobs`` knobs."""
    return POINTS_1D if n_knobs == 1 else POINTS_2D


class TruthLayer(QWidget):
    """The "True response" check box, its readout, and the job that computes the truth.

    Attributes
    ----------
    button : QCheckBox
        On shows the truth (computing it first when the model has none).
    readout : QLabel
        The job's progress, its cost when done, or why there is no truth for this space.
    job : int or None
        The running call job's id.
    """

    def __init__(self, model, link, plots, theme: Theme, parent=None):
        super().__init__(parent)
        self.model, self.link, self.plots = model, link, list(plots)
        self.button = QCheckBox("True response")
        self.button.setToolTip(TIP)
        self.readout = QLabel("")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self.button, 1)
        lay.addWidget(self.readout, 1)
        self.job: int | None = None
        self._key = ""          # the set-up the running job computes
        self._started = 0.0
        self._error = False
        self.button.toggled.connect(self._on_toggled)
        model.events.truth.connect(self._on_truth)
        model.loaded.connect(self._on_setup)
        for name in ("space", "base", "objective"):
            getattr(model.events, name).connect(self._on_setup)
        self.set_theme(theme)

    # -- public ---------------------------------------------------------------
    @property
    def shown(self) -> bool:
        """True when the plots draw a truth."""
        return self.button.isChecked() and self.model.truth is not None

    def set_theme(self, theme: Theme) -> None:
        font = self.font()
        font.setPointSize(max(theme.font_pt - 2, 9))
        for w in (self.button, self.readout):
            w.setFont(font)
        self._say(self.readout.text(), self._error)

    def cancel(self) -> None:
        """Stop a truth being computed (its job ends at the next epoch)."""
        if self.job is not None and self.link.host is not None:
            self.link.host.cancel(self.job)
        self.job = None

    def shutdown(self) -> None:
        """Cancel the job (the page then ends the child)."""
        self.cancel()

    # -- internals -------------------------------------------------------------
    def _say(self, text: str, error: bool = False) -> None:
        self._error = error
        self.readout.setText(text)
        if error:
            style_error_label(self.readout)
        else:
            self.readout.setPalette(self.palette())

    def _on_toggled(self, on: bool) -> None:
        if not on:
            self.cancel()
            self._say("")
            self._draw()
            return
        m = self.model
        if m.truth is not None:
            self._draw()
            self._say(self._cost_text())
            return
        try:
            spec = m.truth_spec()
            knobs = check(spec, points_for(len(spec.space.knobs)))
        except ValueError as exc:
            self._refuse(str(exc))
            return
        if m.error and m.message.startswith("No true response"):
            m.say("")
        self._key = m.setup_key()
        self._started = time.monotonic()
        fn = functools.partial(truth_job, spec, points_for(len(knobs)))
        self.job = self.link.submit_call(fn, self._on_message)
        if self.job is None:
            self._refuse(self.link.host.last_error if self.link.host is not None and self.link.host.last_error
                         else "the search process could not start")
            return
        self._say("computing… 0%")

    def _on_message(self, msg) -> None:
        from playground.workers.messages import Failed, Finished, Progress, Result

        if msg.job_id != self.job:
            return
        if isinstance(msg, Progress):
            self._say(f"computing… {100 * float(msg.data or 0):.0f}%")
        elif isinstance(msg, Result):
            if self._key == self.model.setup_key():  # else the set-up changed under it: not its truth
                self.model.set_truth(msg.value, self._key)
                self._say(self._cost_text(time.monotonic() - self._started))
        elif isinstance(msg, Failed):
            self._refuse(msg.text)
        elif isinstance(msg, Finished):
            self.job = None
            if msg.reason != "completed" and self.model.truth is None:
                self._uncheck()
                if not self._error:
                    self._say("")

    def _cost_text(self, seconds: float | None = None) -> str:
        t = self.model.truth
        shape = "×".join(str(len(a)) for a in t.axes)
        return f"{shape} trainings" + (f" in {seconds:.1f} s" if seconds is not None else "")

    def _on_setup(self, *_args) -> None:
        """The space, base set-up or objective was assigned: a job for another set-up is stopped."""
        if self.job is not None and self._key != self.model.setup_key():
            self.cancel()
            self._uncheck()
            self._say("")
        self._on_truth()

    def _refuse(self, text: str) -> None:
        """Say why there is no truth on the page's message line (the readout is too narrow for it)."""
        self._uncheck()
        self._say("not drawn", error=True)
        self.model.say(f"No true response: {text}", error=True)

    def _uncheck(self) -> None:
        self.button.blockSignals(True)
        self.button.setChecked(False)
        self.button.blockSignals(False)

    def _on_truth(self, *_args) -> None:
        """The model's truth changed (computed, or cleared by another set-up)."""
        if self.model.truth is None and self.button.isChecked() and self.job is None:
            self._uncheck()  # the old set-up's truth is gone: press again for this one's
            self._say("")
        self._draw()

    def _draw(self) -> None:
        truth = self.model.truth if self.button.isChecked() else None
        for p in self.plots:
            p.set_truth(truth)
