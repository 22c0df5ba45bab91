"""The main window: one tab per page, a menu for scenes and themes."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget

from playground import export_actions, plot_exports, scenes
from playground.documents import read_document
from playground.pages import PAGE_KINDS
from playground.settings import settings
from widgets.theme import THEMES, get_theme
from widgets.theme_apply import palette


TITLE_BAR_PX = 40  # room left for a window manager's title bar when the window is sized to a screen


class MainWindow(QMainWindow):
    """Top-level window holding the pages.

    Parameters
    ----------
    theme : str
        "light" or "dark"; defaults to the remembered choice.
    autosave : bool
        Claim the home folder and autosave the session (the app; ``render``, scripts and tests leave it off).
    restore : bool
        With ``autosave``: reopen the last autosaved session (``gui`` with no file).
    """

    def __init__(self, theme: str | None = None, autosave: bool = False, restore: bool = False):
        super().__init__()
        self.setWindowTitle("Optimizer Playground")
        st = settings()
        self._theme = get_theme(theme or str(st.value("theme", "light")))
        self.tabs = QTabWidget(documentMode=True)
        self.pages: dict[str, object] = {}
        for pk in PAGE_KINDS:
            page = pk.view_class()(theme=self._theme)
            self.pages[pk.kind] = page
            self.tabs.addTab(page, pk.title)
        if not self.pages:
            self.tabs.addTab(QLabel("No pages yet.", alignment=Qt.AlignCenter), "Welcome")
        self._link_search_to_training()
        self.tabs.currentChanged.connect(self._on_tabs_changed)
        self.setCentralWidget(self.tabs)
        self._build_menu()
        self._apply_palette()
        self.statusBar().showMessage("Ready")
        last = str(st.value("page", ""))
        if last in self.pages:
            self.tabs.setCurrentWidget(self.pages[last])  # reopen on the page the user left
        geom = st.value("geometry")
        if geom is not None:
            self.restoreGeometry(geom)
        else:
            self.resize(1280, 800)
        self.fit_screen()
        from playground.session_controller import SessionController

        self.session = SessionController(self)
        if autosave:
            from playground.home import data_dir

            note = self.session.start_autosave(data_dir(), restore=restore)
            if note:
                import logging

                logging.getLogger(__name__).info("%s", note)
                self.statusBar().showMessage(note, 15000)
        self.tabs.currentChanged.connect(self.session.changed)

    def _link_search_to_training(self) -> None:
        """The search page reads the training page's settings ("Search around this") and replays a trial there."""
        search, training = self.pages.get("search"), self.pages.get("training")
        if search is None or training is None:
            return
        search.training_source = training.model.to_scene
        search.sigUseSettings.connect(self.use_trial_settings)

    def use_trial_settings(self, config: dict) -> None:
        """Copy a search trial's settings onto the training page and show it."""
        from playground.pages.search.replay import apply_to_training

        training = self.pages["training"]
        try:
            apply_to_training(training.model, config)
        except ValueError as exc:
            self.statusBar().showMessage(f"These settings do not fit the training page: {exc}", 15000)
            return
        self.tabs.setCurrentWidget(training)
        self.statusBar().showMessage("The trial's settings are on the training page: press Play to replay it.", 15000)

    def current_kind(self) -> str | None:
        """The kind of the page showing ("optimizer", "training")."""
        current = self.tabs.currentWidget()
        return next((k for k, p in self.pages.items() if p is current), None)

    def theme_name(self) -> str:
        """The name of the theme in use."""
        return self._theme.name

    def fit_screen(self) -> None:
        """No larger than the screen's free area: 1280x800 on a 1280x720 screen put the Play bar below
        its edge. The title bar is not part of the size, and is not known before the window shows."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        free = screen.availableGeometry()
        w, h = min(self.width(), free.width()), min(self.height(), free.height() - TITLE_BAR_PX)
        if (w, h) != (self.width(), self.height()):
            self.resize(max(w, 1), max(h, 1))
            self.move(free.topLeft())

    # -- menus -------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_act = QAction("&Open scene or session…", self, shortcut=QKeySequence.Open)
        open_act.setToolTip("Open a scene (one page's set-up) or a session (the whole app) from a .toml file.")
        open_act.triggered.connect(self._on_open_triggered)
        save_act = QAction("&Save scene…", self, shortcut=QKeySequence.Save)
        save_act.triggered.connect(self._on_save_triggered)
        save_session_act = QAction("Save s&ession…", self, shortcut=QKeySequence("Ctrl+Shift+S"))
        save_session_act.triggered.connect(self._on_save_session_triggered)
        new_act = QAction("&New session", self, shortcut=QKeySequence.New)
        new_act.triggered.connect(self._on_new_session_triggered)
        quit_act = QAction("&Quit", self, shortcut=QKeySequence.Quit)
        quit_act.triggered.connect(self.close)
        file_menu.addActions([new_act, open_act, save_act, save_session_act])
        file_menu.addSeparator()
        anim_act = QAction("Export &animation…", self)
        anim_act.setToolTip("Save the current page's scene as a GIF or MP4, as it plays.")
        anim_act.triggered.connect(lambda: export_actions.export_animation(self))
        script_act = QAction("Export as &PyTorch script…", self)
        script_act.setToolTip("Save the current page's set-up as a standalone Python program (torch and numpy only).")
        script_act.triggered.connect(lambda: export_actions.export_script(self))
        file_menu.addActions([anim_act, script_act])
        # Plots and tables: the current page's plots by name, each with PNG, SVG and CSV (plot_exports).
        self.export_menu = file_menu.addMenu("E&xport plot or data")
        self.export_menu.aboutToShow.connect(
            lambda: plot_exports.fill_export_menu(self, self.export_menu, self.tabs.currentWidget()))
        for page in self.pages.values():
            plot_exports.install_menus(self, page)  # the same entries on a right-click on each plot
        self.animation_run = None  # the animation export in progress, if any
        bundled = file_menu.addMenu("Bundled &scenes")
        for name in scenes.list_scenes():
            act = QAction(name, self)
            act.triggered.connect(lambda _=False, n=name: self.open_scene(n))
            bundled.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(quit_act)
        view_menu = self.menuBar().addMenu("&View")
        for name in THEMES:  # a theme added to widgets.theme (the projector one) gets its menu entry
            act = QAction(f"{name.title()} theme", self, checkable=True, checked=self._theme.name == name)
            act.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            view_menu.addAction(act)
        self._theme_actions = view_menu.actions()
        view_menu.addSeparator()
        # Developer timings (repaint, frame, stall), off unless `optimizer-playground gui --debug`.
        self.debug_action = QAction("Debug &timings", self, checkable=True)
        self.debug_action.toggled.connect(self._on_debug_toggled)
        view_menu.addAction(self.debug_action)
        self.debug_action.setChecked(os.environ.get("OPTIMIZER_PLAYGROUND_DEBUG") == "1")

    def _on_debug_toggled(self, on: bool) -> None:
        for page in self.pages.values():
            if hasattr(page, "set_debug_timings"):
                page.set_debug_timings(on)

    # -- scenes ------------------------------------------------------------
    def open_file(self, name_or_path: str, ask: bool = True) -> bool:
        """Open a bundled scene name, or a scene or session file; on error say so and keep the current state.

        ``ask``: show the error in a message box too (the status bar always has it).
        """
        note = ""
        try:
            doc = read_document(name_or_path)
            if doc.kind == "session":
                note = self.session.apply(doc.data)  # "" or why saved results were not shown
                what = "session"
            else:
                page = self.pages.get(doc.data["page"])
                if page is None:
                    raise ValueError(f"{name_or_path}: this version has no {doc.data['page']!r} page")
                page.load_scene(doc.data)
                self.tabs.setCurrentWidget(page)
                what = "scene"
        except ValueError as exc:
            self.statusBar().showMessage(str(exc), 10000)
            if ask:
                QMessageBox.warning(self, "Could not open the file", str(exc))
            return False
        self.statusBar().showMessage(f"Opened {what} {name_or_path}. {note}" if note else f"Opened {what} {name_or_path}",
                                     15000 if note else 5000)
        return True

    open_scene = open_file  # a bundled scene is one kind of file

    def _on_open_triggered(self) -> None:
        start = str(settings().value("last_scene_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open scene or session", start, "Scenes and sessions (*.toml)")
        if path:
            settings().setValue("last_scene_dir", str(Path(path).parent))
            self.open_scene(path)

    def _on_save_triggered(self) -> None:
        page = self.tabs.currentWidget()
        if not hasattr(page, "scene"):
            return
        start = str(settings().value("last_scene_dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(self, "Save scene", start, "Scenes (*.toml)")
        if not path:
            return
        try:
            scenes.save_scene(page.scene(), path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not save scene", str(exc))
            return
        settings().setValue("last_scene_dir", str(Path(path).parent))
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def _on_save_session_triggered(self) -> None:
        start = str(settings().value("last_scene_dir", str(Path.home())))
        path, _ = QFileDialog.getSaveFileName(self, "Save session", start, "Sessions (*.toml)")
        if not path:
            return
        try:
            self.session.save(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Could not save the session", str(exc))
            return
        settings().setValue("last_scene_dir", str(Path(path).parent))
        self.statusBar().showMessage(f"Saved the session to {path}", 5000)

    def _on_new_session_triggered(self) -> None:
        self.session.fresh()
        self.statusBar().showMessage("A new session: every page as a fresh start shows it.", 5000)

    # -- theme, pages, closing ---------------------------------------------
    def set_theme(self, name: str) -> None:
        self._theme = get_theme(name)
        for act in self._theme_actions:
            act.setChecked(act.text().lower().startswith(name))
        for page in self.pages.values():
            page.set_theme(self._theme)
        self._apply_palette()
        settings().setValue("theme", name)
        if hasattr(self, "session"):
            self.session.changed()

    def _apply_palette(self) -> None:
        # The menu bar, tab bar and status bar follow the theme too (they stayed light in the dark
        # theme); menus are windows of their own, which take no palette from their parent.
        pal = palette(self._theme)
        self.setPalette(pal)
        # The page names and menus follow the theme's text size too (a larger theme must reach them),
        # a little smaller than the pages' text: at full size they cost the 1280x650 fit its last pixels.
        font = QFont(self.font())
        font.setPointSize(max(self._theme.font_pt - 2, 9))
        self.tabs.tabBar().setFont(font)
        self.menuBar().setFont(font)
        for menu in self.menuBar().findChildren(QMenu):
            menu.setPalette(pal)
            menu.setFont(font)

    def _on_tabs_changed(self, index: int) -> None:
        # Leaving a page stops its work, so nothing trains unseen in the background.
        current = self.tabs.widget(index)
        for page in self.pages.values():
            if page is not current and hasattr(page, "pause"):
                page.pause()

    def shutdown(self) -> None:
        """Stop every page's threads and timers."""
        for page in self.pages.values():
            page.shutdown()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Never raises: an exception here skipped the settings and left threads running as they were
        # destroyed (which aborts the process). Settings first, then every page, each on its own.
        import logging

        log = logging.getLogger(__name__)
        try:
            st = settings()
            st.setValue("geometry", self.saveGeometry())
            current = self.tabs.currentWidget()
            kind = next((k for k, p in self.pages.items() if p is current), None)
            if kind is not None:
                st.setValue("page", kind)
            st.sync()
        except Exception:  # noqa: BLE001 - closing goes on; the log has the details
            log.exception("saving the window's settings on close failed")
        try:
            self.session.close()  # the last autosave, then the lock goes: a clean exit
        except Exception:  # noqa: BLE001 - closing goes on; the log has the details
            log.exception("the last autosave on close failed")
        try:
            self.shutdown()
        except Exception:  # noqa: BLE001
            log.exception("shutting the pages down on close failed; stopping each page again")
            for kind, page in self.pages.items():
                try:
                    page.shutdown()  # safe to call twice (Page protocol)
                except Exception:  # noqa: BLE001
                    log.exception("page %r did not shut down", kind)
        super().closeEvent(event)
