"""Test set-up: offscreen Qt, isolated settings, and no leaked threads or timers."""
from __future__ import annotations

import os
import tempfile

# Must happen before any QApplication exists.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# The app's settings, logs and data go to a temporary folder, for this process and every child it
# starts: a test never touches the user's real settings (playground/settings.py).
os.environ["OPTIMIZER_PLAYGROUND_HOME"] = tempfile.mkdtemp(prefix="op-home-")
# And HOME is an empty folder for the whole run, checked empty at the end (pytest_sessionfinish): no test
# writes into a user's home, whatever library it goes through. Caches (fontconfig, pip, torch) are not a
# user's data: they go to a temporary XDG_CACHE_HOME. pip's own configuration (the package index on these
# machines) stays readable through PIP_CONFIG_FILE.
_REAL_HOME = os.path.expanduser("~")
_pip_conf = os.path.join(_REAL_HOME, ".config", "pip", "pip.conf")
if os.path.exists(_pip_conf):
    os.environ.setdefault("PIP_CONFIG_FILE", _pip_conf)
# pip runs `rustc --version` for its user agent; rustup then writes its settings under HOME: the tool
# chains stay where they are installed.
for _var, _dir in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo")):
    if os.path.isdir(os.path.join(_REAL_HOME, _dir)):
        os.environ.setdefault(_var, os.path.join(_REAL_HOME, _dir))
TEST_HOME = tempfile.mkdtemp(prefix="op-user-home-")
os.environ["HOME"] = TEST_HOME
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="op-cache-")

import weakref  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory):
    """QSettings write to a temporary folder, never the user's real config (docs/traps.md)."""
    from PySide6.QtCore import QSettings

    path = str(tmp_path_factory.mktemp("settings"))
    QSettings.setDefaultFormat(QSettings.IniFormat)
    for scope in (QSettings.UserScope, QSettings.SystemScope):
        QSettings.setPath(QSettings.IniFormat, scope, path)
    yield


_started_threads: list = []
_started_timers: list = []


def _patch_start(cls, registry):
    original = cls.start

    def start(self, *args, **kwargs):
        registry.append(weakref.ref(self))
        return original(self, *args, **kwargs)

    cls.start = start
    return original


@pytest.fixture(scope="session", autouse=True)
def _track_threads_and_timers():
    from PySide6.QtCore import QThread, QTimer

    orig_thread = _patch_start(QThread, _started_threads)
    orig_timer = _patch_start(QTimer, _started_timers)
    yield
    QThread.start = orig_thread
    QTimer.start = orig_timer


def _alive(registry, check):
    alive = []
    for ref in registry:
        obj = ref()
        if obj is None:
            continue
        try:
            if check(obj):
                alive.append(obj)
        except RuntimeError:  # C++ object already deleted
            continue
    return alive


@pytest.fixture(autouse=True)
def no_leaked_threads_or_timers(request):
    """Fail a test that leaves a QThread or QTimer running (as napari does)."""
    _started_threads.clear()
    _started_timers.clear()
    yield
    if "allow_leaks" in request.keywords:
        return
    threads = _alive(_started_threads, lambda t: t.isRunning())
    timers = _alive(_started_timers, lambda t: t.isActive())
    _started_threads.clear()
    _started_timers.clear()
    assert not threads, f"test left {len(threads)} QThread(s) running"
    assert not timers, f"test left {len(timers)} QTimer(s) active: {[t.objectName() or t for t in timers]}"


@pytest.fixture
def surface_view(qtbot):
    """A shown 600 x 600 SurfaceView of the valley (kappa 10)."""
    from core.surfaces import get_surface
    from widgets.surface_view import SurfaceView

    v = SurfaceView()
    qtbot.addWidget(v)
    v.resize(600, 600)
    v.show()
    v.set_surface(get_surface("valley:kappa=10"))
    qtbot.waitExposed(v)
    return v


@pytest.fixture
def optimizer_page(qtbot):
    """A shown 1280 x 720 OptimizerPage computing on this thread (no racer subprocess)."""
    from playground.pages.optimizer.page import OptimizerPage

    p = OptimizerPage(threaded=False)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    yield p
    p.shutdown()


@pytest.fixture
def training_page(qtbot):
    """A shown 1280 x 720 TrainingPage in the light theme; shut down (trainer process too) afterwards."""
    from playground.pages.training.page import TrainingPage
    from widgets.theme import LIGHT

    p = TrainingPage(theme=LIGHT)
    qtbot.addWidget(p)
    p.resize(1280, 720)
    p.show()
    yield p
    p.shutdown()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if any test wrote into the (temporary, empty) HOME."""
    written = sorted(os.path.relpath(os.path.join(d, f), TEST_HOME)
                     for d, _dirs, files in os.walk(TEST_HOME) for f in files)
    if written:
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(
            f"FAILED: tests wrote into HOME ({TEST_HOME}): {', '.join(written[:10])}", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fresh_window_settings():
    """Each test's windows start as on a first run: a window closed by an earlier test (qtbot closes them)
    remembered its geometry and page, and a window first laid out at another size differs by a few pixels."""
    from playground.settings import settings

    st = settings()
    for key in ("geometry", "page"):
        st.remove(key)
    yield
