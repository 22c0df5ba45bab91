"""File > Export animation… and File > Export as PyTorch script…: the current page's scene, exported.

The animation is drawn on the GUI thread one frame per event-loop turn (the pages are widgets) while
its encoder runs on a thread of its own (:class:`playground.exports.animation.AnimationExport`), so a
progress dialog stays responsive and its Cancel stops the export with nothing written.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from playground.settings import settings

log = logging.getLogger(__name__)
DIR_KEY = "last_export_dir"


def ask_path(window, title: str, filters: str, suffix: str) -> str | None:
    """A save-file dialog starting in the last export's folder (remembered in QSettings); None if cancelled."""
    start = str(settings().value(DIR_KEY, str(Path.home())))
    path, chosen = QFileDialog.getSaveFileName(window, title, start, filters)
    if not path:
        return None
    if not Path(path).suffix:
        path += suffix if "MP4" not in (chosen or "") else ".mp4"
    settings().setValue(DIR_KEY, str(Path(path).parent))
    return path


class AnimationRun:
    """One animation export with its progress dialog (kept by the window until it ends).

    Parameters
    ----------
    window : MainWindow
    spec : playground.exports.animation.AnimationSpec
    """

    def __init__(self, window, spec):
        from playground.exports.animation import AnimationExport

        self.window = window
        self.work = AnimationExport(spec)
        self.out = spec.out
        self.dialog = QProgressDialog(f"Drawing and encoding {Path(spec.out).name}…", "Cancel", 0, 1000, window)
        self.dialog.setWindowTitle("Export animation")
        self.dialog.setWindowModality(Qt.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.canceled.connect(self.cancel)
        self.timer = QTimer(window)
        self.timer.setObjectName("animation-export")
        self.timer.setInterval(0)
        # Single-shot, re-armed after each step: the frame source and a modal progress dialog both run
        # the event loop, which must not start the next step inside this one.
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self.done = False
        self._busy = False

    def start(self) -> None:
        self.dialog.setValue(0)
        self.timer.start()

    def _tick(self) -> None:
        # A modal progress dialog's setValue runs the event loop: this timer must not re-enter itself.
        if self._busy or self.done:
            return
        self._busy = True
        try:
            self._step()
        finally:
            self._busy = False
        if not self.done:
            self.timer.start()

    def _step(self) -> None:
        try:
            frac = next(self.work)
        except StopIteration:
            self._end(f"Exported the animation to {self.out} ({self.work.frames} frames)")
            return
        except Exception as exc:  # noqa: BLE001 - the export failed: say so in one line, keep the app
            log.exception("exporting the animation failed")
            self.done = True
            self.timer.stop()
            self.work.cancel()
            self._end(None)
            QMessageBox.warning(self.window, "Could not export the animation", f"{exc}".splitlines()[0])
            return
        self.dialog.setValue(int(1000 * frac))

    def cancel(self) -> None:
        if self.done:
            return
        if self._busy:  # asked from inside a step (the dialog's Cancel): stop when the step returns
            self.done = True
            self.timer.stop()
            QTimer.singleShot(0, self.cancel_now)
            return
        self.cancel_now()

    def cancel_now(self) -> None:
        # Stopped first: closing the export disposes of its page, which runs the event loop.
        self.done = True
        self.timer.stop()
        self.work.cancel()
        self._end(f"Export of {Path(self.out).name} cancelled: nothing was written")

    def _end(self, message: str | None) -> None:
        self.done = True
        self.timer.stop()
        self.dialog.blockSignals(True)
        self.dialog.reset()
        self.dialog.close()
        if message:
            self.window.statusBar().showMessage(message, 8000)
        if getattr(self.window, "animation_run", None) is self:
            self.window.animation_run = None


def export_animation(window, path: str | None = None) -> AnimationRun | None:
    """Export the current page's scene as a GIF or MP4 (asks for the file when ``path`` is None)."""
    from playground.exports.animation import AnimationSpec

    page = window.tabs.currentWidget()
    if not hasattr(page, "scene"):
        return None
    if path is None:
        path = ask_path(window, "Export animation", "GIF animation (*.gif);;MP4 video (*.mp4)", ".gif")
        if path is None:
            return None
    size = (page.width() // 2 * 2, page.height() // 2 * 2)  # even: H.264 needs it
    try:
        spec = AnimationSpec.for_scene(page.scene(), path, size=size, theme=window.theme_name())
    except ValueError as exc:
        QMessageBox.warning(window, "Could not export the animation", str(exc).replace("--", ""))
        return None
    run = AnimationRun(window, spec)
    window.animation_run = run
    run.start()
    return run


def export_script(window, path: str | None = None) -> bool:
    """Write the current page's scene as a standalone PyTorch program (asks for the file when ``path`` is None)."""
    from playground.exports.pytorch_script import scene_script

    page = window.tabs.currentWidget()
    if not hasattr(page, "scene"):
        return False
    if path is None:
        path = ask_path(window, "Export as PyTorch script", "Python script (*.py)", ".py")
        if path is None:
            return False
    try:
        scene = page.scene()
        text = scene_script(scene, scene.get("title") or window.current_kind(), file_name=Path(path).name)
        Path(path).write_text(text, encoding="utf-8")
    except (OSError, ValueError) as exc:
        QMessageBox.warning(window, "Could not export the script", str(exc).splitlines()[0])
        return False
    window.statusBar().showMessage(f"Wrote {path}: run it with `python {Path(path).name}`", 8000)
    return True
