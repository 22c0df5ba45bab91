"""The racer list (add / duplicate / remove) and the editor of the selected racer."""
from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from core.lectures import cited_in
from core.optim import list_optimizers, optimizer_info, validate_hparams
from widgets.hparam_editor import HParamEditor
from widgets.theme import LIGHT, Theme
from widgets.field_errors import mark_field, style_error_label

MAX_RACERS = 8
SCHEDULE_TIP = "Learning-rate schedule, e.g. 'exp:k=0.01' or 'cosine'; empty keeps lr constant."


def _check_schedule(spec: str) -> None:
    """Raise ValueError if ``spec`` is not a schedule core understands (empty = constant lr)."""
    if not spec.strip():
        return
    from core.optim import parse_schedule

    parse_schedule(spec)


def rule_text(name: str) -> str:
    """The update rule of optimizer ``name``: torch's form, the lecture's form and the symbol mapping."""
    info = optimizer_info(name)
    lines = ["torch:", info.rule_torch, "", "lecture:", info.rule_lecture]
    if info.symbols:
        lines += ["", "symbols (torch's = lecture's):"]
        lines += [f"  torch's {k} = lecture's {v}" for k, v in info.symbols.items()]
    cited = cited_in("\n".join(lines))
    if cited:
        lines += ["", "lectures:"] + [f"  {ref}" for ref in cited]
    return "\n".join(lines)


class RacerPanel(QWidget):
    """Up to eight racers, each an optimizer with colour, label, hyperparameters and schedule.

    A racer is a plain dict: ``optimizer``, ``label``, ``color``, ``hparams``, ``schedule``,
    ``grad_noise``, ``batch_size``, ``seed``. Invalid input is shown in red where it was typed and
    the racer keeps its last valid state.

    Signals
    -------
    sigRacersChanged(list)
        The user changed the list or a racer's settings: the racers now (copies; a page stores them
        in its model and restarts the race). :meth:`set_racers` does not emit.
    """

    sigRacersChanged = Signal(list)

    def __init__(self, theme: Theme = LIGHT, parent=None):
        super().__init__(parent)
        self._theme = theme
        self._racers: list[dict] = []
        self._status: list[str] = []
        self._loading = False

        self.list = QListWidget()
        self.list.setToolTip("The racers; all start from the same point. Select one to edit it.")
        self.list.setMaximumHeight(190)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add a racer (up to eight).")
        self.dup_button = QPushButton("Duplicate")
        self.dup_button.setToolTip("Copy the selected racer, to change one knob and compare.")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected racer.")
        buttons = QHBoxLayout()
        for b in (self.add_button, self.dup_button, self.remove_button):
            buttons.addWidget(b)

        self.optimizer = QComboBox()
        for name, desc in list_optimizers():
            self.optimizer.addItem(name)
            self.optimizer.setItemData(self.optimizer.count() - 1, desc, Qt.ToolTipRole)
        self.optimizer.setToolTip("The update rule this racer follows.")
        self.label = QLineEdit()
        self.label.setToolTip("The name shown in the legend.")
        self.color = QComboBox()
        self.color.setToolTip("The racer's colour (a colour-blind safe palette).")
        self.schedule = QLineEdit()
        self.schedule.setPlaceholderText("constant (e.g. step:step_size=100,gamma=0.5)")
        self.schedule.setToolTip(SCHEDULE_TIP)
        self.schedule_error = QLabel("")
        style_error_label(self.schedule_error)
        self.schedule_error.setWordWrap(True)
        self.schedule_error.hide()
        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, 100.0)
        self.noise.setDecimals(3)
        self.noise.setSingleStep(0.05)
        self.noise.setToolTip("Standard deviation of Gaussian noise added to each gradient (simulated mini-batches).")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed replays the same noisy run exactly.")
        self.hparams = HParamEditor()
        self.rule = QLabel("")
        self.rule.setWordWrap(True)
        self.rule.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.rule.setToolTip("The update rule as torch computes it and as the lecture writes it.")

        form = QFormLayout()
        form.addRow("optimizer", self.optimizer)
        form.addRow("label", self.label)
        form.addRow("colour", self.color)
        form.addRow("schedule", self.schedule)
        form.addRow("", self.schedule_error)
        form.addRow("grad noise", self.noise)
        form.addRow("seed", self.seed)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list)
        lay.addLayout(buttons)
        lay.addLayout(form)
        lay.addWidget(self.hparams)
        lay.addWidget(self.rule)
        lay.addStretch(1)

        self.list.currentRowChanged.connect(self._on_list_row_changed)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.dup_button.clicked.connect(self._on_dup_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.optimizer.currentTextChanged.connect(self._on_optimizer_changed)
        self.label.editingFinished.connect(self._on_label_edited)
        self.color.currentIndexChanged.connect(self._on_color_changed)
        self.schedule.editingFinished.connect(self._on_schedule_edited)
        self.noise.valueChanged.connect(self._on_noise_changed)
        self.seed.valueChanged.connect(self._on_seed_changed)
        self.hparams.sigChanged.connect(self._on_hparams_changed)
        self.set_theme(theme)
        self._sync_editor()

    # -- public API ------------------------------------------------------------
    def racers(self) -> list[dict]:
        """A deep copy of the racers."""
        return copy.deepcopy(self._racers)

    def set_racers(self, racers: list[dict]) -> None:
        """Replace every racer (missing colours are taken from the theme in order)."""
        self._racers = []
        for r in racers[:MAX_RACERS]:
            self._racers.append(self._complete(dict(r)))
        self._status = [""] * len(self._racers)
        self._refresh_list(select=0)

    def set_status(self, index: int, text: str) -> None:
        """Show ``text`` (e.g. "diverged at step 37") after racer ``index``'s label."""
        if index < len(self._status) and self._status[index] != text:
            self._status[index] = text
            item = self.list.item(index)
            if item is not None:
                item.setText(self._item_text(index))

    def current_index(self) -> int:
        """Row of the selected racer (-1 if none)."""
        return self.list.currentRow()

    def set_theme(self, theme: Theme) -> None:
        """Use ``theme``'s fonts and racer palette."""
        self._theme = theme
        font = QFont()
        font.setPointSize(theme.font_pt)
        self.setFont(font)
        mono = QFont("DejaVu Sans Mono")
        mono.setPointSize(max(theme.font_pt - 3, 9))
        self.rule.setFont(mono)
        self.color.blockSignals(True)
        self.color.clear()
        for c in theme.racer_colors:
            pm = QPixmap(28, 16)
            pm.fill(QColor(c))
            self.color.addItem(QIcon(pm), c, c)
        self.color.blockSignals(False)
        self._refresh_list(select=max(self.list.currentRow(), 0))

    # -- helpers -------------------------------------------------------------------
    def _complete(self, r: dict) -> dict:
        name = r.get("optimizer", "sgd")
        info = optimizer_info(name)
        used = {x.get("color") for x in self._racers}
        color = r.get("color") or next((c for c in self._theme.racer_colors if c not in used),
                                      self._theme.racer_colors[0])
        hp = dict(r.get("hparams") or {})
        hp.setdefault("lr", info.surface_lr)
        try:
            hp = validate_hparams(name, **hp)
        except ValueError:
            pass  # the editor shows the problem when this racer is selected
        return {"optimizer": name, "label": r.get("label") or name, "color": color, "hparams": hp,
                "schedule": r.get("schedule") or "", "grad_noise": float(r.get("grad_noise", 0.0) or 0.0),
                "batch_size": r.get("batch_size"), "seed": int(r.get("seed", 0) or 0)}

    def _item_text(self, i: int) -> str:
        r = self._racers[i]
        s = self._status[i] if i < len(self._status) else ""
        return f"{r['label']}  —  {s}" if s else r["label"]

    def _refresh_list(self, select: int = 0) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for i, r in enumerate(self._racers):
            pm = QPixmap(22, 22)
            pm.fill(QColor(r["color"]))
            self.list.addItem(QListWidgetItem(QIcon(pm), self._item_text(i)))
        self.list.blockSignals(False)
        if self._racers:
            self.list.setCurrentRow(min(select, len(self._racers) - 1))
        self._sync_editor()
        n = len(self._racers)
        self.add_button.setEnabled(n < MAX_RACERS)
        self.dup_button.setEnabled(0 < n < MAX_RACERS)
        self.remove_button.setEnabled(n > 0)

    def _sync_editor(self) -> None:
        i = self.list.currentRow()
        enabled = 0 <= i < len(self._racers)
        for w in (self.optimizer, self.label, self.color, self.schedule, self.noise, self.seed, self.hparams):
            w.setEnabled(enabled)
        if not enabled:
            self.rule.setText("")
            return
        r = self._racers[i]
        self._loading = True
        try:
            self.optimizer.setCurrentText(r["optimizer"])
            self.label.setText(r["label"])
            k = self.color.findData(r["color"])
            if k < 0:
                self.color.addItem(r["color"], r["color"])
                k = self.color.count() - 1
            self.color.setCurrentIndex(k)
            self.schedule.setText(r["schedule"])
            self.schedule_error.hide()
            mark_field(self.schedule, None, SCHEDULE_TIP)  # not a style sheet: clearing one shrank the font
            self.noise.setValue(r["grad_noise"])
            self.seed.setValue(r["seed"])
            try:
                r["hparams"] = self.hparams.set_optimizer(r["optimizer"], r["hparams"])
            except ValueError as exc:  # set from outside (a script): show why; the racer keeps its values
                self.hparams.set_optimizer(r["optimizer"], None)
                self.hparams.error.setText(str(exc))
                self.hparams.error.show()
            self.rule.setText(rule_text(r["optimizer"]))
        finally:
            self._loading = False

    def _current(self) -> dict | None:
        i = self.list.currentRow()
        return self._racers[i] if 0 <= i < len(self._racers) else None

    def _changed(self) -> None:
        if not self._loading:
            self.sigRacersChanged.emit(self.racers())

    # -- slots ---------------------------------------------------------------------
    def _on_list_row_changed(self, _row: int) -> None:
        self._sync_editor()

    def _on_add_button_clicked(self) -> None:
        if len(self._racers) >= MAX_RACERS:
            return
        self._racers.append(self._complete({"optimizer": "sgd", "label": f"sgd {len(self._racers) + 1}"}))
        self._status.append("")
        self._refresh_list(select=len(self._racers) - 1)
        self._changed()

    def _on_dup_button_clicked(self) -> None:
        r = self._current()
        if r is None or len(self._racers) >= MAX_RACERS:
            return
        new = copy.deepcopy(r)
        new["label"] = r["label"] + " copy"
        new["color"] = None
        self._racers.append(self._complete(new))
        self._status.append("")
        self._refresh_list(select=len(self._racers) - 1)
        self._changed()

    def _on_remove_button_clicked(self) -> None:
        i = self.list.currentRow()
        if 0 <= i < len(self._racers):
            del self._racers[i]
            del self._status[i]
            self._refresh_list(select=max(i - 1, 0))
            self._changed()

    def _on_optimizer_changed(self, name: str) -> None:
        r = self._current()
        if r is None or self._loading or name == r["optimizer"] or not name:
            return
        lr = r["hparams"].get("lr")
        old = r["optimizer"]
        r["optimizer"] = name
        r["hparams"] = {"lr": lr} if lr is not None else {}
        if r["label"] == old or r["label"].startswith(old + " "):
            r["label"] = name
        self._sync_editor()
        self.list.currentItem().setText(self._item_text(self.list.currentRow()))
        self._changed()

    def _on_label_edited(self) -> None:
        r = self._current()
        if r is None or self._loading:
            return
        text = self.label.text().strip() or r["optimizer"]
        if text != r["label"]:
            r["label"] = text
            self.list.currentItem().setText(self._item_text(self.list.currentRow()))
            self._changed()

    def _on_color_changed(self, k: int) -> None:
        r = self._current()
        if r is None or self._loading or k < 0:
            return
        r["color"] = self.color.itemData(k)
        pm = QPixmap(22, 22)
        pm.fill(QColor(r["color"]))
        self.list.currentItem().setIcon(QIcon(pm))
        self._changed()

    def _on_schedule_edited(self) -> None:
        r = self._current()
        if r is None or self._loading:
            return
        spec = self.schedule.text().strip()
        try:
            _check_schedule(spec)
        except (ValueError, ImportError) as exc:
            self.schedule_error.setText(str(exc))
            self.schedule_error.show()
            mark_field(self.schedule, str(exc), SCHEDULE_TIP)
            return
        self.schedule_error.hide()
        mark_field(self.schedule, None, SCHEDULE_TIP)
        if spec != r["schedule"]:
            r["schedule"] = spec
            self._changed()

    def _on_noise_changed(self, v: float) -> None:
        r = self._current()
        if r is not None and not self._loading:
            r["grad_noise"] = float(v)
            self._changed()

    def _on_seed_changed(self, v: int) -> None:
        r = self._current()
        if r is not None and not self._loading:
            r["seed"] = int(v)
            self._changed()

    def _on_hparams_changed(self, hp: dict) -> None:
        r = self._current()
        if r is not None and not self._loading:
            r["hparams"] = dict(hp)
            self._changed()
